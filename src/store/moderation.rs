//! Moderation records: the audit log, account moderation states, domain blocks and allows,
//! and reports.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::model::moderation::{
    AccountQuery, AuditEntry, DomainAllow, DomainBlock, Report, ReportQuery,
};
use crate::model::{Account, Page};

/// One audit-log line to write.
pub struct NewAudit<'a> {
    pub id: i64,
    pub account_id: Option<i64>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<i64>,
    pub human_identifier: &'a str,
    pub text: &'a str,
}

/// Records a moderation action.
pub async fn insert_audit(db: impl PgExecutor<'_>, new: &NewAudit<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO admin_action_logs (id, account_id, action, target_type, target_id, \
         human_identifier, text) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new.id)
    .bind(new.account_id)
    .bind(new.action)
    .bind(new.target_type)
    .bind(new.target_id)
    .bind(new.human_identifier)
    .bind(new.text)
    .execute(db)
    .await?;
    Ok(())
}

/// A page of the audit log, newest first.
pub async fn audit_page(
    db: impl PgExecutor<'_>,
    page: &Page,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows = sqlx::query_as(&format!(
        "SELECT id, account_id, action, target_type, target_id, human_identifier, text, created_at \
         FROM admin_action_logs WHERE ($1::bigint IS NULL OR id < $1) \
         AND ($2::bigint IS NULL OR id > $2) ORDER BY id {} LIMIT $3",
        page.order()
    ))
    .bind(page.max_id)
    .bind(page.lower())
    .bind(page.limit)
    .fetch_all(db)
    .await?;
    Ok(page.finish(rows))
}

/// A moderation mark an account carries from a moment on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountMark {
    Suspended,
    /// Mastodon's "limited".
    Silenced,
    /// Its media is always shown as sensitive.
    Sensitized,
}

impl AccountMark {
    fn column(self) -> &'static str {
        match self {
            AccountMark::Suspended => "suspended_at",
            AccountMark::Silenced => "silenced_at",
            AccountMark::Sensitized => "sensitized_at",
        }
    }
}

/// Sets (`Some(time)`) or clears (`None`) a moderation mark on an account.
pub async fn set_mark(
    db: impl PgExecutor<'_>,
    account_id: i64,
    mark: AccountMark,
    at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE accounts SET {} = $2, updated_at = now() WHERE id = $1",
        mark.column()
    ))
    .bind(account_id)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Disables or enables the sign-in of the user behind a local account.
pub async fn set_disabled(
    db: impl PgExecutor<'_>,
    account_id: i64,
    disabled: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET disabled = $2, updated_at = now() WHERE account_id = $1")
        .bind(account_id)
        .bind(disabled)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes an unapproved sign-up altogether (its user and account).
pub async fn delete_pending(db: impl PgExecutor<'_>, account_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM accounts WHERE id = $1 AND EXISTS \
         (SELECT 1 FROM users u WHERE u.account_id = $1 AND NOT u.approved)",
    )
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A page of accounts for moderators, newest first, with every account state included.
pub async fn accounts_page(
    db: impl PgExecutor<'_>,
    q: &AccountQuery,
    page: &Page,
) -> Result<Vec<Account>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM accounts a LEFT JOIN account_stats s ON s.account_id = a.id \
         LEFT JOIN users u ON u.account_id = a.id \
         WHERE a.actor_type <> 'Application' \
         AND ($1 = FALSE OR a.domain IS NULL) AND ($2 = FALSE OR a.domain IS NOT NULL) \
         AND ($3::text IS NULL OR lower(a.domain) = lower($3)) \
         AND ($4 = FALSE OR (a.suspended_at IS NULL AND (u.id IS NULL OR (u.approved AND NOT u.disabled)))) \
         AND ($5 = FALSE OR (u.id IS NOT NULL AND NOT u.approved)) \
         AND ($6 = FALSE OR u.disabled) \
         AND ($7 = FALSE OR a.silenced_at IS NOT NULL) \
         AND ($8 = FALSE OR a.suspended_at IS NOT NULL) \
         AND ($9 = FALSE OR u.role IN ('moderator', 'admin')) \
         AND ($10::text IS NULL OR lower(a.username) LIKE lower($10) || '%') \
         AND ($11::text IS NULL OR a.display_name ILIKE '%' || $11 || '%') \
         AND ($12::text IS NULL OR lower(u.email) LIKE '%' || lower($12) || '%') \
         AND ($13::bigint IS NULL OR a.id < $13) AND ($14::bigint IS NULL OR a.id > $14) \
         ORDER BY a.id {} LIMIT $15",
        account_columns!(),
        page.order()
    );
    let rows = sqlx::query_as(&sql)
        .bind(q.local)
        .bind(q.remote)
        .bind(&q.by_domain)
        .bind(q.active)
        .bind(q.pending)
        .bind(q.disabled)
        .bind(q.silenced)
        .bind(q.suspended)
        .bind(q.staff)
        .bind(&q.username)
        .bind(&q.display_name)
        .bind(&q.email)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(rows))
}

const BLOCK_COLUMNS: &str = "id, domain, severity, reject_media, reject_reports, private_comment, \
     public_comment, obfuscate, created_at";

/// A domain block to create or the new values of one.
pub struct BlockValues<'a> {
    pub domain: &'a str,
    pub severity: &'a str,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<&'a str>,
    pub public_comment: Option<&'a str>,
    pub obfuscate: bool,
}

/// Creates a domain block. Fails with a unique violation on `domain_blocks_domain_key`.
pub async fn insert_domain_block(
    db: impl PgExecutor<'_>,
    id: i64,
    v: &BlockValues<'_>,
) -> Result<DomainBlock, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO domain_blocks (id, domain, severity, reject_media, reject_reports, \
         private_comment, public_comment, obfuscate) VALUES ($1, lower($2), $3, $4, $5, $6, $7, $8) \
         RETURNING {BLOCK_COLUMNS}"
    ))
    .bind(id)
    .bind(v.domain)
    .bind(v.severity)
    .bind(v.reject_media)
    .bind(v.reject_reports)
    .bind(v.private_comment)
    .bind(v.public_comment)
    .bind(v.obfuscate)
    .fetch_one(db)
    .await
}

/// Changes a domain block (its domain stays).
pub async fn update_domain_block(
    db: impl PgExecutor<'_>,
    id: i64,
    v: &BlockValues<'_>,
) -> Result<Option<DomainBlock>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE domain_blocks SET severity = $2, reject_media = $3, reject_reports = $4, \
         private_comment = $5, public_comment = $6, obfuscate = $7, updated_at = now() \
         WHERE id = $1 RETURNING {BLOCK_COLUMNS}"
    ))
    .bind(id)
    .bind(v.severity)
    .bind(v.reject_media)
    .bind(v.reject_reports)
    .bind(v.private_comment)
    .bind(v.public_comment)
    .bind(v.obfuscate)
    .fetch_optional(db)
    .await
}

pub async fn delete_domain_block(db: impl PgExecutor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM domain_blocks WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn domain_block(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<DomainBlock>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {BLOCK_COLUMNS} FROM domain_blocks WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn domain_block_by_domain(
    db: impl PgExecutor<'_>,
    domain: &str,
) -> Result<Option<DomainBlock>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {BLOCK_COLUMNS} FROM domain_blocks WHERE lower(domain) = lower($1)"
    ))
    .bind(domain)
    .fetch_optional(db)
    .await
}

/// Every domain block, newest first.
pub async fn domain_blocks(db: impl PgExecutor<'_>) -> Result<Vec<DomainBlock>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {BLOCK_COLUMNS} FROM domain_blocks ORDER BY id DESC"
    ))
    .fetch_all(db)
    .await
}

/// The blocks that cover `host` (the host itself, a parent domain, or all its ports).
pub async fn blocks_covering(
    db: impl PgExecutor<'_>,
    host: &str,
) -> Result<Vec<DomainBlock>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {BLOCK_COLUMNS} FROM domain_blocks WHERE rookery_domain_covered($1, domain)"
    ))
    .bind(host)
    .fetch_all(db)
    .await
}

/// Marks the known accounts a block covers that are not so marked already, stamping them
/// with the block's time; returns their ids.
pub async fn limit_domain_accounts(
    db: impl PgExecutor<'_>,
    block: &DomainBlock,
    mark: AccountMark,
) -> Result<Vec<i64>, sqlx::Error> {
    let column = mark.column();
    sqlx::query_scalar(&format!(
        "UPDATE accounts SET {column} = $2, updated_at = now() WHERE domain IS NOT NULL \
         AND {column} IS NULL AND rookery_domain_covered(domain, $1) RETURNING id"
    ))
    .bind(&block.domain)
    .bind(block.created_at)
    .fetch_all(db)
    .await
}

/// Lifts the suspensions and silences a block imposed (those stamped with its time).
pub async fn lift_domain_accounts(
    db: impl PgExecutor<'_>,
    block: &DomainBlock,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET \
         suspended_at = CASE WHEN suspended_at = $2 THEN NULL ELSE suspended_at END, \
         silenced_at = CASE WHEN silenced_at = $2 THEN NULL ELSE silenced_at END, \
         updated_at = now() WHERE domain IS NOT NULL AND rookery_domain_covered(domain, $1)",
    )
    .bind(&block.domain)
    .bind(block.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The follows (follower, followed) between local accounts and accounts among `ids`, either
/// way, and follow requests likewise.
pub async fn follows_involving(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, target_account_id FROM follows \
         WHERE account_id = ANY($1) OR target_account_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

/// Drops follow requests and home-feed entries involving these accounts.
pub async fn purge_traces(db: &mut PgConnection, ids: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM follow_requests WHERE account_id = ANY($1) OR target_account_id = ANY($1)",
    )
    .bind(ids)
    .execute(&mut *db)
    .await?;
    sqlx::query("DELETE FROM home_feed WHERE author_id = ANY($1) OR origin_author_id = ANY($1)")
        .bind(ids)
        .execute(&mut *db)
        .await?;
    Ok(())
}

pub async fn insert_domain_allow(
    db: impl PgExecutor<'_>,
    id: i64,
    domain: &str,
) -> Result<DomainAllow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO domain_allows (id, domain) VALUES ($1, lower($2)) \
         RETURNING id, domain, created_at",
    )
    .bind(id)
    .bind(domain)
    .fetch_one(db)
    .await
}

pub async fn domain_allow(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<DomainAllow>, sqlx::Error> {
    sqlx::query_as("SELECT id, domain, created_at FROM domain_allows WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn domain_allows(db: impl PgExecutor<'_>) -> Result<Vec<DomainAllow>, sqlx::Error> {
    sqlx::query_as("SELECT id, domain, created_at FROM domain_allows ORDER BY id DESC")
        .fetch_all(db)
        .await
}

pub async fn delete_domain_allow(db: impl PgExecutor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM domain_allows WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether an allow covers `host`.
pub async fn is_allowed(db: impl PgExecutor<'_>, host: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM domain_allows WHERE rookery_domain_covered($1, domain))",
    )
    .bind(host)
    .fetch_one(db)
    .await
}

const REPORT_COLUMNS: &str = "id, account_id, target_account_id, status_ids, rule_ids, comment, \
     category, forwarded, uri, assigned_account_id, action_taken_at, action_taken_by_account_id, \
     created_at, updated_at";

/// A report to file.
pub struct NewReport<'a> {
    pub id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub status_ids: &'a [i64],
    pub rule_ids: &'a [i64],
    pub comment: &'a str,
    pub category: &'a str,
    pub forwarded: bool,
    pub uri: Option<&'a str>,
}

pub async fn insert_report(
    db: impl PgExecutor<'_>,
    r: &NewReport<'_>,
) -> Result<Report, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO reports (id, account_id, target_account_id, status_ids, rule_ids, comment, \
         category, forwarded, uri) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING {REPORT_COLUMNS}"
    ))
    .bind(r.id)
    .bind(r.account_id)
    .bind(r.target_account_id)
    .bind(r.status_ids)
    .bind(r.rule_ids)
    .bind(r.comment)
    .bind(r.category)
    .bind(r.forwarded)
    .bind(r.uri)
    .fetch_one(db)
    .await
}

pub async fn report(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Report>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The reports among `ids`.
pub async fn reports_by_ids(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> Result<Vec<Report>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE id = ANY($1)"
    ))
    .bind(ids)
    .fetch_all(db)
    .await
}

/// Whether a report with this Flag id exists (inbound Flags are taken once).
pub async fn report_uri_exists(db: impl PgExecutor<'_>, uri: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM reports WHERE uri = $1)")
        .bind(uri)
        .fetch_one(db)
        .await
}

pub async fn reports_page(
    db: impl PgExecutor<'_>,
    q: &ReportQuery,
    page: &Page,
) -> Result<Vec<Report>, sqlx::Error> {
    let rows = sqlx::query_as(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE (action_taken_at IS NOT NULL) = $1 \
         AND ($2::bigint IS NULL OR account_id = $2) AND ($3::bigint IS NULL OR target_account_id = $3) \
         AND ($4::bigint IS NULL OR id < $4) AND ($5::bigint IS NULL OR id > $5) \
         ORDER BY id {} LIMIT $6",
        page.order()
    ))
    .bind(q.resolved)
    .bind(q.account_id)
    .bind(q.target_account_id)
    .bind(page.max_id)
    .bind(page.lower())
    .bind(page.limit)
    .fetch_all(db)
    .await?;
    Ok(page.finish(rows))
}

pub async fn set_report_assignee(
    db: impl PgExecutor<'_>,
    id: i64,
    assignee: Option<i64>,
) -> Result<Option<Report>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE reports SET assigned_account_id = $2, updated_at = now() WHERE id = $1 \
         RETURNING {REPORT_COLUMNS}"
    ))
    .bind(id)
    .bind(assignee)
    .fetch_optional(db)
    .await
}

/// Marks a report resolved by `by`, or (with `None`) open again.
pub async fn set_report_resolved(
    db: impl PgExecutor<'_>,
    id: i64,
    by: Option<i64>,
) -> Result<Option<Report>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE reports SET action_taken_at = CASE WHEN $2::bigint IS NULL THEN NULL ELSE now() END, \
         action_taken_by_account_id = $2, updated_at = now() WHERE id = $1 \
         RETURNING {REPORT_COLUMNS}"
    ))
    .bind(id)
    .bind(by)
    .fetch_optional(db)
    .await
}

/// The ids of the known accounts a block's domain covers.
pub async fn accounts_of_domain(
    db: impl PgExecutor<'_>,
    domain: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM accounts WHERE domain IS NOT NULL AND rookery_domain_covered(domain, $1)",
    )
    .bind(domain)
    .fetch_all(db)
    .await
}

/// Which of `hosts` a suspending block covers, in one query.
pub async fn suspended_hosts(
    db: impl PgExecutor<'_>,
    hosts: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT h FROM unnest($1::text[]) h WHERE EXISTS (SELECT 1 FROM domain_blocks b \
         WHERE b.severity = 'suspend' AND rookery_domain_covered(h, b.domain))",
    )
    .bind(hosts)
    .fetch_all(db)
    .await
}

/// The other reports against `target_account_id` (resolved or not), newest first.
pub async fn reports_against(
    db: impl PgExecutor<'_>,
    target_account_id: i64,
    except: i64,
    limit: i64,
) -> Result<Vec<Report>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE target_account_id = $1 AND id <> $2 \
         ORDER BY id DESC LIMIT $3"
    ))
    .bind(target_account_id)
    .bind(except)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The audit log's lines about one target (`Account` 42), newest first.
pub async fn audit_of(
    db: impl PgExecutor<'_>,
    target_type: &str,
    target_id: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, account_id, action, target_type, target_id, human_identifier, text, created_at \
         FROM admin_action_logs WHERE target_type = $1 AND target_id = $2 \
         ORDER BY id DESC LIMIT $3",
    )
    .bind(target_type)
    .bind(target_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
