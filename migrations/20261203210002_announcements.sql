-- Announcements from the administrators (Mastodon's), read by every local user, who may
-- dismiss them and react to them with emoji.
CREATE TABLE announcements (
    id           BIGINT PRIMARY KEY,
    -- As the administrator wrote it, and as HTML.
    text         TEXT NOT NULL,
    content      TEXT NOT NULL,
    -- What the text mentions, tags and links to (local statuses), found when it is saved.
    mention_ids  BIGINT[] NOT NULL DEFAULT '{}',
    tags         TEXT[] NOT NULL DEFAULT '{}',
    status_ids   BIGINT[] NOT NULL DEFAULT '{}',
    -- The event it announces, if any.
    starts_at    TIMESTAMPTZ,
    ends_at      TIMESTAMPTZ,
    all_day      BOOLEAN NOT NULL DEFAULT FALSE,
    -- NULL: a draft; in the future: scheduled.
    published_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX announcements_published_idx ON announcements (published_at) WHERE published_at IS NOT NULL;

CREATE TABLE announcement_dismissals (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (announcement_id, account_id)
);

CREATE TABLE announcement_reactions (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (announcement_id, account_id, name)
);
CREATE INDEX announcement_reactions_name_idx ON announcement_reactions (announcement_id, name);
