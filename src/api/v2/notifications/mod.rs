//! `/api/v2/notifications…`: notifications grouped as Mastodon 4.3 groups them (favourites
//! and boosts of one status, follows within hours), and the groups' accounts, dismissal and
//! unread count; `policy.rs` serves the notification policy.

pub mod policy;

use axum::extract::{OriginalUri, Path, State};
use axum::http::header;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::notification::{ExpandAccounts, GroupedNotificationsResults};
use crate::api::entities::Account;
use crate::api::pagination::{json_response, PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::Query;
use crate::api::v1::notifications::ListParams;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::notifications::groups::{self, GroupFilter};

/// Groups per page: 40 by default, 80 at most (Mastodon's limits for this endpoint).
const GROUP_LIMITS: (i64, i64) = (40, 80);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/notifications", get(index))
        .route("/api/v2/notifications/unread_count", get(unread_count))
        .route("/api/v2/notifications/{group_key}", get(show))
        .route("/api/v2/notifications/{group_key}/accounts", get(accounts))
        .route("/api/v2/notifications/{group_key}/dismiss", post(dismiss))
        .merge(policy::routes())
}

#[derive(Deserialize)]
pub struct IndexParams {
    #[serde(flatten)]
    list: ListParams,
    #[serde(default, deserialize_with = "de::string_list")]
    grouped_types: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    expand_accounts: Option<String>,
}

fn expand(raw: Option<&str>) -> Result<ExpandAccounts> {
    match raw {
        None | Some("full") => Ok(ExpandAccounts::Full),
        Some("partial_avatars") => Ok(ExpandAccounts::PartialAvatars),
        Some(other) => Err(Error::bad_request(format!(
            "Invalid value for 'expand_accounts': '{other}', allowed values are 'full' and 'partial_avatars'"
        ))),
    }
}

/// `GET /api/v2/notifications`: a page of groups, with their sample accounts and statuses.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<IndexParams>,
) -> Result<Response> {
    auth.require("read:notifications")?;
    let expand = expand(q.expand_accounts.as_deref())?;
    let page = q.list.page.page(GROUP_LIMITS);
    let filter = GroupFilter {
        notifications: q.list.filter()?,
        grouped_types: q.grouped_types,
    };
    let groups = groups::page(&state, &auth.account, &filter, &page).await?;
    let base = state.base_url();
    let link = Paginated::<()>::new(Vec::new(), groups.cursors, &base, &uri).link;
    let body = GroupedNotificationsResults::page(
        &groups,
        expand,
        auth.account.id,
        &base,
        &state.rendered_accounts,
    );
    let mut response = json_response(&body, body.json_bytes());
    if let Some(link) = link {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// `GET /api/v2/notifications/:group_key`: one group, counted over all its notifications.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
) -> Result<Json<GroupedNotificationsResults>> {
    auth.require("read:notifications")?;
    let group = groups::get(&state, &auth.account, &key).await?;
    Ok(Json(GroupedNotificationsResults::render(
        &[group],
        ExpandAccounts::Full,
        auth.account.id,
        &state.base_url(),
        &state.rendered_accounts,
    )))
}

/// `GET /api/v2/notifications/:group_key/accounts`: who caused the group's notifications.
pub async fn accounts(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Path(key): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    auth.require("read:notifications")?;
    let page = groups::accounts(&state, &auth.account, &key, &q.page(ACCOUNT_LIMITS)).await?;
    Ok(Paginated::accounts(&state, page, &uri))
}

/// `POST /api/v2/notifications/:group_key/dismiss`: deletes the group's notifications.
pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
) -> Result<Json<Value>> {
    auth.require("write:notifications")?;
    groups::dismiss(&state, &auth.account, &key).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
pub struct CountParams {
    #[serde(flatten)]
    list: ListParams,
    #[serde(default, deserialize_with = "de::string_list")]
    grouped_types: Vec<String>,
}

/// `GET /api/v2/notifications/unread_count`: groups with a notification after the
/// notifications marker (up to `limit`: 100 by default, 1,000 at most).
pub async fn unread_count(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CountParams>,
) -> Result<Json<Value>> {
    auth.require("read:notifications")?;
    let limit = q.list.page.limit;
    let filter = GroupFilter {
        notifications: q.list.filter()?,
        grouped_types: q.grouped_types,
    };
    let count = groups::unread_count(&state, &auth.account, &filter, limit).await?;
    Ok(Json(json!({ "count": count })))
}
