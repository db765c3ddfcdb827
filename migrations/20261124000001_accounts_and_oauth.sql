-- Accounts (local and, later, remote), their counters, local users, and OAuth 2.

CREATE TABLE accounts (
    id               BIGINT PRIMARY KEY,
    username         TEXT NOT NULL,
    -- NULL for local accounts; the remote host (with port) otherwise.
    domain           TEXT,
    display_name     TEXT NOT NULL DEFAULT '',
    -- Bio as sanitised HTML, and (local accounts) the text it was made from.
    note             TEXT NOT NULL DEFAULT '',
    note_source      TEXT NOT NULL DEFAULT '',
    -- [{"name": …, "value": … (HTML), "value_source": …, "verified_at": null}]
    fields           JSONB NOT NULL DEFAULT '[]',
    locked           BOOLEAN NOT NULL DEFAULT FALSE,
    bot              BOOLEAN NOT NULL DEFAULT FALSE,
    discoverable     BOOLEAN NOT NULL DEFAULT TRUE,
    indexable        BOOLEAN NOT NULL DEFAULT FALSE,
    hide_collections BOOLEAN NOT NULL DEFAULT FALSE,
    actor_type       TEXT NOT NULL DEFAULT 'Person',
    avatar_url       TEXT,
    header_url       TEXT,
    -- ActivityPub identity and endpoints.
    uri              TEXT NOT NULL,
    url              TEXT,
    inbox_url        TEXT NOT NULL DEFAULT '',
    shared_inbox_url TEXT,
    outbox_url       TEXT NOT NULL DEFAULT '',
    followers_url    TEXT NOT NULL DEFAULT '',
    following_url    TEXT NOT NULL DEFAULT '',
    featured_url     TEXT NOT NULL DEFAULT '',
    public_key_id    TEXT NOT NULL DEFAULT '',
    public_key_pem   TEXT NOT NULL,
    -- PKCS#8 PEM; local accounts only.
    private_key_pem  TEXT,
    also_known_as    TEXT[] NOT NULL DEFAULT '{}',
    moved_to_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    memorial         BOOLEAN NOT NULL DEFAULT FALSE,
    suspended_at     TIMESTAMPTZ,
    silenced_at      TIMESTAMPTZ,
    sensitized_at    TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- When a remote actor document was last fetched.
    fetched_at       TIMESTAMPTZ
);

-- Usernames are unique case-insensitively, per domain.
CREATE UNIQUE INDEX accounts_local_username_key ON accounts (lower(username)) WHERE domain IS NULL;
CREATE UNIQUE INDEX accounts_remote_handle_key ON accounts (lower(username), lower(domain)) WHERE domain IS NOT NULL;
CREATE UNIQUE INDEX accounts_uri_key ON accounts (uri);

-- Counters live apart from the account row: they change on every post and follow.
CREATE TABLE account_stats (
    account_id      BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    statuses_count  BIGINT NOT NULL DEFAULT 0,
    following_count BIGINT NOT NULL DEFAULT 0,
    followers_count BIGINT NOT NULL DEFAULT 0,
    last_status_at  TIMESTAMPTZ
);

-- A person who signs in here; every user has exactly one local account.
CREATE TABLE users (
    id                  BIGINT PRIMARY KEY,
    account_id          BIGINT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    email               TEXT NOT NULL,
    -- argon2id, PHC string format.
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'moderator', 'admin')),
    -- False while an approval-mode registration waits for an admin.
    approved            BOOLEAN NOT NULL DEFAULT TRUE,
    confirmed_at        TIMESTAMPTZ,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    locale              TEXT NOT NULL DEFAULT 'en',
    registration_reason TEXT,
    sign_up_ip          TEXT,
    -- Posting defaults (Mastodon's `source` of the credential account).
    default_privacy     TEXT NOT NULL DEFAULT 'public'
                        CHECK (default_privacy IN ('public', 'unlisted', 'private', 'direct')),
    default_sensitive   BOOLEAN NOT NULL DEFAULT FALSE,
    default_language    TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_sign_in_at     TIMESTAMPTZ
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE oauth_apps (
    id                 BIGINT PRIMARY KEY,
    name               TEXT NOT NULL,
    website            TEXT,
    redirect_uris      TEXT[] NOT NULL,
    scopes             TEXT[] NOT NULL,
    client_id          TEXT NOT NULL UNIQUE,
    -- SHA-256 of the secret, hex; the secret itself is shown once, at creation.
    client_secret_hash TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Authorization codes live ten minutes and are used once.
CREATE TABLE oauth_authorization_codes (
    code_hash             TEXT PRIMARY KEY,
    app_id                BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id               BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes                TEXT[] NOT NULL,
    redirect_uri          TEXT NOT NULL,
    code_challenge        TEXT,
    code_challenge_method TEXT CHECK (code_challenge_method IN ('S256', 'plain')),
    expires_at            TIMESTAMPTZ NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Access tokens (and their refresh tokens), stored as SHA-256 hashes.
CREATE TABLE oauth_tokens (
    id                 BIGINT PRIMARY KEY,
    token_hash         TEXT NOT NULL UNIQUE,
    refresh_token_hash TEXT UNIQUE,
    app_id             BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    -- NULL for an app's own token (client_credentials grant).
    user_id            BIGINT REFERENCES users (id) ON DELETE CASCADE,
    scopes             TEXT[] NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at         TIMESTAMPTZ,
    last_used_at       TIMESTAMPTZ
);

CREATE INDEX oauth_tokens_user_idx ON oauth_tokens (user_id) WHERE revoked_at IS NULL;

-- Browser sessions of the sign-in page (OAuth authorize), by SHA-256 of the cookie value.
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);
