-- Media attachments: uploads of local accounts (processed files in storage, keys here) and
-- attachments of remote statuses (remote URLs). An upload belongs to no status until a post
-- attaches it; unattached uploads are removed after a day.
CREATE TABLE media_attachments (
    id             BIGINT PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id      BIGINT REFERENCES statuses(id) ON DELETE SET NULL,
    position       SMALLINT NOT NULL DEFAULT 0,
    kind           TEXT NOT NULL CHECK (kind IN ('image', 'video', 'audio', 'unknown')),
    content_type   TEXT,
    file_key       TEXT,
    preview_key    TEXT,
    file_size      BIGINT,
    width          INTEGER,
    height         INTEGER,
    preview_width  INTEGER,
    preview_height INTEGER,
    blurhash       TEXT,
    description    TEXT NOT NULL DEFAULT '',
    focus_x        REAL NOT NULL DEFAULT 0,
    focus_y        REAL NOT NULL DEFAULT 0,
    remote_url     TEXT,
    preview_remote_url TEXT,
    -- 'done', 'pending' (a job is processing `upload`), or 'failed'.
    processing     TEXT NOT NULL DEFAULT 'done' CHECK (processing IN ('done', 'pending', 'failed')),
    -- The raw upload while it waits for its job: private, never served, cleared when done.
    upload         BYTEA,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX media_attachments_status ON media_attachments (status_id, position) WHERE status_id IS NOT NULL;
CREATE INDEX media_attachments_unattached ON media_attachments (created_at) WHERE status_id IS NULL;
CREATE INDEX media_attachments_file_key ON media_attachments (file_key) WHERE file_key IS NOT NULL;
CREATE INDEX media_attachments_preview_key ON media_attachments (preview_key) WHERE preview_key IS NOT NULL;
