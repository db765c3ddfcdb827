-- Post import: an archive of an account's posts (Mastodon's layout: outbox.json, actor.json,
-- media_attachments/) uploaded to POST /api/v1/import with type=posts.

-- The original ActivityPub id of a status imported from an archive; NULL for every other
-- status. Set: the status is imported (no one was notified, it entered no feed, it was
-- delivered to no one, and it never trends). Unique per account, so importing the same
-- archive again finds what it already made instead of making it twice.
ALTER TABLE statuses ADD COLUMN imported_from TEXT;

CREATE UNIQUE INDEX statuses_imported_from_key ON statuses (account_id, imported_from)
    WHERE imported_from IS NOT NULL;

ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check
    CHECK (kind IN ('following', 'blocks', 'mutes', 'domain_blocks', 'bookmarks', 'lists', 'posts'));
