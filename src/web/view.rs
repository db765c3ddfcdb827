//! What the public pages show of accounts and statuses, made once from the service's views:
//! names and texts with their custom emoji as images, media, polls and cards, times readable
//! without JavaScript. Templates only place these; every string here is either escaped or
//! sanitised HTML (marked as such).
//!
//! Images are shown only when they are served by this instance (its own files or its media
//! storage): the pages load nothing from third parties, and the CSP says so (`img-src`).

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::content::escape;
use crate::model::{Account, CustomEmoji, Media, PollView, PreviewCard, StatusView, Visibility};

/// Where images may come from: this instance and its media storage.
#[derive(Clone, Debug)]
pub struct Origins {
    base: String,
    media: Option<String>,
}

impl Origins {
    pub fn of(state: &AppState) -> Origins {
        let media = &state.config.media.public_base_url;
        Origins {
            base: format!("{}/", state.base_url()),
            media: (!media.is_empty()).then(|| format!("{}/", media.trim_end_matches('/'))),
        }
    }

    /// The CSP source of the media storage, when it is elsewhere (`https://media.example`).
    pub fn media_source(&self) -> Option<String> {
        let url = url::Url::parse(self.media.as_deref()?).ok()?;
        Some(url.origin().ascii_serialization())
    }

    /// `url` if the page may load it, else `None`.
    pub fn allow<'a>(&self, url: &'a str) -> Option<&'a str> {
        let ok = url.starts_with(&self.base)
            || self.media.as_deref().is_some_and(|m| url.starts_with(m));
        ok.then_some(url)
    }
}

/// An account as a line above a post or in a list.
#[derive(Clone, Debug)]
pub struct AccountLine {
    /// Escaped, with custom emoji as images.
    pub name_html: String,
    /// `@alice` or `@bob@remote.example`.
    pub handle: String,
    pub url: String,
    pub avatar: String,
    pub bot: bool,
}

impl AccountLine {
    pub fn of(state: &AppState, origins: &Origins, account: &Account) -> AccountLine {
        let name = if account.display_name.trim().is_empty() {
            &account.username
        } else {
            &account.display_name
        };
        let handle = match &account.domain {
            Some(domain) => format!("@{}@{domain}", account.username),
            None => format!("@{}", account.username),
        };
        AccountLine {
            name_html: emojify_text(name, &account.emojis, origins),
            handle,
            url: account.profile_url().to_string(),
            avatar: avatar_of(state, origins, account),
            bot: account.bot,
        }
    }
}

/// The avatar to show: its own when this instance serves it, else the default one.
pub fn avatar_of(state: &AppState, origins: &Origins, account: &Account) -> String {
    account
        .avatar_url
        .as_deref()
        .and_then(|u| origins.allow(u))
        .map(str::to_string)
        .unwrap_or_else(|| crate::model::account::default_avatar(&state.base_url()))
}

/// The header to show, likewise.
pub fn header_of(state: &AppState, origins: &Origins, account: &Account) -> String {
    account
        .header_url
        .as_deref()
        .and_then(|u| origins.allow(u))
        .map(str::to_string)
        .unwrap_or_else(|| crate::model::account::default_header(&state.base_url()))
}

/// A moment as `<time>` shows it: machine-readable, and readable in UTC before the page's
/// script puts it in the reader's time zone.
#[derive(Clone, Debug)]
pub struct Moment {
    pub iso: String,
    pub text: String,
}

impl Moment {
    pub fn of(at: DateTime<Utc>) -> Moment {
        Moment {
            iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            text: at.format("%-d %b %Y, %H:%M UTC").to_string(),
        }
    }
}

/// One attachment.
#[derive(Clone, Debug)]
pub struct MediaItem {
    /// `image`, `gifv`, `video`, `audio` or `unknown`.
    pub kind: String,
    /// The file, when this instance serves it.
    pub url: Option<String>,
    pub preview: Option<String>,
    /// Where it can be seen otherwise (a remote file not cached here).
    pub link: Option<String>,
    pub description: String,
    pub blurhash: String,
    pub width: i32,
    pub height: i32,
}

impl MediaItem {
    fn of(origins: &Origins, m: &Media) -> MediaItem {
        let own = |u: &Option<String>| {
            u.as_deref()
                .and_then(|u| origins.allow(u))
                .map(str::to_string)
        };
        let url = own(&m.url);
        let link = if url.is_none() {
            m.remote_url
                .clone()
                .filter(|u| crate::model::host::is_web_url(u))
        } else {
            None
        };
        MediaItem {
            kind: m.kind.clone(),
            preview: own(&m.preview_url).or_else(|| url.clone().filter(|_| m.kind == "image")),
            url,
            link,
            description: m.description.clone(),
            blurhash: m.blurhash.clone().unwrap_or_default(),
            width: m.preview_width.or(m.width).unwrap_or(0),
            height: m.preview_height.or(m.height).unwrap_or(0),
        }
    }
}

/// One option of a poll with its share of the votes.
#[derive(Clone, Debug)]
pub struct PollOption {
    /// Escaped, with custom emoji.
    pub title_html: String,
    pub votes: i64,
    /// Whole per cent of the votes (of the voters, for a multiple-choice poll).
    pub percent: i64,
}

#[derive(Clone, Debug)]
pub struct PollBox {
    pub options: Vec<PollOption>,
    pub shows_totals: bool,
    pub multiple: bool,
    /// `3 people` (or `5 votes` when the server does not count voters).
    pub count_text: String,
    pub expired: bool,
    pub ends: Option<Moment>,
}

impl PollBox {
    fn of(origins: &Origins, p: &PollView, now: DateTime<Utc>) -> PollBox {
        let poll = &p.poll;
        let total = poll.votes_count();
        // As Mastodon's web app: a multiple-choice poll's shares are of the voters.
        let base = if poll.multiple {
            poll.voters_count.unwrap_or(total)
        } else {
            total
        };
        PollBox {
            options: poll
                .options
                .iter()
                .enumerate()
                .map(|(i, title)| {
                    let votes = poll.votes.get(i).copied().unwrap_or(0);
                    PollOption {
                        title_html: emojify_text(title, &p.emojis, origins),
                        votes,
                        percent: if base > 0 { votes * 100 / base } else { 0 },
                    }
                })
                .collect(),
            shows_totals: poll.shows_totals(now),
            multiple: poll.multiple,
            count_text: match poll.voters_count {
                Some(1) => "1 person".into(),
                Some(n) => format!("{n} people"),
                None if total == 1 => "1 vote".into(),
                None => format!("{total} votes"),
            },
            expired: poll.expired(now),
            ends: poll.closed_at.or(poll.expires_at).map(Moment::of),
        }
    }
}

/// A post's quote of another, as an anonymous visitor may see it.
#[derive(Clone, Debug)]
pub struct QuoteBox {
    /// The quoted post: only when its author approved the quote and a visitor may see it.
    pub quoted: Option<QuotedCard>,
    /// Why the quoted post is not shown, otherwise (with no link: the post may be private).
    pub note: &'static str,
}

/// The quoted post inside a quote: its author, text and date (its own quote, media and poll
/// are not repeated, as Mastodon shows one level).
#[derive(Clone, Debug)]
pub struct QuotedCard {
    pub url: String,
    pub author: AccountLine,
    pub content_html: String,
    pub spoiler_html: String,
    pub created: Moment,
}

impl QuoteBox {
    fn of(state: &AppState, origins: &Origins, q: &crate::model::QuoteView) -> QuoteBox {
        use crate::model::QuoteState;
        let quoted = match (q.state, q.quoted.as_deref()) {
            (QuoteState::Accepted, Some(v)) => Some(QuotedCard {
                url: page_of(v),
                author: AccountLine::of(state, origins, &v.account),
                content_html: emojify_html(&v.status.content, &v.emojis, origins),
                spoiler_html: emojify_text(&v.status.spoiler_text, &v.emojis, origins),
                created: Moment::of(v.status.created_at),
            }),
            _ => None,
        };
        let note = match q.state {
            _ if quoted.is_some() => "",
            QuoteState::Accepted if q.quoted_status_id.is_none() => "The quoted post was deleted.",
            QuoteState::Accepted => "The quoted post is not public.",
            QuoteState::Pending => "The quoted post's author has not approved this quote yet.",
            QuoteState::Rejected => "The quoted post's author did not allow this quote.",
            QuoteState::Revoked => "The quoted post's author removed this quote.",
            QuoteState::Deleted => "The quoted post was deleted.",
        };
        QuoteBox { quoted, note }
    }
}

/// A post's page: on this instance for local posts, where it was posted otherwise.
fn page_of(view: &StatusView) -> String {
    let s = &view.status;
    if s.local {
        format!("/@{}/{}", view.account.username, s.id)
    } else {
        s.url
            .clone()
            .filter(|u| crate::model::host::is_web_url(u))
            .unwrap_or_else(|| s.uri.clone())
    }
}

/// A link's preview card.
#[derive(Clone, Debug)]
pub struct CardBox {
    pub url: String,
    pub title: String,
    pub description: String,
    pub provider: String,
    pub image: Option<String>,
    pub image_description: String,
}

impl CardBox {
    fn of(origins: &Origins, c: &PreviewCard) -> Option<CardBox> {
        if !crate::model::host::is_web_url(&c.url) {
            return None;
        }
        let provider = if c.provider_name.is_empty() {
            url::Url::parse(&c.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default()
        } else {
            c.provider_name.clone()
        };
        Some(CardBox {
            url: c.url.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            provider,
            image: c
                .image
                .as_deref()
                .and_then(|u| origins.allow(u))
                .map(str::to_string),
            image_description: c.image_description.clone(),
        })
    }
}

/// A post as the public pages show it.
#[derive(Clone, Debug)]
pub struct StatusCard {
    pub id: String,
    /// Its page: on this instance for local posts, where it was posted otherwise.
    pub url: String,
    pub author: AccountLine,
    /// Sanitised HTML with custom emoji.
    pub content_html: String,
    /// The content warning, escaped, with custom emoji; empty when there is none.
    pub spoiler_html: String,
    /// Media marked sensitive without a warning are hidden behind one all the same.
    pub sensitive_media: bool,
    pub lang: String,
    pub created: Moment,
    pub edited: Option<Moment>,
    pub visibility: &'static str,
    pub media: Vec<MediaItem>,
    pub poll: Option<PollBox>,
    pub card: Option<CardBox>,
    /// Its quote of another post, if it quotes one.
    pub quote: Option<QuoteBox>,
    /// Who boosted it, when it comes to a profile as a boost.
    pub boosted_by: Option<AccountLine>,
    pub is_reply: bool,
    pub replies: i64,
    pub reblogs: i64,
    pub favourites: i64,
}

impl StatusCard {
    /// The card of `view` (of the original, for a boost, naming who boosted it).
    pub fn of(state: &AppState, origins: &Origins, view: &StatusView) -> StatusCard {
        let now = Utc::now();
        let (shown, boosted_by) = match &view.reblog {
            Some(original) => (
                original.as_ref(),
                Some(AccountLine::of(state, origins, &view.account)),
            ),
            None => (view, None),
        };
        let s = &shown.status;
        let url = page_of(shown);
        StatusCard {
            id: s.id.to_string(),
            url,
            author: AccountLine::of(state, origins, &shown.account),
            content_html: emojify_html(&s.content, &shown.emojis, origins),
            spoiler_html: emojify_text(&s.spoiler_text, &shown.emojis, origins),
            sensitive_media: s.sensitive && !shown.media.is_empty(),
            lang: s.language.clone().unwrap_or_default(),
            created: Moment::of(s.created_at),
            edited: s.edited_at.map(Moment::of),
            visibility: match s.visibility {
                Visibility::Public => "public",
                Visibility::Unlisted => "unlisted",
                Visibility::Private => "private",
                Visibility::Direct => "direct",
            },
            media: shown
                .media
                .iter()
                .map(|m| MediaItem::of(origins, m))
                .collect(),
            poll: shown.poll.as_ref().map(|p| PollBox::of(origins, p, now)),
            card: if shown.media.is_empty() && shown.poll.is_none() {
                shown.card.as_deref().and_then(|c| CardBox::of(origins, c))
            } else {
                None
            },
            quote: shown
                .quote
                .as_ref()
                .map(|q| QuoteBox::of(state, origins, q)),
            boosted_by,
            is_reply: s.in_reply_to_id.is_some(),
            replies: s.replies_count,
            reblogs: s.reblogs_count,
            favourites: s.favourites_count,
        }
    }

    /// The content warning, or the first words of the text, as plain text (titles, previews).
    pub fn summary(view: &StatusView, max: usize) -> String {
        let s = &view.status;
        let text = if s.spoiler_text.is_empty() {
            crate::content::sanitize::text_with_breaks(&s.content)
        } else {
            s.spoiler_text.clone()
        };
        crate::service::push::message::truncate(&text, max)
    }
}

/// The emoji of `emojis` whose image may be shown, by shortcode.
fn usable<'a>(emojis: &'a [CustomEmoji], origins: &Origins) -> Vec<(&'a str, &'a str)> {
    emojis
        .iter()
        .filter(|e| !e.disabled)
        .filter_map(|e| {
            let url = origins
                .allow(&e.static_url)
                .or_else(|| origins.allow(&e.image_url))?;
            Some((e.shortcode.as_str(), url))
        })
        .collect()
}

/// `text` escaped, its `:shortcode:`s as images.
pub fn emojify_text(text: &str, emojis: &[CustomEmoji], origins: &Origins) -> String {
    let escaped = escape(text);
    if emojis.is_empty() || !text.contains(':') {
        return escaped;
    }
    replace_shortcodes(&escaped, &usable(emojis, origins))
}

/// Sanitised HTML with the `:shortcode:`s of its text (never of its tags' attributes) as
/// images.
pub fn emojify_html(html: &str, emojis: &[CustomEmoji], origins: &Origins) -> String {
    if emojis.is_empty() || !html.contains(':') {
        return html.to_string();
    }
    let usable = usable(emojis, origins);
    if usable.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 64);
    for (is_tag, part) in segments(html) {
        if is_tag {
            out.push_str(part);
        } else {
            out.push_str(&replace_shortcodes(part, &usable));
        }
    }
    out
}

/// Every `<a>` of sanitised HTML marked `rel="me"`: the profile vouches for the pages its
/// fields link to, which is what lets those pages verify it back.
pub fn with_rel_me(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 16);
    for (is_tag, part) in segments(html) {
        if is_tag && part.starts_with("<a ") {
            match part.find(" rel=\"") {
                Some(at) => {
                    out.push_str(&part[..at + 6]);
                    out.push_str("me ");
                    out.push_str(&part[at + 6..]);
                }
                None => {
                    out.push_str("<a rel=\"me\" ");
                    out.push_str(&part[3..]);
                }
            }
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Sanitised HTML cut into tags and text, in order. Attribute values are always quoted in it,
/// so a `>` inside quotes does not end a tag.
fn segments(html: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'<' {
            if start < i {
                out.push((false, &html[start..i]));
            }
            let tag_start = i;
            let mut quote: Option<u8> = None;
            i += 1;
            while i < bytes.len() {
                match (quote, bytes[i]) {
                    (None, b'"') | (None, b'\'') => quote = Some(bytes[i]),
                    (Some(q), c) if c == q => quote = None,
                    (None, b'>') => break,
                    _ => {}
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            out.push((true, &html[tag_start..i]));
            start = i;
        } else {
            i += 1;
        }
    }
    if start < bytes.len() {
        out.push((false, &html[start..]));
    }
    out
}

/// Escaped text with each known `:shortcode:` as an image.
fn replace_shortcodes(text: &str, emojis: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(':') {
        let after = &rest[open + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let code = &after[..len];
        let closed = after[len..].starts_with(':');
        match emojis
            .iter()
            .find(|(c, _)| closed && !code.is_empty() && *c == code)
        {
            Some((code, url)) => {
                out.push_str(&rest[..open]);
                out.push_str(&format!(
                    "<img class=\"emoji\" src=\"{}\" alt=\":{code}:\" title=\":{code}:\" draggable=\"false\">",
                    escape(url)
                ));
                rest = &after[len + 1..];
            }
            None => {
                out.push_str(&rest[..open + 1]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> Origins {
        Origins {
            base: "https://here.example/".into(),
            media: None,
        }
    }

    fn emoji(code: &str, url: &str) -> CustomEmoji {
        CustomEmoji {
            id: 1,
            shortcode: code.into(),
            domain: None,
            uri: None,
            image_url: url.into(),
            static_url: url.into(),
            remote_url: None,
            content_type: "image/png".into(),
            file_size: 1,
            disabled: false,
            visible_in_picker: true,
            category: None,
            image_updated_at: Utc::now(),
        }
    }

    #[test]
    fn shortcodes_in_text_become_images_but_not_in_attributes() {
        let emojis = [emoji("blob", "https://here.example/e.png")];
        let html =
            "<p><a href=\"https://x.example/:blob:\" title=\"a>b\">:blob:</a> hi :blob::nope:</p>";
        let out = emojify_html(html, &emojis, &origins());
        assert!(
            out.starts_with(
                "<p><a href=\"https://x.example/:blob:\" title=\"a>b\"><img class=\"emoji\""
            ),
            "{out}"
        );
        assert_eq!(out.matches("<img").count(), 2, "{out}");
        assert!(out.ends_with(":nope:</p>"), "{out}");
    }

    #[test]
    fn names_are_escaped_and_remote_emoji_images_are_not_loaded() {
        let emojis = [emoji("far", "https://elsewhere.example/e.png")];
        let out = emojify_text("<script>:far:", &emojis, &origins());
        assert_eq!(out, "&lt;script&gt;:far:");
    }

    #[test]
    fn links_of_fields_are_marked_rel_me() {
        assert_eq!(
            with_rel_me("<a href=\"https://a.example\" rel=\"nofollow\">a</a>"),
            "<a href=\"https://a.example\" rel=\"me nofollow\">a</a>"
        );
        assert_eq!(
            with_rel_me("<a href=\"https://a.example\">a</a>"),
            "<a rel=\"me\" href=\"https://a.example\">a</a>"
        );
    }
}
