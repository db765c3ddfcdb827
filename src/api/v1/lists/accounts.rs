//! `/api/v1/lists/:id/accounts`: a list's members; only accounts the owner follows may join.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::entities::Account;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::{Params, Query};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::lists;

use super::{READ, WRITE};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/lists/{id}/accounts",
        get(index).post(add).delete(remove),
    )
}

/// `GET /api/v1/lists/:id/accounts`: paged (40 by default, 80 at most); `limit=0` gives
/// every member at once, as on Mastodon.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    auth.require(READ)?;
    let page = (q.limit != Some(0)).then(|| q.page(ACCOUNT_LIMITS));
    let members = lists::members(&state, &auth.account, path_id(&id)?, page.as_ref()).await?;
    Ok(Paginated::accounts(&state, members, &uri))
}

#[derive(Deserialize)]
pub struct AccountIds {
    #[serde(default, deserialize_with = "de::string_list")]
    account_ids: Vec<String>,
}

impl AccountIds {
    /// The ids given; one that is not an id is an unknown account.
    fn ids(&self) -> Result<Vec<i64>> {
        self.account_ids
            .iter()
            .map(|raw| crate::id::parse(raw.trim()).ok_or(Error::NotFound))
            .collect()
    }
}

/// `POST /api/v1/lists/:id/accounts` with `account_ids[]`: an empty object.
pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<AccountIds>,
) -> Result<Json<Value>> {
    auth.require(WRITE)?;
    let list = path_id(&id)?;
    lists::add_members(&state, &auth.account, list, &p.ids()?).await?;
    Ok(Json(json!({})))
}

/// `DELETE /api/v1/lists/:id/accounts` with `account_ids[]`: an empty object.
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<AccountIds>,
) -> Result<Json<Value>> {
    auth.require(WRITE)?;
    let list = path_id(&id)?;
    // Ids that are not ids name no member: nothing to remove.
    let ids: Vec<i64> = p
        .account_ids
        .iter()
        .filter_map(|raw| crate::id::parse(raw.trim()))
        .collect();
    lists::remove_members(&state, &auth.account, list, &ids).await?;
    Ok(Json(json!({})))
}
