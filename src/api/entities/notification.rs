//! Notification and Marker.

use serde::Serialize;

use super::moderation::Report;
use super::{datetime, Account, Status};
use crate::service::notifications::NotificationView;

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
    /// The report of an `admin.report`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
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
            report: None,
        }
    }

    /// A notification as `viewer` sees it, with its status or report.
    pub fn from_view(view: &NotificationView, viewer: i64, base_url: &str) -> Notification {
        let mut n = Notification::render(
            &view.notification,
            Account::render(&view.account, base_url),
            view.status
                .as_ref()
                .map(|s| Status::render(s, Some(viewer), base_url)),
        );
        n.report = view
            .report
            .as_ref()
            .map(|(r, target)| Report::render(r, target, base_url));
        n
    }
}

#[derive(Debug, Serialize)]
pub struct Marker {
    pub last_read_id: String,
    pub version: i32,
    pub updated_at: String,
}
