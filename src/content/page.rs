//! Web pages read for link preview cards: which link of a status gets a card, what a page says
//! about itself (OpenGraph, Twitter card tags, `<title>` and description, authors, language),
//! and what an oEmbed answer says. Pure functions over untrusted text, parsed with an HTML5
//! parser (`scraper`), never with patterns; every URL is resolved against the page and kept
//! only when it is http(s).

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html};
use serde::Deserialize;
use url::Url;

/// Characters kept of a title, a description, a name.
const TITLE_CHARS: usize = 300;
const DESCRIPTION_CHARS: usize = 1000;
const NAME_CHARS: usize = 200;

/// The first link of a status's HTML that deserves a card: an `<a href>` to an http(s) URL
/// that is not a mention or a hashtag (by their microformat classes or `rel="tag"`), and that
/// `skip` does not refuse (the mentioned accounts' pages, the status's own URL, this server).
pub fn first_link(html: &str, skip: impl Fn(&Url) -> bool) -> Option<Url> {
    let fragment = Html::parse_fragment(html);
    for a in fragment.root_element().descendent_elements() {
        let element = a.value();
        if element.name() != "a" {
            continue;
        }
        let Some(href) = element.attr("href") else {
            continue;
        };
        let microformat = element
            .classes()
            .any(|c| matches!(c, "mention" | "hashtag" | "u-url" | "h-card"));
        let tag = element
            .attr("rel")
            .is_some_and(|rel| rel.split_ascii_whitespace().any(|r| r == "tag"));
        if microformat || tag {
            continue;
        }
        let Some(url) = web_url(href, None) else {
            continue;
        };
        if !skip(&url) {
            return Some(url);
        }
    }
    None
}

/// An absolute http(s) URL with a host, `raw` resolved against `base` when given.
pub fn web_url(raw: &str, base: Option<&Url>) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let url = match base {
        Some(base) => base.join(raw).ok()?,
        None => Url::parse(raw).ok()?,
    };
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
        .then_some(url)
}

/// Someone a page names as its author.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageAuthor {
    pub name: String,
    pub url: String,
}

/// What a page says about itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    /// `og:type`.
    pub kind: Option<String>,
    /// `og:site_name`.
    pub site_name: String,
    /// `og:url` (or `<link rel=canonical>`), http(s) only.
    pub canonical_url: Option<Url>,
    pub image: Option<Url>,
    pub image_width: Option<i32>,
    pub image_height: Option<i32>,
    pub image_alt: String,
    /// A language code (`en`, `pt`), from `<html lang>` or `og:locale`.
    pub language: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub authors: Vec<PageAuthor>,
    /// `<meta name="fediverse:creator">`: the `user@domain` of the fediverse account the
    /// page credits (a leading `@` dropped), unchecked.
    pub creator: Option<String>,
    /// `<link rel=alternate type=application/json+oembed href>`.
    pub oembed: Option<Url>,
}

impl PageMeta {
    /// Whether the page said enough to make a card of: a title.
    pub fn is_useful(&self) -> bool {
        !self.title.is_empty()
    }
}

/// Reads a page's metadata; `base` is the URL it finally came from.
pub fn read_page(html: &str, base: &Url) -> PageMeta {
    let doc = Html::parse_document(html);
    let mut metas: Vec<(String, String)> = Vec::new();
    let mut title_text: Option<String> = None;
    let mut canonical: Option<Url> = None;
    let mut oembed: Option<Url> = None;
    let mut author_link: Option<Url> = None;
    let mut lang: Option<String> = None;
    for el in doc.root_element().descendent_elements() {
        let e = el.value();
        match e.name() {
            "html" if lang.is_none() => lang = e.attr("lang").and_then(language_code),
            "title" if title_text.is_none() => title_text = Some(text_of(el)),
            "meta" => {
                let key = e.attr("property").or_else(|| e.attr("name"));
                if let (Some(key), Some(content)) = (key, e.attr("content")) {
                    metas.push((key.trim().to_ascii_lowercase(), content.to_string()));
                }
            }
            "link" => {
                let rels: Vec<String> = e
                    .attr("rel")
                    .unwrap_or_default()
                    .split_ascii_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect();
                let href = e.attr("href").and_then(|h| web_url(h, Some(base)));
                let Some(href) = href else { continue };
                let kind = e
                    .attr("type")
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                if rels.iter().any(|r| r == "canonical") && canonical.is_none() {
                    canonical = Some(href);
                } else if rels.iter().any(|r| r == "alternate")
                    && kind == "application/json+oembed"
                    && oembed.is_none()
                {
                    oembed = Some(href);
                } else if rels.iter().any(|r| r == "author") && author_link.is_none() {
                    author_link = Some(href);
                }
            }
            _ => {}
        }
    }
    let meta = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|k| {
            metas
                .iter()
                .find(|(key, v)| key == k && !v.trim().is_empty())
                .map(|(_, v)| collapse(v))
        })
    };
    let title = meta(&["og:title", "twitter:title"])
        .or(title_text)
        .unwrap_or_default();
    let description =
        meta(&["og:description", "twitter:description", "description"]).unwrap_or_default();
    let image = meta(&[
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "twitter:image",
        "twitter:image:src",
    ])
    .and_then(|i| web_url(&i, Some(base)));
    let number = |k: &str| {
        meta(&[k])
            .and_then(|v| v.parse::<i32>().ok())
            .filter(|v| *v > 0)
    };
    let canonical_url = meta(&["og:url"])
        .and_then(|u| web_url(&u, Some(base)))
        .or(canonical);
    let language = lang.or_else(|| meta(&["og:locale"]).and_then(|l| language_code(&l)));
    let published_at = meta(&["article:published_time"])
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc));
    // One author: a name from `author`, `article:author` or `fediverse:creator`, a link from
    // `<link rel=author>` or an `article:author` that is a URL.
    let article_author = meta(&["article:author"]);
    let article_author_url = article_author
        .as_deref()
        .and_then(|a| web_url(a, Some(base)).filter(|_| a.contains("://")));
    let name = meta(&["author"])
        .or_else(|| article_author.clone().filter(|a| !a.contains("://")))
        .or_else(|| meta(&["fediverse:creator"]))
        .unwrap_or_default();
    let url = author_link
        .or(article_author_url)
        .map(String::from)
        .unwrap_or_default();
    let authors = if name.is_empty() && url.is_empty() {
        Vec::new()
    } else {
        vec![PageAuthor {
            name: cut(&name, NAME_CHARS),
            url,
        }]
    };
    PageMeta {
        title: cut(&title, TITLE_CHARS),
        description: cut(&description, DESCRIPTION_CHARS),
        kind: meta(&["og:type"]).map(|t| t.to_ascii_lowercase()),
        site_name: cut(&meta(&["og:site_name"]).unwrap_or_default(), NAME_CHARS),
        canonical_url,
        image,
        image_width: number("og:image:width"),
        image_height: number("og:image:height"),
        image_alt: cut(
            &meta(&["og:image:alt", "twitter:image:alt"]).unwrap_or_default(),
            DESCRIPTION_CHARS,
        ),
        language,
        published_at,
        authors,
        creator: meta(&["fediverse:creator"])
            .map(|c| c.trim().trim_start_matches('@').to_string())
            .filter(|c| !c.is_empty()),
        oembed,
    }
}

fn text_of(el: ElementRef<'_>) -> String {
    collapse(&el.text().collect::<String>())
}

/// Whitespace runs made one space, ends trimmed.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cut(s: &str, chars: usize) -> String {
    s.chars().take(chars).collect()
}

/// `en-GB`, `pt_BR`, `DE` → `en`, `pt`, `de`; anything else (not two or three letters) none.
fn language_code(raw: &str) -> Option<String> {
    let primary = raw.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    (matches!(primary.len(), 2 | 3) && primary.chars().all(|c| c.is_ascii_lowercase()))
        .then_some(primary)
}

/// An oEmbed answer as providers send it (numbers sometimes as strings).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OEmbed {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: Option<String>,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub provider_name: Option<String>,
    pub provider_url: Option<String>,
    pub html: Option<String>,
    pub url: Option<String>,
    pub thumbnail_url: Option<String>,
    width: Option<serde_json::Value>,
    height: Option<serde_json::Value>,
}

impl OEmbed {
    /// Reads an oEmbed JSON answer; `None` when it is not one.
    pub fn parse(body: &[u8]) -> Option<OEmbed> {
        let mut o: OEmbed = serde_json::from_slice(body).ok()?;
        o.kind = o.kind.trim().to_ascii_lowercase();
        Some(o)
    }

    pub fn width(&self) -> i32 {
        dimension(self.width.as_ref())
    }

    pub fn height(&self) -> i32 {
        dimension(self.height.as_ref())
    }
}

fn dimension(v: Option<&serde_json::Value>) -> i32 {
    let n = match v {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    n.filter(|n| n.is_finite() && *n > 0.0 && *n < 100_000.0)
        .map(|n| n as i32)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example/story/1").expect("url")
    }

    #[test]
    fn the_first_plain_link_is_chosen() {
        let html = "<p><span class=\"h-card\"><a href=\"https://a.example/@x\" class=\"u-url mention\">@x</a></span> \
                    <a href=\"https://me.example/tags/t\" class=\"mention hashtag\" rel=\"tag\">#t</a> \
                    <a href=\"mailto:x@y\">m</a> <a href=\"https://mine.example/x\">own</a> \
                    <a href=\"https://news.example/a\">a</a> <a href=\"https://news.example/b\">b</a></p>";
        let link = first_link(html, |u| u.host_str() == Some("mine.example"));
        assert_eq!(
            link.map(String::from).as_deref(),
            Some("https://news.example/a")
        );
        assert_eq!(first_link("<p>no links</p>", |_| false), None);
        assert_eq!(first_link("<a href=\"/relative\">r</a>", |_| false), None);
    }

    #[test]
    fn opengraph_wins_over_twitter_and_html() {
        let page = r#"<!doctype html><html lang="en-GB"><head>
            <title>  Plain   title </title>
            <meta name="description" content="plain description">
            <meta name="twitter:title" content="Twitter title">
            <meta property="og:title" content="OG &amp; title">
            <meta property="og:description" content="OG description">
            <meta property="og:image" content="/img/a.png">
            <meta property="og:image:width" content="1200"><meta property="og:image:height" content="x">
            <meta property="og:image:alt" content="A picture">
            <meta property="og:site_name" content="News">
            <meta property="og:type" content="article">
            <meta property="og:url" content="https://news.example/story/1?canonical">
            <meta property="article:published_time" content="2026-11-30T10:00:00Z">
            <meta name="author" content="Ada">
            <link rel="author" href="/people/ada">
            <link rel="alternate" type="application/json+oembed" href="https://news.example/oembed?u=1">
            </head><body><meta property="og:title" content="later"></body></html>"#;
        let m = read_page(page, &base());
        assert_eq!(m.title, "OG & title");
        assert_eq!(m.description, "OG description");
        assert_eq!(
            m.image.map(String::from).as_deref(),
            Some("https://news.example/img/a.png")
        );
        assert_eq!((m.image_width, m.image_height), (Some(1200), None));
        assert_eq!(m.image_alt, "A picture");
        assert_eq!(m.site_name, "News");
        assert_eq!(m.kind.as_deref(), Some("article"));
        assert_eq!(m.language.as_deref(), Some("en"));
        assert!(m.published_at.is_some());
        assert_eq!(
            m.authors,
            vec![PageAuthor {
                name: "Ada".into(),
                url: "https://news.example/people/ada".into()
            }]
        );
        assert_eq!(
            m.oembed.map(String::from).as_deref(),
            Some("https://news.example/oembed?u=1")
        );
    }

    #[test]
    fn twitter_and_title_only_pages() {
        let twitter = r#"<html><head><meta name="twitter:title" content="T">
            <meta name="twitter:description" content="D"><meta name="twitter:image" content="https://cdn.example/i.jpg"></head></html>"#;
        let m = read_page(twitter, &base());
        assert_eq!((m.title.as_str(), m.description.as_str()), ("T", "D"));
        assert_eq!(
            m.image.map(String::from).as_deref(),
            Some("https://cdn.example/i.jpg")
        );
        let plain = "<html><head><title>Just a title</title><meta name=description content=Words></head></html>";
        let m = read_page(plain, &base());
        assert_eq!(
            (m.title.as_str(), m.description.as_str()),
            ("Just a title", "Words")
        );
        assert!(m.is_useful());
        assert!(!read_page("<html><body><p>nothing</p></body></html>", &base()).is_useful());
        let hostile = r#"<html><head><title>t</title><meta property="og:image" content="javascript:alert(1)">
            <link rel="author" href="file:///etc/passwd"></head></html>"#;
        let m = read_page(hostile, &base());
        assert_eq!(m.image, None);
        assert!(m.authors.is_empty());
    }

    #[test]
    fn oembed_answers_are_read_leniently() {
        let o = OEmbed::parse(
            br#"{"type":"Video","width":"640","height":360.0,"html":"<iframe></iframe>"}"#,
        )
        .expect("oembed");
        assert_eq!(
            (o.kind.as_str(), o.width(), o.height()),
            ("video", 640, 360)
        );
        assert!(OEmbed::parse(b"not json").is_none());
        let o = OEmbed::parse(br#"{"type":"photo","width":-3}"#).expect("oembed");
        assert_eq!(o.width(), 0);
    }
}
