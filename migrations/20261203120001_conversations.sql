-- Direct-message conversations as each local participant sees them (Mastodon's
-- account_conversations): one row per account and set of other participants. A row is the
-- account's own: deleting it hides the conversation for that account only, and the next
-- direct status among the same people starts it again.
CREATE TABLE account_conversations (
    id              BIGINT PRIMARY KEY,
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The other participants' account ids, sorted and without repeats (empty: notes to self).
    participant_ids BIGINT[] NOT NULL,
    -- The direct statuses of the conversation since the row began, so a deleted status can
    -- hand the conversation back to the one before it.
    status_ids      BIGINT[] NOT NULL,
    last_status_id  BIGINT NOT NULL,
    unread          BOOLEAN NOT NULL DEFAULT false,
    UNIQUE (account_id, participant_ids)
);

-- The list pages by last status, newest first.
CREATE INDEX account_conversations_by_last ON account_conversations (account_id, last_status_id DESC);
-- Finding the rows of a status (streaming, deletion).
CREATE INDEX account_conversations_statuses ON account_conversations USING gin (status_ids);
