-- Fewer index entries per claim. A claim turns a job from `pending` to `running`: a column in
-- partial-index predicates, so never a HOT update, and the new row version goes into every
-- index whose predicate it matches. Before this migration that was five (the primary key, the
-- lease, running jobs by host, jobs by host and kind, jobs by body) for one row; measured with
-- pg_stat_statements over a backlog of 20,000 deliveries, a claim wrote 7.8 WAL records and
-- touched 24 buffers per job. Now the new version goes into two (the primary key and the
-- lease): 4.7 WAL records and 17 buffers per job, a quarter less time per claim.

-- Running jobs per host (the claim's per-host limit) are counted through the lease index:
-- running jobs are few (at most the workers of every process), so grouping them needs no
-- index of its own.
DROP INDEX jobs_running_host_idx;

-- A host's waiting jobs (dropped when it becomes unavailable; a document already queued for a
-- refresh) are pending ones; the few running ones are found through the lease index.
DROP INDEX jobs_host_kind_idx;
CREATE INDEX jobs_pending_host_idx ON jobs (host, kind) WHERE host IS NOT NULL AND state = 'pending';

-- The body sweep asks "does any job still name this body?": pending and failed jobs answer
-- through this index, running ones through the lease index.
DROP INDEX jobs_body_idx;
CREATE INDEX jobs_waiting_body_idx ON jobs (body_id) WHERE body_id IS NOT NULL AND state <> 'running';
