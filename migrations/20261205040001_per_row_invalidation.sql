-- A way to turn the coalescing of migration `coalesced_invalidation` off, for before-and-after
-- measurements of the write path (issue 23, part 5; `cargo bench --bench workload` runs its
-- writers both ways). A session with `rookery.cache_invalidation = per_row` announces as
-- Rookery did before that migration: every changed row on its own, each with a fresh epoch,
-- so no two payloads are alike and PostgreSQL queues every one. Set by the process when
-- `cache.coalesce_invalidation` is false; the listener reads both forms the same way.
CREATE OR REPLACE FUNCTION rookery_cache_announce(kind TEXT, ids BIGINT[]) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    chunk TEXT;
    epoch BIGINT;
    mode TEXT := current_setting('rookery.cache_invalidation', true);
    one BIGINT;
BEGIN
    IF mode = 'off' THEN
        RETURN;
    END IF;
    IF mode = 'per_row' THEN
        FOREACH one IN ARRAY ids LOOP
            IF one IS NOT NULL THEN
                PERFORM pg_notify('rookery_cache',
                    kind || ' ' || one || ' ' || nextval('rookery_cache_epoch'));
            END IF;
        END LOOP;
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
