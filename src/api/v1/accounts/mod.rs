//! `/api/v1/accounts`: sign-up (`POST /api/v1/accounts`) and one account
//! (`GET /api/v1/accounts/:id`) here; every other URL under the prefix in the file named
//! for it (`follow.rs` serves `/:id/follow` and `/:id/unfollow`).

pub mod alias;
pub mod block;
pub mod delete;
pub mod endorse;
pub mod endorsements;
pub mod familiar_followers;
pub mod featured_tags;
pub mod follow;
pub mod followers;
pub mod following;
pub mod lists;
pub mod lookup;
pub mod r#move;
pub mod mute;
pub mod note;
pub mod relationships;
pub mod remove_from_followers;
pub mod search;
pub mod statuses;
pub mod update_credentials;
pub mod verify_credentials;

use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::{AppAuth, ClientIp, MaybeAuth};
use crate::api::entities::application::Token;
use crate::api::entities::Account;
use crate::api::params::{Params, Query};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::model::Scopes;
use crate::service;
use crate::service::accounts::Registration;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/accounts", post(register).get(index))
        .route("/api/v1/accounts/{id}", get(show))
        .merge(verify_credentials::routes())
        .merge(update_credentials::routes())
        .merge(lookup::routes())
        .merge(relationships::routes())
        .merge(statuses::routes())
        .merge(follow::routes())
        .merge(remove_from_followers::routes())
        .merge(block::routes())
        .merge(mute::routes())
        .merge(followers::routes())
        .merge(following::routes())
        .merge(lists::routes())
        .merge(search::routes())
        .merge(note::routes())
        .merge(familiar_followers::routes())
        .merge(endorse::routes())
        .merge(endorsements::routes())
        .merge(featured_tags::routes())
        .merge(delete::routes())
        .merge(alias::routes())
        .merge(r#move::routes())
}

#[derive(Deserialize)]
pub struct Register {
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    agreement: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    locale: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    reason: Option<String>,
}

/// `POST /api/v1/accounts`: sign-up with an app token; answers with the new user's token.
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AppAuth,
    Params(p): Params<Register>,
) -> Result<Json<Token>> {
    auth.require("write:accounts")?;
    let limits = &state.config.rate_limits;
    state.limiter.hit(
        "registrations",
        &ip.to_string(),
        limits.registrations_per_ip,
        Duration::from_secs(limits.registrations_window_secs),
    )?;
    let (user, _account) = service::accounts::register(
        &state,
        Registration {
            username: p.username.unwrap_or_default(),
            email: p.email.unwrap_or_default().trim().to_string(),
            password: p.password.unwrap_or_default(),
            agreement: p.agreement.unwrap_or(false),
            locale: p.locale.filter(|l| !l.is_empty()),
            reason: p.reason,
            ip: Some(ip.to_string()),
        },
    )
    .await?;
    let token = service::oauth::issue_token(
        &state,
        auth.0.grant.app_id,
        Some(user.id),
        Scopes::from_vec(auth.0.grant.scopes.clone()),
    )
    .await?;
    Ok(Json(Token::render(&token)))
}

#[derive(Deserialize)]
pub struct IndexParams {
    #[serde(default, deserialize_with = "de::string_list")]
    id: Vec<String>,
}

/// `GET /api/v1/accounts?id[]=…`: several accounts, public as one is; unknown, suspended and
/// malformed ids are skipped.
pub async fn index(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<IndexParams>,
) -> Result<Json<Vec<Account>>> {
    auth.viewer("read:accounts")?;
    let ids: Vec<i64> =
        q.id.iter()
            .filter_map(|raw| crate::id::parse(raw.trim()))
            .collect();
    let found = service::accounts::many(&state, &ids).await?;
    let base = state.base_url();
    Ok(Json(
        found.iter().map(|a| Account::render(a, &base)).collect(),
    ))
}

/// `GET /api/v1/accounts/:id`
pub async fn show(
    State(state): State<AppState>,
    _auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Account>> {
    let account = service::accounts::visible_account(&state, path_id(&id)?).await?;
    Ok(Json(Account::render(&account, &state.base_url())))
}
