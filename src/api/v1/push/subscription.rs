//! `POST|GET|PUT|DELETE /api/v1/push/subscription`: the Web Push subscription of the access
//! token in use (one per token; POST replaces it). Scope `push`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::auth::{bearer_token_in, Auth};
use crate::api::de;
use crate::api::entities::push::WebPushSubscription;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::push::PushSubscription;
use crate::service::push::{self, NewSubscription, PushData, Token};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/push/subscription",
        post(create).get(show).put(update).delete(destroy),
    )
}

#[derive(Deserialize, Default)]
pub struct Keys {
    #[serde(default, deserialize_with = "de::opt_string")]
    p256dh: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    auth: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Subscription {
    #[serde(default, deserialize_with = "de::opt_string")]
    endpoint: Option<String>,
    #[serde(default)]
    keys: Option<Keys>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    standard: Option<bool>,
}

#[derive(Deserialize, Default)]
pub struct Data {
    /// Kept as given: its keys are notification types, some with a dot (`admin.sign_up`),
    /// which JSON clients may also send nested (`{"admin": {"sign_up": true}}`).
    #[serde(default)]
    alerts: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string")]
    policy: Option<String>,
}

#[derive(Deserialize)]
pub struct SubscriptionParams {
    #[serde(default)]
    subscription: Option<Subscription>,
    #[serde(default)]
    data: Option<Data>,
    /// Also accepted at the top level, where some clients send it.
    #[serde(default, deserialize_with = "de::opt_string")]
    policy: Option<String>,
}

#[derive(Deserialize)]
pub struct DataParams {
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, deserialize_with = "de::opt_string")]
    policy: Option<String>,
}

/// `data` (and a top-level `policy`) as the service takes it; a non-boolean alert is a 422.
fn push_data(data: Option<Data>, policy: Option<String>) -> Result<PushData> {
    let data = data.unwrap_or_default();
    let mut alerts = BTreeMap::new();
    match data.alerts {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => flatten_alerts("", &map, &mut alerts)?,
        Some(_) => {
            return Err(Error::invalid(
                "data.alerts",
                "ERR_INVALID",
                "must map notification types to booleans",
            ))
        }
    }
    Ok(PushData {
        alerts,
        policy: data.policy.or(policy),
    })
}

fn flatten_alerts(
    prefix: &str,
    map: &Map<String, Value>,
    out: &mut BTreeMap<String, bool>,
) -> Result<()> {
    for (key, value) in map {
        let name = format!("{prefix}{key}");
        if let Value::Object(inner) = value {
            // One level of nesting is all the types have (`admin.sign_up`).
            if prefix.is_empty() {
                flatten_alerts(&format!("{name}."), inner, out)?;
            }
            continue;
        }
        if let Some(on) = de::flag_in(&format!("data.alerts.{name}"), Some(value))? {
            out.insert(name, on);
        }
    }
    Ok(())
}

async fn render(state: &AppState, s: &PushSubscription) -> Result<Json<WebPushSubscription>> {
    let key = push::vapid_public_key(state).await?;
    Ok(Json(WebPushSubscription::render(s, key)))
}

/// `POST /api/v1/push/subscription`: subscribes this token, replacing its subscription.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    uri: Uri,
    Params(p): Params<SubscriptionParams>,
) -> Result<Json<WebPushSubscription>> {
    auth.require("push")?;
    let secret = bearer_token_in(&headers, &uri)
        .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
    let s = p.subscription.unwrap_or_default();
    let keys = s.keys.unwrap_or_default();
    let new = NewSubscription {
        endpoint: s.endpoint.unwrap_or_default(),
        p256dh: keys.p256dh.unwrap_or_default(),
        auth: keys.auth.unwrap_or_default(),
        standard: s.standard.unwrap_or(false),
        data: push_data(p.data, p.policy)?,
    };
    let token = Token {
        id: auth.principal.grant.token_id,
        secret: &secret,
    };
    let created = push::subscribe(&state, &auth.account, token, new).await?;
    render(&state, &created).await
}

/// `GET /api/v1/push/subscription`: this token's subscription; 404 without one.
pub async fn show(State(state): State<AppState>, auth: Auth) -> Result<Json<WebPushSubscription>> {
    auth.require("push")?;
    let s = push::subscription(&state, auth.principal.grant.token_id).await?;
    render(&state, &s).await
}

/// `PUT /api/v1/push/subscription`: changes its alerts and policy.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<DataParams>,
) -> Result<Json<WebPushSubscription>> {
    auth.require("push")?;
    let data = push_data(p.data, p.policy)?;
    let s = push::update(&state, auth.principal.grant.token_id, data).await?;
    render(&state, &s).await
}

/// `DELETE /api/v1/push/subscription`: unsubscribes this token (`{}`, as Mastodon answers).
pub async fn destroy(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>> {
    auth.require("push")?;
    push::unsubscribe(&state, auth.principal.grant.token_id).await?;
    Ok(Json(Value::Object(Map::new())))
}
