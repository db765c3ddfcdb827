-- Followed and featured hashtags, endorsed accounts, dismissed suggestions, and the review
-- of trends.

-- Hashtags a person follows: new public posts carrying one enter their home feed.
CREATE TABLE tag_follows (
    id         BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id     BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, tag_id)
);
CREATE INDEX tag_follows_tag_idx ON tag_follows (tag_id);

-- Hashtags shown on a profile (ten at most, as on Mastodon).
CREATE TABLE featured_tags (
    id         BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id     BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, tag_id)
);

-- Accounts featured on a profile (endorsements; Mastodon's account pins).
CREATE TABLE endorsements (
    id                BIGINT PRIMARY KEY,
    account_id        BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX endorsements_target_idx ON endorsements (target_account_id);

-- Follow suggestions a person dismissed; never suggested to them again.
CREATE TABLE suggestion_dismissals (
    account_id        BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, target_account_id)
);

-- Moderators' review of trends: NULL not reviewed, TRUE approved, FALSE rejected.
ALTER TABLE tags ADD COLUMN trendable BOOLEAN;
ALTER TABLE tags ADD COLUMN reviewed_at TIMESTAMPTZ;

CREATE TABLE status_trend_reviews (
    status_id   BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    trendable   BOOLEAN NOT NULL,
    reviewed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- An endorsement needs a follow: ending the follow (unfollow, block) ends it, as on Mastodon.
CREATE FUNCTION rookery_follow_ended_endorsement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM endorsements
     WHERE account_id = OLD.account_id AND target_account_id = OLD.target_account_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER follows_end_endorsement AFTER DELETE ON follows
    FOR EACH ROW EXECUTE FUNCTION rookery_follow_ended_endorsement();
