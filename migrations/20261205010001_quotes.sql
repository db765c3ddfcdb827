-- Quote posts (Mastodon 4.5, FEP-044f): who may quote a status, and each quote with its
-- approval state.

-- Who may quote the status: 'public', 'followers', 'nobody' (the author alone), and for a
-- remote status whose server asks for approval by hand, 'manual'; NULL for a remote status
-- whose server states no policy (Mastodon's `unsupported_policy`).
ALTER TABLE statuses ADD COLUMN quote_policy TEXT
    CHECK (quote_policy IN ('public', 'followers', 'nobody', 'manual'));
UPDATE statuses SET quote_policy = 'public' WHERE local AND reblog_of_id IS NULL
    AND visibility IN ('public', 'unlisted');
UPDATE statuses SET quote_policy = 'nobody' WHERE local AND reblog_of_id IS NULL
    AND visibility IN ('private', 'direct');

-- One quote per quoting status (Mastodon's `quotes`).
CREATE TABLE quotes (
    id                 BIGINT PRIMARY KEY,
    status_id          BIGINT NOT NULL UNIQUE REFERENCES statuses (id) ON DELETE CASCADE,
    account_id         BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The quoted status, once known here; NULL when it was never fetched or was deleted.
    quoted_status_id   BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    quoted_account_id  BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    quoted_uri         TEXT NOT NULL,
    state              TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'accepted', 'rejected', 'revoked', 'deleted')),
    -- The `QuoteRequest` this quote was asked with (a local quote of a remote status, or a
    -- remote quote of a local one).
    activity_uri       TEXT,
    -- The `QuoteAuthorization` that stamps it: the remote quoted author's (checked), or this
    -- server's own for a local quoted status.
    approval_uri       TEXT,
    -- A quote written in a dialect older than FEP-044f (`_misskey_quote`, `quoteUri`, links).
    legacy             BOOLEAN NOT NULL DEFAULT false,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX quotes_quoted_idx ON quotes (quoted_status_id, id DESC) WHERE quoted_status_id IS NOT NULL;
CREATE INDEX quotes_activity_idx ON quotes (activity_uri) WHERE activity_uri IS NOT NULL;
CREATE INDEX quotes_approval_idx ON quotes (approval_uri) WHERE approval_uri IS NOT NULL;

-- A quote is part of the quoting status as cached (its state shows in it), and counts in the
-- quoted status's `quotes_count`: a change evicts both. Statement-level, announcing through
-- rookery_cache_announce like every cache trigger since 20261204090001.
CREATE FUNCTION rookery_cache_quotes() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM rookery_cache_announce('s', ARRAY(
            SELECT x FROM new_rows n, LATERAL (VALUES (n.status_id), (n.quoted_status_id)) v(x)));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM rookery_cache_announce('s', ARRAY(
            SELECT x FROM old_rows o, LATERAL (VALUES (o.status_id), (o.quoted_status_id)) v(x)));
    ELSE
        PERFORM rookery_cache_announce('s', ARRAY(
            SELECT x FROM old_rows o, LATERAL (VALUES (o.status_id), (o.quoted_status_id)) v(x)
            UNION
            SELECT x FROM new_rows n, LATERAL (VALUES (n.status_id), (n.quoted_status_id)) v(x)));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER quotes_cache_ins AFTER INSERT ON quotes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_quotes();
CREATE TRIGGER quotes_cache_del AFTER DELETE ON quotes REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_quotes();
CREATE TRIGGER quotes_cache_upd AFTER UPDATE ON quotes
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_quotes();

-- Every notification type so far (the last list was 20261203180001's, with 'move'), and the
-- two of quotes.
ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN (
    'mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update',
    'admin.sign_up', 'admin.report', 'move', 'quote', 'quoted_update'));

-- Each user's default quote policy for new posts (Mastodon 4.5's `source[quote_policy]`).
ALTER TABLE users ADD COLUMN default_quote_policy TEXT NOT NULL DEFAULT 'public'
    CHECK (default_quote_policy IN ('public', 'followers', 'nobody'));
