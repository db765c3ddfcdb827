//! `GET /api/v1/accounts/:id/statuses`

use axum::extract::{OriginalUri, Path, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::api::auth::MaybeAuth;
use crate::api::entities::Status;
use crate::api::pagination::{PageParams, Paginated, STATUS_LIMITS};
use crate::api::params::Query;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::model::timeline::AccountStatusFilter;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/{id}/statuses", get(statuses))
}

#[derive(Deserialize)]
pub struct AccountStatusesParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pinned: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclude_replies: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclude_reblogs: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    only_media: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    tagged: Option<String>,
}

/// `GET /api/v1/accounts/:id/statuses`: public; a token that is sent must allow reading.
pub async fn statuses(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<AccountStatusesParams>,
) -> Result<Paginated<Status>> {
    let viewer = auth.viewer("read:statuses")?;
    let filter = AccountStatusFilter {
        pinned: q.pinned.unwrap_or(false),
        exclude_replies: q.exclude_replies.unwrap_or(false),
        exclude_reblogs: q.exclude_reblogs.unwrap_or(false),
        only_media: q.only_media.unwrap_or(false),
        tagged: q.tagged,
    };
    let page = service::timelines::account_statuses(
        &state,
        viewer,
        path_id(&id)?,
        &filter,
        &q.page.page(STATUS_LIMITS),
    )
    .await?;
    Ok(Paginated::statuses(
        &state,
        viewer.map(|a| a.id),
        page,
        &uri,
    ))
}
