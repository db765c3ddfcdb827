//! Conversation: a direct-message conversation as one participant sees it.

use serde::Serialize;

use super::{Account, Status};
use crate::model;
use crate::service::conversations::ConversationView;

#[derive(Debug, Serialize)]
pub struct Conversation {
    pub id: String,
    pub unread: bool,
    /// The other participants.
    pub accounts: Vec<Account>,
    pub last_status: Option<Status>,
}

impl Conversation {
    /// `view` as its owner, `viewer`, sees it: the REST list and the `direct` stream alike.
    pub fn render(
        view: &ConversationView,
        viewer: &model::Account,
        base_url: &str,
    ) -> Conversation {
        Conversation {
            id: view.id.to_string(),
            unread: view.unread,
            accounts: view
                .accounts
                .iter()
                .map(|a| Account::render(a, base_url))
                .collect(),
            last_status: view
                .last_status
                .as_ref()
                .map(|s| Status::render(s, Some(viewer.id), base_url)),
        }
    }
}
