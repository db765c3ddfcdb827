-- Trending links (issue 20): a moderator's review of a card for trends, as hashtags and
-- statuses have theirs. NULL until reviewed.
ALTER TABLE preview_cards ADD COLUMN trendable BOOLEAN;
ALTER TABLE preview_cards ADD COLUMN trend_reviewed_at TIMESTAMPTZ;
