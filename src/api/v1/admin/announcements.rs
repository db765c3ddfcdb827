//! `/api/v1/admin/announcements`: administrators write, schedule, edit and delete
//! announcements. Mastodon manages them in its web interface only; this is Rookery's own,
//! documented in docs/API.md, each action written to the audit log.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::admin;
use crate::api::auth::Auth;
use crate::api::entities::announcement::Announcement;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::announcements::{self, AnnouncementInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/announcements", get(index).post(create))
        .route(
            "/api/v1/admin/announcements/{id}",
            get(show).put(update).delete(destroy),
        )
}

#[derive(Deserialize)]
pub struct AnnouncementParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    text: Option<String>,
    /// Kept raw: absent leaves it, empty or null clears it.
    #[serde(default)]
    starts_at: Option<Value>,
    #[serde(default)]
    ends_at: Option<Value>,
    #[serde(default)]
    all_day: Option<Value>,
    #[serde(default)]
    published: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scheduled_at: Option<String>,
}

/// A time as given: RFC 3339, or a date (midnight UTC) for all-day events.
fn time(field: &str, raw: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    announcements::parse_time(raw)
        .ok_or_else(|| Error::invalid(field, "ERR_INVALID", "is not a valid time"))
}

fn optional_time(
    field: &str,
    v: Option<&Value>,
) -> Result<Option<Option<chrono::DateTime<chrono::Utc>>>> {
    match v {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(time(field, s)?))),
        Some(_) => Err(Error::invalid(field, "ERR_INVALID", "is not a valid time")),
    }
}

impl AnnouncementParams {
    fn input(self) -> Result<AnnouncementInput> {
        Ok(AnnouncementInput {
            text: self.text,
            starts_at: optional_time("starts_at", self.starts_at.as_ref())?,
            ends_at: optional_time("ends_at", self.ends_at.as_ref())?,
            all_day: de::flag_in("all_day", self.all_day.as_ref())?,
            published: de::flag_in("published", self.published.as_ref())?,
            scheduled_at: self
                .scheduled_at
                .filter(|s| !s.trim().is_empty())
                .map(|s| time("scheduled_at", &s))
                .transpose()?,
        })
    }
}

/// `GET /api/v1/admin/announcements`: all of them, drafts and scheduled ones too.
pub async fn index(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<Announcement>>> {
    admin(&auth, "admin:read")?;
    let base = state.base_url();
    Ok(Json(
        announcements::all(&state)
            .await?
            .iter()
            .map(|a| Announcement::render(a, None, &base))
            .collect(),
    ))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Announcement>> {
    admin(&auth, "admin:read")?;
    let a = announcements::get(&state, path_id(&id)?).await?;
    Ok(Json(Announcement::render(&a, None, &state.base_url())))
}

/// `POST /api/v1/admin/announcements`: published at once unless `published=false` (a
/// draft) or `scheduled_at` (later).
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<AnnouncementParams>,
) -> Result<Json<Announcement>> {
    admin(&auth, "admin:write")?;
    let a = announcements::create(&state, Some(&auth.account), &p.input()?).await?;
    Ok(Json(Announcement::render(&a, None, &state.base_url())))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<AnnouncementParams>,
) -> Result<Json<Announcement>> {
    admin(&auth, "admin:write")?;
    let a = announcements::update(&state, Some(&auth.account), path_id(&id)?, &p.input()?).await?;
    Ok(Json(Announcement::render(&a, None, &state.base_url())))
}

pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    admin(&auth, "admin:write")?;
    announcements::delete(&state, Some(&auth.account), path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}
