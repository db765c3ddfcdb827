//! `PATCH /api/v1/accounts/update_credentials`

use axum::extract::State;
use axum::routing::patch;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::CredentialAccount;
use crate::api::params::ParamsWithFiles;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::accounts::{self, ProfileChanges, ProfileImages};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/accounts/update_credentials",
        patch(update_credentials),
    )
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
    #[serde(default, deserialize_with = "de::opt_string_list")]
    attribution_domains: Option<Vec<String>>,
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
    #[serde(default, deserialize_with = "de::opt_string")]
    quote_policy: Option<String>,
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

/// `PATCH /api/v1/accounts/update_credentials`: profile fields, and `avatar` and `header`
/// files.
pub async fn update_credentials(
    State(state): State<AppState>,
    auth: Auth,
    body: ParamsWithFiles<UpdateCredentials>,
) -> Result<Json<CredentialAccount>> {
    auth.require("write:accounts")?;
    let mut images = ProfileImages::default();
    for file in body.files {
        match file.field.as_str() {
            "avatar" => images.avatar = Some(file.data),
            "header" => images.header = Some(file.data),
            other => {
                return Err(Error::invalid(
                    other,
                    "ERR_INVALID",
                    "is not a file this endpoint accepts",
                ))
            }
        }
    }
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
        quote_policy: source.as_ref().and_then(|s| s.quote_policy.clone()),
        attribution_domains: p.attribution_domains,
    };
    let (user, account) =
        accounts::update_credentials(&state, &auth.user, &auth.account, changes, images).await?;
    super::verify_credentials::own_account(&state, account, &user).await
}
