//! The instance's own texts and terms of service, the peers it knows, and its weekly
//! activity.

use chrono::NaiveDate;
use sqlx::PgExecutor;

use crate::model::instance::{InstanceText, Terms, Week};

pub async fn text(
    db: impl PgExecutor<'_>,
    name: &str,
) -> Result<Option<InstanceText>, sqlx::Error> {
    sqlx::query_as("SELECT text, content, updated_at FROM instance_texts WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await
}

/// Sets a text; an empty one removes it.
pub async fn set_text(
    db: impl PgExecutor<'_>,
    name: &str,
    text: &str,
    content: &str,
) -> Result<(), sqlx::Error> {
    if text.trim().is_empty() {
        sqlx::query("DELETE FROM instance_texts WHERE name = $1")
            .bind(name)
            .execute(db)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO instance_texts (name, text, content) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET text = EXCLUDED.text, content = EXCLUDED.content, \
         updated_at = now()",
    )
    .bind(name)
    .bind(text)
    .bind(content)
    .execute(db)
    .await?;
    Ok(())
}

/// The versions of the terms of service, oldest first.
pub async fn terms(db: impl PgExecutor<'_>) -> Result<Vec<Terms>, sqlx::Error> {
    sqlx::query_as("SELECT effective_date, content FROM terms_of_service ORDER BY effective_date")
        .fetch_all(db)
        .await
}

/// Sets the terms in effect from `date` (replacing a version of that date).
pub async fn set_terms(
    db: impl PgExecutor<'_>,
    date: NaiveDate,
    text: &str,
    content: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO terms_of_service (effective_date, text, content) VALUES ($1, $2, $3) \
         ON CONFLICT (effective_date) DO UPDATE SET text = EXCLUDED.text, content = EXCLUDED.content",
    )
    .bind(date)
    .bind(text)
    .bind(content)
    .execute(db)
    .await?;
    Ok(())
}

/// The domains this instance knows accounts of, except those it suspended, sorted.
pub async fn peers(db: impl PgExecutor<'_>) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT a.domain FROM accounts a WHERE a.domain IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM domain_blocks b WHERE b.severity = 'suspend' \
                         AND rookery_domain_covered(a.domain, b.domain)) \
         ORDER BY a.domain",
    )
    .fetch_all(db)
    .await
}

/// The last `weeks` weeks (this one first): local statuses posted (boosts aside), users who
/// signed in, users who signed up.
pub async fn activity(db: impl PgExecutor<'_>, weeks: i32) -> Result<Vec<Week>, sqlx::Error> {
    sqlx::query_as(
        "SELECT w.start AS week, \
           (SELECT count(*) FROM statuses s WHERE s.local AND s.reblog_of_id IS NULL \
            AND s.created_at >= w.start AND s.created_at < w.start + interval '1 week') AS statuses, \
           (SELECT count(*) FROM login_activity l WHERE l.week = (w.start AT TIME ZONE 'UTC')::date) AS logins, \
           (SELECT count(*) FROM users u WHERE u.created_at >= w.start \
            AND u.created_at < w.start + interval '1 week') AS registrations \
         FROM generate_series(0, $1 - 1) AS g(n), \
         LATERAL (SELECT (date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') \
                         - g.n * interval '1 week' AS start) w \
         ORDER BY w.start DESC",
    )
    .bind(weeks)
    .fetch_all(db)
    .await
}

/// The instance settings stored over the configuration, as `(name, value)`.
pub async fn settings(db: impl PgExecutor<'_>) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT name, value FROM instance_settings")
        .fetch_all(db)
        .await
}

/// Stores one instance setting over the configuration.
pub async fn set_setting(
    db: impl PgExecutor<'_>,
    name: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO instance_settings (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
    )
    .bind(name)
    .bind(value)
    .execute(db)
    .await?;
    Ok(())
}
