-- The two statements behind every page of grouped notifications (store::notifications::
-- group_page and groups_data), as functions that always keep their generic plans, as
-- rookery_viewer_facts does. As prepared statements, PostgreSQL planned them afresh on every
-- page wherever one account held most of the notifications: the custom plans for that
-- account looked cheaper than the generic one, so it kept choosing them, and planning cost
-- twice what running them did. With the account in the index conditions the generic plans
-- are the index range scans a custom plan would choose.

-- A window of an account's notifications, newest first (or oldest first when `descending`
-- is false), with ids strictly between `above` and `below`, of `types`, from `sender` if it
-- is given, filtered ones only when `with_filtered`, never from a suspended sender.
CREATE FUNCTION rookery_notification_window(
    owner BIGINT, types TEXT[], sender BIGINT, with_filtered BOOLEAN,
    below BIGINT, above BIGINT, descending BOOLEAN, row_limit BIGINT)
RETURNS TABLE (id BIGINT, account_id BIGINT, from_account_id BIGINT, type TEXT,
               status_id BIGINT, report_id BIGINT, created_at TIMESTAMPTZ, group_key TEXT)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
    -- One query per direction: an ORDER BY that turned on a parameter could not be read off
    -- the index in order, and EXECUTE of a query built here would be planned on every call.
    IF descending THEN
        RETURN QUERY
        SELECT n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.report_id,
               n.created_at, n.group_key
        FROM notifications n
        WHERE n.account_id = owner AND n.type = ANY(types)
          AND (sender IS NULL OR n.from_account_id = sender) AND (with_filtered OR NOT n.filtered)
          AND n.id < below AND n.id > above
          AND NOT EXISTS (SELECT 1 FROM accounts sa WHERE sa.id = n.from_account_id
                          AND sa.suspended_at IS NOT NULL)
        ORDER BY n.id DESC LIMIT row_limit;
    ELSE
        RETURN QUERY
        SELECT n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.report_id,
               n.created_at, n.group_key
        FROM notifications n
        WHERE n.account_id = owner AND n.type = ANY(types)
          AND (sender IS NULL OR n.from_account_id = sender) AND (with_filtered OR NOT n.filtered)
          AND n.id < below AND n.id > above
          AND NOT EXISTS (SELECT 1 FROM accounts sa WHERE sa.id = n.from_account_id
                          AND sa.suspended_at IS NOT NULL)
        ORDER BY n.id ASC LIMIT row_limit;
    END IF;
END
$$;

-- What each group of `keys` holds among an account's notifications with ids in
-- `lowest..=highest`: its newest notification, up to `samples` senders (newest first), its
-- count, its oldest notification at or above `lowest` and its newest one's time; suspended
-- senders left out. Count and bounds come from notifications_group_idx alone. Suspended
-- senders are looked up once, in a hash (NOT IN over a subquery; ids are never null), where
-- NOT EXISTS probed the accounts' index once per counted notification, about a thousand
-- times for a page of twenty much-favourited statuses.
CREATE FUNCTION rookery_notification_groups(
    owner BIGINT, keys TEXT[], lowest BIGINT, highest BIGINT, samples BIGINT)
RETURNS TABLE (group_key TEXT, most_recent_id BIGINT, sample_account_ids BIGINT[],
               notifications_count BIGINT, page_min_id BIGINT, latest_at TIMESTAMPTZ)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT g.key, d.most_recent_id,
           ARRAY(SELECT s.from_account_id FROM notifications s
                 WHERE s.account_id = owner AND s.group_key = g.key AND s.id <= highest
                 AND s.from_account_id NOT IN (SELECT sa.id FROM accounts sa
                                               WHERE sa.suspended_at IS NOT NULL)
                 ORDER BY s.id DESC LIMIT samples),
           d.notifications_count, d.page_min_id,
           (SELECT l.created_at FROM notifications l WHERE l.id = d.most_recent_id)
    FROM unnest(keys) AS g(key)
    CROSS JOIN LATERAL (
        SELECT max(n.id) AS most_recent_id, count(*) AS notifications_count,
               min(n.id) FILTER (WHERE n.id >= lowest) AS page_min_id
        FROM notifications n
        WHERE n.account_id = owner AND n.group_key = g.key AND n.id <= highest
        AND n.from_account_id NOT IN (SELECT sa.id FROM accounts sa
                                      WHERE sa.suspended_at IS NOT NULL)
    ) d;
END
$$;
