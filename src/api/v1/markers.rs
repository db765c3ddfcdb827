//! `GET|POST /api/v1/markers`

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::datetime;
use crate::api::entities::notification::Marker;
use crate::api::params::{Params, Query};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::markers;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/markers", get(show).post(update))
}

fn render(list: Vec<markers::Marker>) -> BTreeMap<String, Marker> {
    list.into_iter()
        .map(|m| {
            (
                m.timeline.clone(),
                Marker {
                    last_read_id: m.last_read_id.to_string(),
                    version: m.version,
                    updated_at: datetime(&m.updated_at),
                },
            )
        })
        .collect()
}

#[derive(Deserialize)]
pub struct ShowParams {
    #[serde(default, deserialize_with = "de::string_list")]
    timeline: Vec<String>,
}

/// `GET /api/v1/markers?timeline[]=`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ShowParams>,
) -> Result<Json<BTreeMap<String, Marker>>> {
    auth.require("read:statuses")?;
    Ok(Json(render(
        markers::get(&state, &auth.account, &q.timeline).await?,
    )))
}

#[derive(Deserialize)]
pub struct Position {
    #[serde(default, deserialize_with = "de::opt_string")]
    last_read_id: Option<String>,
}

#[derive(Deserialize)]
pub struct UpdateParams {
    #[serde(default)]
    home: Option<Position>,
    #[serde(default)]
    notifications: Option<Position>,
}

/// `POST /api/v1/markers`: moves the markers given (`home`, `notifications`).
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<UpdateParams>,
) -> Result<Json<BTreeMap<String, Marker>>> {
    auth.require("write:statuses")?;
    let mut changes = Vec::new();
    for (timeline, position) in [("home", p.home), ("notifications", p.notifications)] {
        if let Some(pos) = position {
            let raw = pos.last_read_id.unwrap_or_default();
            let id = crate::id::parse(&raw).ok_or_else(|| {
                Error::invalid(
                    &format!("{timeline}.last_read_id"),
                    "ERR_INVALID",
                    "is not an id",
                )
            })?;
            changes.push((timeline, id));
        }
    }
    if changes.is_empty() {
        return Err(Error::bad_request(
            "param is missing or the value is empty: home or notifications",
        ));
    }
    let mut out = Vec::new();
    for (timeline, id) in changes {
        out.push(markers::set(&state, &auth.account, timeline, id).await?);
    }
    Ok(Json(render(out)))
}
