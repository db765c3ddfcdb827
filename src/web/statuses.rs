//! `/@alice/:id`: a public post with its thread (the ancestors and replies an anonymous
//! visitor may see), or its `Note` for ActivityPub clients. The same path with `with_replies`
//! or `media` is a tab of the profile.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::profiles::{self, absolute, username_of, Meta, PageQuery};
use super::view::{Origins, StatusCard};
use crate::activitypub::authorized::SignedGet;
use crate::activitypub::documents;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::convert;
use crate::service;
use crate::service::timelines::ProfileTab;
use crate::web::site::Site;

#[derive(Template)]
#[template(path = "status.html", config = "src/web/askama.toml")]
struct StatusPage {
    site: Site,
    meta: Meta,
    ancestors: Vec<StatusCard>,
    /// The post itself (a list of one, so the thread's template shows it as it shows others).
    focus: Vec<StatusCard>,
    descendants: Vec<StatusCard>,
    /// The post's URL, for the remote-interaction flow.
    interact_uri: String,
}

/// `/@:username/:id` (and the profile tabs `/@:username/with_replies`, `/@:username/media`).
pub async fn status(
    State(state): State<AppState>,
    _authorized: SignedGet,
    headers: HeaderMap,
    Path((handle, id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let result = match id.as_str() {
        "with_replies" => {
            profiles::page(&state, &headers, &handle, ProfileTab::WithReplies, &q).await
        }
        "media" => profiles::page(&state, &headers, &handle, ProfileTab::Media, &q).await,
        _ => show(&state, &headers, &handle, &id).await,
    };
    match result {
        Ok(response) => response,
        Err(e) => super::pages::error_page(&state, e).await,
    }
}

async fn show(state: &AppState, headers: &HeaderMap, handle: &str, id: &str) -> Result<Response> {
    let username = username_of(handle)?;
    let id = crate::id::parse(id).ok_or(Error::NotFound)?;
    let (account, view) = service::views::on_profile(state, username, id).await?;
    if documents::wants_activity_json(headers) {
        let parent = service::statuses::parent_uri(state, &view.status).await?;
        return Ok(documents::activity_json(convert::note(
            &view,
            parent,
            &state.base_url(),
        )));
    }
    let (ancestors, descendants) = service::timelines::context(state, None, id).await?;
    let origins = Origins::of(state);
    let base = state.base_url();
    let focus = StatusCard::of(state, &origins, &view);
    let image = focus
        .media
        .iter()
        .find_map(|m| m.preview.clone())
        .unwrap_or_else(|| focus.author.avatar.clone());
    let url = format!("{base}/@{}/{}", account.username, view.status.id);
    let page = StatusPage {
        site: Site::load(state).await,
        meta: Meta {
            title: format!(
                "{} (@{}@{})",
                if account.display_name.trim().is_empty() {
                    &account.username
                } else {
                    &account.display_name
                },
                account.username,
                state.config.domain
            ),
            description: StatusCard::summary(&view, 200),
            image: Some(absolute(&base, &image)),
            kind: "article",
            noindex: !account.indexable,
            activity: Some(view.status.uri.clone()),
            url: url.clone(),
        },
        ancestors: ancestors
            .iter()
            .map(|v| StatusCard::of(state, &origins, v))
            .collect(),
        descendants: descendants
            .iter()
            .map(|v| StatusCard::of(state, &origins, v))
            .collect(),
        focus: vec![focus],
        // The post's id, as Mastodon hands it to the visitor's server.
        interact_uri: view.status.uri.clone(),
    };
    Ok(super::render_public(state, StatusCode::OK, &page))
}
