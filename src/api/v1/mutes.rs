//! `GET /api/v1/mutes`: the accounts the caller mutes.

use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::Router;

use crate::api::auth::Auth;
use crate::api::entities::relationship::MutedAccount;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships as rel;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/mutes", get(index))
}

/// `GET /api/v1/mutes`: accounts with `mute_expires_at`.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<MutedAccount>> {
    auth.require_any(&["read:mutes", "follow"])?;
    let page = rel::mutes(&state, &auth.account, &q.page(ACCOUNT_LIMITS)).await?;
    let base_url = state.base_url();
    let items = page
        .accounts
        .iter()
        .map(|l| MutedAccount::render(l, &base_url))
        .collect();
    Ok(Paginated::new(items, page.cursors, &base_url, &uri))
}
