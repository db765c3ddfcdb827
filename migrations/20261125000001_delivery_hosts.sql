-- Delivery: the host each job talks to (for per-host concurrency), and what is known of each
-- remote host's health.

-- `host:port` of the server a job talks to (deliveries and fetches); NULL for local work.
-- Claims count running jobs per host so one slow server cannot take every worker.
ALTER TABLE jobs ADD COLUMN host TEXT;
CREATE INDEX jobs_running_host_idx ON jobs (host) WHERE state = 'running';

-- One row per remote host that a delivery has failed to. `failing_since` is the start of the
-- current run of failures (cleared by any success); `unavailable_since` is set once that run
-- lasts longer than `delivery.unavailable_after_days`: new deliveries to the host are then
-- dropped until it is seen alive (a verified inbound activity from it, a successful fetch or
-- delivery), which deletes the row.
CREATE TABLE delivery_hosts (
    host              TEXT PRIMARY KEY,
    failing_since     TIMESTAMPTZ NOT NULL,
    last_failure_at   TIMESTAMPTZ NOT NULL,
    last_error        TEXT NOT NULL DEFAULT '',
    failures          BIGINT NOT NULL DEFAULT 1,
    unavailable_since TIMESTAMPTZ
);

-- Finding a host's waiting jobs (dropping them when it becomes unavailable, not queueing a
-- second refresh of the same document).
CREATE INDEX jobs_host_kind_idx ON jobs (host, kind) WHERE host IS NOT NULL;
