//! `GET /api/v1/accounts/:id/endorsements` (Mastodon 4.4): the accounts one features.

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
use crate::service::endorsements;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/{id}/endorsements", get(index))
}

/// `GET /api/v1/accounts/:id/endorsements`: public; paged (40 by default, 80 at most).
pub async fn index(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    let viewer = auth.viewer("read:accounts")?;
    let page = q.page(ACCOUNT_LIMITS);
    let found = endorsements::of_account(&state, viewer, path_id(&id)?, &page).await?;
    Ok(Paginated::accounts(&state, found, &uri))
}
