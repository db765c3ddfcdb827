//! `GET /api/v1/statuses/:id/favourited_by`

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
use crate::service::timelines;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/statuses/{id}/favourited_by", get(favourited_by))
}

/// `GET /api/v1/statuses/:id/favourited_by`: who favourited a status the viewer may see.
pub async fn favourited_by(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    let viewer = auth.viewer("read:accounts")?;
    let (accounts, cursors) =
        timelines::reactors(&state, viewer, path_id(&id)?, true, &q.page(ACCOUNT_LIMITS)).await?;
    let base = state.base_url();
    Ok(Paginated::new(
        accounts.iter().map(|a| Account::render(a, &base)).collect(),
        cursors,
        &base,
        &uri,
    ))
}
