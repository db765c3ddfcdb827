//! `GET|PATCH /api/v2/notifications/policy`: what happens to notifications from strangers.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::notification_policy::NotificationPolicy;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::{Result, Validation};
use crate::model::notification_policy::PolicyAction;
use crate::service::notifications::policy::{self, PolicyChange};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v2/notifications/policy", get(show).patch(update))
}

/// `GET /api/v2/notifications/policy`
pub async fn show(State(state): State<AppState>, auth: Auth) -> Result<Json<NotificationPolicy>> {
    auth.require("read:notifications")?;
    let (p, summary) = policy::get(&state, &auth.account).await?;
    Ok(Json(NotificationPolicy::render(&p, &summary)))
}

#[derive(Deserialize)]
pub struct UpdateParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    for_not_following: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_not_followers: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_new_accounts: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_private_mentions: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_limited_accounts: Option<String>,
}

/// `PATCH /api/v2/notifications/policy`: each criterion given becomes `accept`, `filter` or
/// `drop`; any other value is refused (422) and nothing changes.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Params(q): Params<UpdateParams>,
) -> Result<Json<NotificationPolicy>> {
    auth.require("write:notifications")?;
    let mut invalid = Validation::default();
    let mut parse = |field: &str, raw: Option<String>| -> Option<PolicyAction> {
        let raw = raw?;
        let action = PolicyAction::parse(&raw);
        if action.is_none() {
            invalid.add(
                field,
                "ERR_INCLUSION",
                format!("is not included in the list (accept, filter, drop): {raw:?}"),
            );
        }
        action
    };
    let change = PolicyChange {
        for_not_following: parse("for_not_following", q.for_not_following),
        for_not_followers: parse("for_not_followers", q.for_not_followers),
        for_new_accounts: parse("for_new_accounts", q.for_new_accounts),
        for_private_mentions: parse("for_private_mentions", q.for_private_mentions),
        for_limited_accounts: parse("for_limited_accounts", q.for_limited_accounts),
    };
    invalid.finish()?;
    let (p, summary) = policy::update(&state, &auth.account, change).await?;
    Ok(Json(NotificationPolicy::render(&p, &summary)))
}
