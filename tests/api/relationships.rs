//! Follows, follow requests, blocks, mutes and the Relationship entity.
