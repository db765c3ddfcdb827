//! Link preview cards (Mastodon's PreviewCard). When a status, local or remote, is stored or
//! edited with a link, a `fetch_card` job is queued in the same transaction; the job takes the
//! status's first eligible link ([`crate::content::page::first_link`]: no mention, hashtag,
//! page of this server or the status itself), fetches the page through the SSRF-guarded
//! fetcher under tight limits (`[cards]`: HTML only, a size and a time cap, few redirects, each
//! hop checked, skipped domains refused), reads what it says about itself and any oEmbed answer
//! it points to, and stores one card per (normalised) URL, shared by every status linking it
//! and fetched again once stale. Its image goes through the media pipeline. The status then
//! shows the card and streaming hears a `status.update`.
//!
//! Nothing here can fail a post: the job runs after the status is stored, and a bad page (no
//! metadata, too large, too slow, not HTML, a redirect loop, a private address, an error)
//! only leaves the status without a card.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use sqlx::PgConnection;
use url::Url;

use crate::app::AppState;
use crate::content::page::{self, OEmbed, PageMeta};
use crate::content::sanitize;
use crate::error::{Error, Result};
use crate::federation::fetch::{self, FetchPolicy, PageLimits};
use crate::id;
use crate::media::process::ImageRole;
use crate::media::{self as files, Kind};
use crate::model::card::{CardAuthor, CardKind, PreviewCard};
use crate::model::{Account, StatusView};
use crate::service::moderation::domains;
use crate::service::queue::{self, Job, OfStatus};
use crate::service::{media as uploads, media_cache, views};
use crate::store;
use crate::store::cards::{NewCard, StoredCard};

/// The widest (and tallest) a card's image is kept, as Mastodon keeps them.
const IMAGE_SIDE: u32 = 640;
/// A page that gave no card is asked again after this long, when a status links it again.
const FAILED_RETRY: chrono::Duration = chrono::Duration::hours(1);

/// What the `fetch_card` job came to.
#[derive(Debug)]
pub enum Fetched {
    /// The status shows a card (new, refreshed or shared).
    Shown,
    /// No card, and trying again will not change that now (why).
    Nothing(String),
    /// Another job is fetching the same page: try again in a moment.
    Busy,
}

/// Whether cards are made at all (`cards.enabled`).
pub fn enabled(state: &AppState) -> bool {
    state.config.cards.enabled
}

/// Queues the card of a status just stored or edited, in its transaction, when cards are on
/// and its HTML has a link that may deserve one (the job decides for good).
pub async fn queue_for(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    status_id: i64,
    html: &str,
    edited: bool,
) -> Result<()> {
    if !enabled(state) {
        return Ok(());
    }
    // An edit may have removed the link: its job takes the old card away.
    if edited || page::first_link(html, |u| is_local(state, u)).is_some() {
        queue::enqueue(tx, &Job::FetchCard(OfStatus { status_id })).await?;
    }
    Ok(())
}

/// A link as cards are keyed: parsed (so host case, default ports and escapes are settled),
/// without its fragment.
pub fn normalise(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.to_string()
}

/// Whether `url` is a page of this server.
fn is_local(state: &AppState, url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    };
    authority.eq_ignore_ascii_case(&state.config.domain)
}

/// Whether `host` is one of `cards.skip_domains` or below one.
fn skipped(state: &AppState, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    state.config.cards.skip_domains.iter().any(|d| {
        let d = d.trim().trim_start_matches('.').to_ascii_lowercase();
        !d.is_empty() && (host == d || host.ends_with(&format!(".{d}")))
    })
}

/// The `fetch_card` job: gives status `status_id` the card of its first eligible link, or
/// takes away one it no longer links. Errors are the database's (worth another try).
#[tracing::instrument(skip_all, fields(status.id = status_id))]
pub async fn fetch_for_status(state: &AppState, status_id: i64) -> Result<Fetched> {
    if !enabled(state) {
        return Ok(Fetched::Nothing("cards are off".into()));
    }
    let Some(row) = store::statuses::rows_for(&state.db, &[status_id])
        .await?
        .into_iter()
        .find(|r| r.status.id == status_id)
    else {
        return Ok(Fetched::Nothing("the status is gone".into()));
    };
    let status = &row.status;
    if status.is_reblog() {
        return Ok(Fetched::Nothing("a boost shows its original's card".into()));
    }
    let mentioned: Vec<String> = store::accounts::by_ids(&state.db, &row.mention_ids)
        .await?
        .iter()
        .flat_map(|a| [a.profile_url().to_string(), a.uri.clone()])
        .collect();
    let own: Vec<&str> = [Some(status.uri.as_str()), status.url.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let link = page::first_link(&status.content, |u| {
        let s = u.as_str();
        is_local(state, u) || own.contains(&s) || mentioned.iter().any(|m| m == s)
    });
    let Some(link) = link else {
        unlink(state, status_id).await?;
        return Ok(Fetched::Nothing("no link for a card".into()));
    };
    if skipped(state, link.host_str().unwrap_or_default()) {
        unlink(state, status_id).await?;
        return Ok(Fetched::Nothing("the link's domain is skipped".into()));
    }
    let key = normalise(&link);
    let now = Utc::now();
    let cards = &state.config.cards;
    let stale = now - chrono::Duration::days(i64::try_from(cards.refresh_days).unwrap_or(36500));
    let lease =
        now + chrono::Duration::seconds(i64::try_from(cards.timeout_secs).unwrap_or(60) * 3 + 30);
    let claimed = store::cards::claim(
        &state.db,
        id::next(),
        &key,
        stale,
        now - FAILED_RETRY,
        lease,
    )
    .await?;
    let card_id = match claimed {
        Some(card_id) => {
            match read_card(state, &link).await {
                Ok(found) => save(state, card_id, &found).await?,
                Err(why) => {
                    store::cards::fetch_failed(&state.db, card_id).await?;
                    tracing::info!(url = %key, reason = %why, "no card");
                }
            }
            card_id
        }
        None => match store::cards::state_of(&state.db, &key).await? {
            Some(s) if s.fetching => return Ok(Fetched::Busy),
            Some(s) => s.id,
            None => return Ok(Fetched::Nothing("the card is gone".into())),
        },
    };
    match store::cards::state_of(&state.db, &key).await? {
        Some(s) if s.ok && s.id == card_id => {
            let mut tx = state.db.begin().await?;
            if store::cards::link(&mut *tx, status_id, card_id).await? {
                crate::service::streaming::status_edited(&mut *tx, status_id).await?;
            }
            tx.commit().await?;
            Ok(Fetched::Shown)
        }
        _ => {
            unlink(state, status_id).await?;
            Ok(Fetched::Nothing("the page gave no card".into()))
        }
    }
}

/// Takes its card from a status (announced to streaming when it had one).
async fn unlink(state: &AppState, status_id: i64) -> Result<()> {
    let mut tx = state.db.begin().await?;
    if store::cards::unlink(&mut *tx, status_id).await? {
        crate::service::streaming::status_edited(&mut *tx, status_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A card read from a page, its image stored, not yet recorded.
#[derive(Debug, Default)]
struct Found {
    canonical_url: Option<String>,
    kind: Option<CardKind>,
    title: String,
    description: String,
    author_name: String,
    author_url: String,
    provider_name: String,
    provider_url: String,
    html: String,
    width: i32,
    height: i32,
    embed_url: String,
    image_key: Option<String>,
    image_remote_url: Option<String>,
    image_description: String,
    blurhash: Option<String>,
    language: Option<String>,
    published_at: Option<chrono::DateTime<Utc>>,
    authors: Vec<CardAuthor>,
    /// The account the page credits, and whether it allows the page's domain.
    credited: Option<(i64, bool)>,
}

async fn save(state: &AppState, card_id: i64, f: &Found) -> Result<()> {
    let mut tx = state.db.begin().await?;
    let old = store::cards::store_fetched(
        &mut tx,
        card_id,
        &NewCard {
            canonical_url: f.canonical_url.as_deref(),
            kind: f.kind.unwrap_or(CardKind::Link),
            title: &f.title,
            description: &f.description,
            author_name: &f.author_name,
            author_url: &f.author_url,
            provider_name: &f.provider_name,
            provider_url: &f.provider_url,
            html: &f.html,
            width: f.width,
            height: f.height,
            embed_url: &f.embed_url,
            image_key: f.image_key.as_deref(),
            image_remote_url: f.image_remote_url.as_deref(),
            image_description: &f.image_description,
            blurhash: f.blurhash.as_deref(),
            language: f.language.as_deref(),
            published_at: f.published_at,
            authors: &f.authors,
            credited: f.credited,
        },
    )
    .await?;
    tx.commit().await?;
    if let Some(old) = old.filter(|o| Some(o) != f.image_key.as_ref()) {
        uploads::free_files(state, vec![old]).await;
    }
    Ok(())
}

/// Pages' hosts are held at every hop to the skipped domains and to the domains whose media
/// this instance refuses (`reject_media`, or suspended).
struct CardGate(AppState);

impl fetch::HostGate for CardGate {
    fn refusal<'a>(&'a self, url: &'a Url) -> fetch::GateAnswer<'a> {
        Box::pin(async move {
            let host = url.host_str().unwrap_or_default();
            if skipped(&self.0, host) {
                return Ok(Some("cards of this domain are skipped".to_string()));
            }
            match domains::rejects_media(&self.0, host).await {
                Ok(true) => Ok(Some("media from this domain are rejected".to_string())),
                Ok(false) => Ok(None),
                Err(e) => Err(e.to_string()),
            }
        })
    }
}

fn policy(state: &AppState) -> FetchPolicy {
    FetchPolicy {
        allow_private: state.config.federation.allow_private_addresses,
        // Links are to the web at large, much of which is still plain http.
        allow_http: true,
        hosts: Some(Arc::new(CardGate(state.clone()))),
    }
}

fn limits(state: &AppState, accept: &'static str, accepts: fn(&str) -> bool) -> PageLimits {
    let c = &state.config.cards;
    PageLimits {
        accept,
        accepts,
        max_redirects: c.max_redirects,
        max_bytes: c.max_page_bytes,
        timeout: Duration::from_secs(c.timeout_secs),
    }
}

fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_html(content_type: &str) -> bool {
    matches!(
        essence(content_type).as_str(),
        "text/html" | "application/xhtml+xml"
    )
}

fn is_json(content_type: &str) -> bool {
    matches!(
        essence(content_type).as_str(),
        "application/json" | "application/json+oembed" | "text/json" | "text/javascript"
    )
}

/// Fetches and reads the page at `link`; the error says why it gives no card.
async fn read_card(state: &AppState, link: &Url) -> std::result::Result<Found, String> {
    let policy = policy(state);
    let fetched = fetch::fetch_page(
        &state.http,
        &policy,
        link.as_str(),
        &limits(state, "text/html, application/xhtml+xml;q=0.9", is_html),
    )
    .await
    .map_err(|e| e.to_string())?;
    let html = String::from_utf8_lossy(&fetched.body);
    let meta = page::read_page(&html, &fetched.url);
    let oembed = match &meta.oembed {
        Some(url) => fetch::fetch_page(
            &state.http,
            &policy,
            url.as_str(),
            &limits(state, "application/json", is_json),
        )
        .await
        .ok()
        .and_then(|p| OEmbed::parse(&p.body).map(|o| (o, p.url))),
        None => None,
    };
    let mut found = from_meta(&meta);
    let mut image_source = meta.image.clone();
    let embedded = oembed
        .as_ref()
        .is_some_and(|(o, base)| apply_oembed(&mut found, &mut image_source, o, base));
    if !embedded && !meta.is_useful() {
        return Err("the page has no title or metadata".into());
    }
    if let Some(source) = image_source {
        attach_image(state, &mut found, &source, &meta).await;
    }
    if let Some(creator) = &meta.creator {
        let page = meta.canonical_url.as_ref().unwrap_or(&fetched.url);
        found.credited = credited(state, creator, page.host_str().unwrap_or_default()).await;
    }
    Ok(found)
}

/// The account `creator` (`user@domain`, from `fediverse:creator`) names, found here or over
/// WebFinger, and whether its `attribution_domains` let a page on `host` credit it. `None`
/// when it cannot be found: the card is made all the same, crediting nobody.
async fn credited(state: &AppState, creator: &str, host: &str) -> Option<(i64, bool)> {
    let (username, domain) = creator.split_once('@')?;
    if username.is_empty() || domain.is_empty() || domain.contains('@') {
        return None;
    }
    match crate::service::remote::resolve_handle(state, username, domain).await {
        Ok(account) if !account.is_suspended() => {
            Some((account.id, account.may_be_credited_from(host)))
        }
        Ok(_) => None,
        Err(e) => {
            tracing::info!(error = %e, creator, "a card's creator could not be resolved");
            None
        }
    }
}

/// `account`'s `attribution_domains` changed: the cards that credited it from a domain they
/// now allow show it as their author, as Mastodon grants them.
pub async fn grant_credit(state: &AppState, account: &Account) -> Result<()> {
    let allowed: Vec<i64> = store::cards::unverified_of(&state.db, account.id)
        .await?
        .into_iter()
        .filter(|c| {
            Url::parse(&c.url)
                .ok()
                .and_then(|u| u.host_str().map(|h| account.may_be_credited_from(h)))
                .unwrap_or(false)
        })
        .map(|c| c.id)
        .collect();
    if !allowed.is_empty() {
        store::cards::verify_author(&state.db, account.id, &allowed).await?;
    }
    Ok(())
}

fn from_meta(meta: &PageMeta) -> Found {
    let authors: Vec<CardAuthor> = meta
        .authors
        .iter()
        .map(|a| CardAuthor {
            name: a.name.clone(),
            url: a.url.clone(),
        })
        .collect();
    Found {
        canonical_url: meta.canonical_url.as_ref().map(normalise),
        kind: Some(CardKind::Link),
        title: meta.title.clone(),
        description: meta.description.clone(),
        author_name: authors.first().map(|a| a.name.clone()).unwrap_or_default(),
        author_url: authors.first().map(|a| a.url.clone()).unwrap_or_default(),
        provider_name: meta.site_name.clone(),
        image_description: meta.image_alt.clone(),
        language: meta.language.clone(),
        published_at: meta.published_at,
        authors,
        ..Found::default()
    }
}

/// Takes an oEmbed answer's `photo`, `video` or `rich` card over the page's, as Mastodon
/// does; whether it was usable (a photo needs its URL, a video or rich card an iframe).
fn apply_oembed(found: &mut Found, image: &mut Option<Url>, o: &OEmbed, base: &Url) -> bool {
    let text = |v: &Option<String>, max: usize| -> String {
        sanitize::plain_text(v.as_deref().unwrap_or_default().trim())
            .chars()
            .take(max)
            .collect()
    };
    let link = |v: &Option<String>| -> Option<Url> {
        v.as_deref().and_then(|u| page::web_url(u, Some(base)))
    };
    match o.kind.as_str() {
        "photo" => {
            let Some(url) = link(&o.url) else {
                return false;
            };
            found.kind = Some(CardKind::Photo);
            found.embed_url = url.to_string();
            *image = Some(url);
        }
        "video" | "rich" => {
            let Some(iframe) = o.html.as_deref().and_then(sanitize::oembed_iframe) else {
                return false;
            };
            found.kind = Some(if o.kind == "video" {
                CardKind::Video
            } else {
                CardKind::Rich
            });
            found.html = iframe;
            if let Some(thumbnail) = link(&o.thumbnail_url) {
                *image = Some(thumbnail);
            }
        }
        _ => return false,
    }
    found.width = o.width();
    found.height = o.height();
    let title = text(&o.title, 300);
    if !title.is_empty() {
        found.title = title;
    }
    let author = text(&o.author_name, 200);
    if !author.is_empty() {
        found.author_name = author;
        found.author_url = link(&o.author_url).map(String::from).unwrap_or_default();
        found.authors = vec![CardAuthor {
            name: found.author_name.clone(),
            url: found.author_url.clone(),
        }];
    }
    let provider = text(&o.provider_name, 200);
    if !provider.is_empty() {
        found.provider_name = provider;
    }
    found.provider_url = link(&o.provider_url).map(String::from).unwrap_or_default();
    true
}

/// Gives the card its image: downloaded, checked and resized into local storage when the
/// remote media cache is on, the page's own URL when it is off. An image that cannot be had
/// (too large, not an image, refused) leaves the card without one.
async fn attach_image(state: &AppState, found: &mut Found, source: &Url, meta: &PageMeta) {
    let is_link = found.kind == Some(CardKind::Link);
    if !media_cache::enabled(state) {
        found.image_remote_url = Some(source.to_string());
        if is_link {
            found.width = meta.image_width.unwrap_or(0);
            found.height = meta.image_height.unwrap_or(0);
        }
        return;
    }
    match store_image(state, source).await {
        Ok((key, width, height, blurhash)) => {
            found.image_key = Some(key);
            found.blurhash = blurhash;
            if is_link {
                found.width = width;
                found.height = height;
            }
        }
        Err(why) => tracing::info!(image = %source, reason = %why, "card without its image"),
    }
}

type StoredImage = (String, i32, i32, Option<String>);

async fn store_image(state: &AppState, source: &Url) -> std::result::Result<StoredImage, String> {
    let max = state
        .config
        .cards
        .max_image_bytes
        .min(state.config.media.image_size_limit);
    let limits = PageLimits {
        max_bytes: max,
        ..limits(state, "image/*", |_| true)
    };
    let fetched = fetch::fetch_page(&state.http, &policy(state), source.as_str(), &limits)
        .await
        .map_err(|e| e.to_string())?;
    let bytes = Bytes::from(fetched.body);
    let sniffed = files::sniff(&bytes).ok_or("not an image")?;
    if sniffed.kind() != Kind::Image {
        return Err("not an image".into());
    }
    let processed = uploads::process_blocking(
        state,
        "image",
        bytes,
        sniffed,
        ImageRole::Card { side: IMAGE_SIDE },
    )
    .await
    .map_err(|e| e.to_string())?;
    let image = processed.original;
    let cap = state.config.media.remote_cache_max_bytes;
    if cap > 0 && image.bytes.len() as u64 > cap {
        return Err("larger than the whole remote media cache".into());
    }
    let key = files::key_for(&image.bytes, image.format.extension());
    uploads::put(state, &key, &image.bytes)
        .await
        .map_err(|e| e.to_string())?;
    let dim = |v: u32| i32::try_from(v).unwrap_or(0);
    Ok((key, dim(image.width), dim(image.height), processed.blurhash))
}

/// The cards with these ids, their image URLs and credited accounts filled in, by id (for
/// pages of statuses), read on `conn` (a page's reader holds one already).
pub async fn by_ids(
    state: &AppState,
    conn: &mut PgConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Arc<PreviewCard>>> {
    let stored = store::cards::by_ids(&mut *conn, ids).await?;
    let mut credited: Vec<i64> = stored.iter().filter_map(|c| c.author_account_id).collect();
    // Most cards credit nobody: no query for them.
    let authors: HashMap<i64, Arc<Account>> = if credited.is_empty() {
        HashMap::new()
    } else {
        credited.sort_unstable();
        credited.dedup();
        store::accounts::by_ids(&mut *conn, &credited)
            .await?
            .into_iter()
            .filter(|a| !a.is_suspended())
            .map(|a| (a.id, Arc::new(a)))
            .collect()
    };
    Ok(stored
        .into_iter()
        .map(|c| {
            let author = c.author_account_id.and_then(|id| authors.get(&id).cloned());
            let mut card = with_image(state, c);
            card.author_account = author;
            (card.id, Arc::new(card))
        })
        .collect())
}

fn with_image(state: &AppState, stored: StoredCard) -> PreviewCard {
    let mut card = stored.card;
    card.image = stored
        .image_key
        .as_deref()
        .map(|k| state.media.url(k))
        .or(stored.image_remote_url);
    card
}

/// The card a status shows to `viewer` (a boost: its original's), for the old
/// `GET /api/v1/statuses/:id/card`; 404 when they may not see the status.
pub async fn of_status(
    state: &AppState,
    viewer: Option<&Account>,
    status_id: i64,
) -> Result<Option<Arc<PreviewCard>>> {
    let view: StatusView = views::one(state, viewer, status_id).await?;
    Ok(match view.reblog {
        Some(original) => original.card,
        None => view.card,
    })
}

/// The card made for `raw` (a link as statuses carry it, or a page's canonical URL), for the
/// link timeline: 404 for a URL with no card, 422 for what is no http(s) URL.
pub async fn find(state: &AppState, raw: &str) -> Result<i64> {
    let url = page::web_url(raw, None)
        .ok_or_else(|| Error::invalid("url", "ERR_INVALID", "is not a valid http(s) URL"))?;
    store::cards::id_by_url(&state.db, &normalise(&url))
        .await?
        .ok_or(Error::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_normalised() {
        let u = |s: &str| normalise(&Url::parse(s).expect("url"));
        assert_eq!(
            u("HTTPS://News.Example:443/a#top"),
            "https://news.example/a"
        );
        assert_eq!(u("http://news.example:80"), "http://news.example/");
        assert_eq!(
            u("https://news.example/a?b=1"),
            "https://news.example/a?b=1"
        );
    }

    #[test]
    fn types_are_recognised() {
        assert!(is_html("text/html; charset=utf-8"));
        assert!(is_html("application/xhtml+xml"));
        assert!(!is_html("application/octet-stream"));
        assert!(!is_html(""));
        assert!(is_json("application/json+oembed"));
        assert!(!is_json("text/html"));
    }
}
