-- Browser sessions become access tokens of a built-in "Web" application, so that a person
-- sees and revokes their sessions as they do their apps, a password change or a suspension
-- ends them with every other token, and the API accepts them as any other token (as
-- Mastodon's web client's). The app has no redirect URI and no usable secret: no client can
-- start an authorization or a grant as it.
INSERT INTO oauth_apps (id, name, website, redirect_uris, scopes, client_id, client_secret_hash)
VALUES (1, 'Web', NULL, '{}', '{read,write,follow,push}', 'rookery-web', '');

DROP TABLE web_sessions;

-- Sign-ins half done: the password was right and the second factor is awaited. The browser
-- holds the value whose SHA-256 is `id_hash`; it lives a few minutes and allows a few tries.
CREATE TABLE sign_in_challenges (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX sign_in_challenges_user_idx ON sign_in_challenges (user_id);
