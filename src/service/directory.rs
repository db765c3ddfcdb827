//! The profile directory: discoverable people, most recently active or newest first.

use std::collections::HashMap;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::Account;
use crate::store;
use crate::store::discovery::DirectoryQuery;

/// What a client asks of the directory.
pub struct DirectoryInput {
    pub local_only: bool,
    /// `active` (the default) or `new`.
    pub order: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// A page of the directory as `viewer` (if anyone is signed in) may see it: 40 accounts by
/// default, 80 at most; an unknown `order` is refused.
pub async fn page(
    state: &AppState,
    viewer: Option<&Account>,
    input: DirectoryInput,
) -> Result<Vec<Account>> {
    let newest = match input.order.as_deref().map(str::trim) {
        None | Some("") | Some("active") => false,
        Some("new") => true,
        Some(other) => {
            return Err(Error::invalid(
                "order",
                "ERR_INCLUSION",
                format!("is not one of active, new: {other:?}"),
            ))
        }
    };
    let query = DirectoryQuery {
        viewer: viewer.map(|v| v.id),
        local_only: input.local_only,
        newest,
        offset: input.offset.unwrap_or(0).max(0),
        limit: input.limit.unwrap_or(40).clamp(1, 80),
    };
    let ids = store::discovery::directory(&state.db, &query).await?;
    let mut found: HashMap<i64, Account> = store::accounts::by_ids(&state.db, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}
