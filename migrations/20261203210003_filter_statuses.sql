-- Statuses a user filters by hand (Mastodon's v2 filter statuses): a filter matches them
-- whatever their text.
CREATE TABLE filter_statuses (
    id         BIGINT PRIMARY KEY,
    filter_id  BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id  BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (filter_id, status_id)
);
