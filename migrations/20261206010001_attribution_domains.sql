-- Websites allowed to credit an account as the author of their pages (Mastodon 4.4,
-- `attribution_domains`): set by a local owner, read from a remote actor's
-- `attributionDomains`.
ALTER TABLE accounts ADD COLUMN attribution_domains TEXT[] NOT NULL DEFAULT '{}';
