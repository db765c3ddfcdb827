//! `/api/v1/notifications…`; `policy.rs` serves the notification policy, `requests.rs` the
//! requests holding filtered notifications.

pub mod policy;
pub mod requests;

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::entities::notification::Notification;
use crate::api::pagination::{PageParams, Paginated, STATUS_LIMITS};
use crate::api::params::Query;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::notifications::{self, NotificationFilter, NotificationView};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notifications", get(index))
        .route("/api/v1/notifications/unread_count", get(unread_count))
        .route("/api/v1/notifications/clear", post(clear))
        .route("/api/v1/notifications/{id}", get(show))
        .route("/api/v1/notifications/{id}/dismiss", post(dismiss))
        .merge(policy::routes())
        .merge(requests::routes())
}

fn render(state: &AppState, auth: &Auth, n: &NotificationView) -> Notification {
    Notification::from_view(n, auth.account.id, &state.base_url())
}

/// The parameters of a notification list, shared with `/api/v2/notifications`.
#[derive(Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    pub page: PageParams,
    #[serde(default, deserialize_with = "de::string_list")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
    /// Whether notifications the notification policy filtered are listed too.
    #[serde(default, deserialize_with = "de::opt_bool")]
    include_filtered: Option<bool>,
}

impl ListParams {
    /// The filter asked for. Type names Rookery does not know (`quote`, types of later
    /// Mastodon versions) are ignored, as Mastodon ignores them; a malformed `account_id` is
    /// refused.
    pub fn filter(self) -> Result<NotificationFilter> {
        Ok(NotificationFilter {
            types: self.types,
            exclude_types: self.exclude_types,
            include_filtered: self.include_filtered.unwrap_or(false),
            account_id: match self.account_id.as_deref().filter(|a| !a.is_empty()) {
                Some(raw) => {
                    Some(crate::id::parse(raw).ok_or_else(|| {
                        Error::invalid("account_id", "ERR_INVALID", "is not an id")
                    })?)
                }
                None => None,
            },
        })
    }
}

pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListParams>,
) -> Result<Paginated<Notification>> {
    auth.require("read:notifications")?;
    let page = q.page.page(STATUS_LIMITS);
    let filter = q.filter()?;
    let (items, cursors) = notifications::list(&state, &auth.account, &filter, &page).await?;
    let base = state.base_url();
    Ok(Paginated::new(
        items.iter().map(|n| render(&state, &auth, n)).collect(),
        cursors,
        &base,
        &uri,
    ))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Notification>> {
    auth.require("read:notifications")?;
    let n = notifications::get(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(render(&state, &auth, &n)))
}

pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require("write:notifications")?;
    notifications::dismiss(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(json!({})))
}

pub async fn clear(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>> {
    auth.require("write:notifications")?;
    notifications::clear(&state, &auth.account).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
pub struct CountParams {
    #[serde(default, deserialize_with = "de::opt_i64")]
    limit: Option<i64>,
}

/// `GET /api/v1/notifications/unread_count`: notifications after the read marker (up to 1,000).
pub async fn unread_count(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CountParams>,
) -> Result<Json<Value>> {
    auth.require("read:notifications")?;
    let count = notifications::unread_count(&state, &auth.account, q.limit).await?;
    Ok(Json(json!({ "count": count })))
}
