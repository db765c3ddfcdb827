-- Custom emoji: the instance's own (domain NULL), added by admins, and those of remote
-- servers, learnt from the `Emoji` tags of their notes and actors (domain = the author's).
--
-- `image_url` and `static_url` are what clients are shown: a local file's URL, a cached copy
-- of a remote image, or the remote URL until it is cached (as avatars keep theirs).
-- `remote_url` is a remote emoji's origin; `file_key`/`static_key` the stored files (an
-- upload's, or a cached copy's); `cached_at`/`cached_bytes` count a cached copy against the
-- remote media cache's size cap and retention, as attachments are counted.
CREATE TABLE custom_emoji_categories (
    id         BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX custom_emoji_categories_name_key ON custom_emoji_categories (lower(name));

CREATE TABLE custom_emojis (
    id                BIGINT PRIMARY KEY,
    shortcode         TEXT NOT NULL,
    domain            TEXT,
    uri               TEXT,
    image_url         TEXT NOT NULL,
    static_url        TEXT NOT NULL,
    remote_url        TEXT,
    file_key          TEXT,
    static_key        TEXT,
    content_type      TEXT NOT NULL DEFAULT '',
    file_size         BIGINT NOT NULL DEFAULT 0,
    cached_at         TIMESTAMPTZ,
    cached_bytes      BIGINT,
    disabled          BOOLEAN NOT NULL DEFAULT false,
    visible_in_picker BOOLEAN NOT NULL DEFAULT true,
    category_id       BIGINT REFERENCES custom_emoji_categories (id) ON DELETE SET NULL,
    -- When the image last changed (the `updated` of the Emoji document).
    image_updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One emoji per shortcode and domain; shortcodes are case-sensitive, as on Mastodon.
CREATE UNIQUE INDEX custom_emojis_shortcode_domain_key ON custom_emojis (shortcode, COALESCE(domain, ''));
CREATE INDEX custom_emojis_domain ON custom_emojis (COALESCE(domain, ''), shortcode);
CREATE INDEX custom_emojis_cached ON custom_emojis (cached_at) WHERE cached_at IS NOT NULL;
CREATE INDEX custom_emojis_file_key ON custom_emojis (file_key) WHERE file_key IS NOT NULL;
CREATE INDEX custom_emojis_static_key ON custom_emojis (static_key) WHERE static_key IS NOT NULL;
