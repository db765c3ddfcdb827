//! `/api/v2/filters` (and `/:id`), `/api/v2/filters/:id/keywords`,
//! `/api/v2/filters/keywords/:id`, `/api/v2/filters/:id/statuses` and
//! `/api/v2/filters/statuses/:id`: keyword (and status) filters, Mastodon's v2 API.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use crate::api::auth::Auth;
use crate::api::entities::moderation::{Filter, FilterKeyword, FilterStatus};
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::moderation::filters::{self, FilterInput, KeywordInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/filters", get(index).post(create))
        .route(
            "/api/v2/filters/{id}",
            get(show).put(update).delete(destroy),
        )
        .route(
            "/api/v2/filters/{id}/keywords",
            get(keywords).post(add_keyword),
        )
        .route(
            "/api/v2/filters/{id}/statuses",
            get(statuses).post(add_status),
        )
        .route(
            "/api/v2/filters/statuses/{id}",
            get(show_status).delete(destroy_status),
        )
        .route(
            "/api/v2/filters/keywords/{id}",
            get(show_keyword)
                .put(update_keyword)
                .delete(destroy_keyword),
        )
}

const READ: &[&str] = &["read:filters", "read"];
const WRITE: &[&str] = &["write:filters", "write"];

#[derive(Deserialize)]
pub struct FilterParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    title: Option<String>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string")]
    filter_action: Option<String>,
    /// Absent: unchanged; empty or null: never expires; seconds otherwise.
    #[serde(default)]
    expires_in: Option<Value>,
    #[serde(default)]
    keywords_attributes: Option<Value>,
}

fn keyword_input(v: &Value) -> Result<KeywordInput> {
    let text = |k: &str| match v.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let id = match text("id") {
        Some(raw) => Some(crate::id::parse(&raw).ok_or(Error::NotFound)?),
        None => None,
    };
    Ok(KeywordInput {
        id,
        keyword: text("keyword"),
        whole_word: de::flag_in("whole_word", v.get("whole_word"))?,
        destroy: de::flag_in("_destroy", v.get("_destroy"))?.unwrap_or(false),
    })
}

impl FilterParams {
    fn input(self) -> Result<FilterInput> {
        let expires_in = de::expires_in(self.expires_in)?;
        let keywords = match &self.keywords_attributes {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().map(keyword_input).collect::<Result<_>>()?,
            Some(Value::Object(map)) => map.values().map(keyword_input).collect::<Result<_>>()?,
            Some(_) => {
                return Err(Error::invalid(
                    "keywords_attributes",
                    "ERR_INVALID",
                    "must be a list",
                ))
            }
        };
        Ok(FilterInput {
            title: self.title,
            context: self.context.as_ref().map(de::strings_in),
            filter_action: self.filter_action,
            expires_in,
            keywords,
        })
    }
}

pub async fn index(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<Filter>>> {
    auth.require_any(READ)?;
    Ok(Json(
        filters::list(&state, &auth.account)
            .await?
            .iter()
            .map(Filter::render)
            .collect(),
    ))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Filter>> {
    auth.require_any(READ)?;
    Ok(Json(Filter::render(
        &filters::get(&state, &auth.account, path_id(&id)?).await?,
    )))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<FilterParams>,
) -> Result<Json<Filter>> {
    auth.require_any(WRITE)?;
    let filter = filters::create(&state, &auth.account, &p.input()?).await?;
    Ok(Json(Filter::render(&filter)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<FilterParams>,
) -> Result<Json<Filter>> {
    auth.require_any(WRITE)?;
    let filter = filters::update(&state, &auth.account, path_id(&id)?, &p.input()?).await?;
    Ok(Json(Filter::render(&filter)))
}

pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require_any(WRITE)?;
    filters::delete(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}

pub async fn keywords(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<FilterKeyword>>> {
    auth.require_any(READ)?;
    let filter = filters::get(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(
        filter.keywords.iter().map(FilterKeyword::render).collect(),
    ))
}

#[derive(Deserialize)]
pub struct KeywordParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    keyword: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    whole_word: Option<bool>,
}

impl KeywordParams {
    fn input(self) -> KeywordInput {
        KeywordInput {
            id: None,
            keyword: self.keyword,
            whole_word: self.whole_word,
            destroy: false,
        }
    }
}

pub async fn add_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<KeywordParams>,
) -> Result<Json<FilterKeyword>> {
    auth.require_any(WRITE)?;
    let k = filters::add_keyword(&state, &auth.account, path_id(&id)?, &p.input()).await?;
    Ok(Json(FilterKeyword::render(&k)))
}

pub async fn show_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<FilterKeyword>> {
    auth.require_any(READ)?;
    Ok(Json(FilterKeyword::render(
        &filters::keyword(&state, &auth.account, path_id(&id)?).await?,
    )))
}

pub async fn update_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<KeywordParams>,
) -> Result<Json<FilterKeyword>> {
    auth.require_any(WRITE)?;
    let k = filters::update_keyword(&state, &auth.account, path_id(&id)?, &p.input()).await?;
    Ok(Json(FilterKeyword::render(&k)))
}

pub async fn destroy_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require_any(WRITE)?;
    filters::delete_keyword(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}

/// `GET /api/v2/filters/:filter_id/statuses`
pub async fn statuses(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<FilterStatus>>> {
    auth.require_any(READ)?;
    let list = filters::statuses(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(list.iter().map(FilterStatus::render).collect()))
}

#[derive(Deserialize)]
pub struct StatusParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    status_id: Option<String>,
}

/// `POST /api/v2/filters/:filter_id/statuses` with `status_id`: a status the caller may
/// see (else 404); one already in the filter is refused (422).
pub async fn add_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<StatusParams>,
) -> Result<Json<FilterStatus>> {
    auth.require_any(WRITE)?;
    let filter_id = path_id(&id)?;
    let status_id = match p.status_id.as_deref().map(str::trim) {
        None | Some("") => return Err(Error::invalid("status_id", "ERR_BLANK", "can't be blank")),
        Some(raw) => path_id(raw)?,
    };
    let s = filters::add_status(&state, &auth.account, filter_id, status_id).await?;
    Ok(Json(FilterStatus::render(&s)))
}

/// `GET /api/v2/filters/statuses/:id`
pub async fn show_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<FilterStatus>> {
    auth.require_any(READ)?;
    Ok(Json(FilterStatus::render(
        &filters::filter_status(&state, &auth.account, path_id(&id)?).await?,
    )))
}

/// `DELETE /api/v2/filters/statuses/:id`
pub async fn destroy_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require_any(WRITE)?;
    filters::delete_status(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}
