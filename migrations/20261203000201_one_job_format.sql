-- One stored format per job kind: a job is `service::queue::Job`, its `kind` the variant and
-- its `payload` the variant's fields. Jobs that earlier versions queued in other formats are
-- rewritten into it here, so nothing already queued is lost. Running this again changes
-- nothing (the tests do, to rewrite jobs they queue the old way).

-- `deliver` jobs queued before activities were stored once per fan-out carry the activity in
-- their payload: serialised (`body`), or as JSON (`activity`, and then no `key_id` either).
-- Each such activity becomes a row of `delivery_bodies` that the job names by `body_id`, as a
-- fan-out writes them. A serialised body keeps its bytes. An activity kept as JSON is sent as
-- PostgreSQL writes it out: the same document (its bytes were never fixed before it was sent).
-- The body's id is the job's id negated: job and body ids are positive and come from one
-- generator, so no existing body can have it.
INSERT INTO delivery_bodies (id, body)
SELECT -id, COALESCE(payload->>'body', (payload->'activity')::text)
FROM jobs
WHERE kind = 'deliver' AND body_id IS NULL
  AND (jsonb_typeof(payload->'body') = 'string' OR payload ? 'activity');

-- Their payload keeps who signs and where to, with the signer's key id (looked up when the
-- payload does not name it: a worker then needs no query while the key is in its cache).
UPDATE jobs j SET
    body_id = -j.id,
    payload = jsonb_build_object(
        'signer_id', j.payload->'signer_id',
        'key_id', COALESCE(j.payload->>'key_id', a.public_key_id, ''),
        'inbox', j.payload->'inbox')
FROM jobs o
LEFT JOIN accounts a
    ON a.id = CASE WHEN o.payload->>'signer_id' ~ '^[0-9]{1,18}$'
                   THEN (o.payload->>'signer_id')::bigint END
WHERE o.id = j.id
  AND j.kind = 'deliver' AND j.body_id IS NULL
  AND (jsonb_typeof(j.payload->'body') = 'string' OR j.payload ? 'activity');

-- A delivery whose signer is gone can never be signed: failed now, as its first attempt would
-- have failed it, and kept for an administrator to look at like any failed job.
UPDATE jobs SET state = 'failed', last_error = 'the signing account has no key',
    locked_by = NULL, locked_until = NULL
WHERE kind = 'deliver' AND payload->>'key_id' = '' AND state = 'pending';

-- `cache_remote_media` names what it caches by `which`: "avatar" and "header" already did;
-- attachments (`media_id` alone) now say "attachment".
UPDATE jobs SET payload = payload || '{"which": "attachment"}'::jsonb
WHERE kind = 'cache_remote_media' AND NOT payload ? 'which' AND payload ? 'media_id';
