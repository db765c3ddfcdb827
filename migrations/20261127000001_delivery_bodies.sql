-- One stored copy of an activity for all the deliveries of one fan-out. A post to 1,000
-- inboxes used to carry its serialised activity in each of its 1,000 `deliver` jobs: inserted,
-- copied again by every claim (a new row version) and WAL-logged each time. Now the jobs name
-- the body by `body_id` and stay small.
--
-- A body is written in the same transaction as its jobs. There is no foreign key (a per-row
-- trigger on every job insert and delete, the queue's hot path): bodies that no job names any
-- more are removed by a periodic sweep (`jobs::deliver::spawn_body_sweep`), and a job whose
-- body is missing fails for good instead of being retried.
CREATE TABLE delivery_bodies (
    id         BIGINT PRIMARY KEY,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The shared body of a `deliver` job; NULL for other kinds and for deliveries queued before
-- this migration (their payload carries `body` or `activity` itself).
ALTER TABLE jobs ADD COLUMN body_id BIGINT;

-- The sweep's question, "does any job still name this body?", answered without reading the
-- whole queue.
CREATE INDEX jobs_body_idx ON jobs (body_id) WHERE body_id IS NOT NULL;
