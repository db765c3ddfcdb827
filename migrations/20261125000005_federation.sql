-- Federation: what is left of deleted local statuses, so that their URLs answer 410 Gone with a
-- Tombstone (peers then drop their copies) instead of a 404 that looks like "never existed".
CREATE TABLE tombstones (
    uri        TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    deleted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Recorded by a trigger rather than by each delete path, so that every way a local status
-- disappears (its author deleting it, an account removed with all its statuses, moderation)
-- leaves a tombstone. Boosts are not objects of their own and leave none.
CREATE FUNCTION record_status_tombstone() RETURNS trigger AS $$
BEGIN
    INSERT INTO tombstones (uri, account_id) VALUES (OLD.uri, OLD.account_id)
    ON CONFLICT (uri) DO NOTHING;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER statuses_tombstone
    AFTER DELETE ON statuses
    FOR EACH ROW
    WHEN (OLD.local AND OLD.reblog_of_id IS NULL)
    EXECUTE FUNCTION record_status_tombstone();
