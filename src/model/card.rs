//! Link preview cards: what a linked web page says about itself, shared by every status that
//! links it.

use chrono::{DateTime, Utc};

/// A card as statuses show it.
#[derive(Clone, Debug)]
pub struct PreviewCard {
    pub id: i64,
    /// The page's address: its canonical URL when it gave one, else the link itself.
    pub url: String,
    pub kind: CardKind,
    pub title: String,
    pub description: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    /// Sanitised embed HTML (an iframe) of video and rich cards.
    pub html: String,
    pub width: i32,
    pub height: i32,
    pub embed_url: String,
    /// The image's public URL, filled in by the service from the stored file or remote URL.
    pub image: Option<String>,
    pub image_description: String,
    pub blurhash: Option<String>,
    pub language: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub authors: Vec<CardAuthor>,
    /// The account the page credits (`fediverse:creator`), once its `attribution_domains`
    /// allow the page's domain; filled in by the service.
    pub author_account: Option<std::sync::Arc<super::Account>>,
}

/// Someone a page names as its author.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardAuthor {
    pub name: String,
    pub url: String,
}

/// Mastodon's card types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardKind {
    Link,
    Photo,
    Video,
    Rich,
}

impl CardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CardKind::Link => "link",
            CardKind::Photo => "photo",
            CardKind::Video => "video",
            CardKind::Rich => "rich",
        }
    }

    pub fn parse(raw: &str) -> Option<CardKind> {
        Some(match raw {
            "link" => CardKind::Link,
            "photo" => CardKind::Photo,
            "video" => CardKind::Video,
            "rich" => CardKind::Rich,
            _ => return None,
        })
    }
}

/// A link drawing attention: its card, its last week of shares (statuses and distinct
/// accounts a day, today first) and the moderators' review (`None` until reviewed).
#[derive(Clone, Debug)]
pub struct LinkTrend {
    pub card: std::sync::Arc<PreviewCard>,
    pub history: Vec<super::TagDay>,
    pub review: Option<bool>,
}
