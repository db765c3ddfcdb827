-- Moderation, second part: notifications for moderators (`admin.report` carries the report,
-- `admin.sign_up` the new account).
ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN (
    'mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update',
    'admin.sign_up', 'admin.report'));
ALTER TABLE notifications ADD COLUMN report_id BIGINT REFERENCES reports (id) ON DELETE CASCADE;
-- One notification per cause: a reporter's second report is a cause of its own.
DROP INDEX notifications_cause_key;
CREATE UNIQUE INDEX notifications_cause_key
    ON notifications (account_id, type, from_account_id, COALESCE(status_id, 0), COALESCE(report_id, 0));
