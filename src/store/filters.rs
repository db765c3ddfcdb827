//! Keyword filters (v2) and their keywords, and the domains users hide for themselves.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::model::moderation::{Filter, FilterKeyword, FilterStatus, UserDomainBlock};
use crate::model::Page;

const FILTER_COLUMNS: &str = "id, account_id, title, context, filter_action, expires_at";

/// An owner's filters with their keywords (two queries); `active_only` leaves out expired ones.
pub async fn of_account(
    db: &mut PgConnection,
    account_id: i64,
    active_only: bool,
) -> Result<Vec<Filter>, sqlx::Error> {
    let mut filters: Vec<Filter> = sqlx::query_as(&format!(
        "SELECT {FILTER_COLUMNS} FROM filters WHERE account_id = $1 \
         AND ($2 = FALSE OR expires_at IS NULL OR expires_at > now()) ORDER BY id"
    ))
    .bind(account_id)
    .bind(active_only)
    .fetch_all(&mut *db)
    .await?;
    if filters.is_empty() {
        return Ok(filters);
    }
    let ids: Vec<i64> = filters.iter().map(|f| f.id).collect();
    let keywords: Vec<FilterKeyword> = sqlx::query_as(
        "SELECT id, filter_id, keyword, whole_word FROM filter_keywords WHERE filter_id = ANY($1) ORDER BY id",
    )
    .bind(&ids)
    .fetch_all(&mut *db)
    .await?;
    let statuses: Vec<FilterStatus> = sqlx::query_as(
        "SELECT id, filter_id, status_id FROM filter_statuses WHERE filter_id = ANY($1) ORDER BY id",
    )
    .bind(&ids)
    .fetch_all(&mut *db)
    .await?;
    for f in &mut filters {
        f.keywords = keywords
            .iter()
            .filter(|k| k.filter_id == f.id)
            .cloned()
            .collect();
        f.statuses = statuses
            .iter()
            .filter(|s| s.filter_id == f.id)
            .cloned()
            .collect();
    }
    Ok(filters)
}

/// Adds `status_id` to filter `filter_id`; `false` when it is there already.
pub async fn insert_status(
    db: impl PgExecutor<'_>,
    id: i64,
    filter_id: i64,
    status_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO filter_statuses (id, filter_id, status_id) VALUES ($1, $2, $3) \
         ON CONFLICT (filter_id, status_id) DO NOTHING",
    )
    .bind(id)
    .bind(filter_id)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A filter status and the owner of its filter.
pub async fn filter_status(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<(FilterStatus, i64)>, sqlx::Error> {
    let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT s.id, s.filter_id, s.status_id, f.account_id FROM filter_statuses s \
         JOIN filters f ON f.id = s.filter_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, filter_id, status_id, owner)| {
        (
            FilterStatus {
                id,
                filter_id,
                status_id,
            },
            owner,
        )
    }))
}

pub async fn delete_status(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM filter_statuses WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The values of a filter to write.
pub struct FilterValues<'a> {
    pub title: &'a str,
    pub context: &'a [String],
    pub filter_action: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    id: i64,
    account_id: i64,
    v: &FilterValues<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO filters (id, account_id, title, context, filter_action, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(account_id)
    .bind(v.title)
    .bind(v.context)
    .bind(v.filter_action)
    .bind(v.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update(
    db: impl PgExecutor<'_>,
    id: i64,
    v: &FilterValues<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE filters SET title = $2, context = $3, filter_action = $4, expires_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(v.title)
    .bind(v.context)
    .bind(v.filter_action)
    .bind(v.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM filters WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn insert_keyword(
    db: impl PgExecutor<'_>,
    id: i64,
    filter_id: i64,
    keyword: &str,
    whole_word: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(filter_id)
    .bind(keyword)
    .bind(whole_word)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_keyword(
    db: impl PgExecutor<'_>,
    id: i64,
    keyword: &str,
    whole_word: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE filter_keywords SET keyword = $2, whole_word = $3 WHERE id = $1")
        .bind(id)
        .bind(keyword)
        .bind(whole_word)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_keyword(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM filter_keywords WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// A keyword and the owner of its filter.
pub async fn keyword(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<(FilterKeyword, i64)>, sqlx::Error> {
    let row: Option<(i64, i64, String, bool, i64)> = sqlx::query_as(
        "SELECT k.id, k.filter_id, k.keyword, k.whole_word, f.account_id FROM filter_keywords k \
         JOIN filters f ON f.id = k.filter_id WHERE k.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, filter_id, keyword, whole_word, owner)| {
        (
            FilterKeyword {
                id,
                filter_id,
                keyword,
                whole_word,
            },
            owner,
        )
    }))
}

/// Hides `domain` for `account_id`; `false` when it was hidden already.
pub async fn insert_domain_block(
    db: impl PgExecutor<'_>,
    id: i64,
    account_id: i64,
    domain: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO user_domain_blocks (id, account_id, domain) VALUES ($1, $2, lower($3)) \
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(domain)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn delete_domain_block(
    db: impl PgExecutor<'_>,
    account_id: i64,
    domain: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM user_domain_blocks WHERE account_id = $1 AND domain = lower($2)")
        .bind(account_id)
        .bind(domain)
        .execute(db)
        .await?;
    Ok(())
}

/// A page of the domains an account hides, newest first.
pub async fn domain_blocks_page(
    db: impl PgExecutor<'_>,
    account_id: i64,
    page: &Page,
) -> Result<Vec<UserDomainBlock>, sqlx::Error> {
    let rows = sqlx::query_as(&format!(
        "SELECT id, domain FROM user_domain_blocks WHERE account_id = $1 \
         AND ($2::bigint IS NULL OR id < $2) AND ($3::bigint IS NULL OR id > $3) \
         ORDER BY id {} LIMIT $4",
        page.order()
    ))
    .bind(account_id)
    .bind(page.max_id)
    .bind(page.lower())
    .bind(page.limit)
    .fetch_all(db)
    .await?;
    Ok(page.finish(rows))
}

/// The remote accounts of `domain` (and its subdomains) that follow `account_id`.
pub async fn followers_from_domain(
    db: impl PgExecutor<'_>,
    account_id: i64,
    domain: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 AND a.domain IS NOT NULL \
         AND rookery_domain_covered(a.domain, $2)",
    )
    .bind(account_id)
    .bind(domain)
    .fetch_all(db)
    .await
}
