-- Invalidation of the in-process caches of statuses and accounts (service::cache).
--
-- Every change to a row a cached entry is built from notifies channel `rookery_cache` with
-- "<kind> <id> <epoch>": kind `s` (a status), `a` (an account), `S` (all statuses). Triggers
-- rather than calls in the code, so no write path, process or manual UPDATE can forget one.
-- PostgreSQL delivers notifications at commit, in commit order, to every listening process.
--
-- The epoch is a sequence each notification takes a number from. A reader compares the
-- epoch it sees in the database with the highest one its process has received: while the
-- process is behind, it waits (or asks for a marker notification, which overtakes nothing
-- committed before it) before it trusts its cache. So a client reads its own writes, and
-- everyone else's committed before the request, whichever process made them.
CREATE SEQUENCE rookery_cache_epoch;

CREATE FUNCTION rookery_cache_evict(kind TEXT, id BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rookery_cache', kind || ' ' || id || ' ' || nextval('rookery_cache_epoch'));
END $$;

-- Rows keyed by the status or account itself (`id`).
CREATE FUNCTION rookery_cache_row() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rookery_cache_evict(TG_ARGV[0], OLD.id);
    RETURN NULL;
END $$;

-- Rows that belong to a status (`status_id`).
CREATE FUNCTION rookery_cache_status_part() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM rookery_cache_evict('s', OLD.status_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.status_id IS DISTINCT FROM OLD.status_id) THEN
        PERFORM rookery_cache_evict('s', NEW.status_id);
    END IF;
    RETURN NULL;
END $$;

-- Rows that belong to an account (`account_id`).
CREATE FUNCTION rookery_cache_account_part() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM rookery_cache_evict('a', OLD.account_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.account_id IS DISTINCT FROM OLD.account_id) THEN
        PERFORM rookery_cache_evict('a', NEW.account_id);
    END IF;
    RETURN NULL;
END $$;

-- Apps only lend statuses their name and website, and change almost never.
CREATE FUNCTION rookery_cache_all_statuses() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rookery_cache_evict('S', 0);
    RETURN NULL;
END $$;

CREATE TRIGGER statuses_cache AFTER UPDATE OR DELETE ON statuses
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_row('s');
CREATE TRIGGER status_stats_cache AFTER INSERT OR UPDATE OR DELETE ON status_stats
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_status_part();
CREATE TRIGGER mentions_cache AFTER INSERT OR UPDATE OR DELETE ON mentions
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_status_part();
CREATE TRIGGER statuses_tags_cache AFTER INSERT OR UPDATE OR DELETE ON statuses_tags
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_status_part();
CREATE TRIGGER media_attachments_cache AFTER INSERT OR UPDATE OF status_id OR DELETE ON media_attachments
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_status_part();
CREATE TRIGGER oauth_apps_cache AFTER UPDATE OR DELETE ON oauth_apps
    FOR EACH STATEMENT EXECUTE FUNCTION rookery_cache_all_statuses();

CREATE TRIGGER accounts_cache AFTER UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_row('a');
CREATE TRIGGER account_stats_cache AFTER INSERT OR UPDATE OR DELETE ON account_stats
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_account_part();
CREATE TRIGGER users_cache AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_account_part();
