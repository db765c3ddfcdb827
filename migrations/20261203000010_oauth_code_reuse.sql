-- Authorization codes are kept once used, so that a second redemption is recognised (and the
-- tokens issued from the code revoked, RFC 6749 §4.1.2) rather than mistaken for an unknown
-- code; and they remember whether the authorization request named its redirect URI, which
-- the exchange must then repeat (§4.1.3).
ALTER TABLE oauth_authorization_codes
    ADD COLUMN used_at TIMESTAMPTZ,
    -- Codes issued before this column cannot tell: they require it, the safe reading.
    ADD COLUMN redirect_uri_given BOOLEAN NOT NULL DEFAULT true;

-- The code a token descends from (its own exchange, or the token it was refreshed from), so
-- that a code's whole line of tokens can be revoked. NULL for tokens of other grants.
ALTER TABLE oauth_tokens ADD COLUMN authorization_code_hash TEXT;

CREATE INDEX oauth_tokens_authorization_code_idx ON oauth_tokens (authorization_code_hash)
    WHERE authorization_code_hash IS NOT NULL;
