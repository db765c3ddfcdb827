-- A viewer's facts about a page of statuses (store::statuses::viewer_facts). PostgreSQL
-- plans a prepared statement for the parameters of its first executions and keeps a generic
-- plan only when that looks no dearer than those did; for this statement the comparison
-- turns on how many favourites and bookmarks the first viewers had, against the average,
-- so some connections planned it afresh on every page (about 0.2 ms, twice the cost of
-- running it) for as long as they lived. In a function its plan is always the generic one.
CREATE FUNCTION rookery_viewer_facts(
    viewer BIGINT, status_ids BIGINT[], author_ids BIGINT[], conversation_ids BIGINT[],
    followed_candidates BIGINT[],
    OUT favourited BIGINT[], OUT reblogged BIGINT[], OUT bookmarked BIGINT[],
    OUT pinned BIGINT[], OUT muted_conversations BIGINT[], OUT follows BIGINT[],
    OUT blocked BIGINT[], OUT has_filters BOOLEAN, OUT epoch BIGINT)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    SELECT ARRAY(SELECT f.status_id FROM favourites f
                 WHERE f.account_id = viewer AND f.status_id = ANY(status_ids)),
           ARRAY(SELECT r.reblog_of_id FROM statuses r
                 WHERE r.account_id = viewer AND r.reblog_of_id = ANY(status_ids)
                 AND r.reblog_of_id IS NOT NULL),
           ARRAY(SELECT b.status_id FROM bookmarks b
                 WHERE b.account_id = viewer AND b.status_id = ANY(status_ids)),
           ARRAY(SELECT p.status_id FROM status_pins p
                 WHERE p.account_id = viewer AND p.status_id = ANY(status_ids)),
           ARRAY(SELECT c.conversation_id FROM conversation_mutes c
                 WHERE c.account_id = viewer AND c.conversation_id = ANY(conversation_ids)),
           ARRAY(SELECT vf.target_account_id FROM follows vf
                 WHERE cardinality(followed_candidates) > 0
                 AND vf.target_account_id = ANY(followed_candidates) AND vf.account_id = viewer),
           ARRAY(SELECT vb.target_account_id FROM blocks vb
                 WHERE vb.account_id = viewer AND vb.target_account_id = ANY(author_ids)
                 UNION ALL SELECT vb.account_id FROM blocks vb
                 WHERE vb.target_account_id = viewer AND vb.account_id = ANY(author_ids)),
           EXISTS (SELECT 1 FROM filters vfl WHERE vfl.account_id = viewer),
           (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM rookery_cache_epoch)
      INTO favourited, reblogged, bookmarked, pinned, muted_conversations, follows, blocked,
           has_filters, epoch;
END
$$;
