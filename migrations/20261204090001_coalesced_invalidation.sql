-- Cache invalidation, coalesced (issue 23, part 5). Replaces the row-level triggers of
-- `cache_invalidation`, `token_cache`, `polls` and `preview_cards` with statement-level ones.
--
-- Before, every changed row sent its own notification with a fresh epoch, so no two payloads
-- were alike and PostgreSQL queued each one: a post sent several, deleting an account or a
-- thread hundreds. Now:
--
-- * a statement sends one notification per kind, naming every row it changed once:
--   "<kind> <id>,<id>,… <epoch>" (at most 300 ids each, so a payload stays far below
--   PostgreSQL's 8000 bytes; a bigger statement sends several);
-- * a transaction takes one epoch, on its first announcement, and every announcement it makes
--   carries it, so the same id announced twice in one transaction (a counter bumped by two
--   statements) is the same payload, which PostgreSQL delivers once;
-- * a session whose process runs without caches (`[cache]` all 0) says so with
--   `rookery.cache_invalidation = off` and announces nothing: no queue entries, and no
--   database-wide lock at commit for a transaction that would only have announced.
--
-- What is announced, and when, is otherwise as before: the listener (service::cache) reads
-- one id or several, and the epoch rule is unchanged (the epoch of the transaction is taken
-- from the same sequence, before its commit, as every row's was).

-- The current transaction's epoch, taken from the sequence on first use.
CREATE FUNCTION rookery_cache_txn_epoch() RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    epoch TEXT := current_setting('rookery.cache_epoch', true);
BEGIN
    IF epoch IS NULL OR epoch = '' THEN
        epoch := nextval('rookery_cache_epoch')::TEXT;
        PERFORM set_config('rookery.cache_epoch', epoch, true);
    END IF;
    RETURN epoch::BIGINT;
END $$;

-- Announces the distinct non-null ids in `ids` under `kind`, in as few notifications as fit.
CREATE FUNCTION rookery_cache_announce(kind TEXT, ids BIGINT[]) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    chunk TEXT;
    epoch BIGINT;
BEGIN
    IF current_setting('rookery.cache_invalidation', true) = 'off' THEN
        RETURN;
    END IF;
    FOR chunk IN
        SELECT string_agg(c.id::TEXT, ',')
        FROM (SELECT d.id, (row_number() OVER (ORDER BY d.id) - 1) / 300 AS n
              FROM (SELECT DISTINCT u.id FROM unnest(ids) AS u(id) WHERE u.id IS NOT NULL) d) c
        GROUP BY c.n
    LOOP
        IF epoch IS NULL THEN
            epoch := rookery_cache_txn_epoch();
        END IF;
        PERFORM pg_notify('rookery_cache', kind || ' ' || chunk || ' ' || epoch);
    END LOOP;
END $$;

-- Rows keyed by the status, account or token itself (`id`): updated or deleted ones.
CREATE FUNCTION rookery_cache_rows() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rookery_cache_announce(TG_ARGV[0], ARRAY(SELECT o.id FROM old_rows o));
    RETURN NULL;
END $$;

-- Rows that belong to a status (`status_id`): the status of every inserted or deleted row,
-- and of every updated row before and after.
CREATE FUNCTION rookery_cache_status_parts() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM rookery_cache_announce('s', ARRAY(SELECT n.status_id FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM rookery_cache_announce('s', ARRAY(SELECT o.status_id FROM old_rows o));
    ELSE
        PERFORM rookery_cache_announce('s', ARRAY(
            SELECT o.status_id FROM old_rows o UNION SELECT n.status_id FROM new_rows n));
    END IF;
    RETURN NULL;
END $$;

-- Rows that belong to an account (`account_id`), as rookery_cache_status_parts.
CREATE FUNCTION rookery_cache_account_parts() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM rookery_cache_announce('a', ARRAY(SELECT n.account_id FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM rookery_cache_announce('a', ARRAY(SELECT o.account_id FROM old_rows o));
    ELSE
        PERFORM rookery_cache_announce('a', ARRAY(
            SELECT o.account_id FROM old_rows o UNION SELECT n.account_id FROM new_rows n));
    END IF;
    RETURN NULL;
END $$;

-- Media attachments matter to a status only by belonging to it: an update announces the
-- statuses of attachments that moved, as the row trigger's `UPDATE OF status_id` did.
CREATE FUNCTION rookery_cache_media_moved() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rookery_cache_announce('s', ARRAY(
        SELECT x FROM old_rows o JOIN new_rows n ON n.id = o.id,
            LATERAL (VALUES (o.status_id), (n.status_id)) v(x)
        WHERE o.status_id IS DISTINCT FROM n.status_id));
    RETURN NULL;
END $$;

-- Apps only lend statuses their name and website, and change almost never.
CREATE OR REPLACE FUNCTION rookery_cache_all_statuses() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rookery_cache_announce('S', ARRAY[0::BIGINT]);
    RETURN NULL;
END $$;

DROP TRIGGER statuses_cache ON statuses;
DROP TRIGGER status_stats_cache ON status_stats;
DROP TRIGGER mentions_cache ON mentions;
DROP TRIGGER statuses_tags_cache ON statuses_tags;
DROP TRIGGER media_attachments_cache ON media_attachments;
DROP TRIGGER accounts_cache ON accounts;
DROP TRIGGER account_stats_cache ON account_stats;
DROP TRIGGER users_cache ON users;
DROP TRIGGER oauth_tokens_cache ON oauth_tokens;
DROP TRIGGER polls_cache ON polls;
DROP TRIGGER status_preview_cards_cache ON status_preview_cards;

-- The row-level functions stay for any row trigger still naming them, announcing the way
-- statement triggers do (the transaction's epoch, nothing when caches are off).
CREATE OR REPLACE FUNCTION rookery_cache_evict(kind TEXT, id BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rookery_cache_announce(kind, ARRAY[id]);
END $$;

-- The rows themselves. (The statement trigger on oauth_apps stays as it was, now announcing
-- through rookery_cache_announce.)
CREATE TRIGGER statuses_cache_upd AFTER UPDATE ON statuses REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_rows('s');
CREATE TRIGGER statuses_cache_del AFTER DELETE ON statuses REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_rows('s');
CREATE TRIGGER accounts_cache_upd AFTER UPDATE ON accounts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_rows('a');
CREATE TRIGGER accounts_cache_del AFTER DELETE ON accounts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_rows('a');
CREATE TRIGGER oauth_tokens_cache_upd AFTER UPDATE ON oauth_tokens REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_rows('t');
CREATE TRIGGER oauth_tokens_cache_del AFTER DELETE ON oauth_tokens REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_rows('t');

-- Media attachments: inserted and deleted ones like other parts, updated ones when they move.
CREATE TRIGGER media_attachments_cache_ins AFTER INSERT ON media_attachments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_status_parts();
CREATE TRIGGER media_attachments_cache_del AFTER DELETE ON media_attachments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_status_parts();
CREATE TRIGGER media_attachments_cache_upd AFTER UPDATE ON media_attachments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_media_moved();

-- Parts of statuses and of accounts: inserted, updated and deleted rows.
DO $$
DECLARE
    part RECORD;
BEGIN
    FOR part IN SELECT * FROM (VALUES
        ('status_stats', 'rookery_cache_status_parts', TRUE),
        ('mentions', 'rookery_cache_status_parts', TRUE),
        ('statuses_tags', 'rookery_cache_status_parts', TRUE),
        ('status_preview_cards', 'rookery_cache_status_parts', TRUE),
        -- A poll's own changes (votes, closing) are read afresh; only its existence is cached.
        ('polls', 'rookery_cache_status_parts', FALSE),
        ('account_stats', 'rookery_cache_account_parts', TRUE),
        ('users', 'rookery_cache_account_parts', TRUE)
    ) AS p(tbl, fn, on_update)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION %I()', part.tbl || '_cache_ins', part.tbl, part.fn);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION %I()', part.tbl || '_cache_del', part.tbl, part.fn);
        IF part.on_update THEN
            EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I '
                'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                'FOR EACH STATEMENT EXECUTE FUNCTION %I()', part.tbl || '_cache_upd', part.tbl, part.fn);
        END IF;
    END LOOP;
END $$;
