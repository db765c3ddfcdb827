-- Web Push (issue 20).
--
-- The instance's VAPID key pair (RFC 8292): made once, on first use, and kept, since every
-- push subscription a client made names the public key it was given. One row at most.
CREATE TABLE vapid_keys (
    only_one    BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_one),
    -- The P-256 private key, PKCS#8 DER.
    private_key BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One push subscription per access token (POST replaces it), as Mastodon keeps them.
CREATE TABLE web_push_subscriptions (
    id              BIGINT PRIMARY KEY,
    access_token_id BIGINT NOT NULL UNIQUE REFERENCES oauth_tokens (id) ON DELETE CASCADE,
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The push service's URL, and the subscriber's keys as given (base64url): the P-256
    -- public key (uncompressed point) and the 16-byte authentication secret.
    endpoint        TEXT NOT NULL,
    key_p256dh      TEXT NOT NULL,
    key_auth        TEXT NOT NULL,
    -- RFC 8291 `aes128gcm` payloads when true, the legacy `aesgcm` draft encoding otherwise.
    standard        BOOLEAN NOT NULL DEFAULT false,
    -- The notification types pushed (`data[alerts]` set to true).
    alerts          TEXT[] NOT NULL DEFAULT '{}',
    policy          TEXT NOT NULL DEFAULT 'all'
                    CHECK (policy IN ('all', 'followed', 'follower', 'none')),
    -- The token itself: Mastodon's push payload carries it (apps tell their accounts apart by
    -- it), and tokens are otherwise kept only as hashes. It goes with the token (below).
    access_token    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX web_push_subscriptions_account ON web_push_subscriptions (account_id);

-- Tokens are revoked by marking them (revoked_at), not deleted, so the cascade above does not
-- fire then: every revocation (POST /oauth/revoke, a refresh, sign-out everywhere, a password
-- change, a suspension) takes the token's subscription with it here, in its transaction.
CREATE FUNCTION web_push_subscriptions_revoked() RETURNS trigger AS $$
BEGIN
    DELETE FROM web_push_subscriptions WHERE access_token_id = NEW.id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER oauth_tokens_revoked_push
    AFTER UPDATE OF revoked_at ON oauth_tokens
    FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL)
    EXECUTE FUNCTION web_push_subscriptions_revoked();
