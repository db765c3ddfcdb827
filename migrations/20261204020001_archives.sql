-- Full archives of an account (posts, media, profile, favourites, bookmarks): ZIP files in the
-- media storage, made by the `build_archive` job and removed a week after by `expire_archive`.
CREATE TABLE account_archives (
    id          BIGINT PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ready', 'failed')),
    file_key    TEXT,
    file_size   BIGINT,
    created_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    expires_at  TIMESTAMPTZ
);

CREATE INDEX account_archives_by_account ON account_archives (account_id, id DESC);
