//! `/api/v1/accounts…`

use std::time::Duration;

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use crate::api::auth::{AppAuth, Auth, ClientIp, MaybeAuth};
use crate::api::entities::application::Token;
use crate::api::entities::{Account, CredentialAccount};
use crate::api::params::{Params, ParamsWithFiles, Query};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::Scopes;
use crate::service;
use crate::service::accounts::{ProfileChanges, Registration};

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

/// `GET /api/v1/accounts/verify_credentials`
pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CredentialAccount>> {
    auth.require_any(&["read:accounts", "profile"])?;
    Ok(Json(CredentialAccount::render(
        &auth.account,
        &auth.user,
        &state.base_url(),
    )))
}

#[derive(Deserialize)]
pub struct UpdateCredentials {
    #[serde(default, deserialize_with = "de::opt_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    note: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    locked: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    bot: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    discoverable: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    indexable: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    hide_collections: Option<bool>,
    #[serde(default)]
    fields_attributes: Option<Value>,
    #[serde(default)]
    source: Option<SourceParams>,
}

#[derive(Deserialize)]
pub struct SourceParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    privacy: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
}

/// `fields_attributes` as a list of `{name, value}` or as `{"0": {name, value}, …}`.
fn profile_fields(raw: Value) -> Result<Vec<(String, String)>> {
    let entries: Vec<Value> = match raw {
        Value::Array(list) => list,
        Value::Object(map) => {
            let mut items: Vec<(String, Value)> = map.into_iter().collect();
            items.sort_by_key(|(k, _)| k.parse::<u64>().unwrap_or(u64::MAX));
            items.into_iter().map(|(_, v)| v).collect()
        }
        Value::Null => Vec::new(),
        _ => {
            return Err(Error::invalid(
                "fields_attributes",
                "ERR_INVALID",
                "must be a list of name and value pairs",
            ))
        }
    };
    entries
        .into_iter()
        .map(|entry| {
            let text = |key: &str| match entry.get(key) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Number(n)) => Ok(n.to_string()),
                Some(_) => Err(Error::invalid(
                    &format!("fields_attributes.{key}"),
                    "ERR_INVALID",
                    "must be a string",
                )),
            };
            Ok((text("name")?, text("value")?))
        })
        .collect()
}

/// `PATCH /api/v1/accounts/update_credentials`
pub async fn update_credentials(
    State(state): State<AppState>,
    auth: Auth,
    body: ParamsWithFiles<UpdateCredentials>,
) -> Result<Json<CredentialAccount>> {
    auth.require("write:accounts")?;
    let mut avatar = None;
    let mut header = None;
    for file in body.files {
        match file.field.as_str() {
            "avatar" => avatar = Some(file.data),
            "header" => header = Some(file.data),
            other => {
                return Err(Error::invalid(
                    other,
                    "ERR_INVALID",
                    "is not a file this endpoint accepts",
                ))
            }
        }
    }
    // Processed before anything changes: a bad image leaves the profile as it was.
    use crate::store::media::ProfileImage;
    let avatar = match avatar {
        Some(b) => {
            Some(service::media::prepare_profile_image(&state, ProfileImage::Avatar, b).await?)
        }
        None => None,
    };
    let header = match header {
        Some(b) => {
            Some(service::media::prepare_profile_image(&state, ProfileImage::Header, b).await?)
        }
        None => None,
    };
    let p = body.params;
    let source = p.source;
    let changes = ProfileChanges {
        display_name: p.display_name,
        note: p.note,
        locked: p.locked,
        bot: p.bot,
        discoverable: p.discoverable,
        indexable: p.indexable,
        hide_collections: p.hide_collections,
        fields: p.fields_attributes.map(profile_fields).transpose()?,
        privacy: source.as_ref().and_then(|s| s.privacy.clone()),
        sensitive: source.as_ref().and_then(|s| s.sensitive),
        language: source.as_ref().and_then(|s| s.language.clone().map(Some)),
    };
    let (user, mut account) =
        service::accounts::update_profile(&state, &auth.user, &auth.account, changes).await?;
    for (which, image) in [
        (ProfileImage::Avatar, avatar),
        (ProfileImage::Header, header),
    ] {
        if let Some(image) = image {
            account =
                service::media::set_profile_image(&state, &account, which, Some(image)).await?;
        }
    }
    Ok(Json(CredentialAccount::render(
        &account,
        &user,
        &state.base_url(),
    )))
}

#[derive(Deserialize)]
pub struct Lookup {
    #[serde(default, deserialize_with = "de::opt_string")]
    acct: Option<String>,
}

/// `GET /api/v1/accounts/lookup?acct=`: public, as on Mastodon.
pub async fn lookup(
    State(state): State<AppState>,
    _auth: MaybeAuth,
    Query(q): Query<Lookup>,
) -> Result<Json<Account>> {
    let acct = q
        .acct
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| Error::bad_request("param is missing or the value is empty: acct"))?;
    let account = service::accounts::lookup(&state, &acct).await?;
    Ok(Json(Account::render(&account, &state.base_url())))
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

#[derive(Deserialize)]
pub struct AccountStatusesParams {
    #[serde(flatten)]
    page: crate::api::pagination::PageParams,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pinned: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclude_replies: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclude_reblogs: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    only_media: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    tagged: Option<String>,
}

/// `GET /api/v1/accounts/:id/statuses`
pub async fn statuses(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Query(q): Query<AccountStatusesParams>,
) -> Result<crate::api::pagination::Paginated<crate::api::entities::Status>> {
    let viewer = crate::api::v1::statuses::reader(&auth)?;
    let account = service::accounts::visible_account(&state, path_id(&id)?).await?;
    let filter = crate::store::timelines::AccountStatusFilter {
        pinned: q.pinned.unwrap_or(false),
        exclude_replies: q.exclude_replies.unwrap_or(false),
        exclude_reblogs: q.exclude_reblogs.unwrap_or(false),
        only_media: q.only_media.unwrap_or(false),
        tagged: q
            .tagged
            .filter(|t| !t.is_empty())
            .map(|t| t.trim_start_matches('#').to_string()),
    };
    let page = service::timelines::account_statuses(
        &state,
        viewer,
        &account,
        &filter,
        &q.page.page(crate::api::pagination::STATUS_LIMITS),
    )
    .await?;
    Ok(crate::api::v1::timelines::respond(
        &state,
        viewer.map(|a| a.id),
        page,
        &uri,
    ))
}
