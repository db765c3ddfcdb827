//! The instance's rules.

use sqlx::PgExecutor;

use crate::model::moderation::Rule;

/// Every rule, in display order.
pub async fn all(db: impl PgExecutor<'_>) -> Result<Vec<Rule>, sqlx::Error> {
    sqlx::query_as("SELECT id, text, hint, priority FROM rules ORDER BY priority, id")
        .fetch_all(db)
        .await
}

/// Which of `ids` are rules.
pub async fn existing(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM rules WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(db)
        .await
}

pub async fn by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<Rule>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, text, hint, priority FROM rules WHERE id = ANY($1) ORDER BY priority, id",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

pub async fn insert(db: impl PgExecutor<'_>, rule: &Rule) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO rules (id, text, hint, priority) VALUES ($1, $2, $3, $4)")
        .bind(rule.id)
        .bind(&rule.text)
        .bind(&rule.hint)
        .bind(rule.priority)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update(db: impl PgExecutor<'_>, rule: &Rule) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE rules SET text = $2, hint = $3, priority = $4, updated_at = now() WHERE id = $1",
    )
    .bind(rule.id)
    .bind(&rule.text)
    .bind(&rule.hint)
    .bind(rule.priority)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM rules WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}
