//! `/tags/:name`: a hashtag's public posts as a page (paged with `?max_id=`), as its RSS or
//! Atom feed (`/tags/:name.rss`, `/tags/:name.atom`), or, for ActivityPub clients, as the
//! `OrderedCollection` of its posts' ids (`?local=true` for this instance's only), as Mastodon
//! serves there.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::feeds::{self, FeedInfo, Format};
use super::profiles::Meta;
use super::view::{Origins, StatusCard};
use crate::activitypub::authorized::SignedGet;
use crate::activitypub::documents;
use crate::app::AppState;
use crate::error::Result;
use crate::federation::vocab::OrderedCollection;
use crate::model::Page;
use crate::service;
use crate::service::timelines::TagFilter;
use crate::web::site::Site;

const PAGE_SIZE: i64 = 20;

pub fn routes() -> Router<AppState> {
    Router::new().route("/tags/{name}", get(show))
}

#[derive(Deserialize, Default)]
pub struct TagQuery {
    max_id: Option<String>,
    local: Option<String>,
}

impl TagQuery {
    fn local(&self) -> bool {
        matches!(self.local.as_deref(), Some("true" | "1" | "on"))
    }
}

#[derive(Template)]
#[template(path = "tag.html", config = "src/web/askama.toml")]
struct TagPage {
    site: Site,
    meta: Meta,
    name: String,
    statuses: Vec<StatusCard>,
    older: Option<String>,
    paged: bool,
}

/// `GET /tags/:name`
pub async fn show(
    State(state): State<AppState>,
    _authorized: SignedGet,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<TagQuery>,
) -> Response {
    let result = match Format::split(&name) {
        Some((name, format)) => feed(&state, name, format, &q).await,
        None if documents::wants_activity_json(&headers) => collection(&state, &name, &q).await,
        None => page(&state, &name, &q).await,
    };
    match result {
        Ok(response) => response,
        Err(e) => super::pages::error_page(&state, e).await,
    }
}

fn filter(name: &str, local_only: bool) -> TagFilter {
    TagFilter {
        tag: name.to_string(),
        any: Vec::new(),
        all: Vec::new(),
        none: Vec::new(),
        local_only,
    }
}

async fn collection(state: &AppState, name: &str, q: &TagQuery) -> Result<Response> {
    let max_id = q.max_id.as_deref().and_then(crate::id::parse);
    let (tag, total, uris) =
        service::tags::public_collection(state, name, q.local(), max_id).await?;
    let id = format!("{}/tags/{}", state.base_url(), tag.name.to_lowercase());
    let mut doc = OrderedCollection::whole(id, uris);
    doc.total_items = Some(total);
    Ok(documents::activity_json(doc))
}

async fn feed(state: &AppState, name: &str, format: Format, q: &TagQuery) -> Result<Response> {
    let tag = service::tags::show(state, None, name).await?.tag;
    let items = service::timelines::tag(
        state,
        None,
        &filter(&tag.name, q.local()),
        &Page::first(PAGE_SIZE),
    )
    .await?
    .statuses;
    let base = state.base_url();
    let lower = tag.name.to_lowercase();
    let ext = match format {
        Format::Rss => "rss",
        Format::Atom => "atom",
    };
    let info = FeedInfo {
        title: format!("#{}", tag.name),
        link: format!("{base}/tags/{lower}"),
        self_link: format!("{base}/tags/{lower}.{ext}"),
        description: format!(
            "Public posts tagged #{} on {}",
            tag.name,
            Site::load(state).await.title
        ),
        image: None,
        updated: chrono::Utc::now(),
    };
    Ok(feeds::respond(format, &info, &base, &items))
}

async fn page(state: &AppState, name: &str, q: &TagQuery) -> Result<Response> {
    let tag = service::tags::show(state, None, name).await?.tag;
    let page = Page {
        max_id: q.max_id.as_deref().and_then(crate::id::parse),
        ..Page::first(PAGE_SIZE)
    };
    let found = service::timelines::tag(state, None, &filter(&tag.name, q.local()), &page).await?;
    let origins = Origins::of(state);
    let lower = tag.name.to_lowercase();
    let base = state.base_url();
    let local = if q.local() { "&local=true" } else { "" };
    let site = Site::load(state).await;
    let body = TagPage {
        meta: Meta {
            title: format!("#{}", tag.name),
            description: format!("Public posts tagged #{} on {}", tag.name, site.title),
            url: format!("{base}/tags/{lower}"),
            image: None,
            kind: "website",
            noindex: false,
            activity: Some(format!("{base}/tags/{lower}")),
        },
        older: found
            .cursors
            .filter(|_| found.read as i64 >= PAGE_SIZE)
            .map(|(_, oldest)| format!("/tags/{lower}?max_id={oldest}{local}")),
        paged: page.max_id.is_some(),
        statuses: found
            .statuses
            .iter()
            .map(|v| StatusCard::of(state, &origins, v))
            .collect(),
        name: tag.name,
        site,
    };
    Ok(super::render_public(state, StatusCode::OK, &body))
}
