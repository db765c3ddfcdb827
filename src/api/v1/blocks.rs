//! `GET /api/v1/blocks`: the accounts the caller blocks.

use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::Router;

use crate::api::auth::Auth;
use crate::api::entities::Account;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships as rel;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/blocks", get(index))
}

/// `GET /api/v1/blocks`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    auth.require_any(&["read:blocks", "follow"])?;
    let page = rel::blocks(&state, &auth.account, &q.page(ACCOUNT_LIMITS)).await?;
    Ok(Paginated::accounts(&state, page, &uri))
}
