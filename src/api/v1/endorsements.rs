//! `GET /api/v1/endorsements`: the accounts the caller features on their profile.

use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::Router;

use crate::api::auth::Auth;
use crate::api::entities::Account;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::endorsements;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/endorsements", get(index))
}

/// `GET /api/v1/endorsements`: paged (40 by default, 80 at most).
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    auth.require("read:accounts")?;
    let page = endorsements::mine(&state, &auth.account, &q.page(ACCOUNT_LIMITS)).await?;
    Ok(Paginated::accounts(&state, page, &uri))
}
