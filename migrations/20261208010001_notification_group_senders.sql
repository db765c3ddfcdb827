-- A group's figures (its count, its newest and oldest notifications and its sample senders)
-- are read for every group of a page of grouped notifications. With the sender in the index
-- they come from the index alone, where each counted notification cost a heap page read: a
-- much-favourited status's notifications are scattered across the table.
DROP INDEX notifications_group_idx;
CREATE INDEX notifications_group_idx ON notifications (account_id, group_key, id DESC)
    INCLUDE (from_account_id) WHERE group_key IS NOT NULL;
