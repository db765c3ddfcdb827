//! What an account's CSV exports list, and how much there is to export: plain reads of its
//! relationships, lists, domain blocks and bookmarks, newest first as Mastodon writes them.

use sqlx::PgExecutor;

/// An account as an export names it: its username and its domain (`None` when local).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Handle {
    pub username: String,
    pub domain: Option<String>,
}

/// One follow of the exporting account, with its options.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FollowRow {
    pub username: String,
    pub domain: Option<String>,
    pub show_reblogs: bool,
    pub notify: bool,
    pub languages: Option<Vec<String>>,
}

/// One mute in force.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MuteRow {
    pub username: String,
    pub domain: Option<String>,
    pub hide_notifications: bool,
}

/// One member of one of the exporting account's lists.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListRow {
    pub title: String,
    pub username: String,
    pub domain: Option<String>,
}

/// The accounts `account_id` follows, newest follow first.
pub async fn following(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Vec<FollowRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.username, a.domain, f.show_reblogs, f.notify, f.languages FROM follows f \
         JOIN accounts a ON a.id = f.target_account_id \
         WHERE f.account_id = $1 ORDER BY f.id DESC",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// The accounts that follow `account_id`, newest follow first.
pub async fn followers(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Vec<Handle>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.username, a.domain FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 ORDER BY f.id DESC",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// The members of `owner`'s lists, list by list (oldest list first), members in the order
/// they were added.
pub async fn list_members(
    db: impl PgExecutor<'_>,
    owner: i64,
) -> Result<Vec<ListRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.title, a.username, a.domain FROM lists l \
         JOIN list_accounts la ON la.list_id = l.id JOIN accounts a ON a.id = la.account_id \
         WHERE l.account_id = $1 ORDER BY l.id, la.created_at, a.id",
    )
    .bind(owner)
    .fetch_all(db)
    .await
}

/// The accounts `account_id` blocks, newest block first.
pub async fn blocks(db: impl PgExecutor<'_>, account_id: i64) -> Result<Vec<Handle>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.username, a.domain FROM blocks b JOIN accounts a ON a.id = b.target_account_id \
         WHERE b.account_id = $1 ORDER BY b.id DESC",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// The accounts `account_id` mutes (mutes in force), newest mute first.
pub async fn mutes(db: impl PgExecutor<'_>, account_id: i64) -> Result<Vec<MuteRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.username, a.domain, m.hide_notifications FROM mutes m \
         JOIN accounts a ON a.id = m.target_account_id \
         WHERE m.account_id = $1 AND (m.expires_at IS NULL OR m.expires_at > now()) \
         ORDER BY m.id DESC",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// The domains `account_id` hides, newest first.
pub async fn domain_blocks(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT domain FROM user_domain_blocks WHERE account_id = $1 ORDER BY id DESC",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// The URIs of the statuses `account_id` bookmarked, newest bookmark first.
pub async fn bookmarks(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT s.uri FROM bookmarks b JOIN statuses s ON s.id = b.status_id \
         WHERE b.account_id = $1 ORDER BY b.id DESC",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// How much an account has to export.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct Counts {
    pub media_bytes: i64,
    pub followers: i64,
    pub following: i64,
    pub statuses: i64,
    pub lists: i64,
    pub blocks: i64,
    pub mutes: i64,
    pub domain_blocks: i64,
    pub bookmarks: i64,
}

/// The counts of what `account_id` could export, counted now (not the cached counters).
pub async fn counts(db: impl PgExecutor<'_>, account_id: i64) -> Result<Counts, sqlx::Error> {
    sqlx::query_as(
        "SELECT \
         (SELECT COALESCE(SUM(file_size), 0)::BIGINT FROM media_attachments \
          WHERE account_id = $1 AND remote_url IS NULL) AS media_bytes, \
         (SELECT count(*) FROM follows WHERE target_account_id = $1) AS followers, \
         (SELECT count(*) FROM follows WHERE account_id = $1) AS following, \
         (SELECT count(*) FROM statuses WHERE account_id = $1 AND reblog_of_id IS NULL) \
          AS statuses, \
         (SELECT count(*) FROM lists WHERE account_id = $1) AS lists, \
         (SELECT count(*) FROM blocks WHERE account_id = $1) AS blocks, \
         (SELECT count(*) FROM mutes WHERE account_id = $1 \
          AND (expires_at IS NULL OR expires_at > now())) AS mutes, \
         (SELECT count(*) FROM user_domain_blocks WHERE account_id = $1) AS domain_blocks, \
         (SELECT count(*) FROM bookmarks WHERE account_id = $1) AS bookmarks",
    )
    .bind(account_id)
    .fetch_one(db)
    .await
}
