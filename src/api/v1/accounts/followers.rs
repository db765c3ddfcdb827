//! `GET /api/v1/accounts/:id/followers`

use axum::extract::{OriginalUri, Path, State};
use axum::routing::get;
use axum::Router;

use crate::api::auth::MaybeAuth;
use crate::api::entities::Account;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::Query;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships as rel;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/{id}/followers", get(followers))
}

/// `GET /api/v1/accounts/:id/followers`: public; a hidden collection is empty for others.
pub async fn followers(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    let viewer = auth.viewer("read:accounts")?;
    let page = rel::followers(&state, viewer, path_id(&id)?, &q.page(ACCOUNT_LIMITS)).await?;
    Ok(Paginated::accounts(&state, page, &uri))
}
