//! `GET /api/v1/instance` (and the administrators' `PATCH`, in GoToSocial's shape) here;
//! `/api/v1/instance/rules`, `/domain_blocks`, `/peers`, `/activity`,
//! `/extended_description`, `/privacy_policy`, `/terms_of_service`, `/languages` and
//! `/translation_languages` in the files named for them.

pub mod activity;
pub mod domain_blocks;
pub mod extended_description;
pub mod languages;
pub mod peers;
pub mod privacy_policy;
pub mod rules;
pub mod terms_of_service;
pub mod translation_languages;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::instance::InstanceV1;
use crate::api::entities::Account;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service;
use crate::service::instance_pages::{self, TextsChange};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/instance", get(show).patch(update))
        .merge(rules::routes())
        .merge(domain_blocks::routes())
        .merge(peers::routes())
        .merge(activity::routes())
        .merge(extended_description::routes())
        .merge(privacy_policy::routes())
        .merge(terms_of_service::routes())
        .merge(languages::routes())
        .merge(translation_languages::routes())
}

/// `GET /api/v1/instance`: public.
pub async fn show(State(state): State<AppState>) -> Result<Json<InstanceV1>> {
    let stats = service::instance::stats(&state).await?;
    let contact = service::instance::contact_account(&state)
        .await?
        .map(|a| Account::render(&a, &state.base_url()));
    let config = service::instance_settings::config(&state).await?;
    Ok(Json(InstanceV1::render(&config, &stats, contact)))
}

#[derive(Deserialize)]
pub struct UpdateParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    title: Option<String>,
    /// The short description (GoToSocial's name for it).
    #[serde(default, deserialize_with = "de::opt_string")]
    short_description: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    contact_email: Option<String>,
    /// Rookery's: `open`, `approval` or `closed`.
    #[serde(default, deserialize_with = "de::opt_string")]
    registrations_mode: Option<String>,
    /// The extended description (GoToSocial's name for it).
    #[serde(default, deserialize_with = "de::opt_string")]
    description: Option<String>,
    /// The terms of service (GoToSocial's name for them).
    #[serde(default, deserialize_with = "de::opt_string")]
    terms: Option<String>,
    /// Rookery's: the day the new terms take effect (`YYYY-MM-DD`, today if not given).
    #[serde(default, deserialize_with = "de::opt_string")]
    terms_effective_date: Option<String>,
    /// Rookery's: the privacy policy.
    #[serde(default, deserialize_with = "de::opt_string")]
    privacy_policy: Option<String>,
}

/// `PATCH /api/v1/instance`: administrators set the instance's texts (GoToSocial's endpoint,
/// with its field names where it has them). Answers the instance as `GET` does.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<UpdateParams>,
) -> Result<Json<InstanceV1>> {
    crate::api::v1::admin::admin(&auth, "admin:write")?;
    let terms_effective_date = match p.terms_effective_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
                Error::invalid(
                    "terms_effective_date",
                    "ERR_INVALID",
                    "is not a date (YYYY-MM-DD)",
                )
            })?,
        ),
    };
    let change = TextsChange {
        extended_description: p.description,
        privacy_policy: p.privacy_policy,
        terms: p.terms,
        terms_effective_date,
    };
    let settings = service::instance_settings::Change {
        title: p.title,
        description: p.short_description,
        contact_email: p.contact_email,
        registrations: p.registrations_mode,
    };
    service::instance_settings::update(&state, Some(&auth.account), &settings).await?;
    instance_pages::update_texts(&state, Some(&auth.account), &change).await?;
    show(State(state)).await
}
