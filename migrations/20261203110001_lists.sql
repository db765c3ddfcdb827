-- Lists (Mastodon's `List`): named subsets of the accounts a user follows, each with a
-- materialised feed filled by the same fan-out as the home feed.
CREATE TABLE lists (
    id         BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    replies_policy TEXT NOT NULL DEFAULT 'list'
        CHECK (replies_policy IN ('followed', 'list', 'none')),
    -- Members' posts stay out of the owner's home feed.
    exclusive  BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX lists_account_idx ON lists (account_id, id);

CREATE TABLE list_accounts (
    list_id    BIGINT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, account_id)
);
-- Fan-out looks lists up by the author of a new status.
CREATE INDEX list_accounts_account_idx ON list_accounts (account_id);

CREATE TABLE list_feed (
    list_id    BIGINT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    status_id  BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    -- As in home_feed: for removing a member's entries and boosts of their posts.
    author_id  BIGINT NOT NULL,
    origin_author_id BIGINT,
    PRIMARY KEY (list_id, status_id)
);
CREATE INDEX list_feed_status_idx ON list_feed (status_id);
