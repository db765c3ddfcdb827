//! `/api/v1/admin/accounts`, `/:id` (`GET`, and `DELETE`: remove a suspended account's data),
//! and `/:id/{action,approve,reject,enable,unsilence,
//! unsuspend,unsensitive}`.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::{admin, lookup, staff};
use crate::api::auth::Auth;
use crate::api::entities::moderation::AdminAccount;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::{Params, Query};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::moderation::AccountQuery;
use crate::service::moderation::{self, AccountAction, Reversal};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/accounts", get(index))
        .route("/api/v1/admin/accounts/{id}", get(show).delete(destroy))
        .route("/api/v1/admin/accounts/{id}/action", post(action))
        .route("/api/v1/admin/accounts/{id}/approve", post(approve))
        .route("/api/v1/admin/accounts/{id}/reject", post(reject))
        .route("/api/v1/admin/accounts/{id}/enable", post(enable))
        .route("/api/v1/admin/accounts/{id}/unsilence", post(unsilence))
        .route("/api/v1/admin/accounts/{id}/unsuspend", post(unsuspend))
        .route("/api/v1/admin/accounts/{id}/unsensitive", post(unsensitive))
}

const READ: &str = "admin:read:accounts";
const WRITE: &str = "admin:write:accounts";

#[derive(Deserialize)]
pub struct IndexParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::opt_bool")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    by_domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    active: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pending: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    disabled: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    silenced: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    suspended: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    staff: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
}

/// `GET /api/v1/admin/accounts` (Mastodon's v1 filters).
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<IndexParams>,
) -> Result<Paginated<AdminAccount>> {
    staff(&auth, READ)?;
    let query = AccountQuery {
        local: q.local.unwrap_or(false),
        remote: q.remote.unwrap_or(false),
        by_domain: q.by_domain,
        active: q.active.unwrap_or(false),
        pending: q.pending.unwrap_or(false),
        disabled: q.disabled.unwrap_or(false),
        silenced: q.silenced.unwrap_or(false),
        suspended: q.suspended.unwrap_or(false),
        staff: q.staff.unwrap_or(false),
        username: q.username,
        display_name: q.display_name,
        email: q.email,
    };
    let accounts = moderation::accounts(&state, &query, &q.page.page(ACCOUNT_LIMITS)).await?;
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    let found = lookup(&state, &ids).await?;
    let base = state.base_url();
    let items: Vec<AdminAccount> = accounts
        .iter()
        .map(|a| AdminAccount::render(a, found.users.get(&a.id), &base))
        .collect();
    let cursors = ids.first().zip(ids.last()).map(|(a, b)| (*a, *b));
    Ok(Paginated::new(items, cursors, &base, &uri))
}

async fn render(state: &AppState, id: i64) -> Result<Json<AdminAccount>> {
    lookup(state, &[id])
        .await?
        .account(id, &state.base_url())
        .map(Json)
        .ok_or(Error::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    staff(&auth, READ)?;
    let account = moderation::account(&state, path_id(&id)?).await?;
    render(&state, account.id).await
}

/// `DELETE /api/v1/admin/accounts/:id`: removes the data of a suspended account for good
/// (Mastodon's "delete user data", an administrator's permission; 403 for an account that is
/// not suspended). A local account's username stays taken. Answers the account as it was.
pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    admin(&auth, WRITE)?;
    let id = path_id(&id)?;
    let before = render(&state, moderation::account(&state, id).await?.id).await?;
    crate::service::account_deletion::delete_by_moderator(&state, Some(&auth.account), id).await?;
    Ok(before)
}

#[derive(Deserialize)]
pub struct ActionParams {
    #[serde(rename = "type", default, deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    report_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    text: Option<String>,
}

/// `POST /api/v1/admin/accounts/:id/action` (`type`: none, sensitive, disable, silence,
/// suspend; optional `report_id` resolved by it and warning `text`). Answers `{}`.
pub async fn action(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<ActionParams>,
) -> Result<Json<serde_json::Value>> {
    staff(&auth, WRITE)?;
    let id = path_id(&id)?;
    let kind = p.kind.unwrap_or_else(|| "none".into());
    let action = AccountAction::parse(&kind)
        .ok_or_else(|| Error::invalid("type", "ERR_INCLUSION", "is not included in the list"))?;
    let report_id = match p.report_id.as_deref() {
        Some(raw) => Some(crate::id::parse(raw).ok_or(Error::NotFound)?),
        None => None,
    };
    let text = p.text.unwrap_or_default();
    moderation::act(&state, Some(&auth.account), id, action, report_id, &text).await?;
    Ok(Json(serde_json::json!({})))
}

async fn reverse(
    state: AppState,
    auth: Auth,
    id: String,
    what: Reversal,
) -> Result<Json<AdminAccount>> {
    staff(&auth, WRITE)?;
    let id = path_id(&id)?;
    // Rendered before a rejection deletes the sign-up.
    let before = render(&state, id).await?;
    match moderation::reverse(&state, Some(&auth.account), id, what).await? {
        Some(a) => render(&state, a.id).await,
        None => Ok(before),
    }
}

pub async fn approve(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    reverse(s, auth, id, Reversal::Approve).await
}
pub async fn reject(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    reverse(s, auth, id, Reversal::Reject).await
}
pub async fn enable(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    reverse(s, auth, id, Reversal::Enable).await
}
pub async fn unsilence(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    reverse(s, auth, id, Reversal::Unsilence).await
}
pub async fn unsuspend(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    reverse(s, auth, id, Reversal::Unsuspend).await
}
pub async fn unsensitive(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    reverse(s, auth, id, Reversal::Unsensitive).await
}
