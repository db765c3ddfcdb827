//! Tag (with seven days of history and the viewer's `following`/`featuring`), Admin::Tag,
//! FeaturedTag, and the Suggestion of an account to follow.

use serde::Serialize;

use super::{datetime, Account};
use crate::model::{self, FeaturedTag as Featured, TagView};
use crate::service::suggestions::Suggestion as Suggested;

/// One day of a tag's use; Mastodon sends the numbers as strings.
#[derive(Debug, Serialize)]
pub struct TagHistory {
    /// UNIX time of the day's midnight (UTC).
    pub day: String,
    pub uses: String,
    pub accounts: String,
}

impl TagHistory {
    pub fn of(d: &model::TagDay) -> TagHistory {
        TagHistory {
            day: d.day.timestamp().to_string(),
            uses: d.uses.to_string(),
            accounts: d.accounts.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub url: String,
    pub history: Vec<TagHistory>,
    /// Only for a signed-in viewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub following: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub featuring: Option<bool>,
}

/// The address of the hashtag's page here (lower case, as statuses link it).
pub fn tag_url(name: &str, base_url: &str) -> String {
    let encoded: String =
        url::form_urlencoded::byte_serialize(name.to_lowercase().as_bytes()).collect();
    format!("{base_url}/tags/{encoded}")
}

impl Tag {
    pub fn render(view: &TagView, base_url: &str) -> Tag {
        Tag {
            id: view.tag.id.to_string(),
            name: view.tag.name.clone(),
            url: tag_url(&view.tag.name, base_url),
            history: view.history.iter().map(TagHistory::of).collect(),
            following: view.following,
            featuring: view.featuring,
        }
    }

    pub fn render_all(views: &[TagView], base_url: &str) -> Vec<Tag> {
        views.iter().map(|v| Tag::render(v, base_url)).collect()
    }
}

/// Mastodon's Admin::Tag: the tag with its review for trends.
#[derive(Debug, Serialize)]
pub struct AdminTag {
    pub id: String,
    pub name: String,
    pub url: String,
    pub history: Vec<TagHistory>,
    pub trendable: bool,
    /// Hashtags are always linked here (Mastodon's moderators may turn that off).
    pub usable: bool,
    pub requires_review: bool,
}

impl AdminTag {
    /// `trendable` and `requires_review` as the instance's rules make them of the review.
    pub fn render(
        view: &TagView,
        trendable: bool,
        requires_review: bool,
        base_url: &str,
    ) -> AdminTag {
        let tag = Tag::render(view, base_url);
        AdminTag {
            id: tag.id,
            name: tag.name,
            url: tag.url,
            history: tag.history,
            trendable,
            usable: true,
            requires_review,
        }
    }
}

/// A hashtag featured on a profile.
#[derive(Debug, Serialize)]
pub struct FeaturedTag {
    pub id: String,
    pub name: String,
    /// The owner's statuses with this tag.
    pub url: String,
    pub statuses_count: i64,
    pub last_status_at: Option<String>,
}

impl FeaturedTag {
    pub fn render(f: &Featured, owner: &model::Account) -> FeaturedTag {
        FeaturedTag {
            id: f.id.to_string(),
            name: f.name.clone(),
            url: f.url_for(owner),
            statuses_count: f.statuses_count,
            last_status_at: f.last_status_at.as_ref().map(datetime),
        }
    }

    pub fn render_all(list: &[Featured], owner: &model::Account) -> Vec<FeaturedTag> {
        list.iter().map(|f| FeaturedTag::render(f, owner)).collect()
    }
}

/// An account suggested to follow, with Mastodon's reasons (`sources`) and the older single
/// `source` they replace.
#[derive(Debug, Serialize)]
pub struct Suggestion {
    pub source: &'static str,
    pub sources: Vec<String>,
    pub account: Account,
}

impl Suggestion {
    pub fn render(s: &Suggested, base_url: &str) -> Suggestion {
        let has = |name: &str| s.sources.iter().any(|x| x == name);
        // Mastodon's mapping of the new reasons onto the old ones.
        let source = if has("featured") {
            "staff"
        } else if has("friends_of_friends") {
            "past_interactions"
        } else {
            "global"
        };
        Suggestion {
            source,
            sources: s.sources.clone(),
            account: Account::render(&s.account, base_url),
        }
    }
}
