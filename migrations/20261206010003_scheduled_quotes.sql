-- A scheduled status may quote (Mastodon 4.5): the quoted status and the quote policy as the
-- client asked, checked when scheduled and again when published.
ALTER TABLE scheduled_statuses
    ADD COLUMN quoted_status_id BIGINT,
    ADD COLUMN quote_approval_policy TEXT
        CHECK (quote_approval_policy IN ('public', 'followers', 'nobody'));
