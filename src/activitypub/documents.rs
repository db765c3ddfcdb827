//! The ActivityPub documents Rookery serves: actors, the instance actor, notes and their
//! activities, replies, and the outbox, follower, following and featured collections. The
//! same URLs give browsers HTML (or a redirect to it).
//!
//! Followers-only and direct notes (and their activities) are served only to a verified
//! signer permitted by `service::visibility::may_see`; deleted notes answer 410 with a
//! `Tombstone`. In authorized-fetch mode every document here but the instance actor needs a
//! signature (see `activitypub::authorized`).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};

use super::authorized::SignedGet;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::convert;
use crate::federation::vocab::{OrderedCollection, Tombstone, WithContext};
use crate::model::{Account, Visibility};
use crate::service;

/// Items per collection page.
const PAGE_SIZE: i64 = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/actor", get(instance_actor))
        .route("/users/{username}", get(actor))
        .route("/users/{username}/statuses/{id}", get(note))
        .route("/users/{username}/statuses/{id}/activity", get(activity))
        .route("/users/{username}/statuses/{id}/replies", get(replies))
        .route("/users/{username}/outbox", get(outbox))
        .route("/users/{username}/followers", get(followers))
        .route("/users/{username}/following", get(following))
        .route("/users/{username}/collections/featured", get(featured))
        .route("/users/{username}/collections/tags", get(featured_tags))
        .route("/users/{username}/follows/{id}", get(follow_activity))
        .route("/emojis/{id}", get(emoji))
        .route(
            "/users/{username}/quote_authorizations/{id}",
            get(quote_authorization),
        )
}

/// Whether the client asked for ActivityStreams JSON rather than a page.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|accept| {
            let accept = accept.to_ascii_lowercase();
            accept.contains("application/activity+json") || accept.contains("application/ld+json")
        })
}

/// A document served as `application/activity+json`.
pub fn activity_json<T: Serialize>(document: T) -> Response {
    let mut response = axum::Json(WithContext::new(document)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/activity+json; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

async fn local_account(state: &AppState, username: &str) -> Result<Account> {
    match service::accounts::local(state, username).await? {
        Some(a) if !a.is_suspended() && a.actor_type != "Application" => Ok(a),
        _ => Err(Error::NotFound),
    }
}

/// `/emojis/:id`: an enabled local custom emoji, as the `Emoji` its tags name (peers may
/// dereference the id).
pub async fn emoji(
    State(state): State<AppState>,
    _authorized: SignedGet,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = crate::id::parse(&id).ok_or(Error::NotFound)?;
    let emoji = service::emojis::get(&state, id).await?;
    if !emoji.is_local() || emoji.disabled {
        return Err(Error::NotFound);
    }
    Ok(activity_json(convert::emoji_tag(&emoji, &state.base_url())))
}

/// `/users/:name/quote_authorizations/:id`: the stamp of a quote of one of the account's
/// statuses (FEP-044f), while the quote stands accepted; peers fetch it to check a quote.
pub async fn quote_authorization(
    State(state): State<AppState>,
    _authorized: SignedGet,
    Path((username, id)): Path<(String, String)>,
) -> Result<Response> {
    let account = local_account(&state, &username).await?;
    let id = crate::id::parse(&id).ok_or(Error::NotFound)?;
    let stamp = service::quotes::authorization(&state, &account, id).await?;
    Ok(activity_json(stamp))
}

pub async fn instance_actor(State(state): State<AppState>) -> Result<Response> {
    let actor = service::instance_actor::get(&state).await?;
    Ok(activity_json(convert::actor(&actor, &state.base_url())))
}

/// `/users/:name`: the actor to ActivityPub clients, a redirect to the profile for browsers.
pub async fn actor(
    State(state): State<AppState>,
    _authorized: SignedGet,
    headers: HeaderMap,
    Path(username): Path<String>,
) -> Result<Response> {
    let account = local_account(&state, &username).await?;
    if !wants_activity_json(&headers) {
        return Ok(Redirect::to(&format!("/@{}", account.username)).into_response());
    }
    Ok(activity_json(convert::actor(&account, &state.base_url())))
}

/// A status of `username` as the requester may see it: public and unlisted ones to anyone
/// (unless authorized fetch made the signer the viewer), followers-only and direct ones only
/// to a verified signer whom [`service::visibility::may_see`] lets see them. Otherwise 404,
/// or 410 with a `Tombstone` for a deleted status.
async fn visible_status(
    state: &AppState,
    username: &str,
    id: &str,
    signed: &SignedGet,
) -> Result<std::result::Result<(Account, crate::model::StatusView), Gone>> {
    let account = local_account(state, username).await?;
    let id = crate::id::parse(id).ok_or(Error::NotFound)?;
    let first_viewer = if signed.is_verified() {
        signed.signer(state).await?
    } else {
        None
    };
    let found =
        |view: crate::model::StatusView| (view.status.account_id == account.id).then_some(view);
    match service::views::one(state, first_viewer.as_ref(), id).await {
        Ok(view) => {
            return found(view)
                .map(|v| Ok((account.clone(), v)))
                .ok_or(Error::NotFound)
        }
        Err(Error::NotFound) => {}
        Err(e) => return Err(e),
    }
    // Hidden from an anonymous reader: perhaps not from whoever signed the request.
    if first_viewer.is_none() {
        if let Some(signer) = signed.signer(state).await? {
            match service::views::one(state, Some(&signer), id).await {
                Ok(view) => {
                    return found(view)
                        .map(|v| Ok((account.clone(), v)))
                        .ok_or(Error::NotFound)
                }
                Err(Error::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let uri = format!("{}/statuses/{id}", account.uri);
    match service::published::deleted_at(state, &uri).await? {
        Some(deleted) => Ok(Err(Gone { uri, deleted })),
        None => Err(Error::NotFound),
    }
}

/// A deleted note: 410 Gone with its `Tombstone`, so that peers drop their copies.
struct Gone {
    uri: String,
    deleted: chrono::DateTime<chrono::Utc>,
}

impl IntoResponse for Gone {
    fn into_response(self) -> Response {
        let mut response = activity_json(Tombstone::deleted_note(
            self.uri,
            crate::clock::timestamp(&self.deleted),
        ));
        *response.status_mut() = axum::http::StatusCode::GONE;
        response
    }
}

async fn parent_uri(state: &AppState, status: &crate::model::Status) -> Result<Option<String>> {
    service::statuses::parent_uri(state, status).await
}

/// `/users/:name/statuses/:id`: the `Note`, or the status page for browsers.
pub async fn note(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: SignedGet,
    Path((username, id)): Path<(String, String)>,
) -> Result<Response> {
    let (_, view) = match visible_status(&state, &username, &id, &signed).await? {
        Ok(found) => found,
        Err(gone) => return Ok(gone.into_response()),
    };
    if view.status.is_reblog() {
        return Err(Error::NotFound);
    }
    if !wants_activity_json(&headers) {
        let url = view
            .status
            .url
            .clone()
            .unwrap_or_else(|| view.status.uri.clone());
        return Ok(Redirect::to(&url).into_response());
    }
    let parent = parent_uri(&state, &view.status).await?;
    Ok(activity_json(convert::note(
        &view,
        parent,
        &state.base_url(),
    )))
}

/// `/users/:name/statuses/:id/activity`: the `Create` of a status or the `Announce` of a boost.
pub async fn activity(
    State(state): State<AppState>,
    signed: SignedGet,
    Path((username, id)): Path<(String, String)>,
) -> Result<Response> {
    let (account, view) = match visible_status(&state, &username, &id, &signed).await? {
        Ok(found) => found,
        Err(gone) => return Ok(gone.into_response()),
    };
    if let Some(original) = &view.reblog {
        return Ok(activity_json(convert::announce(
            &view.status,
            &account,
            &original.status.uri,
        )));
    }
    let parent = parent_uri(&state, &view.status).await?;
    Ok(activity_json(convert::create(
        &view,
        parent,
        &state.base_url(),
    )))
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<String>,
    max_id: Option<String>,
}

impl PageQuery {
    fn is_page(&self) -> bool {
        self.page.is_some() || self.max_id.is_some()
    }
    fn max_id(&self) -> Option<i64> {
        self.max_id.as_deref().and_then(crate::id::parse)
    }
}

/// `/users/:name/statuses/:id/replies`: public replies, as one page.
pub async fn replies(
    State(state): State<AppState>,
    signed: SignedGet,
    Path((username, id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let (_, view) = match visible_status(&state, &username, &id, &signed).await? {
        Ok(found) => found,
        Err(gone) => return Ok(gone.into_response()),
    };
    let collection_id = format!("{}/replies", view.status.uri);
    let items = service::published::public_reply_uris(&state, view.status.id, 100).await?;
    let total = items.len() as i64;
    if !q.is_page() {
        return Ok(activity_json(OrderedCollection::<String>::summary(
            collection_id.clone(),
            total,
            Some(format!("{collection_id}?page=true")),
        )));
    }
    Ok(activity_json(OrderedCollection::page(
        format!("{collection_id}?page=true"),
        collection_id,
        total,
        None,
        items,
    )))
}

/// `/users/:name/outbox`: the summary, then pages of activities (`?page=true`, `?max_id=`).
pub async fn outbox(
    State(state): State<AppState>,
    _authorized: SignedGet,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let account = local_account(&state, &username).await?;
    let base = state.base_url();
    if !q.is_page() {
        return Ok(activity_json(OrderedCollection::<String>::summary(
            account.outbox_url.clone(),
            account.stats.statuses_count,
            Some(format!("{}?page=true", account.outbox_url)),
        )));
    }
    let ids = service::published::outbox_page(&state, account.id, q.max_id(), PAGE_SIZE).await?;
    let views = service::views::hydrate(&state, None, &ids).await?;
    let mut items = Vec::with_capacity(views.len());
    for view in &views {
        items.push(match &view.reblog {
            Some(original) => convert::announce(&view.status, &account, &original.status.uri),
            None => {
                let parent = parent_uri(&state, &view.status).await?;
                convert::create(view, parent, &base)
            }
        });
    }
    let page_id = match q.max_id() {
        Some(max) => format!("{}?max_id={max}", account.outbox_url),
        None => format!("{}?page=true", account.outbox_url),
    };
    let next = (ids.len() as i64 == PAGE_SIZE)
        .then(|| {
            ids.last()
                .map(|last| format!("{}?max_id={last}", account.outbox_url))
        })
        .flatten();
    Ok(activity_json(OrderedCollection::page(
        page_id,
        account.outbox_url.clone(),
        account.stats.statuses_count,
        next,
        items,
    )))
}

async fn follow_collection(
    state: &AppState,
    username: &str,
    q: &PageQuery,
    followers: bool,
) -> Result<Response> {
    let account = local_account(state, username).await?;
    let (collection_id, total) = if followers {
        (account.followers_url.clone(), account.stats.followers_count)
    } else {
        (account.following_url.clone(), account.stats.following_count)
    };
    // Hidden collections show their size only, as on Mastodon.
    if !q.is_page() || account.hide_collections {
        return Ok(activity_json(OrderedCollection::<String>::summary(
            collection_id.clone(),
            total,
            (!account.hide_collections).then(|| format!("{collection_id}?page=true")),
        )));
    }
    let rows =
        service::published::follow_uris(state, account.id, followers, q.max_id(), PAGE_SIZE * 2)
            .await?;
    let next = (rows.len() as i64 == PAGE_SIZE * 2)
        .then(|| {
            rows.last()
                .map(|(cursor, _)| format!("{collection_id}?max_id={cursor}"))
        })
        .flatten();
    let page_id = match q.max_id() {
        Some(max) => format!("{collection_id}?max_id={max}"),
        None => format!("{collection_id}?page=true"),
    };
    Ok(activity_json(OrderedCollection::page(
        page_id,
        collection_id,
        total,
        next,
        rows.into_iter().map(|(_, uri)| uri).collect(),
    )))
}

pub async fn followers(
    State(state): State<AppState>,
    _authorized: SignedGet,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    follow_collection(&state, &username, &q, true).await
}

pub async fn following(
    State(state): State<AppState>,
    _authorized: SignedGet,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    follow_collection(&state, &username, &q, false).await
}

/// `/users/:name/collections/featured`: pinned notes, embedded.
pub async fn featured(
    State(state): State<AppState>,
    _authorized: SignedGet,
    Path(username): Path<String>,
) -> Result<Response> {
    let account = local_account(&state, &username).await?;
    let ids = service::published::pinned_ids(&state, account.id).await?;
    let views = service::views::hydrate(&state, None, &ids).await?;
    let base = state.base_url();
    let mut items = Vec::new();
    for view in views.iter().filter(|v| {
        matches!(
            v.status.visibility,
            Visibility::Public | Visibility::Unlisted
        )
    }) {
        let parent = parent_uri(&state, &view.status).await?;
        items.push(convert::note(view, parent, &base));
    }
    Ok(activity_json(OrderedCollection::whole(
        account.featured_url.clone(),
        items,
    )))
}

/// `/users/:name/collections/tags`: the hashtags the account features, an unordered
/// `Collection` of `Hashtag`s as Mastodon serves it (the actor's `featuredTags`).
pub async fn featured_tags(
    State(state): State<AppState>,
    _authorized: SignedGet,
    Path(username): Path<String>,
) -> Result<Response> {
    let account = local_account(&state, &username).await?;
    let featured = service::tags::featured_tags(&state, &account).await?;
    Ok(activity_json(convert::featured_tags(&account, &featured)))
}

/// `/users/:name/follows/:id`: a `Follow` this account sent, retrievable at its id (peers
/// such as Fedify fetch the object of an `Accept` from its own origin).
pub async fn follow_activity(
    State(state): State<AppState>,
    _authorized: SignedGet,
    Path((username, id)): Path<(String, String)>,
) -> Result<Response> {
    let follower = local_account(&state, &username).await?;
    let id = crate::id::parse(&id).ok_or(Error::NotFound)?;
    let target = service::published::sent_follow(&state, &follower, id).await?;
    let uri = convert::follow_uri(&follower, id);
    Ok(activity_json(convert::follow(&uri, &follower, &target)))
}
