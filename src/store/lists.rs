//! Lists, their members and their materialised feeds.

use sqlx::PgExecutor;

use crate::model::{List, Page, RepliesPolicy};
use crate::store::feeds::FanOut;

const LIST_COLUMNS: &str = "id, account_id, title, replies_policy, exclusive, created_at";

/// How many of a member's recent posts join a list's feed when they are added.
const BACKFILL: i64 = 100;

/// Creates a list.
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: i64,
    owner: i64,
    title: &str,
    replies_policy: RepliesPolicy,
    exclusive: bool,
) -> Result<List, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO lists (id, account_id, title, replies_policy, exclusive) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {LIST_COLUMNS}"
    ))
    .bind(id)
    .bind(owner)
    .bind(title)
    .bind(replies_policy.as_str())
    .bind(exclusive)
    .fetch_one(db)
    .await
}

/// Changes a list's settings.
pub async fn update(
    db: impl PgExecutor<'_>,
    id: i64,
    title: &str,
    replies_policy: RepliesPolicy,
    exclusive: bool,
) -> Result<List, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE lists SET title = $2, replies_policy = $3, exclusive = $4 WHERE id = $1 \
         RETURNING {LIST_COLUMNS}"
    ))
    .bind(id)
    .bind(title)
    .bind(replies_policy.as_str())
    .bind(exclusive)
    .fetch_one(db)
    .await
}

/// Deletes a list; its members and feed go with it.
pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM lists WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// `owner`'s list `id`, if it is theirs.
pub async fn owned(
    db: impl PgExecutor<'_>,
    owner: i64,
    id: i64,
) -> Result<Option<List>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {LIST_COLUMNS} FROM lists WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(owner)
    .fetch_optional(db)
    .await
}

/// All of `owner`'s lists, oldest first.
pub async fn of_owner(db: impl PgExecutor<'_>, owner: i64) -> Result<Vec<List>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {LIST_COLUMNS} FROM lists WHERE account_id = $1 ORDER BY id"
    ))
    .bind(owner)
    .fetch_all(db)
    .await
}

/// How many lists `owner` has.
pub async fn count_of(db: impl PgExecutor<'_>, owner: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM lists WHERE account_id = $1")
        .bind(owner)
        .fetch_one(db)
        .await
}

/// `owner`'s lists that have `member` in them, oldest first.
pub async fn of_owner_containing(
    db: impl PgExecutor<'_>,
    owner: i64,
    member: i64,
) -> Result<Vec<List>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {LIST_COLUMNS} FROM lists l WHERE l.account_id = $1 \
         AND EXISTS (SELECT 1 FROM list_accounts la WHERE la.list_id = l.id AND la.account_id = $2) \
         ORDER BY l.id"
    ))
    .bind(owner)
    .bind(member)
    .fetch_all(db)
    .await
}

/// A page of a list's members (suspended ones left out), paged by account id, newest first;
/// every member when `page` is `None`.
pub async fn members(
    db: impl PgExecutor<'_>,
    list: i64,
    page: Option<&Page>,
) -> Result<Vec<i64>, sqlx::Error> {
    let base = "SELECT la.account_id FROM list_accounts la \
                JOIN accounts a ON a.id = la.account_id AND a.suspended_at IS NULL \
                WHERE la.list_id = $1";
    let Some(page) = page else {
        return sqlx::query_scalar(&format!("{base} ORDER BY la.account_id DESC"))
            .bind(list)
            .fetch_all(db)
            .await;
    };
    let sql = format!(
        "{base} AND ($2::bigint IS NULL OR la.account_id < $2) \
         AND ($3::bigint IS NULL OR la.account_id > $3) \
         ORDER BY la.account_id {} LIMIT $4",
        page.order()
    );
    let ids = sqlx::query_scalar(&sql)
        .bind(list)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(ids))
}

/// Which of `accounts` are members of `list`.
pub async fn members_among(
    db: impl PgExecutor<'_>,
    list: i64,
    accounts: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT account_id FROM list_accounts WHERE list_id = $1 AND account_id = ANY($2)",
    )
    .bind(list)
    .bind(accounts)
    .fetch_all(db)
    .await
}

/// Adds `accounts` to `list`.
pub async fn add_members(
    db: impl PgExecutor<'_>,
    list: i64,
    accounts: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO list_accounts (list_id, account_id) \
         SELECT $1, a FROM unnest($2::bigint[]) AS a ON CONFLICT DO NOTHING",
    )
    .bind(list)
    .bind(accounts)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes `accounts` from `list`; returns those that were members.
pub async fn remove_members(
    db: impl PgExecutor<'_>,
    list: i64,
    accounts: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "DELETE FROM list_accounts WHERE list_id = $1 AND account_id = ANY($2) RETURNING account_id",
    )
    .bind(list)
    .bind(accounts)
    .fetch_all(db)
    .await
}

/// Removes `member` from every list of `owner`; returns the lists it left.
pub async fn remove_from_all(
    db: impl PgExecutor<'_>,
    owner: i64,
    member: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "DELETE FROM list_accounts la USING lists l \
         WHERE la.list_id = l.id AND l.account_id = $1 AND la.account_id = $2 \
         RETURNING la.list_id",
    )
    .bind(owner)
    .bind(member)
    .fetch_all(db)
    .await
}

/// Whether `member` is in one of `owner`'s exclusive lists.
pub async fn in_exclusive_list(
    db: impl PgExecutor<'_>,
    owner: i64,
    member: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM lists l JOIN list_accounts la ON la.list_id = l.id \
         WHERE l.account_id = $1 AND l.exclusive AND la.account_id = $2)",
    )
    .bind(owner)
    .bind(member)
    .fetch_one(db)
    .await
}

/// Adds a status to the feeds of the lists its author (for a boost, the booster) is a member
/// of, by the rules of the home feed (boosts only from follows that show them, the follow's
/// languages, never from or of an account the owner blocks or mutes, nor in a muted
/// conversation; no direct statuses) and of each list's replies policy: a reply to someone
/// else than the author or the owner enters only `followed` lists whose owner follows the one
/// replied to, and `list` lists that have them as a member.
pub async fn fan_out(db: impl PgExecutor<'_>, s: &FanOut<'_>) -> Result<u64, sqlx::Error> {
    if s.direct {
        return Ok(0);
    }
    let done = sqlx::query(
        "INSERT INTO list_feed (list_id, status_id, author_id, origin_author_id) \
         SELECT l.id, $1, $2, $3 FROM list_accounts la \
         JOIN lists l ON l.id = la.list_id \
         JOIN follows f ON f.account_id = l.account_id AND f.target_account_id = $2 \
         WHERE la.account_id = $2 \
         AND ($3::bigint IS NULL OR f.show_reblogs) \
         AND ($4::bigint IS NULL OR $4 = $2 OR $4 = l.account_id \
              OR (l.replies_policy = 'followed' AND EXISTS (SELECT 1 FROM follows f2 \
                  WHERE f2.account_id = l.account_id AND f2.target_account_id = $4)) \
              OR (l.replies_policy = 'list' AND EXISTS (SELECT 1 FROM list_accounts la2 \
                  WHERE la2.list_id = l.id AND la2.account_id = $4))) \
         AND (f.languages IS NULL OR $5::text IS NULL OR $5 = ANY(f.languages)) \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = l.account_id AND b.target_account_id IN ($2, COALESCE($3, $2))) \
                                                  OR (b.account_id = COALESCE($3, $2) AND b.target_account_id = l.account_id)) \
         AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = l.account_id AND m.target_account_id IN ($2, COALESCE($3, $2)) \
                         AND (m.expires_at IS NULL OR m.expires_at > now())) \
         AND NOT EXISTS (SELECT 1 FROM conversation_mutes c WHERE c.account_id = l.account_id AND c.conversation_id = $6) \
         ON CONFLICT DO NOTHING",
    )
    .bind(s.status_id)
    .bind(s.author_id)
    .bind(s.origin_author_id)
    .bind(s.in_reply_to_account_id)
    .bind(s.language)
    .bind(s.conversation_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Copies `member`'s recent statuses into `list`'s feed (after they are added), by the rules
/// of [`fan_out`].
pub async fn backfill(
    db: impl PgExecutor<'_>,
    list: &List,
    member: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO list_feed (list_id, status_id, author_id, origin_author_id) \
         SELECT $1, s.id, s.account_id, o.account_id FROM statuses s \
         LEFT JOIN statuses o ON o.id = s.reblog_of_id \
         JOIN follows f ON f.account_id = $2 AND f.target_account_id = s.account_id \
         WHERE s.account_id = $3 AND s.visibility <> 'direct' AND s.imported_from IS NULL \
         AND (s.reblog_of_id IS NULL OR f.show_reblogs) \
         AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id IN (s.account_id, $2) \
              OR ($4 = 'followed' AND EXISTS (SELECT 1 FROM follows f2 \
                  WHERE f2.account_id = $2 AND f2.target_account_id = s.in_reply_to_account_id)) \
              OR ($4 = 'list' AND EXISTS (SELECT 1 FROM list_accounts la2 \
                  WHERE la2.list_id = $1 AND la2.account_id = s.in_reply_to_account_id))) \
         AND (f.languages IS NULL OR s.language IS NULL OR s.language = ANY(f.languages)) \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $2 \
                         AND b.target_account_id = COALESCE(o.account_id, s.account_id)) \
         AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = $2 \
                         AND m.target_account_id = COALESCE(o.account_id, s.account_id) \
                         AND (m.expires_at IS NULL OR m.expires_at > now())) \
         AND NOT EXISTS (SELECT 1 FROM conversation_mutes c WHERE c.account_id = $2 AND c.conversation_id = s.conversation_id) \
         ORDER BY s.id DESC LIMIT $5 ON CONFLICT DO NOTHING",
    )
    .bind(list.id)
    .bind(list.account_id)
    .bind(member)
    .bind(list.replies_policy.as_str())
    .bind(BACKFILL)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes what `member` wrote or boosted from `list`'s feed (they left it).
pub async fn unmerge_member(
    db: impl PgExecutor<'_>,
    list: i64,
    member: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM list_feed WHERE list_id = $1 AND author_id = $2")
        .bind(list)
        .bind(member)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes from the feeds of `owner`'s lists what `author` wrote or boosted, and boosts of
/// `author`'s posts (the owner unfollowed, blocked or muted them).
pub async fn unmerge_author(
    db: impl PgExecutor<'_>,
    owner: i64,
    author: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM list_feed lf USING lists l \
         WHERE lf.list_id = l.id AND l.account_id = $1 \
         AND (lf.author_id = $2 OR lf.origin_author_id = $2)",
    )
    .bind(owner)
    .bind(author)
    .execute(db)
    .await?;
    Ok(())
}

/// A page of a list's feed: status ids, newest first.
pub async fn feed(
    db: impl PgExecutor<'_>,
    list: i64,
    page: &Page,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut sql = String::from("SELECT status_id FROM list_feed WHERE list_id = $1");
    // As the home feed's page: only the bounds given are written, so the plan is reused.
    if page.max_id.is_some() {
        sql.push_str(" AND status_id < $2");
    }
    if page.lower().is_some() {
        sql.push_str(" AND status_id > $3");
    }
    sql.push_str(&format!(
        " ORDER BY status_id {} LIMIT {}",
        page.order(),
        page.limit.max(0)
    ));
    let ids = sqlx::query_scalar(&sql)
        .bind(list)
        .bind(page.max_id)
        .bind(page.lower())
        .fetch_all(db)
        .await?;
    Ok(page.finish(ids))
}

/// Which of `lists` hold `status` in their feed, with each one's owner.
pub async fn feeds_holding(
    db: impl PgExecutor<'_>,
    status: i64,
    lists: &[i64],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT lf.list_id, l.account_id FROM list_feed lf JOIN lists l ON l.id = lf.list_id \
         WHERE lf.status_id = $1 AND lf.list_id = ANY($2)",
    )
    .bind(status)
    .bind(lists)
    .fetch_all(db)
    .await
}
