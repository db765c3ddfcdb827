//! Facts about this instance that clients and peers ask for.

use crate::app::AppState;
use crate::error::Result;
use crate::model::Account;

/// The Mastodon API level Rookery implements, then its own name: clients parse the part
/// before the first space to choose endpoints, and NodeInfo reports it to crawlers.
pub const MASTODON_API_VERSION: &str = "4.5.0";

/// Where Rookery's source lives (instance entity, NodeInfo 2.1).
pub const SOURCE_URL: &str = "https://github.com/rookery-social/rookery";

/// Counts for `/api/v1/instance` and NodeInfo.
pub struct InstanceStats {
    pub user_count: i64,
    pub status_count: i64,
    pub domain_count: i64,
}

pub async fn stats(state: &AppState) -> Result<InstanceStats> {
    let user_count = crate::store::accounts::count_local_active(&state.db).await?;
    let domain_count = crate::store::accounts::count_known_domains(&state.db).await?;
    let status_count = crate::store::statuses::count_local(&state.db).await?;
    Ok(InstanceStats {
        user_count,
        status_count,
        domain_count,
    })
}

/// Local users active in the last 30 days.
pub async fn active_month(state: &AppState) -> Result<i64> {
    Ok(crate::store::accounts::count_active_month(&state.db).await?)
}

/// The account people should contact: the first administrator.
pub async fn contact_account(state: &AppState) -> Result<Option<Account>> {
    Ok(crate::store::accounts::first_admin(&state.db).await?)
}

/// Whether this process can serve: its database answers.
pub async fn ready(state: &AppState) -> Result<()> {
    Ok(crate::store::ping(&state.db).await?)
}

/// The usage figures NodeInfo publishes. They come from the same counts as
/// `/api/v1/instance` and `/api/v2/instance`, so the three never disagree.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    /// Local accounts that can sign in: approved, not suspended.
    pub users_total: i64,
    /// Of those, signed in or signed up within 30 days.
    pub active_month: i64,
    /// Of those, signed in or signed up within 180 days.
    pub active_halfyear: i64,
    /// Local statuses, boosts excluded.
    pub local_posts: i64,
}

/// Counts users, active users and local posts, concurrently.
pub async fn usage(state: &AppState) -> Result<Usage> {
    let db = &state.db;
    let (users_total, active_month, active_halfyear, local_posts) = tokio::try_join!(
        crate::store::accounts::count_local_active(db),
        crate::store::accounts::count_active_month(db),
        crate::store::accounts::count_active_halfyear(db),
        crate::store::statuses::count_local(db),
    )?;
    Ok(Usage {
        users_total,
        active_month,
        active_halfyear,
        local_posts,
    })
}
