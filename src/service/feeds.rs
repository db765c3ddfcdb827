//! Home feeds: what enters and leaves them when relationships change. (Fan-out of new statuses
//! lives with the statuses.)

use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::Result;
use crate::store;

/// `owner` started following `target`: their recent posts join `owner`'s home feed.
pub async fn follow_started(
    db: &mut PgConnection,
    owner: i64,
    target: i64,
    show_reblogs: bool,
) -> Result<()> {
    store::feeds::merge_author(&mut *db, owner, target, show_reblogs).await?;
    Ok(())
}

/// `owner` no longer wants to see `target` (unfollow, block, mute): their posts and boosts,
/// and boosts of their posts, leave `owner`'s home feed and the feeds of `owner`'s lists.
pub async fn stop_seeing(db: &mut PgConnection, owner: i64, target: i64) -> Result<()> {
    store::feeds::unmerge_author(&mut *db, owner, target).await?;
    store::lists::unmerge_author(&mut *db, owner, target).await?;
    Ok(())
}

/// `owner` follows `target` with `reblogs: false` now: `target`'s boosts leave the feed.
pub async fn hide_reblogs_of(db: &mut PgConnection, owner: i64, target: i64) -> Result<()> {
    store::feeds::remove_reblogs_by(&mut *db, owner, target).await?;
    Ok(())
}

/// Trims every home feed to its newest entries (fan-out only adds to them); the hourly
/// housekeeping calls it. Returns how many entries went.
pub async fn trim_all(state: &AppState) -> Result<u64> {
    Ok(store::feeds::trim_all(&state.db).await?)
}
