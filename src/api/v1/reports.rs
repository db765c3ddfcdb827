//! `POST /api/v1/reports`: report an account (and some of its statuses) to the moderators.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::moderation::Report;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::moderation::reports::{self, NewReport};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/reports", post(create))
}

#[derive(Deserialize)]
pub struct ReportParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    status_ids: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    category: Option<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    rule_ids: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    forward: Option<bool>,
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<ReportParams>,
) -> Result<Json<Report>> {
    auth.require_any(&["write:reports", "write"])?;
    let account_id = p
        .account_id
        .ok_or_else(|| Error::invalid("account_id", "ERR_BLANK", "can't be blank"))?;
    let account_id = crate::id::parse(&account_id).ok_or(Error::NotFound)?;
    // An id that is not a number cannot name a status or a rule.
    let status_ids = p
        .status_ids
        .iter()
        .map(|s| crate::id::parse(s).ok_or(Error::NotFound))
        .collect::<Result<Vec<i64>>>()?;
    let rule_ids = p
        .rule_ids
        .iter()
        .map(|s| {
            crate::id::parse(s).ok_or_else(|| {
                Error::invalid("rule_ids", "ERR_INVALID", "contains an unknown rule")
            })
        })
        .collect::<Result<Vec<i64>>>()?;
    let report = reports::file(
        &state,
        &auth.account,
        NewReport {
            account_id,
            status_ids,
            comment: p.comment.unwrap_or_default(),
            category: p.category,
            rule_ids,
            forward: p.forward.unwrap_or(false),
        },
    )
    .await?;
    let target = crate::service::accounts::by_id(&state, report.target_account_id).await?;
    Ok(Json(Report::render(&report, &target, &state.base_url())))
}
