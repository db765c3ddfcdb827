//! Follows, follow requests, blocks and mutes: the rows, the follow counters they move, the
//! one-query Relationship of a viewer to many accounts, and the paged account lists (paged by
//! the relationship row's id, not the account's).
//!
//! Counters (`account_stats.following_count`, `followers_count`) change only here, in the
//! statement after a follow row was really inserted or deleted, so callers that run both in
//! one transaction keep them exact. Expired mutes count as no mute in every query.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::model::relationship::{Follow, Relationship};
use crate::model::Page;

/// A follow or follow request to record.
pub struct NewFollow<'a> {
    pub id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub show_reblogs: bool,
    pub notify: bool,
    pub languages: Option<&'a [String]>,
    pub uri: Option<&'a str>,
}

/// One entry of a paged account list: the paging id of the relationship row, the account,
/// and (mute lists) when the mute ends.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Listed {
    pub cursor: i64,
    pub account_id: i64,
    pub expires_at: Option<DateTime<Utc>>,
}

const FOLLOW_COLUMNS: &str =
    "id, account_id, target_account_id, show_reblogs, notify, languages, uri, created_at";

/// Moves `follower`'s following count and `target`'s followers count by `delta`. The two
/// counter rows are locked in id order, so concurrent follows in opposite directions cannot
/// deadlock; missing counter rows (remote accounts) are created.
async fn adjust_follow_counts(
    db: &mut PgConnection,
    follower: i64,
    target: i64,
    delta: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO account_stats AS s (account_id, following_count, followers_count) \
         SELECT v.id, GREATEST(v.following, 0), GREATEST(v.followers, 0) \
         FROM (VALUES ($1::bigint, $3::bigint, 0::bigint), ($2::bigint, 0::bigint, $3::bigint)) \
              AS v (id, following, followers) \
         ORDER BY v.id \
         ON CONFLICT (account_id) DO UPDATE SET \
         following_count = GREATEST(s.following_count + CASE WHEN s.account_id = $1 THEN $3 ELSE 0 END, 0), \
         followers_count = GREATEST(s.followers_count + CASE WHEN s.account_id = $2 THEN $3 ELSE 0 END, 0)",
    )
    .bind(follower)
    .bind(target)
    .bind(delta)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// `account`'s follow of `target`, locked for update until the transaction ends.
pub async fn find_follow(
    db: impl PgExecutor<'_>,
    account: i64,
    target: i64,
) -> Result<Option<Follow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {FOLLOW_COLUMNS} FROM follows WHERE account_id = $1 AND target_account_id = $2 \
         FOR UPDATE"
    ))
    .bind(account)
    .bind(target)
    .fetch_optional(db)
    .await
}

/// `account`'s pending request to follow `target`, locked for update until the transaction ends.
pub async fn find_request(
    db: impl PgExecutor<'_>,
    account: i64,
    target: i64,
) -> Result<Option<Follow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {FOLLOW_COLUMNS} FROM follow_requests \
         WHERE account_id = $1 AND target_account_id = $2 FOR UPDATE"
    ))
    .bind(account)
    .bind(target)
    .fetch_optional(db)
    .await
}

/// Records a follow and counts it; `false` (and nothing counted) when it already existed.
/// Never records a follow of oneself.
pub async fn insert_follow(
    db: &mut PgConnection,
    new: &NewFollow<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, languages, uri) \
         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE $2 <> $3 ON CONFLICT DO NOTHING",
    )
    .bind(new.id)
    .bind(new.account_id)
    .bind(new.target_account_id)
    .bind(new.show_reblogs)
    .bind(new.notify)
    .bind(new.languages)
    .bind(new.uri)
    .execute(&mut *db)
    .await?;
    let inserted = done.rows_affected() == 1;
    if inserted {
        adjust_follow_counts(db, new.account_id, new.target_account_id, 1).await?;
    }
    Ok(inserted)
}

/// Changes the options of an existing follow.
pub async fn update_follow(
    db: impl PgExecutor<'_>,
    id: i64,
    show_reblogs: bool,
    notify: bool,
    languages: Option<&[String]>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE follows SET show_reblogs = $2, notify = $3, languages = $4 WHERE id = $1")
        .bind(id)
        .bind(show_reblogs)
        .bind(notify)
        .bind(languages)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes `account`'s follow of `target` and uncounts it; returns the removed follow.
pub async fn delete_follow(
    db: &mut PgConnection,
    account: i64,
    target: i64,
) -> Result<Option<Follow>, sqlx::Error> {
    let removed: Option<Follow> = sqlx::query_as(&format!(
        "DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2 \
         RETURNING {FOLLOW_COLUMNS}"
    ))
    .bind(account)
    .bind(target)
    .fetch_optional(&mut *db)
    .await?;
    if removed.is_some() {
        adjust_follow_counts(db, account, target, -1).await?;
    }
    Ok(removed)
}

/// Records a follow request; `false` when one already existed. Never one to oneself.
pub async fn insert_request(
    db: impl PgExecutor<'_>,
    new: &NewFollow<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO follow_requests (id, account_id, target_account_id, show_reblogs, notify, \
         languages, uri) \
         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE $2 <> $3 ON CONFLICT DO NOTHING",
    )
    .bind(new.id)
    .bind(new.account_id)
    .bind(new.target_account_id)
    .bind(new.show_reblogs)
    .bind(new.notify)
    .bind(new.languages)
    .bind(new.uri)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Changes the options of a pending follow request (they carry over to the follow).
pub async fn update_request(
    db: impl PgExecutor<'_>,
    id: i64,
    show_reblogs: bool,
    notify: bool,
    languages: Option<&[String]>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE follow_requests SET show_reblogs = $2, notify = $3, languages = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(show_reblogs)
    .bind(notify)
    .bind(languages)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes `account`'s request to follow `target`; returns the removed request.
pub async fn delete_request(
    db: impl PgExecutor<'_>,
    account: i64,
    target: i64,
) -> Result<Option<Follow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2 \
         RETURNING {FOLLOW_COLUMNS}"
    ))
    .bind(account)
    .bind(target)
    .fetch_optional(db)
    .await
}

/// Whether either account blocks the other.
pub async fn blocked_either_way(
    db: impl PgExecutor<'_>,
    a: i64,
    b: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM blocks WHERE (account_id = $1 AND target_account_id = $2) \
                                                OR (account_id = $2 AND target_account_id = $1))",
    )
    .bind(a)
    .bind(b)
    .fetch_one(db)
    .await
}

/// Whether `account` blocks `target`.
pub async fn is_blocking(
    db: impl PgExecutor<'_>,
    account: i64,
    target: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM blocks WHERE account_id = $1 AND target_account_id = $2)",
    )
    .bind(account)
    .bind(target)
    .fetch_one(db)
    .await
}

/// Records that `account` blocks `target`; `false` when it already did.
pub async fn insert_block(
    db: impl PgExecutor<'_>,
    id: i64,
    account: i64,
    target: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO blocks (id, account_id, target_account_id) SELECT $1, $2, $3 WHERE $2 <> $3 \
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(account)
    .bind(target)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes `account`'s block of `target`; whether there was one.
pub async fn delete_block(
    db: impl PgExecutor<'_>,
    account: i64,
    target: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2")
        .bind(account)
        .bind(target)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records or replaces `account`'s mute of `target` (an expired one starts afresh).
pub async fn upsert_mute(
    db: impl PgExecutor<'_>,
    id: i64,
    account: i64,
    target: i64,
    hide_notifications: bool,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at) \
         SELECT $1, $2, $3, $4, $5 WHERE $2 <> $3 \
         ON CONFLICT (account_id, target_account_id) DO UPDATE SET \
         hide_notifications = EXCLUDED.hide_notifications, expires_at = EXCLUDED.expires_at, \
         created_at = CASE WHEN mutes.expires_at IS NOT NULL AND mutes.expires_at <= now() \
                           THEN now() ELSE mutes.created_at END",
    )
    .bind(id)
    .bind(account)
    .bind(target)
    .bind(hide_notifications)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes `account`'s mute of `target`; whether a mute in force was removed.
pub async fn delete_mute(
    db: impl PgExecutor<'_>,
    account: i64,
    target: i64,
) -> Result<bool, sqlx::Error> {
    let active: Option<bool> = sqlx::query_scalar(
        "DELETE FROM mutes WHERE account_id = $1 AND target_account_id = $2 \
         RETURNING (expires_at IS NULL OR expires_at > now())",
    )
    .bind(account)
    .bind(target)
    .fetch_optional(db)
    .await?;
    Ok(active.unwrap_or(false))
}

/// `viewer`'s relationships to `ids`, in the order of `ids` (which should hold no
/// duplicates), in one query. Unknown accounts are skipped, and suspended ones unless
/// `with_suspended`.
pub async fn relationships(
    db: impl PgExecutor<'_>,
    viewer: i64,
    ids: &[i64],
    with_suspended: bool,
) -> Result<Vec<Relationship>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, \
         f.id IS NOT NULL AS following, \
         COALESCE(f.show_reblogs, r.show_reblogs, false) AS showing_reblogs, \
         COALESCE(f.notify, r.notify, false) AS notifying, \
         CASE WHEN f.id IS NOT NULL THEN f.languages ELSE r.languages END AS languages, \
         EXISTS (SELECT 1 FROM follows x WHERE x.account_id = t.id AND x.target_account_id = $1) \
           AS followed_by, \
         EXISTS (SELECT 1 FROM blocks x WHERE x.account_id = $1 AND x.target_account_id = t.id) \
           AS blocking, \
         EXISTS (SELECT 1 FROM blocks x WHERE x.account_id = t.id AND x.target_account_id = $1) \
           AS blocked_by, \
         m.id IS NOT NULL AS muting, \
         COALESCE(m.hide_notifications, false) AS muting_notifications, \
         m.expires_at AS muting_expires_at, \
         r.id IS NOT NULL AS requested, \
         EXISTS (SELECT 1 FROM follow_requests x WHERE x.account_id = t.id \
                 AND x.target_account_id = $1) AS requested_by, \
         COALESCE((SELECT n.comment FROM account_notes n WHERE n.account_id = $1 \
                   AND n.target_account_id = t.id), '') AS note, \
         (t.domain IS NOT NULL AND EXISTS (SELECT 1 FROM user_domain_blocks ud \
            WHERE ud.account_id = $1 AND rookery_domain_covered(t.domain, ud.domain))) \
           AS domain_blocking, \
         EXISTS (SELECT 1 FROM endorsements x WHERE x.account_id = $1 AND x.target_account_id = t.id) \
           AS endorsed \
         FROM unnest($2::bigint[]) WITH ORDINALITY AS wanted (id, position) \
         JOIN accounts t ON t.id = wanted.id \
         LEFT JOIN follows f ON f.account_id = $1 AND f.target_account_id = t.id \
         LEFT JOIN follow_requests r ON r.account_id = $1 AND r.target_account_id = t.id \
         LEFT JOIN mutes m ON m.account_id = $1 AND m.target_account_id = t.id \
              AND (m.expires_at IS NULL OR m.expires_at > now()) \
         WHERE ($3 OR t.suspended_at IS NULL) \
         ORDER BY wanted.position",
    )
    .bind(viewer)
    .bind(ids)
    .bind(with_suspended)
    .fetch_all(db)
    .await
}

/// Runs a paged list query: `sql` has `{order}` where the direction goes and binds `$1` (the
/// owner), `$2` (the viewer, may be NULL; lists of one's own need not use it), `$3` (max_id),
/// `$4` (the lower bound), `$5` (the limit).
async fn page_of(
    db: impl PgExecutor<'_>,
    sql: &str,
    owner: i64,
    viewer: Option<i64>,
    page: &Page,
) -> Result<Vec<Listed>, sqlx::Error> {
    let sql = sql.replace("{order}", page.order());
    let rows = sqlx::query_as(&sql)
        .bind(owner)
        .bind(viewer)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(rows))
}

/// Leaves out, for a signed-in viewer (`$2`), accounts the viewer blocks, mutes, or is
/// blocked by (`x` is the listed account's id column).
macro_rules! not_excluded_for_viewer {
    ($x:literal) => {
        concat!(
            "AND ($2::bigint IS NULL OR NOT EXISTS (SELECT 1 FROM blocks b WHERE \
             (b.account_id = $2 AND b.target_account_id = ",
            $x,
            ") OR (b.account_id = ",
            $x,
            " AND b.target_account_id = $2))) \
             AND ($2::bigint IS NULL OR NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = $2 \
             AND m.target_account_id = ",
            $x,
            " AND (m.expires_at IS NULL OR m.expires_at > now()))) "
        )
    };
}

/// A page of `account`'s followers, newest follow first, suspended accounts left out (and,
/// for a signed-in viewer, accounts the viewer blocks, mutes or is blocked by).
pub async fn followers_page(
    db: impl PgExecutor<'_>,
    account: i64,
    viewer: Option<i64>,
    page: &Page,
) -> Result<Vec<Listed>, sqlx::Error> {
    page_of(
        db,
        concat!(
            "SELECT f.id AS cursor, f.account_id, NULL::timestamptz AS expires_at FROM follows f \
             JOIN accounts a ON a.id = f.account_id AND a.suspended_at IS NULL \
             WHERE f.target_account_id = $1 ",
            not_excluded_for_viewer!("f.account_id"),
            "AND ($3::bigint IS NULL OR f.id < $3) AND ($4::bigint IS NULL OR f.id > $4) \
             ORDER BY f.id {order} LIMIT $5"
        ),
        account,
        viewer,
        page,
    )
    .await
}

/// A page of the accounts `account` follows, newest follow first, with the same exclusions
/// as [`followers_page`].
pub async fn following_page(
    db: impl PgExecutor<'_>,
    account: i64,
    viewer: Option<i64>,
    page: &Page,
) -> Result<Vec<Listed>, sqlx::Error> {
    page_of(
        db,
        concat!(
            "SELECT f.id AS cursor, f.target_account_id AS account_id, \
             NULL::timestamptz AS expires_at FROM follows f \
             JOIN accounts a ON a.id = f.target_account_id AND a.suspended_at IS NULL \
             WHERE f.account_id = $1 ",
            not_excluded_for_viewer!("f.target_account_id"),
            "AND ($3::bigint IS NULL OR f.id < $3) AND ($4::bigint IS NULL OR f.id > $4) \
             ORDER BY f.id {order} LIMIT $5"
        ),
        account,
        viewer,
        page,
    )
    .await
}

/// A page of the accounts `account` blocks, newest block first, suspended ones left out.
pub async fn blocks_page(
    db: impl PgExecutor<'_>,
    account: i64,
    page: &Page,
) -> Result<Vec<Listed>, sqlx::Error> {
    page_of(
        db,
        "SELECT b.id AS cursor, b.target_account_id AS account_id, \
         NULL::timestamptz AS expires_at FROM blocks b \
         JOIN accounts a ON a.id = b.target_account_id AND a.suspended_at IS NULL \
         WHERE b.account_id = $1 \
         AND ($3::bigint IS NULL OR b.id < $3) AND ($4::bigint IS NULL OR b.id > $4) \
         ORDER BY b.id {order} LIMIT $5",
        account,
        None,
        page,
    )
    .await
}

/// A page of the accounts `account` mutes (mutes in force only), newest mute first, with
/// when each mute ends; suspended accounts left out.
pub async fn mutes_page(
    db: impl PgExecutor<'_>,
    account: i64,
    page: &Page,
) -> Result<Vec<Listed>, sqlx::Error> {
    page_of(
        db,
        "SELECT m.id AS cursor, m.target_account_id AS account_id, m.expires_at FROM mutes m \
         JOIN accounts a ON a.id = m.target_account_id AND a.suspended_at IS NULL \
         WHERE m.account_id = $1 \
         AND (m.expires_at IS NULL OR m.expires_at > now()) \
         AND ($3::bigint IS NULL OR m.id < $3) AND ($4::bigint IS NULL OR m.id > $4) \
         ORDER BY m.id {order} LIMIT $5",
        account,
        None,
        page,
    )
    .await
}

/// A page of the accounts waiting for `account` to accept their follow request, newest
/// request first; suspended accounts left out.
pub async fn requests_page(
    db: impl PgExecutor<'_>,
    account: i64,
    page: &Page,
) -> Result<Vec<Listed>, sqlx::Error> {
    page_of(
        db,
        "SELECT r.id AS cursor, r.account_id, NULL::timestamptz AS expires_at \
         FROM follow_requests r \
         JOIN accounts a ON a.id = r.account_id AND a.suspended_at IS NULL \
         WHERE r.target_account_id = $1 \
         AND ($3::bigint IS NULL OR r.id < $3) AND ($4::bigint IS NULL OR r.id > $4) \
         ORDER BY r.id {order} LIMIT $5",
        account,
        None,
        page,
    )
    .await
}

/// How many follow requests wait for `account` (from accounts that are not suspended),
/// counted up to `cap` (Mastodon shows at most 40 in `source.follow_requests_count`).
pub async fn count_follow_requests(
    db: impl PgExecutor<'_>,
    account: i64,
    cap: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM follow_requests r \
         JOIN accounts a ON a.id = r.account_id AND a.suspended_at IS NULL \
         WHERE r.target_account_id = $1 LIMIT $2) waiting",
    )
    .bind(account)
    .bind(cap)
    .fetch_one(db)
    .await
}

/// Who sent the pending follow request with this activity id to `target`.
pub async fn request_account_by_uri(
    db: impl PgExecutor<'_>,
    uri: &str,
    target: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT account_id FROM follow_requests WHERE uri = $1 AND target_account_id = $2",
    )
    .bind(uri)
    .bind(target)
    .fetch_optional(db)
    .await
}

/// A follow or follow request by its row id: (follower, target).
pub async fn follow_or_request(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, target_account_id FROM follows WHERE id = $1 \
         UNION ALL SELECT account_id, target_account_id FROM follow_requests WHERE id = $1 LIMIT 1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Which of `targets` `viewer` follows.
pub async fn followed_among(
    db: impl PgExecutor<'_>,
    viewer: i64,
    targets: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT target_account_id FROM follows WHERE account_id = $1 AND target_account_id = ANY($2)",
    )
    .bind(viewer)
    .bind(targets)
    .fetch_all(db)
    .await
}

/// Sets `account`'s private note on `target` (an empty one removes it).
pub async fn set_note(
    db: impl PgExecutor<'_>,
    account: i64,
    target: i64,
    comment: &str,
) -> Result<(), sqlx::Error> {
    if comment.is_empty() {
        sqlx::query("DELETE FROM account_notes WHERE account_id = $1 AND target_account_id = $2")
            .bind(account)
            .bind(target)
            .execute(db)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO account_notes (account_id, target_account_id, comment) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, target_account_id) \
             DO UPDATE SET comment = EXCLUDED.comment, updated_at = now()",
        )
        .bind(account)
        .bind(target)
        .bind(comment)
        .execute(db)
        .await?;
    }
    Ok(())
}
