-- Remote media cache, attachments in edit history, video/audio metadata.

-- A remote attachment whose files were downloaded: file_key/preview_key point at the local
-- copies (the same columns uploads use), cached_at says when (pruning and the size cap go
-- oldest first), cached_bytes how much storage they take.
ALTER TABLE media_attachments ADD COLUMN cached_at TIMESTAMPTZ;
ALTER TABLE media_attachments ADD COLUMN cached_bytes BIGINT;
CREATE INDEX media_attachments_cached ON media_attachments (cached_at) WHERE cached_at IS NOT NULL;

-- What is known of a video or audio file from its container (duration, frame rate, audio
-- channels…), as Mastodon shows it in `meta`.
ALTER TABLE media_attachments ADD COLUMN file_meta JSONB;

-- Local copies of remote avatars and headers. While a row has a file, the account's
-- avatar_url/header_url is the local copy's URL; remote_url is the origin it came from.
CREATE TABLE profile_image_cache (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    which      TEXT NOT NULL CHECK (which IN ('avatar', 'header')),
    remote_url TEXT NOT NULL,
    file_key   TEXT NOT NULL,
    bytes      BIGINT NOT NULL,
    cached_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, which)
);
CREATE INDEX profile_image_cache_cached ON profile_image_cache (cached_at);
CREATE INDEX profile_image_cache_file_key ON profile_image_cache (file_key);

-- The attachments of each earlier version of a status: [{"id", "description", "focus_x",
-- "focus_y"}] in order. Attachments removed by an edit stay with their status (position -1)
-- so that the history can still show them, as on Mastodon.
ALTER TABLE status_edits ADD COLUMN media JSONB NOT NULL DEFAULT '[]';
