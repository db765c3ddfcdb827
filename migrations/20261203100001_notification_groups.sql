-- Grouped notifications (Mastodon 4.3's /api/v2/notifications): favourites and boosts of one
-- status, and follows, that arrive within a span of hours share a group key, computed when
-- the notification is stored so a page of groups is one query. Other types have none
-- (they are shown as `ungrouped-<id>`).
ALTER TABLE notifications ADD COLUMN group_key TEXT;

-- Existing notifications are grouped by the hour they arrived in.
UPDATE notifications SET group_key = CASE
    WHEN type IN ('favourite', 'reblog') AND status_id IS NOT NULL
        THEN type || '-' || status_id || '-' || floor(extract(epoch FROM created_at) / 3600)::bigint
    WHEN type = 'follow'
        THEN 'follow-' || floor(extract(epoch FROM created_at) / 3600)::bigint
END;

CREATE INDEX notifications_group_idx ON notifications (account_id, group_key, id DESC)
    WHERE group_key IS NOT NULL;
