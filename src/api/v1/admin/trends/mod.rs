//! `/api/v1/admin/trends/…`: moderators review what trends (Mastodon's "Manage Taxonomies"):
//! `tags.rs` and `statuses.rs` list every candidate, reviewed or not, and approve or reject
//! one.

pub mod links;
pub mod statuses;
pub mod tags;

use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(tags::routes())
        .merge(statuses::routes())
        .merge(links::routes())
}

pub(crate) const READ: &str = "admin:read";
pub(crate) const WRITE: &str = "admin:write";
