-- CSV imports (POST /api/v1/import) and account deletion.

-- One uploaded CSV file: what it imports, how, and whether its rows are all worked through.
CREATE TABLE imports (
    id          BIGINT PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL
                CHECK (kind IN ('following', 'blocks', 'mutes', 'domain_blocks', 'bookmarks', 'lists')),
    mode        TEXT NOT NULL CHECK (mode IN ('merge', 'overwrite')),
    -- Overwrite mode: whether what the file does not list has been removed yet.
    overwritten BOOLEAN NOT NULL DEFAULT FALSE,
    finished_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX imports_account_idx ON imports (account_id, id DESC);

-- The rows of an import, each worked through (and retried) by the run_import job. A row that
-- could not be read is stored failed, with its text, so the report can show it.
CREATE TABLE import_rows (
    import_id       BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    -- The row's line in the file, from 1.
    line            INT NOT NULL,
    raw             TEXT NOT NULL,
    -- The row as read (service::imports::Row); NULL when it could not be read.
    data            JSONB,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    error           TEXT,
    attempts        INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (import_id, line)
);

CREATE INDEX import_rows_pending_idx ON import_rows (import_id, next_attempt_at)
    WHERE state = 'pending';

-- Deleted local accounts. The account row itself stays, suspended and emptied, as the
-- tombstone that keeps its username from being taken again (as Mastodon keeps it); this row
-- says when its data goes (purge_after) and when it went (purged_at).
CREATE TABLE account_deletions (
    account_id   BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    -- The moderator who deleted it; NULL when its owner did (or the command line).
    moderator_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    by_owner     BOOLEAN NOT NULL,
    purge_after  TIMESTAMPTZ NOT NULL,
    purged_at    TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
