//! `/api/v1/statuses`: posting and listing (`/api/v1/statuses`) and one status (read, edit,
//! delete: `/api/v1/statuses/:id`) here; every other URL under the prefix in the file named
//! for it (`favourite.rs` serves `/:id/favourite` and `/:id/unfavourite`).

pub mod bookmark;
pub mod card;
pub mod context;
pub mod favourite;
pub mod favourited_by;
pub mod history;
pub mod interaction_policy;
pub mod mute;
pub mod pin;
pub mod quotes;
pub mod reblog;
pub mod reblogged_by;
pub mod source;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::api::auth::{Auth, MaybeAuth};
use crate::api::entities::{ScheduledStatus, Status};
use crate::api::params::{Params, Query};
use crate::api::v1::scheduled_statuses;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::media::{MediaAttributes, UploadMeta};
use crate::service::polls::PollDraft;
use crate::service::statuses::Draft;
use crate::service::{scheduled, statuses, timelines, views};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/statuses", post(create).get(index))
        .route(
            "/api/v1/statuses/{id}",
            get(show).delete(destroy).put(update),
        )
        .merge(card::routes())
        .merge(context::routes())
        .merge(history::routes())
        .merge(source::routes())
        .merge(favourited_by::routes())
        .merge(reblogged_by::routes())
        .merge(favourite::routes())
        .merge(reblog::routes())
        .merge(bookmark::routes())
        .merge(pin::routes())
        .merge(mute::routes())
        .merge(quotes::routes())
        .merge(interaction_policy::routes())
}

#[derive(Deserialize)]
pub struct StatusParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    in_reply_to_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    media_ids: Vec<String>,
    #[serde(default, deserialize_with = "media_attributes")]
    media_attributes: Vec<MediaAttributes>,
    #[serde(default)]
    poll: Option<PollParams>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scheduled_at: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    quoted_status_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    quote_approval_policy: Option<String>,
}

/// `poll[options][]`, `poll[expires_in]`, `poll[multiple]`, `poll[hide_totals]` (or the same
/// as a JSON object).
#[derive(Deserialize)]
pub struct PollParams {
    #[serde(default, deserialize_with = "de::string_list")]
    options: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    expires_in: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    multiple: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    hide_totals: Option<bool>,
}

impl PollParams {
    fn into_draft(self) -> PollDraft {
        PollDraft {
            options: self.options,
            expires_in: self.expires_in,
            multiple: self.multiple.unwrap_or(false),
            hide_totals: self.hide_totals.unwrap_or(false),
        }
    }
}

impl StatusParams {
    /// The time to publish at, when the client asked for one.
    fn scheduled_at(&self) -> Result<Option<DateTime<Utc>>> {
        match self
            .scheduled_at
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            None => Ok(None),
            Some(raw) => scheduled_statuses::parse_time(raw).map(Some),
        }
    }

    fn into_draft(self) -> Result<Draft> {
        Ok(Draft {
            text: self.status.unwrap_or_default(),
            spoiler_text: self.spoiler_text.unwrap_or_default(),
            sensitive: self.sensitive,
            visibility: self.visibility,
            in_reply_to_id: self.in_reply_to_id,
            language: self.language,
            media_ids: self.media_ids,
            media_attributes: self.media_attributes,
            poll: self.poll.map(PollParams::into_draft),
            quoted_status_id: self.quoted_status_id,
            quote_approval_policy: self.quote_approval_policy,
        })
    }
}

/// `media_attributes[]` of a status edit (`[{"id", "description", "focus"}]`, or its form
/// spellings `media_attributes[][id]=…` and `media_attributes[0][id]=…`).
fn media_attributes<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<MediaAttributes>, D::Error> {
    use serde_json::Value;
    let items = match Value::deserialize(d)? {
        Value::Null => Vec::new(),
        Value::Array(list) => list,
        Value::Object(map) if map.contains_key("id") => vec![Value::Object(map)],
        Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        _ => return Err(serde::de::Error::custom("expected a list of attachments")),
    };
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    items
        .iter()
        .map(|item| {
            let id = text(item.get("id"))
                .ok_or_else(|| serde::de::Error::custom("an attachment without an id"))?;
            Ok(MediaAttributes {
                id,
                meta: UploadMeta {
                    description: text(item.get("description")),
                    focus: text(item.get("focus")),
                    thumbnail: None,
                },
            })
        })
        .collect()
}

/// `POST /api/v1/statuses`: a Status, or with `scheduled_at` a ScheduledStatus.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Params(p): Params<StatusParams>,
) -> Result<Response> {
    auth.require("write:statuses")?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 256);
    if let Some(scheduled_at) = p.scheduled_at()? {
        let view = scheduled::schedule(
            &state,
            &auth.account,
            &auth.user,
            Some(auth.principal.grant.app_id),
            scheduled::ToSchedule {
                draft: p.into_draft()?,
                scheduled_at,
                poll: None,
            },
            key,
        )
        .await?;
        return Ok(Json(ScheduledStatus::render(&view)).into_response());
    }
    let view = statuses::post(
        &state,
        &auth.account,
        &auth.user,
        Some(auth.principal.grant.app_id),
        p.into_draft()?,
        key,
    )
    .await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    ))
    .into_response())
}

#[derive(Deserialize)]
pub struct IdsParams {
    #[serde(default, deserialize_with = "de::string_list")]
    id: Vec<String>,
}

/// `GET /api/v1/statuses?id[]=`
pub async fn index(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<IdsParams>,
) -> Result<Json<Vec<Status>>> {
    let viewer = auth.viewer("read:statuses")?;
    let ids: Vec<i64> = q.id.iter().filter_map(|i| crate::id::parse(i)).collect();
    let views = timelines::many(&state, viewer, &ids).await?;
    let base = state.base_url();
    Ok(Json(
        views
            .iter()
            .map(|v| Status::render(v, viewer.map(|a| a.id), &base))
            .collect(),
    ))
}

/// `GET /api/v1/statuses/:id`: public; a token that is sent must allow reading.
pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    let viewer = auth.viewer("read:statuses")?;
    let view = views::one(&state, viewer, path_id(&id)?).await?;
    Ok(Json(Status::render(
        &view,
        viewer.map(|a| a.id),
        &state.base_url(),
    )))
}

#[derive(Deserialize)]
pub struct DeleteParams {
    /// Mastodon 4.4 (API level 4): remove the attachments now rather than keep them for a
    /// redraft.
    #[serde(default, deserialize_with = "de::opt_bool")]
    delete_media: Option<bool>,
}

/// `DELETE /api/v1/statuses/:id`: answers with the source text, for delete-and-redraft.
pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<DeleteParams>,
) -> Result<Json<Status>> {
    auth.require("write:statuses")?;
    let media = match p.delete_media {
        Some(true) => statuses::MediaOnDelete::Remove,
        _ => statuses::MediaOnDelete::KeepForRedraft,
    };
    let view = statuses::delete(&state, &auth.account, path_id(&id)?, media).await?;
    Ok(Json(Status::render_source(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}

/// `PUT /api/v1/statuses/:id`: edit.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<StatusParams>,
) -> Result<Json<Status>> {
    auth.require("write:statuses")?;
    let view = statuses::edit(
        &state,
        &auth.account,
        &auth.user,
        path_id(&id)?,
        p.into_draft()?,
    )
    .await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}
