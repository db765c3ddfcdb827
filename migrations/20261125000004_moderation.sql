-- Moderation and safety: the audit log, domain blocks and allows, reports, user-level domain
-- blocks, keyword filters and the instance's rules.

-- Every moderation action: who did what to which target, when, and why.
CREATE TABLE admin_action_logs (
    id               BIGINT PRIMARY KEY,
    account_id       BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    -- e.g. suspend, unsuspend, silence, create_domain_block, resolve_report.
    action           TEXT NOT NULL,
    -- Account, DomainBlock, DomainAllow, Report, Rule.
    target_type      TEXT NOT NULL,
    target_id        BIGINT,
    -- What the target was called when the action happened (an acct, a domain).
    human_identifier TEXT NOT NULL DEFAULT '',
    -- The moderator's reason or warning text.
    text             TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX admin_action_logs_created_idx ON admin_action_logs (id DESC);

-- Whether a remote host (may carry a port) falls under a block or allow of `pattern`: the
-- host itself or a subdomain, with a portless pattern covering every port.
CREATE FUNCTION rookery_domain_covered(host TEXT, pattern TEXT) RETURNS BOOLEAN
LANGUAGE SQL IMMUTABLE AS $$
    SELECT lower(host) = lower(pattern)
        OR lower(host) LIKE '%.' || lower(pattern)
        OR (position(':' IN pattern) = 0 AND (
               lower(split_part(host, ':', 1)) = lower(pattern)
            OR lower(split_part(host, ':', 1)) LIKE '%.' || lower(pattern)))
$$;

CREATE TABLE domain_blocks (
    id              BIGINT PRIMARY KEY,
    domain          TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('silence', 'suspend', 'noop')),
    reject_media    BOOLEAN NOT NULL DEFAULT FALSE,
    reject_reports  BOOLEAN NOT NULL DEFAULT FALSE,
    private_comment TEXT,
    public_comment  TEXT,
    obfuscate       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX domain_blocks_domain_key ON domain_blocks (lower(domain));

CREATE TABLE domain_allows (
    id         BIGINT PRIMARY KEY,
    domain     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX domain_allows_domain_key ON domain_allows (lower(domain));

-- Accounts of a blocked domain that become known later are silenced or suspended at once.
-- The account's timestamp is the block's `created_at`, so lifting the block lifts exactly
-- the limits it imposed and not those a moderator set by hand.
CREATE FUNCTION rookery_apply_domain_block() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    b domain_blocks%ROWTYPE;
BEGIN
    IF NEW.domain IS NULL THEN
        RETURN NEW;
    END IF;
    FOR b IN SELECT * FROM domain_blocks WHERE rookery_domain_covered(NEW.domain, domain) LOOP
        IF b.severity = 'suspend' AND NEW.suspended_at IS NULL THEN
            NEW.suspended_at := b.created_at;
        ELSIF b.severity = 'silence' AND NEW.silenced_at IS NULL THEN
            NEW.silenced_at := b.created_at;
        END IF;
    END LOOP;
    RETURN NEW;
END
$$;
CREATE TRIGGER accounts_domain_block BEFORE INSERT ON accounts
    FOR EACH ROW EXECUTE FUNCTION rookery_apply_domain_block();

CREATE TABLE reports (
    id                         BIGINT PRIMARY KEY,
    -- Who reported: a local account, or a remote instance's actor for an inbound Flag.
    account_id                 BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id          BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_ids                 BIGINT[] NOT NULL DEFAULT '{}',
    rule_ids                   BIGINT[] NOT NULL DEFAULT '{}',
    comment                    TEXT NOT NULL DEFAULT '',
    category                   TEXT NOT NULL CHECK (category IN ('spam', 'legal', 'violation', 'other')),
    forwarded                  BOOLEAN NOT NULL DEFAULT FALSE,
    -- The Flag's id (inbound, or sent when forwarded).
    uri                        TEXT,
    assigned_account_id        BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    action_taken_at            TIMESTAMPTZ,
    action_taken_by_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                 TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX reports_target_idx ON reports (target_account_id);
CREATE INDEX reports_unresolved_idx ON reports (id DESC) WHERE action_taken_at IS NULL;

-- Domains a user hides for themselves.
CREATE TABLE user_domain_blocks (
    id         BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX user_domain_blocks_key ON user_domain_blocks (account_id, lower(domain));

-- Keyword filters (Mastodon's v2 filters).
CREATE TABLE filters (
    id            BIGINT PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    context       TEXT[] NOT NULL,
    filter_action TEXT NOT NULL CHECK (filter_action IN ('warn', 'hide')),
    expires_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX filters_account_idx ON filters (account_id);

CREATE TABLE filter_keywords (
    id         BIGINT PRIMARY KEY,
    filter_id  BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword    TEXT NOT NULL,
    whole_word BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX filter_keywords_filter_idx ON filter_keywords (filter_id);

-- The instance's rules, shown at sign-up and cited by reports.
CREATE TABLE rules (
    id         BIGINT PRIMARY KEY,
    text       TEXT NOT NULL,
    hint       TEXT NOT NULL DEFAULT '',
    priority   INT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
