//! Read positions in the home timeline and notifications, shared across a person's apps.

use crate::app::AppState;
use crate::error::Result;
use crate::model::Account;
use crate::store;

pub use store::markers::Marker;

/// The timelines that keep a read marker.
pub const TIMELINES: [&str; 2] = ["home", "notifications"];

/// The markers of these timelines that exist; names other than [`TIMELINES`] are ignored.
pub async fn get(state: &AppState, account: &Account, timelines: &[String]) -> Result<Vec<Marker>> {
    let wanted: Vec<String> = timelines
        .iter()
        .filter(|t| TIMELINES.contains(&t.as_str()))
        .cloned()
        .collect();
    Ok(store::markers::get(&state.db, account.id, &wanted).await?)
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
