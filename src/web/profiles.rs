//! Public profiles: `/@alice` (ActivityPub clients get the actor there), its tabs
//! `/@alice/with_replies` and `/@alice/media` paged with `?max_id=`, its feeds `/@alice.rss`
//! and `/@alice.atom`; the "follow from your server" form sends visitors to
//! `/remote_interaction` ([`super::remote`]).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::feeds::{self, FeedInfo, Format};
use super::view::{self, AccountLine, Moment, Origins, StatusCard};
use crate::activitypub::authorized::SignedGet;
use crate::activitypub::documents;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::convert;
use crate::model::{Account, Page};
use crate::service;
use crate::service::timelines::ProfileTab;
use crate::web::site::Site;

/// Posts per page of a profile's tabs, and items per feed.
const PAGE_SIZE: i64 = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{handle}", get(profile))
        .route("/{handle}/{id}", get(super::statuses::status))
        .route(
            "/remote_interaction",
            get(super::remote::remote_interaction),
        )
}

/// Posts a page may ask for with `?limit=`, at most (as the client API allows).
const MAX_PAGE_SIZE: i64 = 40;

/// `max_id` and `limit` of a page, each ignored when it is not a number.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    max_id: Option<String>,
    limit: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Page {
        Page {
            max_id: self.max_id.as_deref().and_then(crate::id::parse),
            ..Page::first(self.limit())
        }
    }

    fn limit(&self) -> i64 {
        self.limit
            .as_deref()
            .and_then(|l| l.parse::<i64>().ok())
            .map_or(PAGE_SIZE, |l| l.clamp(1, MAX_PAGE_SIZE))
    }

    /// What a link to another page of the same size adds to its query.
    fn limit_param(&self) -> String {
        match self.limit() {
            PAGE_SIZE => String::new(),
            n => format!("&limit={n}"),
        }
    }
}

/// What every public page puts in its `<head>` for link previews elsewhere (OpenGraph and
/// Twitter cards) and for search engines.
pub struct Meta {
    pub title: String,
    pub description: String,
    /// Absolute.
    pub url: String,
    /// Absolute.
    pub image: Option<String>,
    /// `profile`, `article` or `website`.
    pub kind: &'static str,
    pub noindex: bool,
    /// Where ActivityPub clients find the same thing.
    pub activity: Option<String>,
}

/// One profile field.
pub struct FieldRow {
    pub name_html: String,
    pub value_html: String,
    pub verified: Option<Moment>,
}

#[derive(Template)]
#[template(path = "profile.html", config = "src/web/askama.toml")]
struct ProfilePage {
    site: Site,
    meta: Meta,
    account: AccountLine,
    /// `alice@social.example`.
    acct: String,
    header: String,
    note_html: String,
    fields: Vec<FieldRow>,
    locked: bool,
    joined: Moment,
    show_counts: bool,
    statuses_count: i64,
    following_count: i64,
    followers_count: i64,
    /// `posts`, `with_replies` or `media`.
    tab: &'static str,
    pinned: Vec<StatusCard>,
    statuses: Vec<StatusCard>,
    /// The next (older) page.
    older: Option<String>,
    /// Whether this is a later page (the first is linked back to).
    paged: bool,
    /// The actor's id, which the remote-interaction flow hands to the visitor's server.
    interact_uri: String,
    /// This server's own interaction page for it (people with an account here).
    interact_href: String,
    /// `/@alice`.
    base_path: String,
    /// The first page of the tab shown.
    tab_href: String,
}

/// The username of a `@alice` path segment.
pub fn username_of(handle: &str) -> Result<&str> {
    handle
        .strip_prefix('@')
        .filter(|u| !u.is_empty() && !u.contains('@'))
        .ok_or(Error::NotFound)
}

/// `/@:username`, `/@:username.rss`, `/@:username.atom`
pub async fn profile(
    State(state): State<AppState>,
    _authorized: SignedGet,
    headers: HeaderMap,
    Path(handle): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let result = match Format::split(&handle) {
        Some((handle, format)) => feed(&state, handle, format).await,
        None => page(&state, &headers, &handle, ProfileTab::Posts, &q).await,
    };
    match result {
        Ok(response) => response,
        Err(e) => super::pages::error_page(&state, e).await,
    }
}

async fn feed(state: &AppState, handle: &str, format: Format) -> Result<Response> {
    let account = service::accounts::public_profile(state, username_of(handle)?).await?;
    let items = service::timelines::profile_page(state, &account, PAGE_SIZE).await?;
    let base = state.base_url();
    let ext = match format {
        Format::Rss => "rss",
        Format::Atom => "atom",
    };
    let info = FeedInfo {
        title: display_name(&account).to_string(),
        link: format!("{base}/@{}", account.username),
        self_link: format!("{base}/@{}.{ext}", account.username),
        description: format!(
            "Public posts from @{}@{}",
            account.username, state.config.domain
        ),
        image: Some(view::avatar_of(state, &Origins::of(state), &account)),
        updated: account.updated_at,
    };
    Ok(feeds::respond(format, &info, &base, &items))
}

fn display_name(account: &Account) -> &str {
    if account.display_name.trim().is_empty() {
        &account.username
    } else {
        &account.display_name
    }
}

/// The page of a profile tab; ActivityPub clients asking `/@alice` get the actor.
pub async fn page(
    state: &AppState,
    headers: &HeaderMap,
    handle: &str,
    tab: ProfileTab,
    q: &PageQuery,
) -> Result<Response> {
    let username = username_of(handle)?;
    let account = service::accounts::public_profile(state, username).await?;
    if tab == ProfileTab::Posts && documents::wants_activity_json(headers) {
        return Ok(documents::activity_json(convert::actor(
            &account,
            &state.base_url(),
        )));
    }
    // A moved account's page sends browsers on to the new account, as Mastodon's does.
    if let Some(to) = service::moves::moved_target(state, &account).await? {
        return Ok(Redirect::to(to.profile_url()).into_response());
    }
    let page = q.page();
    let found = service::timelines::profile_tab(state, &account, tab, &page).await?;
    let pinned = if tab == ProfileTab::Posts && page.max_id.is_none() {
        service::timelines::pinned_public(state, &account).await?
    } else {
        Vec::new()
    };
    let origins = Origins::of(state);
    let base = state.base_url();
    let line = AccountLine::of(state, &origins, &account);
    let tab_path = match tab {
        ProfileTab::Posts => "",
        ProfileTab::WithReplies => "/with_replies",
        ProfileTab::Media => "/media",
    };
    // The raw cursor goes on past what an anonymous visitor may not see.
    let older = found
        .cursors
        .filter(|_| found.read as i64 >= page.limit)
        .map(|(_, oldest)| {
            format!(
                "/@{}{tab_path}?max_id={oldest}{}",
                account.username,
                q.limit_param()
            )
        });
    let acct = format!("{}@{}", account.username, state.config.domain);
    let note_text = crate::content::sanitize::text_with_breaks(&account.note);
    let page = ProfilePage {
        site: Site::load(state).await,
        meta: Meta {
            title: format!("{} (@{acct})", display_name(&account)),
            description: crate::service::push::message::truncate(&note_text, 200),
            url: format!("{base}/@{}{tab_path}", account.username),
            image: Some(absolute(&base, &line.avatar)),
            kind: "profile",
            noindex: !account.indexable,
            activity: Some(account.uri.clone()),
        },
        header: view::header_of(state, &origins, &account),
        note_html: view::emojify_html(&account.note, &account.emojis, &origins),
        fields: account
            .fields
            .iter()
            .map(|f| FieldRow {
                // Field names are stored as safe HTML already (escaped, or stripped of markup
                // when they came from a peer), as the values are.
                name_html: view::emojify_text(&f.name, &account.emojis, &origins),
                value_html: view::with_rel_me(&view::emojify_html(
                    &f.value,
                    &account.emojis,
                    &origins,
                )),
                verified: f.verified_at.map(Moment::of),
            })
            .collect(),
        locked: account.locked,
        joined: Moment::of(account.created_at),
        show_counts: !account.hide_collections,
        statuses_count: account.stats.statuses_count,
        following_count: account.stats.following_count,
        followers_count: account.stats.followers_count,
        tab: match tab {
            ProfileTab::Posts => "posts",
            ProfileTab::WithReplies => "with_replies",
            ProfileTab::Media => "media",
        },
        pinned: pinned
            .iter()
            .map(|v| StatusCard::of(state, &origins, v))
            .collect(),
        statuses: found
            .statuses
            .iter()
            .map(|v| StatusCard::of(state, &origins, v))
            .collect(),
        older,
        paged: page.max_id.is_some(),
        interact_href: format!(
            "/authorize_interaction?uri={}",
            url::form_urlencoded::byte_serialize(format!("acct:{acct}").as_bytes())
                .collect::<String>()
        ),
        interact_uri: account.uri.clone(),
        base_path: format!("/@{}", account.username),
        tab_href: format!("/@{}{tab_path}", account.username),
        acct,
        account: line,
    };
    Ok(super::render_public(state, StatusCode::OK, &page))
}

/// `path` (absolute already, or a path on this instance) as an absolute URL.
pub fn absolute(base: &str, path: &str) -> String {
    if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        path.to_string()
    }
}
