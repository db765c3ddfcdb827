//! Notification and Marker.

use serde::Serialize;

use super::account::{AccountJson, RenderedAccounts};
use super::moderation::Report;
use super::{datetime, Account, Status};
use crate::service::notifications::groups::{GroupPage, GroupView};
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
            group_key: crate::model::notification::shown_group_key(n.id, n.group_key.as_deref()),
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

/// Mastodon's `NotificationGroup`: notifications of one group_key, shown as one.
#[derive(Debug, Serialize)]
pub struct NotificationGroup {
    pub group_key: String,
    pub notifications_count: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub most_recent_notification_id: String,
    /// Present when the group was read as part of a page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_min_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_max_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_page_notification_at: Option<String>,
    pub sample_account_ids: Vec<String>,
    /// For types about a status (favourite, reblog, mention, status, update, poll).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<String>,
    /// The report of an `admin.report`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
}

impl NotificationGroup {
    pub fn render(group: &GroupView, base_url: &str) -> NotificationGroup {
        let n = &group.latest.notification;
        NotificationGroup {
            group_key: group.group_key.clone(),
            notifications_count: group.notifications_count,
            kind: n.kind.clone(),
            most_recent_notification_id: group.most_recent_notification_id.to_string(),
            page_min_id: group.page.as_ref().map(|p| p.min_id.to_string()),
            page_max_id: group.page.as_ref().map(|p| p.max_id.to_string()),
            latest_page_notification_at: group.page.as_ref().map(|p| datetime(&p.latest_at)),
            sample_account_ids: group
                .sample_accounts
                .iter()
                .map(|a| a.id.to_string())
                .collect(),
            status_id: group
                .latest
                .status
                .as_ref()
                .map(|s| s.status.id.to_string()),
            report: group
                .latest
                .report
                .as_ref()
                .map(|(r, target)| Report::render(r, target, base_url)),
        }
    }
}

/// Mastodon's `PartialAccountWithAvatar`: enough of an account to show its avatar.
#[derive(Debug, Serialize)]
pub struct PartialAccountWithAvatar {
    pub id: String,
    pub acct: String,
    pub url: String,
    pub avatar: String,
    pub avatar_static: String,
    pub locked: bool,
    pub bot: bool,
}

impl From<Account> for PartialAccountWithAvatar {
    fn from(a: Account) -> PartialAccountWithAvatar {
        PartialAccountWithAvatar {
            id: a.id,
            acct: a.acct,
            url: a.url,
            avatar: a.avatar,
            avatar_static: a.avatar_static,
            locked: a.locked,
            bot: a.bot,
        }
    }
}

/// How much of the sample accounts a grouped page carries (`expand_accounts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpandAccounts {
    /// Every sample account in full, in `accounts`.
    Full,
    /// Each group's first sample in full; the others in `partial_accounts`.
    PartialAvatars,
}

/// Mastodon's `GroupedNotificationsResults`: groups with their accounts and statuses
/// side-loaded once each.
#[derive(Debug, Serialize)]
pub struct GroupedNotificationsResults {
    pub accounts: Vec<AccountJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_accounts: Option<Vec<PartialAccountWithAvatar>>,
    pub statuses: Vec<Status>,
    pub notification_groups: Vec<NotificationGroup>,
}

impl GroupedNotificationsResults {
    /// About how many bytes the JSON takes (an account, a status with its account, a group):
    /// room reserved for it up front.
    pub fn json_bytes(&self) -> usize {
        let partial = self.partial_accounts.as_ref().map_or(0, Vec::len);
        (self.accounts.len() + partial) * 1024
            + self.statuses.len() * 2048
            + self.notification_groups.len() * 512
    }

    /// The groups with their accounts and statuses; accounts' JSON comes from (and is kept
    /// in) `kept`, as timelines keep their authors'.
    pub fn render(
        groups: &[GroupView],
        expand: ExpandAccounts,
        viewer: i64,
        base_url: &str,
        kept: &RenderedAccounts,
    ) -> GroupedNotificationsResults {
        let mut seen = std::collections::HashSet::new();
        let mut accounts = Vec::new();
        let mut rest = Vec::new();
        for group in groups {
            for (i, account) in group.sample_accounts.iter().enumerate() {
                if expand == ExpandAccounts::PartialAvatars && i > 0 {
                    rest.push(account);
                } else if seen.insert(account.id) {
                    accounts.push(kept.get(account, base_url));
                }
            }
        }
        let partial_accounts = (expand == ExpandAccounts::PartialAvatars).then(|| {
            rest.into_iter()
                .filter(|a| seen.insert(a.id))
                .map(|a| Account::render(a, base_url).into())
                .collect()
        });
        let mut seen_statuses = std::collections::HashSet::new();
        let statuses = groups
            .iter()
            .filter_map(|g| g.latest.status.as_ref())
            .filter(|s| seen_statuses.insert(s.status.id))
            .map(|s| Status::render_with(s, Some(viewer), base_url, Some(kept)))
            .collect();
        GroupedNotificationsResults {
            accounts,
            partial_accounts,
            statuses,
            notification_groups: groups
                .iter()
                .map(|g| NotificationGroup::render(g, base_url))
                .collect(),
        }
    }

    /// A page of groups.
    pub fn page(
        page: &GroupPage,
        expand: ExpandAccounts,
        viewer: i64,
        base_url: &str,
        kept: &RenderedAccounts,
    ) -> GroupedNotificationsResults {
        GroupedNotificationsResults::render(&page.groups, expand, viewer, base_url, kept)
    }
}

#[derive(Debug, Serialize)]
pub struct Marker {
    pub last_read_id: String,
    pub version: i32,
    pub updated_at: String,
}
