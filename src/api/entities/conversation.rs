//! Conversation: a direct-message thread as one participant sees it.

use serde::Serialize;

use super::{Account, Status};
use crate::model::{self, StatusView};

#[derive(Debug, Serialize)]
pub struct Conversation {
    pub id: String,
    pub unread: bool,
    /// The other participants.
    pub accounts: Vec<Account>,
    pub last_status: Option<Status>,
}

impl Conversation {
    /// The thread of `last` (its root's id names it) as `viewer` sees it: unread unless the
    /// viewer wrote the latest status.
    pub fn render(last: &StatusView, viewer: &model::Account, base_url: &str) -> Conversation {
        let mut accounts: Vec<Account> = Vec::new();
        let mut seen = vec![viewer.id];
        for a in std::iter::once(&last.account).chain(last.mentions.iter()) {
            if !seen.contains(&a.id) {
                seen.push(a.id);
                accounts.push(Account::render(a, base_url));
            }
        }
        Conversation {
            id: last.status.conversation_id.to_string(),
            unread: last.status.account_id != viewer.id,
            accounts,
            last_status: Some(Status::render(last, Some(viewer.id), base_url)),
        }
    }
}
