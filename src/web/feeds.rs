//! RSS 2.0 and Atom feeds of public posts (`/@alice.rss`, `/@alice.atom`, `/tags/foo.rss`,
//! `/tags/foo.atom`), written with the `rss` and `atom_syndication` crates, which escape
//! what they write. Each item carries the post's HTML (content warning first), its link and
//! its attachments.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::content::escape;
use crate::model::StatusView;

/// Which syndication format was asked for, by the path's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
}

impl Format {
    /// `name` without its `.rss` or `.atom`, and the format it names.
    pub fn split(name: &str) -> Option<(&str, Format)> {
        if let Some(base) = name.strip_suffix(".rss") {
            return Some((base, Format::Rss));
        }
        name.strip_suffix(".atom").map(|base| (base, Format::Atom))
    }
}

/// What a feed is about.
pub struct FeedInfo {
    pub title: String,
    /// The page the feed follows (absolute).
    pub link: String,
    /// The feed's own address (absolute).
    pub self_link: String,
    pub description: String,
    /// An image for the feed (the profile's avatar), absolute.
    pub image: Option<String>,
    /// When the feed's owner was last changed, for an empty Atom feed's `updated`.
    pub updated: DateTime<Utc>,
}

/// The post's page: on this instance for a local post.
fn link_of(base_url: &str, view: &StatusView) -> String {
    if view.status.local {
        format!("{base_url}/@{}/{}", view.account.username, view.status.id)
    } else {
        view.status
            .url
            .clone()
            .filter(|u| crate::model::host::is_web_url(u))
            .unwrap_or_else(|| view.status.uri.clone())
    }
}

/// The post as feed readers show it: the content warning as a paragraph, then the content.
fn html_of(view: &StatusView) -> String {
    let s = &view.status;
    if s.spoiler_text.is_empty() {
        s.content.clone()
    } else {
        format!(
            "<p><strong>{}</strong></p>{}",
            escape(&s.spoiler_text),
            s.content
        )
    }
}

/// The feed, as a response of the right type.
pub fn respond(format: Format, info: &FeedInfo, base_url: &str, items: &[StatusView]) -> Response {
    let (body, content_type) = match format {
        Format::Rss => (
            rss(info, base_url, items),
            "application/rss+xml; charset=utf-8",
        ),
        Format::Atom => (
            atom(info, base_url, items),
            "application/atom+xml; charset=utf-8",
        ),
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn rss(info: &FeedInfo, base_url: &str, items: &[StatusView]) -> String {
    let channel = rss::Channel {
        title: info.title.clone(),
        link: info.link.clone(),
        description: info.description.clone(),
        generator: Some(format!("Rookery {}", env!("CARGO_PKG_VERSION"))),
        last_build_date: items.first().map(|v| v.status.created_at.to_rfc2822()),
        image: info.image.clone().map(|url| rss::Image {
            url,
            title: info.title.clone(),
            link: info.link.clone(),
            ..Default::default()
        }),
        items: items
            .iter()
            .map(|v| {
                let link = link_of(base_url, v);
                rss::Item {
                    link: Some(link.clone()),
                    guid: Some(rss::Guid {
                        value: link,
                        permalink: true,
                    }),
                    pub_date: Some(v.status.created_at.to_rfc2822()),
                    description: Some(html_of(v)),
                    categories: v
                        .tags
                        .iter()
                        .map(|t| rss::Category {
                            name: t.clone(),
                            domain: None,
                        })
                        .collect(),
                    // RSS allows one enclosure: the first attachment.
                    enclosure: v.media.iter().find_map(|m| {
                        Some(rss::Enclosure {
                            url: m.url.clone()?,
                            length: m.file_size.unwrap_or(0).to_string(),
                            mime_type: m
                                .content_type
                                .clone()
                                .unwrap_or_else(|| "application/octet-stream".into()),
                        })
                    }),
                    ..Default::default()
                }
            })
            .collect(),
        ..Default::default()
    };
    channel.to_string()
}

fn atom(info: &FeedInfo, base_url: &str, items: &[StatusView]) -> String {
    use atom_syndication::{Category, Content, Entry, Feed, Link, Person, Text};
    let link = |href: &str, rel: &str, mime: Option<&str>| Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: mime.map(str::to_string),
        ..Default::default()
    };
    let updated = items
        .first()
        .map(|v| v.status.edited_at.unwrap_or(v.status.created_at))
        .unwrap_or(info.updated);
    let feed = Feed {
        title: Text::plain(info.title.clone()),
        id: info.self_link.clone(),
        updated: updated.fixed_offset(),
        subtitle: (!info.description.is_empty()).then(|| Text::plain(info.description.clone())),
        icon: info.image.clone(),
        links: vec![
            link(&info.link, "alternate", Some("text/html")),
            link(&info.self_link, "self", Some("application/atom+xml")),
        ],
        entries: items
            .iter()
            .map(|v| {
                let page = link_of(base_url, v);
                let mut links = vec![link(&page, "alternate", Some("text/html"))];
                links.extend(v.media.iter().filter_map(|m| {
                    Some(Link {
                        length: m.file_size.map(|n| n.to_string()),
                        ..link(m.url.as_deref()?, "enclosure", m.content_type.as_deref())
                    })
                }));
                Entry {
                    title: Text::plain(crate::web::view::StatusCard::summary(v, 80)),
                    id: v.status.uri.clone(),
                    updated: v
                        .status
                        .edited_at
                        .unwrap_or(v.status.created_at)
                        .fixed_offset(),
                    published: Some(v.status.created_at.fixed_offset()),
                    authors: vec![Person {
                        name: v.account.acct(),
                        uri: Some(v.account.profile_url().to_string()),
                        ..Default::default()
                    }],
                    links,
                    categories: v
                        .tags
                        .iter()
                        .map(|t| Category {
                            term: t.clone(),
                            ..Default::default()
                        })
                        .collect(),
                    content: Some(Content {
                        value: Some(html_of(v)),
                        content_type: Some("html".into()),
                        lang: v.status.language.clone(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            })
            .collect(),
        ..Default::default()
    };
    feed.to_string()
}
