-- Statuses, their reactions, relationships between accounts, notifications, markers, the
-- materialised home feed, and the durable job queue.

CREATE TABLE statuses (
    id                     BIGINT PRIMARY KEY,
    uri                    TEXT NOT NULL,
    url                    TEXT,
    account_id             BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    in_reply_to_id         BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    in_reply_to_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    -- A boost: its own row, pointing at the original.
    reblog_of_id           BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    -- The thread's root, for muting a conversation.
    conversation_id        BIGINT NOT NULL,
    -- What the author typed (local statuses), and the HTML everyone receives.
    text                   TEXT NOT NULL DEFAULT '',
    content                TEXT NOT NULL DEFAULT '',
    spoiler_text           TEXT NOT NULL DEFAULT '',
    sensitive              BOOLEAN NOT NULL DEFAULT FALSE,
    visibility             TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    language               TEXT,
    local                  BOOLEAN NOT NULL,
    application_id         BIGINT REFERENCES oauth_apps (id) ON DELETE SET NULL,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    edited_at              TIMESTAMPTZ
);

CREATE UNIQUE INDEX statuses_uri_key ON statuses (uri);
CREATE INDEX statuses_account_idx ON statuses (account_id, id DESC);
CREATE INDEX statuses_reply_idx ON statuses (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX statuses_reblog_idx ON statuses (reblog_of_id) WHERE reblog_of_id IS NOT NULL;
CREATE UNIQUE INDEX statuses_one_reblog_key ON statuses (account_id, reblog_of_id) WHERE reblog_of_id IS NOT NULL;
CREATE INDEX statuses_conversation_idx ON statuses (conversation_id);
-- The public timelines: public originals, newest first.
CREATE INDEX statuses_public_idx ON statuses (id DESC) WHERE visibility = 'public' AND reblog_of_id IS NULL;
CREATE INDEX statuses_public_local_idx ON statuses (id DESC) WHERE visibility = 'public' AND reblog_of_id IS NULL AND local;

CREATE TABLE status_stats (
    status_id        BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    replies_count    BIGINT NOT NULL DEFAULT 0,
    reblogs_count    BIGINT NOT NULL DEFAULT 0,
    favourites_count BIGINT NOT NULL DEFAULT 0
);

-- Earlier versions of an edited status (the current version is the status row itself).
CREATE TABLE status_edits (
    id           BIGINT PRIMARY KEY,
    status_id    BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    content      TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive    BOOLEAN NOT NULL,
    language     TEXT,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX status_edits_status_idx ON status_edits (status_id, id);

CREATE TABLE mentions (
    status_id  BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account_idx ON mentions (account_id, status_id DESC);

CREATE TABLE tags (
    id         BIGINT PRIMARY KEY,
    -- As first written; matched case-insensitively.
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tags_name_key ON tags (lower(name));

CREATE TABLE statuses_tags (
    tag_id    BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, status_id)
);
CREATE INDEX statuses_tags_status_idx ON statuses_tags (status_id);

CREATE TABLE favourites (
    id         BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id  BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status_idx ON favourites (status_id, id DESC);

CREATE TABLE bookmarks (
    id         BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id  BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, status_id)
);

CREATE TABLE status_pins (
    id         BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id  BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, status_id)
);

CREATE TABLE conversation_mutes (
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
);

-- Same-key posts within an hour return the first status (the Idempotency-Key header).
CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    status_id  BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, key)
);

CREATE TABLE follows (
    id                BIGINT PRIMARY KEY,
    account_id        BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs      BOOLEAN NOT NULL DEFAULT TRUE,
    notify            BOOLEAN NOT NULL DEFAULT FALSE,
    languages         TEXT[],
    uri               TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX follows_target_idx ON follows (target_account_id, id DESC);

CREATE TABLE follow_requests (
    id                BIGINT PRIMARY KEY,
    account_id        BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs      BOOLEAN NOT NULL DEFAULT TRUE,
    notify            BOOLEAN NOT NULL DEFAULT FALSE,
    languages         TEXT[],
    uri               TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX follow_requests_target_idx ON follow_requests (target_account_id, id DESC);

CREATE TABLE blocks (
    id                BIGINT PRIMARY KEY,
    account_id        BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri               TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target_idx ON blocks (target_account_id);

CREATE TABLE mutes (
    id                 BIGINT PRIMARY KEY,
    account_id         BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications BOOLEAN NOT NULL DEFAULT TRUE,
    expires_at         TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, target_account_id)
);

CREATE TABLE notifications (
    id              BIGINT PRIMARY KEY,
    -- Who is notified, and who caused it.
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type            TEXT NOT NULL CHECK (type IN ('mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update')),
    status_id       BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX notifications_account_idx ON notifications (account_id, id DESC);
-- One notification per cause: a repeated favourite or follow does not notify twice.
CREATE UNIQUE INDEX notifications_cause_key ON notifications (account_id, type, from_account_id, COALESCE(status_id, 0));

CREATE TABLE markers (
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline     TEXT NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id BIGINT NOT NULL,
    version      INT NOT NULL DEFAULT 0,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, timeline)
);

-- The materialised home feed: status ids (boosts as the boost's own id) per local owner,
-- newest first, capped per owner. Mastodon keeps this in Redis; here it is a narrow table.
CREATE TABLE home_feed (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id  BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    -- The author of the entry and, for a boost, of the original: for removing entries when
    -- an owner unfollows, blocks or mutes someone.
    author_id  BIGINT NOT NULL,
    origin_author_id BIGINT,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX home_feed_status_idx ON home_feed (status_id);

-- When a user last read their home feed: feeds of long-absent users are not maintained by
-- fan-out and are rebuilt from the statuses when they return.
ALTER TABLE users ADD COLUMN feed_active_at TIMESTAMPTZ;

-- The durable job queue. A job is `pending` until due (`run_at`), `running` while a worker
-- holds its lease (`locked_until`; an expired lease makes it claimable again), and is deleted
-- when done; `failed` jobs ran out of attempts and are kept for inspection.
CREATE TABLE jobs (
    id           BIGINT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      JSONB NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'failed')),
    run_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts     INT NOT NULL DEFAULT 0,
    max_attempts INT NOT NULL DEFAULT 10,
    locked_until TIMESTAMPTZ,
    locked_by    TEXT,
    last_error   TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE state = 'pending';
CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE state = 'running';
