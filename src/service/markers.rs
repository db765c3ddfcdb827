//! Read positions in the home timeline and notifications, shared across a person's apps.

use crate::app::AppState;
use crate::error::Result;
use crate::model::Account;
use crate::store;

pub use store::markers::Marker;

/// The markers of these timelines (`home`, `notifications`) that exist.
pub async fn get(state: &AppState, account: &Account, timelines: &[String]) -> Result<Vec<Marker>> {
    Ok(store::markers::get(&state.db, account.id, timelines).await?)
}

/// Moves a marker; its version counts the moves.
pub async fn set(
    state: &AppState,
    account: &Account,
    timeline: &str,
    last_read_id: i64,
) -> Result<Marker> {
    Ok(store::markers::set(&state.db, account.id, timeline, last_read_id).await?)
}
