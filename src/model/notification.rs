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
    /// Someone signed up (for moderators and admins).
    AdminSignUp,
    /// A report was filed (for moderators and admins).
    AdminReport,
}

impl NotificationType {
    pub const ALL: [NotificationType; 9] = [
        NotificationType::Mention,
        NotificationType::Status,
        NotificationType::Reblog,
        NotificationType::Follow,
        NotificationType::FollowRequest,
        NotificationType::Favourite,
        NotificationType::Update,
        NotificationType::AdminSignUp,
        NotificationType::AdminReport,
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
            NotificationType::AdminSignUp => "admin.sign_up",
            NotificationType::AdminReport => "admin.report",
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

    /// Whether Mastodon knows a type by this name: Rookery's own, or one it never sends
    /// (polls, severed relationships, moderation warnings), which a filter may still name.
    pub fn is_known(raw: &str) -> bool {
        NotificationType::parse(raw).is_some()
            || matches!(raw, "poll" | "severed_relationships" | "moderation_warning")
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
}
