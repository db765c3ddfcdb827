-- Two-factor sign-in with TOTP (RFC 6238). The row exists from the moment a person starts
-- setting it up; it is in force once `enabled_at` is set (after a valid code). The last step
-- a code was accepted for is kept, so a code is good once.
CREATE TABLE two_factor (
    user_id        BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The shared secret, base32 as authenticator apps take it.
    secret         TEXT NOT NULL,
    enabled_at     TIMESTAMPTZ,
    last_used_step BIGINT NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One-use recovery codes, stored as SHA-256 hex (they are random, long enough not to need a
-- slow hash).
CREATE TABLE two_factor_recovery_codes (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);
