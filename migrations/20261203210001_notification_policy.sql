-- The notification policy (Mastodon 4.3): each user chooses, per kind of sender, whether
-- notifications are accepted, filtered (kept aside, grouped into a request per sender) or
-- dropped. Users without a row have the defaults written in model::notification.
CREATE TABLE notification_policies (
    account_id           BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    for_not_following    TEXT NOT NULL CHECK (for_not_following IN ('accept', 'filter', 'drop')),
    for_not_followers    TEXT NOT NULL CHECK (for_not_followers IN ('accept', 'filter', 'drop')),
    for_new_accounts     TEXT NOT NULL CHECK (for_new_accounts IN ('accept', 'filter', 'drop')),
    for_private_mentions TEXT NOT NULL CHECK (for_private_mentions IN ('accept', 'filter', 'drop')),
    for_limited_accounts TEXT NOT NULL CHECK (for_limited_accounts IN ('accept', 'filter', 'drop')),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A filtered notification is stored but kept out of the lists, streams and pushes until its
-- request is accepted.
ALTER TABLE notifications ADD COLUMN filtered BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX notifications_filtered_idx ON notifications (account_id, from_account_id, id DESC)
    WHERE filtered;

-- The filtered notifications of one sender, as a request the recipient accepts or dismisses.
CREATE TABLE notification_requests (
    id              BIGINT PRIMARY KEY,
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The status of the sender's latest filtered notification that had one.
    last_status_id  BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, from_account_id)
);
CREATE INDEX notification_requests_account_idx ON notification_requests (account_id, id DESC);

-- Senders whose request was accepted: the policy lets them through from then on.
CREATE TABLE notification_permissions (
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, from_account_id)
);
