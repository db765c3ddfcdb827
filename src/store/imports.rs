//! CSV imports and their rows (`imports`, `import_rows`), and the handles of what an account
//! has now that an overwrite compares with the file.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};

use crate::model::import::{Import, ImportFailure, ImportKind, ImportMode};

/// One row to store with a new import: `data` is `None` (and `error` set) for a row that
/// could not be read.
pub struct NewRow {
    pub line: i32,
    pub raw: String,
    pub data: Option<Value>,
    pub error: Option<String>,
}

/// Stores an import and its rows (rows that could not be read are stored failed).
pub async fn insert(
    db: &mut PgConnection,
    id: i64,
    account_id: i64,
    kind: ImportKind,
    mode: ImportMode,
    rows: &[NewRow],
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO imports (id, account_id, kind, mode) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(account_id)
        .bind(kind.as_str())
        .bind(mode.as_str())
        .execute(&mut *db)
        .await?;
    insert_rows(db, id, rows).await
}

/// Adds rows to an import (an archive's posts are added in batches as its outbox is read).
pub async fn insert_rows(
    db: &mut PgConnection,
    id: i64,
    rows: &[NewRow],
) -> Result<(), sqlx::Error> {
    let lines: Vec<i32> = rows.iter().map(|r| r.line).collect();
    let raws: Vec<&str> = rows.iter().map(|r| r.raw.as_str()).collect();
    let data: Vec<Option<Value>> = rows.iter().map(|r| r.data.clone()).collect();
    let errors: Vec<Option<&str>> = rows.iter().map(|r| r.error.as_deref()).collect();
    sqlx::query(
        "INSERT INTO import_rows (import_id, line, raw, data, state, error) \
         SELECT $1, r.line, r.raw, r.data, \
                CASE WHEN r.data IS NULL THEN 'failed' ELSE 'pending' END, r.error \
         FROM UNNEST($2::INT[], $3::TEXT[], $4::JSONB[], $5::TEXT[]) AS r(line, raw, data, error)",
    )
    .bind(id)
    .bind(&lines)
    .bind(&raws)
    .bind(&data)
    .bind(&errors)
    .execute(&mut *db)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ImportRecord {
    id: i64,
    account_id: i64,
    kind: String,
    mode: String,
    overwritten: bool,
    total_rows: i64,
    imported_rows: i64,
    failed_rows: i64,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

impl ImportRecord {
    fn into_model(self) -> Import {
        Import {
            id: self.id,
            account_id: self.account_id,
            kind: ImportKind::parse(&self.kind).unwrap_or(ImportKind::Following),
            mode: ImportMode::parse(&self.mode).unwrap_or(ImportMode::Merge),
            overwritten: self.overwritten,
            total_rows: self.total_rows,
            imported_rows: self.imported_rows,
            failed_rows: self.failed_rows,
            created_at: self.created_at,
            finished_at: self.finished_at,
            failures: Vec::new(),
        }
    }
}

const SELECT_IMPORTS: &str = "SELECT i.id, i.account_id, i.kind, i.mode, i.overwritten, \
     i.created_at, i.finished_at, \
     (SELECT count(*) FROM import_rows r WHERE r.import_id = i.id) AS total_rows, \
     (SELECT count(*) FROM import_rows r WHERE r.import_id = i.id AND r.state = 'done') \
      AS imported_rows, \
     (SELECT count(*) FROM import_rows r WHERE r.import_id = i.id AND r.state = 'failed') \
      AS failed_rows \
     FROM imports i ";

/// One import with its counts and failures.
pub async fn by_id(db: &mut PgConnection, id: i64) -> Result<Option<Import>, sqlx::Error> {
    let record: Option<ImportRecord> = sqlx::query_as(&format!("{SELECT_IMPORTS} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(&mut *db)
        .await?;
    let Some(mut import) = record.map(ImportRecord::into_model) else {
        return Ok(None);
    };
    let failures: Vec<(i32, String, Option<String>)> = sqlx::query_as(
        "SELECT line, raw, error FROM import_rows WHERE import_id = $1 AND state = 'failed' \
         ORDER BY line",
    )
    .bind(id)
    .fetch_all(&mut *db)
    .await?;
    import.failures = failures
        .into_iter()
        .map(|(line, row, error)| ImportFailure {
            line,
            row,
            error: error.unwrap_or_default(),
        })
        .collect();
    Ok(Some(import))
}

/// A page of `account_id`'s imports, newest first (without their failures).
pub async fn of_account(
    db: impl PgExecutor<'_>,
    account_id: i64,
    max_id: Option<i64>,
    since_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Import>, sqlx::Error> {
    let records: Vec<ImportRecord> = sqlx::query_as(&format!(
        "{SELECT_IMPORTS} WHERE i.account_id = $1 AND ($2::BIGINT IS NULL OR i.id < $2) \
         AND ($3::BIGINT IS NULL OR i.id > $3) ORDER BY i.id DESC LIMIT $4"
    ))
    .bind(account_id)
    .bind(max_id)
    .bind(since_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(records.into_iter().map(ImportRecord::into_model).collect())
}

/// A row waiting to be worked on.
#[derive(Debug, sqlx::FromRow)]
pub struct DueRow {
    pub line: i32,
    pub data: Value,
    pub attempts: i32,
}

/// Up to `limit` pending rows of an import whose time has come, in file order.
pub async fn due_rows(
    db: impl PgExecutor<'_>,
    import_id: i64,
    limit: i64,
) -> Result<Vec<DueRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT line, data, attempts FROM import_rows \
         WHERE import_id = $1 AND state = 'pending' AND data IS NOT NULL \
         AND next_attempt_at <= now() ORDER BY line LIMIT $2",
    )
    .bind(import_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Every row of an import that could be read (for an overwrite's comparison).
pub async fn all_rows(db: impl PgExecutor<'_>, import_id: i64) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT data FROM import_rows WHERE import_id = $1 AND data IS NOT NULL ORDER BY line",
    )
    .bind(import_id)
    .fetch_all(db)
    .await
}

/// A row's end: `done`, or `failed` with why.
pub async fn finish_row(
    db: impl PgExecutor<'_>,
    import_id: i64,
    line: i32,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE import_rows SET state = CASE WHEN $3::TEXT IS NULL THEN 'done' ELSE 'failed' END, \
         error = $3, attempts = attempts + 1 WHERE import_id = $1 AND line = $2",
    )
    .bind(import_id)
    .bind(line)
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

/// A row to try again at `at`, with why it did not work this time.
pub async fn postpone_row(
    db: impl PgExecutor<'_>,
    import_id: i64,
    line: i32,
    error: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE import_rows SET attempts = attempts + 1, error = $3, next_attempt_at = $4 \
         WHERE import_id = $1 AND line = $2",
    )
    .bind(import_id)
    .bind(line)
    .bind(error)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// When the next pending row of an import is due; `None` when no row is pending.
pub async fn next_due(
    db: impl PgExecutor<'_>,
    import_id: i64,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT min(next_attempt_at) FROM import_rows WHERE import_id = $1 AND state = 'pending'",
    )
    .bind(import_id)
    .fetch_one(db)
    .await
}

/// Records that an overwrite has removed what the file does not list.
pub async fn set_overwritten(db: impl PgExecutor<'_>, import_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE imports SET overwritten = TRUE WHERE id = $1")
        .bind(import_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Records that every row of an import is worked through.
pub async fn set_finished(db: impl PgExecutor<'_>, import_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE imports SET finished_at = now() WHERE id = $1 AND finished_at IS NULL")
        .bind(import_id)
        .execute(db)
        .await?;
    Ok(())
}

/// An account something refers to: its id, and its address in lower case (`user@domain`,
/// with `local_domain` for local accounts).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Held {
    pub id: i64,
    pub key: String,
}

/// What `account_id` has now of `kind`, keyed as an import file names it: accounts (follows
/// and pending requests, blocks, mutes) by address, domain blocks by domain (id 0), bookmarks
/// by status URI (id: the status).
pub async fn held(
    db: impl PgExecutor<'_>,
    account_id: i64,
    kind: ImportKind,
    local_domain: &str,
) -> Result<Vec<Held>, sqlx::Error> {
    let sql = match kind {
        ImportKind::Following => {
            "SELECT a.id, lower(a.username || '@' || COALESCE(a.domain, $2)) AS key FROM accounts a \
             WHERE a.id IN (SELECT target_account_id FROM follows WHERE account_id = $1 \
                            UNION SELECT target_account_id FROM follow_requests WHERE account_id = $1)"
        }
        ImportKind::Blocks => {
            "SELECT a.id, lower(a.username || '@' || COALESCE(a.domain, $2)) AS key FROM blocks b \
             JOIN accounts a ON a.id = b.target_account_id WHERE b.account_id = $1"
        }
        ImportKind::Mutes => {
            "SELECT a.id, lower(a.username || '@' || COALESCE(a.domain, $2)) AS key FROM mutes m \
             JOIN accounts a ON a.id = m.target_account_id WHERE m.account_id = $1"
        }
        ImportKind::DomainBlocks => {
            "SELECT 0::BIGINT AS id, lower(domain) AS key FROM user_domain_blocks \
             WHERE account_id = $1 AND $2::TEXT IS NOT NULL"
        }
        ImportKind::Bookmarks => {
            "SELECT s.id, s.uri AS key FROM bookmarks b JOIN statuses s ON s.id = b.status_id \
             WHERE b.account_id = $1 AND $2::TEXT IS NOT NULL"
        }
        ImportKind::Lists => {
            "SELECT l.id, l.title AS key FROM lists l WHERE l.account_id = $1 AND $2::TEXT IS NOT NULL"
        }
        // Posts are imported in merge mode only: nothing is held to compare.
        ImportKind::Posts => {
            "SELECT 0::BIGINT AS id, ''::TEXT AS key WHERE $1::BIGINT IS NULL AND $2::TEXT IS NULL"
        }
    };
    sqlx::query_as(sql)
        .bind(account_id)
        .bind(local_domain)
        .fetch_all(db)
        .await
}

/// The members of list `list_id`, keyed by lower-case address.
pub async fn list_members(
    db: impl PgExecutor<'_>,
    list_id: i64,
    local_domain: &str,
) -> Result<Vec<Held>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, lower(a.username || '@' || COALESCE(a.domain, $2)) AS key \
         FROM list_accounts la JOIN accounts a ON a.id = la.account_id WHERE la.list_id = $1",
    )
    .bind(list_id)
    .bind(local_domain)
    .fetch_all(db)
    .await
}
