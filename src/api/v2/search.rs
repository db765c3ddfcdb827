//! `/api/v2/search`

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api::auth::MaybeAuth;
use crate::api::de;
use crate::api::entities::{Account, Status};
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::search::{self, SearchQuery};

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
    hashtags: Vec<Value>,
}

pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(p): Query<SearchParams>,
) -> Result<Json<Results>> {
    let viewer = match &auth.0 {
        Some(a) => {
            a.require("read:search")?;
            Some(&a.account)
        }
        None => None,
    };
    let q = p.q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(Error::bad_request(
            "param is missing or the value is empty: q",
        ));
    }
    let kind = p.kind.filter(|k| !k.is_empty());
    if let Some(k) = &kind {
        if !matches!(k.as_str(), "accounts" | "statuses" | "hashtags") {
            return Err(Error::invalid(
                "type",
                "ERR_INCLUSION",
                "is not one of accounts, statuses, hashtags",
            ));
        }
    }
    // As on Mastodon, resolving remote things and paging past the first results need a
    // signed-in person.
    let resolve = p.resolve.unwrap_or(false) && viewer.is_some();
    let offset = if viewer.is_some() {
        p.offset.unwrap_or(0).max(0)
    } else {
        0
    };
    let found = search::run(
        &state,
        viewer,
        &SearchQuery {
            q: q.trim().to_string(),
            kind,
            resolve,
            limit: p.limit.unwrap_or(20).clamp(1, 40),
            offset,
        },
    )
    .await?;
    let base = state.base_url();
    let me = viewer.map(|v| v.id);
    Ok(Json(Results {
        accounts: found.accounts.iter().map(|a| Account::render(a, &base)).collect(),
        statuses: found.statuses.iter().map(|s| Status::render(s, me, &base)).collect(),
        hashtags: found
            .hashtags
            .iter()
            .map(|name| json!({ "name": name.to_lowercase(), "url": format!("{base}/tags/{}", name.to_lowercase()), "history": [], "following": false }))
            .collect(),
    }))
}
