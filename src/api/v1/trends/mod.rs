//! `/api/v1/trends/…`: what draws attention here now. `tags.rs` serves `/tags` (and the older
//! `/api/v1/trends`), `statuses.rs` `/statuses`, `links.rs` `/links`.

pub mod links;
pub mod statuses;
pub mod tags;

use axum::Router;
use serde::Deserialize;

use crate::api::de;
use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(tags::routes())
        .merge(statuses::routes())
        .merge(links::routes())
}

/// `offset` and `limit` of a trends list.
#[derive(Deserialize)]
pub struct TrendParams {
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub offset: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub limit: Option<i64>,
}
