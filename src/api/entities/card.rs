//! PreviewCard and PreviewCardAuthor.

use serde::Serialize;

use super::datetime;
use crate::model;

/// Mastodon's PreviewCard (4.3+: `authors`; the older `author_name` and `author_url` are the
/// first author's).
#[derive(Debug, Serialize)]
pub struct PreviewCard {
    pub url: String,
    pub title: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub authors: Vec<PreviewCardAuthor>,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    pub html: String,
    pub width: i32,
    pub height: i32,
    pub image: Option<String>,
    pub image_description: String,
    pub embed_url: String,
    pub blurhash: Option<String>,
    pub language: Option<String>,
    pub published_at: Option<String>,
}

/// An author of a card's page. `account` is the author's fediverse account when the page
/// names one (`fediverse:creator`) whose `attribution_domains` allow the page's domain;
/// `null` otherwise, as Mastodon shows an unverified claim.
#[derive(Debug, Serialize)]
pub struct PreviewCardAuthor {
    pub name: String,
    pub url: String,
    pub account: Option<super::Account>,
}

impl PreviewCard {
    pub fn render(card: &model::PreviewCard, base_url: &str) -> PreviewCard {
        let mut authors: Vec<PreviewCardAuthor> = card
            .authors
            .iter()
            .map(|a| PreviewCardAuthor {
                name: a.name.clone(),
                url: a.url.clone(),
                account: None,
            })
            .collect();
        // The credited account is the page's author: the first one it names, or its only one.
        if let Some(account) = &card.author_account {
            if authors.is_empty() {
                authors.push(PreviewCardAuthor {
                    name: card.author_name.clone(),
                    url: card.author_url.clone(),
                    account: None,
                });
            }
            authors[0].account = Some(super::Account::render(account, base_url));
        }
        PreviewCard {
            url: card.url.clone(),
            title: card.title.clone(),
            description: card.description.clone(),
            kind: card.kind.as_str(),
            authors,
            author_name: card.author_name.clone(),
            author_url: card.author_url.clone(),
            provider_name: card.provider_name.clone(),
            provider_url: card.provider_url.clone(),
            html: card.html.clone(),
            width: card.width,
            height: card.height,
            image: card.image.clone(),
            image_description: card.image_description.clone(),
            embed_url: card.embed_url.clone(),
            blurhash: card.blurhash.clone(),
            language: card.language.clone(),
            published_at: card.published_at.as_ref().map(datetime),
        }
    }
}

/// Mastodon's Trends::Link: a card with its week of shares.
#[derive(Debug, Serialize)]
pub struct TrendsLink {
    #[serde(flatten)]
    pub card: PreviewCard,
    pub history: Vec<super::tag::TagHistory>,
}

impl TrendsLink {
    pub fn render(trend: &model::card::LinkTrend, base_url: &str) -> TrendsLink {
        TrendsLink {
            card: PreviewCard::render(&trend.card, base_url),
            history: trend
                .history
                .iter()
                .map(super::tag::TagHistory::of)
                .collect(),
        }
    }
}

/// Mastodon's Admin::Trends::Link: the trending link with its card's id (the one reviews
/// name) and its review.
#[derive(Debug, Serialize)]
pub struct AdminTrendsLink {
    pub id: String,
    #[serde(flatten)]
    pub link: TrendsLink,
    pub trendable: bool,
    pub requires_review: bool,
}

impl AdminTrendsLink {
    /// `trendable` and `requires_review` as the instance's rules make them of the review.
    pub fn render(
        trend: &model::card::LinkTrend,
        trendable: bool,
        requires_review: bool,
        base_url: &str,
    ) -> AdminTrendsLink {
        AdminTrendsLink {
            id: trend.card.id.to_string(),
            link: TrendsLink::render(trend, base_url),
            trendable,
            requires_review,
        }
    }
}
