-- Link preview cards (issue 20): one card per web page, shared by every status linking it.
--
-- A row exists from the first time a `fetch_card` job claims its URL. `fetching_until` is
-- the lease of the job fetching it now (another job meets it and waits); `fetched_at` when
-- the last fetch ended, `ok` whether it ever gave a card. A row that is not `ok` has no
-- metadata and is shown nowhere: it only keeps a bad page from being asked again at once.
CREATE TABLE preview_cards (
    id                BIGINT PRIMARY KEY,
    -- The link as statuses carry it, normalised (service::cards::normalise): the key.
    url               TEXT NOT NULL UNIQUE,
    -- The page's own idea of its address (og:url, http(s) only), shown as the card's `url`.
    canonical_url     TEXT,
    ok                BOOLEAN NOT NULL DEFAULT FALSE,
    type              TEXT NOT NULL DEFAULT 'link' CHECK (type IN ('link', 'photo', 'video', 'rich')),
    title             TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    author_name       TEXT NOT NULL DEFAULT '',
    author_url        TEXT NOT NULL DEFAULT '',
    provider_name     TEXT NOT NULL DEFAULT '',
    provider_url      TEXT NOT NULL DEFAULT '',
    -- Sanitised oEmbed HTML (an iframe at most).
    html              TEXT NOT NULL DEFAULT '',
    width             INTEGER NOT NULL DEFAULT 0,
    height            INTEGER NOT NULL DEFAULT 0,
    embed_url         TEXT NOT NULL DEFAULT '',
    -- The image: a stored file (image_key), or with the remote media cache off the page's
    -- own image URL (image_remote_url) as clients are sent remote attachments then.
    image_key         TEXT,
    image_remote_url  TEXT,
    image_description TEXT NOT NULL DEFAULT '',
    blurhash          TEXT,
    language          TEXT,
    published_at      TIMESTAMPTZ,
    -- [{"name": …, "url": …}]
    authors           JSONB NOT NULL DEFAULT '[]',
    fetching_until    TIMESTAMPTZ,
    fetched_at        TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX preview_cards_canonical ON preview_cards (canonical_url) WHERE canonical_url IS NOT NULL;
CREATE INDEX preview_cards_image_key ON preview_cards (image_key) WHERE image_key IS NOT NULL;

-- Which card a status shows (at most one, as on Mastodon).
CREATE TABLE status_preview_cards (
    status_id BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    card_id   BIGINT NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE
);
-- The link timeline: statuses of one card, newest first.
CREATE INDEX status_preview_cards_card ON status_preview_cards (card_id, status_id DESC);

-- The cached status row says which card it shows, so a status gaining or losing one is
-- evicted like any other part of it (migration cache_invalidation). The card's own fields are
-- read afresh with each page, so refreshing a card needs no eviction.
CREATE TRIGGER status_preview_cards_cache AFTER INSERT OR UPDATE OR DELETE ON status_preview_cards
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_status_part();
