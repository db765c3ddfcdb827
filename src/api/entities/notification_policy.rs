//! NotificationPolicy (v2, and v1's older shape) and NotificationRequest.

use serde::Serialize;

use super::{datetime, Account, Status};
use crate::model::notification_policy::{
    NotificationPolicy as Policy, PolicyAction, PolicySummary,
};
use crate::service::notifications::policy::RequestView;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub pending_requests_count: i64,
    pub pending_notifications_count: i64,
}

impl Summary {
    fn render(s: &PolicySummary) -> Summary {
        Summary {
            pending_requests_count: s.pending_requests_count,
            pending_notifications_count: s.pending_notifications_count,
        }
    }
}

/// Mastodon 4.3's `NotificationPolicy`.
#[derive(Debug, Serialize)]
pub struct NotificationPolicy {
    pub for_not_following: &'static str,
    pub for_not_followers: &'static str,
    pub for_new_accounts: &'static str,
    pub for_private_mentions: &'static str,
    pub for_limited_accounts: &'static str,
    pub summary: Summary,
}

impl NotificationPolicy {
    pub fn render(p: &Policy, summary: &PolicySummary) -> NotificationPolicy {
        NotificationPolicy {
            for_not_following: p.for_not_following.as_str(),
            for_not_followers: p.for_not_followers.as_str(),
            for_new_accounts: p.for_new_accounts.as_str(),
            for_private_mentions: p.for_private_mentions.as_str(),
            for_limited_accounts: p.for_limited_accounts.as_str(),
            summary: Summary::render(summary),
        }
    }
}

/// The v1 shape (Mastodon 4.3, deprecated): a criterion "filters" unless it accepts.
#[derive(Debug, Serialize)]
pub struct NotificationPolicyV1 {
    pub filter_not_following: bool,
    pub filter_not_followers: bool,
    pub filter_new_accounts: bool,
    pub filter_private_mentions: bool,
    pub summary: Summary,
}

impl NotificationPolicyV1 {
    pub fn render(p: &Policy, summary: &PolicySummary) -> NotificationPolicyV1 {
        let filters = |a: PolicyAction| a != PolicyAction::Accept;
        NotificationPolicyV1 {
            filter_not_following: filters(p.for_not_following),
            filter_not_followers: filters(p.for_not_followers),
            filter_new_accounts: filters(p.for_new_accounts),
            filter_private_mentions: filters(p.for_private_mentions),
            summary: Summary::render(summary),
        }
    }
}

/// `NotificationRequest`: one sender's filtered notifications.
#[derive(Debug, Serialize)]
pub struct NotificationRequest {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub account: Account,
    /// A string, as Mastodon sends it.
    pub notifications_count: String,
    pub last_status: Option<Status>,
}

impl NotificationRequest {
    pub fn render(view: &RequestView, viewer: i64, base_url: &str) -> NotificationRequest {
        NotificationRequest {
            id: view.request.id.to_string(),
            created_at: datetime(&view.request.created_at),
            updated_at: datetime(&view.request.updated_at),
            account: Account::render(&view.account, base_url),
            notifications_count: view.request.notifications_count.to_string(),
            last_status: view
                .last_status
                .as_ref()
                .map(|s| Status::render(s, Some(viewer), base_url)),
        }
    }
}
