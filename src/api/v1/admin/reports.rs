//! `/api/v1/admin/reports`, `/:id`, and `/:id/{assign_to_self,unassign,resolve,reopen}`.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::{lookup, staff};
use crate::api::auth::Auth;
use crate::api::entities::moderation::AdminReport;
use crate::api::entities::Status;
use crate::api::pagination::{PageParams, Paginated, STATUS_LIMITS};
use crate::api::params::Query;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::moderation::{Report, ReportQuery};
use crate::model::Account;
use crate::service::moderation::reports::{self, ReportStep};
use crate::service::{moderation, views};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/reports", get(index))
        .route("/api/v1/admin/reports/{id}", get(show))
        .route(
            "/api/v1/admin/reports/{id}/assign_to_self",
            post(assign_to_self),
        )
        .route("/api/v1/admin/reports/{id}/unassign", post(unassign))
        .route("/api/v1/admin/reports/{id}/resolve", post(resolve))
        .route("/api/v1/admin/reports/{id}/reopen", post(reopen))
}

const READ: &str = "admin:read:reports";
const WRITE: &str = "admin:write:reports";

/// Renders reports with their accounts (two queries), statuses and rules.
async fn render(state: &AppState, viewer: &Account, list: &[Report]) -> Result<Vec<AdminReport>> {
    let mut ids: Vec<i64> = Vec::new();
    for r in list {
        ids.extend([r.account_id, r.target_account_id]);
        ids.extend(r.assigned_account_id);
        ids.extend(r.action_taken_by_account_id);
    }
    ids.sort_unstable();
    ids.dedup();
    let found = lookup(state, &ids).await?;
    let rules = moderation::rules::all(state).await?;
    let status_ids: Vec<i64> = list
        .iter()
        .flat_map(|r| r.status_ids.iter().copied())
        .collect();
    let views = views::hydrate(state, Some(viewer), &status_ids).await?;
    let base = state.base_url();
    Ok(list
        .iter()
        .filter_map(|r| {
            let statuses = views
                .iter()
                .filter(|v| r.status_ids.contains(&v.status.id))
                .map(|v| Status::render(v, Some(viewer.id), &base))
                .collect();
            AdminReport::render(r, &found, statuses, &rules, &base)
        })
        .collect())
}

async fn one(state: &AppState, viewer: &Account, report: Report) -> Result<Json<AdminReport>> {
    render(state, viewer, &[report])
        .await?
        .pop()
        .map(Json)
        .ok_or(Error::NotFound)
}

#[derive(Deserialize)]
pub struct IndexParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::opt_bool")]
    resolved: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    target_account_id: Option<String>,
}

/// `GET /api/v1/admin/reports`: unresolved by default (`resolved=true` for the others).
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<IndexParams>,
) -> Result<Paginated<AdminReport>> {
    staff(&auth, READ)?;
    let parse = |raw: Option<String>| -> Result<Option<i64>> {
        match raw {
            Some(r) => crate::id::parse(&r)
                .map(Some)
                .ok_or_else(|| Error::invalid("account_id", "ERR_INVALID", "is not an id")),
            None => Ok(None),
        }
    };
    let query = ReportQuery {
        resolved: q.resolved.unwrap_or(false),
        account_id: parse(q.account_id)?,
        target_account_id: parse(q.target_account_id)?,
    };
    let list = reports::reports(&state, &query, &q.page.page(STATUS_LIMITS)).await?;
    let cursors = list.first().zip(list.last()).map(|(a, b)| (a.id, b.id));
    let items = render(&state, &auth.account, &list).await?;
    Ok(Paginated::new(items, cursors, &state.base_url(), &uri))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminReport>> {
    staff(&auth, READ)?;
    let report = reports::report(&state, path_id(&id)?).await?;
    one(&state, &auth.account, report).await
}

async fn step(
    state: AppState,
    auth: Auth,
    id: String,
    what: ReportStep,
) -> Result<Json<AdminReport>> {
    staff(&auth, WRITE)?;
    let report = reports::step(&state, &auth.account, path_id(&id)?, what).await?;
    one(&state, &auth.account, report).await
}

pub async fn assign_to_self(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminReport>> {
    step(s, auth, id, ReportStep::AssignToSelf).await
}
pub async fn unassign(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminReport>> {
    step(s, auth, id, ReportStep::Unassign).await
}
pub async fn resolve(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminReport>> {
    step(s, auth, id, ReportStep::Resolve).await
}
pub async fn reopen(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminReport>> {
    step(s, auth, id, ReportStep::Reopen).await
}
