-- Account moves (issue 21): the moves local accounts made, so that one account moves at most
-- once in 30 days (as on Mastodon), and the `move` notification local followers get.
CREATE TABLE account_moves (
    id                BIGINT PRIMARY KEY,
    -- The local account that moved away.
    account_id        BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Where it moved: the target's ActivityPub id, and the account when it is known here.
    target_uri        TEXT NOT NULL,
    target_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX account_moves_account_idx ON account_moves (account_id, created_at DESC);

ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN (
    'mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update',
    'admin.sign_up', 'admin.report', 'move'));
