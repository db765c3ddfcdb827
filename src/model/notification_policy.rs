//! The notification policy (Mastodon 4.3): what happens to notifications from senders the
//! recipient does not know, decided from facts about the sender, and the requests that hold
//! filtered notifications.

use chrono::{DateTime, Duration, Utc};

use super::NotificationType;

/// What the policy does with one kind of sender's notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyAction {
    /// Recorded as usual.
    Accept,
    /// Recorded aside, in a request per sender, unseen until the request is accepted.
    Filter,
    /// Not recorded at all (the activity itself still happens).
    Drop,
}

impl PolicyAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyAction::Accept => "accept",
            PolicyAction::Filter => "filter",
            PolicyAction::Drop => "drop",
        }
    }

    pub fn parse(raw: &str) -> Option<PolicyAction> {
        match raw {
            "accept" => Some(PolicyAction::Accept),
            "filter" => Some(PolicyAction::Filter),
            "drop" => Some(PolicyAction::Drop),
            _ => None,
        }
    }
}

/// A user's notification policy, one action per kind of sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotificationPolicy {
    /// Senders the recipient does not follow.
    pub for_not_following: PolicyAction,
    /// Senders that do not follow the recipient, or have for less than three days.
    pub for_not_followers: PolicyAction,
    /// Senders whose account is less than thirty days old.
    pub for_new_accounts: PolicyAction,
    /// Direct mentions from senders the recipient does not follow that do not answer a
    /// direct mention of the sender by the recipient.
    pub for_private_mentions: PolicyAction,
    /// Senders a moderator limited (silenced) that the recipient does not follow.
    pub for_limited_accounts: PolicyAction,
}

/// Accounts younger than this are new to the policy.
pub const NEW_ACCOUNT_DAYS: i64 = 30;
/// Followers of less than this are not yet followers to the policy.
pub const NEW_FOLLOWER_DAYS: i64 = 3;
/// Counts in the policy summary and requests stop at this (Mastodon's meaningful maximum).
pub const MAX_MEANINGFUL_COUNT: i64 = 100;

impl Default for NotificationPolicy {
    /// Everything accepted but limited accounts, which are filtered: before the policy
    /// existed Rookery kept those senders' notifications from their recipients, and it never
    /// filtered private mentions, which it keeps accepting until the user asks otherwise.
    fn default() -> NotificationPolicy {
        NotificationPolicy {
            for_not_following: PolicyAction::Accept,
            for_not_followers: PolicyAction::Accept,
            for_new_accounts: PolicyAction::Accept,
            for_private_mentions: PolicyAction::Accept,
            for_limited_accounts: PolicyAction::Filter,
        }
    }
}

/// What the policy needs to know of the sender of one notification.
#[derive(Clone, Debug)]
pub struct SenderFacts {
    /// The recipient follows the sender.
    pub followed: bool,
    /// Since when the sender follows the recipient.
    pub follower_since: Option<DateTime<Utc>>,
    pub sender_created_at: DateTime<Utc>,
    pub sender_limited: bool,
    /// The recipient accepted a request of this sender before.
    pub permitted: bool,
    /// The notification is a direct mention that answers no direct mention of the sender by
    /// the recipient up its thread.
    pub unsolicited_private_mention: bool,
}

impl NotificationType {
    /// Types the policy may filter or drop (as Mastodon): those that come from strangers.
    /// Posts of followed accounts, edits and moderators' notifications always pass.
    pub fn filterable(self) -> bool {
        matches!(
            self,
            NotificationType::Mention
                | NotificationType::Reblog
                | NotificationType::Follow
                | NotificationType::FollowRequest
                | NotificationType::Favourite
                | NotificationType::Quote
        )
    }
}

impl NotificationPolicy {
    /// What happens to a notification of `kind` from a sender with `facts`, at `now`: the
    /// strictest action among the criteria the sender meets.
    pub fn decide(
        &self,
        kind: NotificationType,
        facts: &SenderFacts,
        now: DateTime<Utc>,
    ) -> PolicyAction {
        if !kind.filterable() || facts.permitted {
            return PolicyAction::Accept;
        }
        let not_following = !facts.followed;
        let not_follower = facts
            .follower_since
            .is_none_or(|since| since > now - Duration::days(NEW_FOLLOWER_DAYS));
        let new_account = facts.sender_created_at > now - Duration::days(NEW_ACCOUNT_DAYS);
        let private_mention = not_following && facts.unsolicited_private_mention;
        let limited = not_following && facts.sender_limited;
        [
            (not_following, self.for_not_following),
            (not_follower, self.for_not_followers),
            (new_account, self.for_new_accounts),
            (private_mention, self.for_private_mentions),
            (limited, self.for_limited_accounts),
        ]
        .into_iter()
        .filter(|(applies, _)| *applies)
        .map(|(_, action)| action)
        .max()
        .unwrap_or(PolicyAction::Accept)
    }
}

/// What the store knows of a sender, before the mention is looked at.
#[derive(Debug, sqlx::FromRow)]
pub struct SenderRow {
    pub followed: bool,
    pub follower_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub limited: bool,
    pub permitted: bool,
}

/// A request: the filtered notifications of one sender to one recipient.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRequest {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    pub last_status_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Filtered notifications of the sender, counted up to [`MAX_MEANINGFUL_COUNT`].
    pub notifications_count: i64,
}

/// The policy summary: requests waiting, and their notifications.
#[derive(Clone, Copy, Debug, Default, sqlx::FromRow)]
pub struct PolicySummary {
    pub pending_requests_count: i64,
    pub pending_notifications_count: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stranger(now: DateTime<Utc>) -> SenderFacts {
        SenderFacts {
            followed: false,
            follower_since: None,
            sender_created_at: now - Duration::days(365),
            sender_limited: false,
            permitted: false,
            unsolicited_private_mention: false,
        }
    }

    fn all(action: PolicyAction) -> NotificationPolicy {
        NotificationPolicy {
            for_not_following: action,
            for_not_followers: action,
            for_new_accounts: action,
            for_private_mentions: action,
            for_limited_accounts: action,
        }
    }

    #[test]
    fn each_criterion_applies_only_to_its_senders() {
        let now = Utc::now();
        let accept = all(PolicyAction::Accept);
        let mut friend = stranger(now);
        friend.followed = true;
        friend.follower_since = Some(now - Duration::days(10));

        let p = NotificationPolicy {
            for_not_following: PolicyAction::Filter,
            ..accept
        };
        assert_eq!(
            p.decide(NotificationType::Favourite, &stranger(now), now),
            PolicyAction::Filter
        );
        assert_eq!(
            p.decide(NotificationType::Favourite, &friend, now),
            PolicyAction::Accept
        );

        let p = NotificationPolicy {
            for_not_followers: PolicyAction::Drop,
            ..accept
        };
        let mut recent = friend.clone();
        recent.follower_since = Some(now - Duration::days(1));
        assert_eq!(
            p.decide(NotificationType::Mention, &recent, now),
            PolicyAction::Drop
        );
        assert_eq!(
            p.decide(NotificationType::Mention, &friend, now),
            PolicyAction::Accept
        );

        let p = NotificationPolicy {
            for_new_accounts: PolicyAction::Filter,
            ..accept
        };
        let mut young = friend.clone();
        young.sender_created_at = now - Duration::days(2);
        assert_eq!(
            p.decide(NotificationType::Follow, &young, now),
            PolicyAction::Filter
        );
        assert_eq!(
            p.decide(NotificationType::Follow, &friend, now),
            PolicyAction::Accept
        );

        let p = NotificationPolicy {
            for_private_mentions: PolicyAction::Filter,
            ..accept
        };
        let mut dm = stranger(now);
        dm.unsolicited_private_mention = true;
        assert_eq!(
            p.decide(NotificationType::Mention, &dm, now),
            PolicyAction::Filter
        );
        dm.followed = true;
        assert_eq!(
            p.decide(NotificationType::Mention, &dm, now),
            PolicyAction::Accept
        );

        let p = NotificationPolicy {
            for_limited_accounts: PolicyAction::Drop,
            ..accept
        };
        let mut limited = stranger(now);
        limited.sender_limited = true;
        assert_eq!(
            p.decide(NotificationType::Reblog, &limited, now),
            PolicyAction::Drop
        );
        limited.followed = true;
        assert_eq!(
            p.decide(NotificationType::Reblog, &limited, now),
            PolicyAction::Accept
        );
    }

    #[test]
    fn the_strictest_action_wins_and_permission_or_type_lets_through() {
        let now = Utc::now();
        let p = NotificationPolicy {
            for_not_following: PolicyAction::Filter,
            for_not_followers: PolicyAction::Drop,
            ..all(PolicyAction::Accept)
        };
        assert_eq!(
            p.decide(NotificationType::Favourite, &stranger(now), now),
            PolicyAction::Drop
        );
        let mut permitted = stranger(now);
        permitted.permitted = true;
        assert_eq!(
            p.decide(NotificationType::Favourite, &permitted, now),
            PolicyAction::Accept
        );
        assert_eq!(
            p.decide(NotificationType::Update, &stranger(now), now),
            PolicyAction::Accept
        );
        assert_eq!(
            p.decide(NotificationType::AdminReport, &stranger(now), now),
            PolicyAction::Accept
        );
    }

    #[test]
    fn actions_parse_their_names_only() {
        for a in [
            PolicyAction::Accept,
            PolicyAction::Filter,
            PolicyAction::Drop,
        ] {
            assert_eq!(PolicyAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(PolicyAction::parse("Accept"), None);
        assert_eq!(PolicyAction::parse(""), None);
    }
}
