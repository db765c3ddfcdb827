//! `/api/v1/scheduled_statuses` (and `/:id`): one's statuses waiting for their time, to list,
//! read, reschedule (`PUT` with `scheduled_at`) and cancel. They are created by
//! `POST /api/v1/statuses` with `scheduled_at`.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::entities::ScheduledStatus;
use crate::api::pagination::{PageParams, Paginated, STATUS_LIMITS};
use crate::api::params::{Params, Query};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::scheduled;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/scheduled_statuses", get(index))
        .route(
            "/api/v1/scheduled_statuses/{id}",
            get(show).put(update).delete(destroy),
        )
}

/// A `scheduled_at` as clients send it: an ISO 8601 date-time (with an offset, or UTC without
/// one) or a bare date (its midnight, UTC).
pub fn parse_time(raw: &str) -> Result<DateTime<Utc>> {
    let raw = raw.trim();
    let parsed = DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
            .map(|t| t.and_utc())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        });
    parsed.ok_or_else(|| Error::invalid("scheduled_at", "ERR_INVALID", "is not a valid date"))
}

/// `GET /api/v1/scheduled_statuses`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<ScheduledStatus>> {
    auth.require("read:statuses")?;
    let (list, cursors) = scheduled::list(&state, &auth.account, &q.page(STATUS_LIMITS)).await?;
    Ok(Paginated::new(
        list.iter().map(ScheduledStatus::render).collect(),
        cursors,
        &state.base_url(),
        &uri,
    ))
}

/// `GET /api/v1/scheduled_statuses/:id`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<ScheduledStatus>> {
    auth.require("read:statuses")?;
    let view = scheduled::one(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(ScheduledStatus::render(&view)))
}

#[derive(Deserialize)]
pub struct UpdateParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    scheduled_at: Option<String>,
}

/// `PUT /api/v1/scheduled_statuses/:id`: a new `scheduled_at`.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<UpdateParams>,
) -> Result<Json<ScheduledStatus>> {
    auth.require("write:statuses")?;
    let id = path_id(&id)?;
    let view = match p.scheduled_at.as_deref().filter(|s| !s.trim().is_empty()) {
        // Nothing to change (Mastodon permits only `scheduled_at`).
        None => scheduled::one(&state, &auth.account, id).await?,
        Some(raw) => scheduled::reschedule(&state, &auth.account, id, parse_time(raw)?).await?,
    };
    Ok(Json(ScheduledStatus::render(&view)))
}

/// `DELETE /api/v1/scheduled_statuses/:id`: cancels it; answers `{}`.
pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require("write:statuses")?;
    scheduled::cancel(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(json!({})))
}
