//! Announcement (Mastodon's), with its reactions.

use serde::Serialize;

use super::datetime;
use super::status::{Mention, TagRef};
use crate::service::announcements::AnnouncementView;

#[derive(Debug, Serialize)]
pub struct StatusRef {
    pub id: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct Reaction {
    pub name: String,
    pub count: i64,
    /// Present when a signed-in reader asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub me: Option<bool>,
    /// Custom emoji only; Rookery's reactions are Unicode emoji.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_url: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Announcement {
    pub id: String,
    pub content: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub published: bool,
    pub all_day: bool,
    pub published_at: Option<String>,
    pub updated_at: String,
    /// Present for a signed-in reader: whether they dismissed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<bool>,
    pub mentions: Vec<Mention>,
    pub statuses: Vec<StatusRef>,
    pub tags: Vec<TagRef>,
    pub emojis: Vec<super::emoji::CustomEmoji>,
    pub reactions: Vec<Reaction>,
    /// When a scheduled announcement will be published (administrators' listing only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<String>,
}

impl Announcement {
    /// As `reader` sees it (`None`: an administrator's listing, with `scheduled_at`).
    pub fn render(view: &AnnouncementView, reader: Option<i64>, base_url: &str) -> Announcement {
        let a = &view.announcement;
        let now = chrono::Utc::now();
        let published = a.is_published(now);
        Announcement {
            id: a.id.to_string(),
            content: a.content.clone(),
            starts_at: a.starts_at.as_ref().map(datetime),
            ends_at: a.ends_at.as_ref().map(datetime),
            published,
            all_day: a.all_day,
            published_at: a.published_at.as_ref().filter(|_| published).map(datetime),
            updated_at: datetime(&a.updated_at),
            read: view.read,
            mentions: view
                .mentions
                .iter()
                .map(|m| Mention {
                    id: m.id.to_string(),
                    username: m.username.clone(),
                    url: m.profile_url().to_string(),
                    acct: m.acct(),
                })
                .collect(),
            statuses: view
                .statuses
                .iter()
                .map(|s| StatusRef {
                    id: s.status.id.to_string(),
                    url: s.status.url.clone().unwrap_or_else(|| s.status.uri.clone()),
                })
                .collect(),
            tags: a
                .tags
                .iter()
                .map(|t| TagRef {
                    name: t.to_lowercase(),
                    url: format!(
                        "{base_url}/tags/{}",
                        url::form_urlencoded::byte_serialize(t.to_lowercase().as_bytes())
                            .collect::<String>()
                    ),
                })
                .collect(),
            emojis: super::emoji::CustomEmoji::list(&view.emojis),
            reactions: view
                .reactions
                .iter()
                .map(|r| Reaction {
                    name: r.name.clone(),
                    count: r.count,
                    me: reader.map(|_| r.me),
                    url: None,
                    static_url: None,
                })
                .collect(),
            scheduled_at: match (reader, a.published_at) {
                (None, Some(at)) if at > now => Some(datetime(&at)),
                _ => None,
            },
        }
    }
}
