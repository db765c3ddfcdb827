//! Endorsements: the accounts a person features on their profile (Mastodon's account pins).
//! A trigger (migration `tags_and_discovery`) ends an endorsement with the follow it needs.

use sqlx::PgExecutor;

use crate::model::Page;
use crate::store::relationships::Listed;

/// `account` endorses `target` (again: nothing changes).
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: i64,
    account: i64,
    target: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO endorsements (id, account_id, target_account_id) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(account)
    .bind(target)
    .execute(db)
    .await?;
    Ok(())
}

/// `account` no longer endorses `target`.
pub async fn delete(db: impl PgExecutor<'_>, account: i64, target: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM endorsements WHERE account_id = $1 AND target_account_id = $2")
        .bind(account)
        .bind(target)
        .execute(db)
        .await?;
    Ok(())
}

/// A page of the accounts `account` endorses, newest endorsement first, suspended accounts
/// left out (and, for a signed-in `viewer`, accounts the viewer blocks, mutes or is blocked
/// by).
pub async fn page(
    db: impl PgExecutor<'_>,
    account: i64,
    viewer: Option<i64>,
    page: &Page,
) -> Result<Vec<Listed>, sqlx::Error> {
    let sql = format!(
        "SELECT e.id AS cursor, e.target_account_id AS account_id, NULL::timestamptz AS expires_at \
         FROM endorsements e JOIN accounts a ON a.id = e.target_account_id AND a.suspended_at IS NULL \
         WHERE e.account_id = $1 \
         AND ($2::bigint IS NULL OR NOT EXISTS (SELECT 1 FROM blocks b WHERE \
              (b.account_id = $2 AND b.target_account_id = a.id) OR (b.account_id = a.id AND b.target_account_id = $2))) \
         AND ($2::bigint IS NULL OR NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = $2 \
              AND m.target_account_id = a.id AND (m.expires_at IS NULL OR m.expires_at > now()))) \
         AND ($3::bigint IS NULL OR e.id < $3) AND ($4::bigint IS NULL OR e.id > $4) \
         ORDER BY e.id {} LIMIT $5",
        page.order()
    );
    let rows = sqlx::query_as(&sql)
        .bind(account)
        .bind(viewer)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(rows))
}
