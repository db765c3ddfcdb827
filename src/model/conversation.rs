//! A direct-message conversation as one participant keeps it.

/// One account's conversation with a set of other accounts.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Conversation {
    pub id: i64,
    /// Whose conversation this is.
    pub account_id: i64,
    /// The other participants, sorted (empty for notes to oneself).
    pub participant_ids: Vec<i64>,
    pub last_status_id: i64,
    pub unread: bool,
}
