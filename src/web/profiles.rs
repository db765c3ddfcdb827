//! Public profile and status pages (`/@alice`, `/@alice/123`); ActivityPub clients asking the
//! same URLs get the documents instead.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::activitypub::authorized::SignedGet;
use crate::activitypub::documents;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::convert;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{handle}", get(profile))
        .route("/{handle}/{id}", get(status))
}

struct StatusItem {
    content: String,
    spoiler_text: String,
    url: String,
    created_at: String,
}

#[derive(Template)]
#[template(path = "profile.html", config = "src/web/askama.toml")]
struct ProfilePage<'a> {
    instance_title: &'a str,
    display_name: String,
    acct: String,
    /// Sanitised when it was stored.
    note: String,
    statuses_count: i64,
    following_count: i64,
    followers_count: i64,
    statuses: Vec<StatusItem>,
}

fn username_of(handle: &str) -> Result<&str> {
    handle
        .strip_prefix('@')
        .filter(|u| !u.is_empty() && !u.contains('@'))
        .ok_or(Error::NotFound)
}

/// `/@:username`
pub async fn profile(
    State(state): State<AppState>,
    _authorized: SignedGet,
    headers: HeaderMap,
    Path(handle): Path<String>,
) -> Result<Response> {
    let username = username_of(&handle)?;
    let account = service::accounts::public_profile(&state, username).await?;
    if documents::wants_activity_json(&headers) {
        return Ok(documents::activity_json(convert::actor(
            &account,
            &state.base_url(),
        )));
    }
    // A moved account's page sends browsers on to the new account, as Mastodon's does.
    if let Some(to) = service::moves::moved_target(&state, &account).await? {
        return Ok(axum::response::Redirect::to(to.profile_url()).into_response());
    }
    let statuses = service::timelines::profile_page(&state, &account, 20)
        .await?
        .iter()
        .map(|v| StatusItem {
            content: v.status.content.clone(),
            spoiler_text: v.status.spoiler_text.clone(),
            url: v.status.url.clone().unwrap_or_else(|| v.status.uri.clone()),
            created_at: v.status.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect();
    Ok(super::render(
        StatusCode::OK,
        &ProfilePage {
            instance_title: &state.config.instance.title,
            display_name: if account.display_name.is_empty() {
                account.username.clone()
            } else {
                account.display_name.clone()
            },
            acct: format!("{}@{}", account.username, state.config.domain),
            note: account.note.clone(),
            statuses_count: account.stats.statuses_count,
            following_count: account.stats.following_count,
            followers_count: account.stats.followers_count,
            statuses,
        },
    ))
}

/// `/@:username/:id`: the status as a page, or its `Note`.
pub async fn status(
    State(state): State<AppState>,
    _authorized: SignedGet,
    headers: HeaderMap,
    Path((handle, id)): Path<(String, String)>,
) -> Result<Response> {
    let username = username_of(&handle)?;
    let id = crate::id::parse(&id).ok_or(Error::NotFound)?;
    let (account, view) = service::views::on_profile(&state, username, id).await?;
    if documents::wants_activity_json(&headers) {
        let parent = service::statuses::parent_uri(&state, &view.status).await?;
        return Ok(documents::activity_json(convert::note(
            &view,
            parent,
            &state.base_url(),
        )));
    }
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>@{} · {}</title></head><body><main>\
         {}<p><a href=\"/@{}\">@{}</a> · {}</p></main></body></html>",
        crate::content::escape(&account.username),
        crate::content::escape(&state.config.instance.title),
        view.status.content,
        crate::content::escape(&account.username),
        crate::content::escape(&account.username),
        view.status.created_at.format("%Y-%m-%d %H:%M UTC")
    );
    Ok(super::page(StatusCode::OK, html).into_response())
}
