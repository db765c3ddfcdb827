-- Statuses waiting for their time (POST /api/v1/statuses with `scheduled_at`). A row holds
-- what the client asked for, checked when it was scheduled; a `publish_scheduled` job queued
-- with it (run_at = scheduled_at) turns it into a status, deleting the row in the same
-- transaction that creates the status, so it is published once however many workers run.
CREATE TABLE scheduled_statuses (
    id              BIGINT PRIMARY KEY,
    account_id      BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    scheduled_at    TIMESTAMPTZ NOT NULL,
    text            TEXT NOT NULL DEFAULT '',
    spoiler_text    TEXT,
    sensitive       BOOLEAN,
    visibility      TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    in_reply_to_id  BIGINT,
    language        TEXT,
    media_ids       BIGINT[] NOT NULL DEFAULT '{}',
    -- The poll as the client sent it (polls are not published yet: issue 19).
    poll            JSONB,
    application_id  BIGINT,
    -- The request's Idempotency-Key: a repeated request within the hour gets this row back.
    idempotency_key TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Listing one's own (by id) and counting them per day (by time).
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);
CREATE INDEX scheduled_statuses_account_time ON scheduled_statuses (account_id, scheduled_at);

-- Uploads reserved for a scheduled status: not attachable elsewhere meanwhile, not swept as
-- unattached; freed again (NULL) when the scheduled status is cancelled or published.
ALTER TABLE media_attachments
    ADD COLUMN scheduled_status_id BIGINT REFERENCES scheduled_statuses(id) ON DELETE SET NULL;
CREATE INDEX media_attachments_scheduled ON media_attachments (scheduled_status_id)
    WHERE scheduled_status_id IS NOT NULL;
