//! Notifications.

use chrono::{DateTime, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationType {
    Mention,
    /// A post by someone followed with `notify`.
    Status,
    Reblog,
    Follow,
    FollowRequest,
    Favourite,
    /// A status the recipient boosted was edited.
    Update,
    /// Someone the recipient follows moved to another account.
    Move,
    /// A poll the recipient wrote or voted on has ended.
    Poll,
    /// Someone signed up (for moderators and admins).
    AdminSignUp,
    /// A report was filed (for moderators and admins).
    AdminReport,
    /// Someone quoted the recipient's status.
    Quote,
    /// A status the recipient quoted was edited.
    QuotedUpdate,
}

impl NotificationType {
    pub const ALL: [NotificationType; 13] = [
        NotificationType::Mention,
        NotificationType::Status,
        NotificationType::Reblog,
        NotificationType::Follow,
        NotificationType::FollowRequest,
        NotificationType::Favourite,
        NotificationType::Update,
        NotificationType::Poll,
        NotificationType::AdminSignUp,
        NotificationType::AdminReport,
        NotificationType::Move,
        NotificationType::Quote,
        NotificationType::QuotedUpdate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationType::Mention => "mention",
            NotificationType::Status => "status",
            NotificationType::Reblog => "reblog",
            NotificationType::Follow => "follow",
            NotificationType::FollowRequest => "follow_request",
            NotificationType::Favourite => "favourite",
            NotificationType::Update => "update",
            NotificationType::Move => "move",
            NotificationType::Poll => "poll",
            NotificationType::AdminSignUp => "admin.sign_up",
            NotificationType::AdminReport => "admin.report",
            NotificationType::Quote => "quote",
            NotificationType::QuotedUpdate => "quoted_update",
        }
    }

    /// Types only moderators and admins receive.
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            NotificationType::AdminSignUp | NotificationType::AdminReport
        )
    }

    pub fn parse(raw: &str) -> Option<NotificationType> {
        NotificationType::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
    }

    /// The types whose notifications are grouped (Mastodon 4.3): favourites and boosts of one
    /// status, and follows.
    pub const GROUPABLE: [NotificationType; 3] = [
        NotificationType::Favourite,
        NotificationType::Reblog,
        NotificationType::Follow,
    ];

    /// The part of a group key before its hour bucket: `favourite-<status id>`,
    /// `reblog-<status id>`, `follow`; `None` for types that are not grouped.
    pub fn group_prefix(self, status_id: Option<i64>) -> Option<String> {
        match (self, status_id) {
            (NotificationType::Favourite | NotificationType::Reblog, Some(status)) => {
                Some(format!("{}-{status}", self.as_str()))
            }
            (NotificationType::Follow, _) => Some("follow".to_string()),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub status_id: Option<i64>,
    /// The report of an `admin.report`.
    pub report_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// The group it belongs to (see [`group_key`]); `None` for a type that is not grouped.
    pub group_key: Option<String>,
}

/// What a page of groups says of one group, counted over its notifications up to the page's
/// newest (see `store::notifications::groups_data`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GroupData {
    pub group_key: String,
    /// The group's newest notification within the range.
    pub most_recent_id: Option<i64>,
    /// The senders of its newest notifications, newest first (8 at most).
    pub sample_account_ids: Vec<i64>,
    pub notifications_count: i64,
    /// The group's oldest notification within the range.
    pub page_min_id: Option<i64>,
    pub latest_at: Option<DateTime<Utc>>,
}

/// How many hours a group spans at most: a notification joins the group of the latest one
/// with the same prefix if that group started less than this many hours before.
pub const GROUP_SPAN_HOURS: i64 = 12;

/// The hour buckets a notification arriving in hour `hour` (hours since the epoch) may join:
/// groups that started less than [`GROUP_SPAN_HOURS`] hours before, newest last.
pub fn group_buckets(hour: i64) -> std::ops::RangeInclusive<i64> {
    (hour - GROUP_SPAN_HOURS + 1)..=hour
}

/// A group key: the prefix and the hour the group started.
pub fn group_key(prefix: &str, bucket: i64) -> String {
    format!("{prefix}-{bucket}")
}

/// The key a client sees for a notification: its group's, or `ungrouped-<id>`.
pub fn shown_group_key(id: i64, group_key: Option<&str>) -> String {
    match group_key {
        Some(key) => key.to_string(),
        None => format!("ungrouped-{id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn favourites_of_a_status_share_a_prefix_and_mentions_have_none() {
        assert_eq!(
            NotificationType::Favourite.group_prefix(Some(7)).as_deref(),
            Some("favourite-7")
        );
        assert_eq!(
            NotificationType::Reblog.group_prefix(Some(7)).as_deref(),
            Some("reblog-7")
        );
        assert_eq!(
            NotificationType::Follow.group_prefix(None).as_deref(),
            Some("follow")
        );
        assert_eq!(NotificationType::Mention.group_prefix(Some(7)), None);
        assert_eq!(NotificationType::Favourite.group_prefix(None), None);
    }

    #[test]
    fn a_group_spans_twelve_hours_at_most() {
        let buckets = group_buckets(100);
        assert!(buckets.contains(&89) && buckets.contains(&100));
        assert!(!buckets.contains(&88) && !buckets.contains(&101));
        assert_eq!(group_key("follow", 100), "follow-100");
        assert_eq!(shown_group_key(5, None), "ungrouped-5");
        assert_eq!(shown_group_key(5, Some("follow-1")), "follow-1");
    }
}
