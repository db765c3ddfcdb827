//! `GET|PATCH /api/v1/notifications/policy`: the policy in Mastodon 4.3's older shape, each
//! criterion a boolean (true: filter, false: accept).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::notification_policy::NotificationPolicyV1;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::Result;
use crate::model::notification_policy::PolicyAction;
use crate::service::notifications::policy::{self, PolicyChange};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/notifications/policy", get(show).patch(update))
}

/// `GET /api/v1/notifications/policy`
pub async fn show(State(state): State<AppState>, auth: Auth) -> Result<Json<NotificationPolicyV1>> {
    auth.require("read:notifications")?;
    let (p, summary) = policy::get(&state, &auth.account).await?;
    Ok(Json(NotificationPolicyV1::render(&p, &summary)))
}

#[derive(Deserialize)]
pub struct UpdateParams {
    #[serde(default)]
    filter_not_following: Option<Value>,
    #[serde(default)]
    filter_not_followers: Option<Value>,
    #[serde(default)]
    filter_new_accounts: Option<Value>,
    #[serde(default)]
    filter_private_mentions: Option<Value>,
}

fn action(field: &str, v: Option<&Value>) -> Result<Option<PolicyAction>> {
    Ok(de::flag_in(field, v)?.map(|filter| {
        if filter {
            PolicyAction::Filter
        } else {
            PolicyAction::Accept
        }
    }))
}

/// `PATCH /api/v1/notifications/policy`
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Params(q): Params<UpdateParams>,
) -> Result<Json<NotificationPolicyV1>> {
    auth.require("write:notifications")?;
    let change = PolicyChange {
        for_not_following: action("filter_not_following", q.filter_not_following.as_ref())?,
        for_not_followers: action("filter_not_followers", q.filter_not_followers.as_ref())?,
        for_new_accounts: action("filter_new_accounts", q.filter_new_accounts.as_ref())?,
        for_private_mentions: action(
            "filter_private_mentions",
            q.filter_private_mentions.as_ref(),
        )?,
        for_limited_accounts: None,
    };
    let (p, summary) = policy::update(&state, &auth.account, change).await?;
    Ok(Json(NotificationPolicyV1::render(&p, &summary)))
}
