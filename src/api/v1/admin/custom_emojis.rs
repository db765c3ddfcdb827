//! `/api/v1/admin/custom_emojis` as GoToSocial shapes it: admins list, show, add, modify,
//! disable, enable and delete custom emoji, and list their categories.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::admin;
use crate::api::auth::Auth;
use crate::api::entities::emoji::{AdminEmoji, EmojiCategory};
use crate::api::params::{ParamsWithFiles, Query};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::emoji::EmojiQuery;
use crate::service::emojis::{self, EmojiUpdate, UpdateKind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/custom_emojis", get(index).post(create))
        .route("/api/v1/admin/custom_emojis/categories", get(categories))
        .route(
            "/api/v1/admin/custom_emojis/{id}",
            get(show).patch(update).delete(destroy),
        )
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    filter: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_string")]
    max_shortcode_domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    min_shortcode_domain: Option<String>,
}

/// The most emoji one page holds, and how many it holds by default (as GoToSocial).
const LIMITS: (i64, i64) = (50, 200);

impl ListParams {
    /// GoToSocial's comma-separated `filter`: `domain:<domain|local|all>`, `enabled`,
    /// `disabled`, `shortcode:<code>`; 400 for anything else.
    fn query(self, own_domain: &str) -> Result<EmojiQuery> {
        let mut q = EmojiQuery {
            // As GoToSocial pages: `max_shortcode_domain` (the `next` link) asks for what
            // sorts after it, `min_shortcode_domain` (`prev`) for what sorts before.
            after: self.max_shortcode_domain.filter(|s| !s.is_empty()),
            before: self.min_shortcode_domain.filter(|s| !s.is_empty()),
            limit: self.limit.unwrap_or(LIMITS.0).clamp(1, LIMITS.1),
            ..EmojiQuery::default()
        };
        for filter in self.filter.as_deref().unwrap_or("").split(',') {
            let filter = filter.trim();
            let lower = filter.to_ascii_lowercase();
            if filter.is_empty() {
                continue;
            } else if let Some(domain) = lower.strip_prefix("domain:") {
                q.domain = match domain {
                    "all" | "*" => None,
                    "local" => Some(String::new()),
                    d if d == own_domain.to_ascii_lowercase() => Some(String::new()),
                    d => Some(d.to_string()),
                };
            } else if lower == "enabled" {
                q.include_enabled = true;
            } else if lower == "disabled" {
                q.include_disabled = true;
            } else if lower.starts_with("shortcode:") {
                q.shortcode = Some(filter["shortcode:".len()..].trim_matches(':').to_string());
            } else {
                return Err(Error::bad_request(format!(
                    "filter {filter} not recognized; accepted values are 'domain:[domain]', \
                     'disabled', 'enabled', 'shortcode:[shortcode]'"
                )));
            }
        }
        if !q.include_enabled && !q.include_disabled {
            q.include_enabled = true;
            q.include_disabled = true;
        }
        Ok(q)
    }
}

fn sort_key(e: &crate::model::CustomEmoji) -> String {
    format!("{}@{}", e.shortcode, e.domain.as_deref().unwrap_or(""))
}

/// `GET /api/v1/admin/custom_emojis`: local and remote emoji by `shortcode@domain`, with a
/// `Link` header to the next (`max_shortcode_domain`) and previous (`min_shortcode_domain`)
/// pages, as GoToSocial links them.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    Query(p): Query<ListParams>,
) -> Result<Response> {
    admin(&auth, "admin:read")?;
    let query = p.query(&state.config.domain)?;
    let list = emojis::page(&state, &query).await?;
    let base = state.base_url();
    let items: Vec<AdminEmoji> = list.iter().map(|e| AdminEmoji::render(e, &base)).collect();
    let mut response = Json(items).into_response();
    if let (Some(first), Some(last)) = (list.first(), list.last()) {
        let url = |key: &str, value: String| {
            let mut pairs: Vec<(String, String)> = uri
                .query()
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .filter(|(k, _)| {
                            !matches!(k.as_str(), "max_shortcode_domain" | "min_shortcode_domain")
                        })
                        .collect()
                })
                .unwrap_or_default();
            pairs.push((key.to_string(), value));
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            format!("{base}{}?{query}", uri.path())
        };
        let link = format!(
            "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
            url("max_shortcode_domain", sort_key(last)),
            url("min_shortcode_domain", sort_key(first))
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}

/// `GET /api/v1/admin/custom_emojis/:id`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminEmoji>> {
    admin(&auth, "admin:read")?;
    let emoji = emojis::get(&state, path_id(&id)?).await?;
    Ok(Json(AdminEmoji::render(&emoji, &state.base_url())))
}

#[derive(Deserialize)]
pub struct EmojiParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    shortcode: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    category: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    visible_in_picker: Option<bool>,
}

/// `POST /api/v1/admin/custom_emojis`: `image` (a PNG, GIF or WebP file), `shortcode` and an
/// optional `category`; 422 for a bad or taken shortcode and an image that is not one or is
/// too large.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    body: ParamsWithFiles<EmojiParams>,
) -> Result<Json<AdminEmoji>> {
    admin(&auth, "admin:write")?;
    let image = body
        .files
        .into_iter()
        .find(|f| f.field == "image")
        .map(|f| f.data)
        .ok_or_else(|| Error::invalid("image", "ERR_BLANK", "can't be blank"))?;
    let shortcode = body
        .params
        .shortcode
        .ok_or_else(|| Error::invalid("shortcode", "ERR_BLANK", "can't be blank"))?;
    let emoji = emojis::create(
        &state,
        Some(&auth.account),
        &shortcode,
        body.params.category.as_deref(),
        image,
    )
    .await?;
    Ok(Json(AdminEmoji::render(&emoji, &state.base_url())))
}

/// `PATCH /api/v1/admin/custom_emojis/:id`: `type` is `disable`, `enable` or `modify` (a
/// local emoji's `shortcode`, `image`, `category`, `visible_in_picker`).
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: ParamsWithFiles<EmojiParams>,
) -> Result<Json<AdminEmoji>> {
    admin(&auth, "admin:write")?;
    let id = path_id(&id)?;
    let p = body.params;
    let kind = match p.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("disable") => UpdateKind::Disable,
        Some("enable") => UpdateKind::Enable,
        Some("modify") => UpdateKind::Modify,
        _ => {
            return Err(Error::bad_request(
                "emoji action type must be one of 'disable', 'enable', 'modify'",
            ))
        }
    };
    let image = body
        .files
        .into_iter()
        .find(|f| f.field == "image")
        .map(|f| f.data);
    let change = EmojiUpdate {
        kind,
        shortcode: p.shortcode,
        category: p.category,
        visible_in_picker: p.visible_in_picker,
        image,
    };
    let emoji = emojis::update(&state, Some(&auth.account), id, change).await?;
    Ok(Json(AdminEmoji::render(&emoji, &state.base_url())))
}

/// `DELETE /api/v1/admin/custom_emojis/:id`: a local emoji and its files; the answer is the
/// emoji as it was.
pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminEmoji>> {
    admin(&auth, "admin:write")?;
    let emoji = emojis::delete(&state, Some(&auth.account), path_id(&id)?).await?;
    Ok(Json(AdminEmoji::render(&emoji, &state.base_url())))
}

/// `GET /api/v1/admin/custom_emojis/categories`
pub async fn categories(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<EmojiCategory>>> {
    admin(&auth, "admin:read")?;
    let list = emojis::categories(&state).await?;
    Ok(Json(list.iter().map(EmojiCategory::render).collect()))
}
