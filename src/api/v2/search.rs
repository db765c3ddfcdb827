//! `/api/v2/search`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::api::auth::MaybeAuth;
use crate::api::de;
use crate::api::entities::{Account, Status, Tag};
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::search::{self, SearchQuery};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v2/search", get(show))
}

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    q: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string", rename = "type")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    resolve: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    offset: Option<i64>,
}

#[derive(Serialize)]
pub struct Results {
    accounts: Vec<Account>,
    statuses: Vec<Status>,
    hashtags: Vec<Tag>,
}

/// `GET /api/v2/search?q=`: public; a token that is sent must allow searching.
pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(p): Query<SearchParams>,
) -> Result<Json<Results>> {
    let viewer = auth.viewer("read:search")?;
    let query = SearchQuery::new(
        viewer,
        p.q.as_deref().unwrap_or_default(),
        p.kind,
        p.resolve,
        p.limit,
        p.offset,
    )?;
    let found = search::run(&state, viewer, &query).await?;
    let tags = crate::service::tags::named(&state, viewer, &found.hashtags).await?;
    let base = state.base_url();
    let me = viewer.map(|v| v.id);
    Ok(Json(Results {
        accounts: found
            .accounts
            .iter()
            .map(|a| Account::render(a, &base))
            .collect(),
        statuses: found
            .statuses
            .iter()
            .map(|s| Status::render(s, me, &base))
            .collect(),
        hashtags: Tag::render_all(&tags, &base),
    }))
}
