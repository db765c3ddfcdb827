//! Notification and Marker.

use serde::Serialize;

use super::{datetime, Account, Status};

#[derive(Debug, Serialize)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub group_key: String,
    pub created_at: String,
    pub account: Account,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

impl Notification {
    pub fn render(
        n: &crate::model::notification::Notification,
        account: Account,
        status: Option<Status>,
    ) -> Notification {
        Notification {
            id: n.id.to_string(),
            kind: n.kind.clone(),
            group_key: format!("ungrouped-{}", n.id),
            created_at: datetime(&n.created_at),
            account,
            status,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Marker {
    pub last_read_id: String,
    pub version: i32,
    pub updated_at: String,
}
