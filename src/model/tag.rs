//! Hashtags: the tag itself, its uses by day, and the hashtags a profile features.

use chrono::{DateTime, Utc};

/// A hashtag, named as it was first written (matched case-insensitively).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    /// The moderators' review for trends: `None` until reviewed.
    pub trendable: Option<bool>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// One day of a hashtag's use: statuses carrying it and distinct accounts writing them.
#[derive(Clone, Copy, Debug)]
pub struct TagDay {
    /// Midnight (UTC) starting the day.
    pub day: DateTime<Utc>,
    pub uses: i64,
    pub accounts: i64,
}

/// A hashtag with what one viewer sees of it: seven days of use, newest first, and whether
/// the viewer follows or features it (`None` for nobody signed in).
#[derive(Clone, Debug)]
pub struct TagView {
    pub tag: Tag,
    pub history: Vec<TagDay>,
    pub following: Option<bool>,
    pub featuring: Option<bool>,
}

/// A hashtag featured on a profile, with the owner's statuses carrying it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FeaturedTag {
    pub id: i64,
    pub account_id: i64,
    pub tag_id: i64,
    pub name: String,
    pub statuses_count: i64,
    pub last_status_at: Option<DateTime<Utc>>,
}

impl FeaturedTag {
    /// The page of `owner`'s posts with this hashtag (`/@user/tagged/name`, as Mastodon links
    /// featured tags in the API and in ActivityPub alike).
    pub fn url_for(&self, owner: &crate::model::Account) -> String {
        let encoded: String =
            url::form_urlencoded::byte_serialize(self.name.to_lowercase().as_bytes()).collect();
        format!(
            "{}/tagged/{encoded}",
            owner.profile_url().trim_end_matches('/')
        )
    }
}
