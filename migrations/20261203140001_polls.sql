-- Polls: one per status at most (Mastodon's `polls`), local or remote, and the votes cast on
-- them (local accounts' on any poll, remote accounts' on local polls).
CREATE TABLE polls (
    id            BIGINT PRIMARY KEY,
    status_id     BIGINT NOT NULL UNIQUE REFERENCES statuses (id) ON DELETE CASCADE,
    account_id    BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    options       TEXT[] NOT NULL,
    -- Votes per option, in the order of `options`: counted here for a local poll; for a
    -- remote one as its server last reported them, plus local votes cast since.
    votes         BIGINT[] NOT NULL,
    multiple      BOOLEAN NOT NULL DEFAULT false,
    hide_totals   BOOLEAN NOT NULL DEFAULT false,
    -- Distinct voters; NULL when unknown (a remote poll whose server does not say).
    voters_count  BIGINT,
    expires_at    TIMESTAMPTZ,
    -- When it was closed: by the expiry job (local), or as its server said (remote).
    closed_at     TIMESTAMPTZ,
    -- A local poll whose new counts wait for the batched `Update(Question)`.
    update_due    BOOLEAN NOT NULL DEFAULT false,
    -- A remote poll: when its counts were last read from its server.
    fetched_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (cardinality(options) = cardinality(votes))
);

CREATE TABLE poll_votes (
    id          BIGINT PRIMARY KEY,
    poll_id     BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The option's index in `polls.options`.
    choice      INT NOT NULL CHECK (choice >= 0),
    -- The vote's ActivityPub id: the remote voter's `Note`, or the one sent for a local vote.
    uri         TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (poll_id, account_id, choice)
);
CREATE INDEX poll_votes_account_idx ON poll_votes (account_id, poll_id);

-- Whether a status has a poll is part of the cached status row (its counts are read afresh).
CREATE TRIGGER polls_cache AFTER INSERT OR DELETE ON polls
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_status_part();

-- The poll's options at each earlier version of an edited status (Mastodon's
-- `status_edits.poll_options`).
ALTER TABLE status_edits ADD COLUMN poll_options TEXT[];
