//! `GET /api/v1/admin/action_logs`: the audit log, newest first.

use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::Router;

use super::staff;
use crate::api::auth::Auth;
use crate::api::entities::moderation::AuditEntry;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::moderation;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/admin/action_logs", get(index))
}

pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<AuditEntry>> {
    staff(&auth, "admin:read")?;
    let entries = moderation::audit_log(&state, &q.page(ACCOUNT_LIMITS)).await?;
    let mut ids: Vec<i64> = entries.iter().filter_map(|e| e.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let actors = crate::service::accounts::by_ids(&state, &ids).await?;
    let base = state.base_url();
    let items = entries
        .iter()
        .map(|e| {
            let actor = e
                .account_id
                .and_then(|id| actors.iter().find(|a| a.id == id));
            AuditEntry::render(e, actor, &base)
        })
        .collect();
    let cursors = entries
        .first()
        .zip(entries.last())
        .map(|(a, b)| (a.id, b.id));
    Ok(Paginated::new(items, cursors, &base, &uri))
}
