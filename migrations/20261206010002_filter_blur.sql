-- Mastodon 4.4's third filter action, `blur`: matching statuses stay in the timeline, shown
-- with their media blurred.
ALTER TABLE filters DROP CONSTRAINT filters_filter_action_check;
ALTER TABLE filters ADD CONSTRAINT filters_filter_action_check
    CHECK (filter_action IN ('warn', 'hide', 'blur'));
