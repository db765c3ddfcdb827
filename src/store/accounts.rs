//! Accounts and their counters.

use sqlx::PgExecutor;

use crate::model::{Account, ProfileField};

/// Every column of [`Account`] (see `account_columns!`), from accounts and their counters.
macro_rules! select_accounts {
    () => {
        concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts a LEFT JOIN account_stats s ON s.account_id = a.id "
        )
    };
}

/// A local account to create; its URLs derive from the instance's base URL.
pub struct NewLocalAccount<'a> {
    pub id: i64,
    pub username: &'a str,
    pub base_url: &'a str,
    pub public_key_pem: &'a str,
    pub private_key_pem: &'a str,
}

/// Creates a local account and its counters. Fails with a unique violation on
/// `accounts_local_username_key` when the name is taken (case-insensitively).
pub async fn insert_local(
    db: &mut sqlx::PgConnection,
    new: &NewLocalAccount<'_>,
) -> Result<(), sqlx::Error> {
    let actor = format!("{}/users/{}", new.base_url, new.username);
    sqlx::query(
        "INSERT INTO accounts (id, username, domain, uri, url, inbox_url, shared_inbox_url, \
         outbox_url, followers_url, following_url, featured_url, public_key_id, public_key_pem, \
         private_key_pem) \
         VALUES ($1, $2, NULL, $3, $4, $3 || '/inbox', $5, $3 || '/outbox', $3 || '/followers', \
         $3 || '/following', $3 || '/collections/featured', $3 || '#main-key', $6, $7)",
    )
    .bind(new.id)
    .bind(new.username)
    .bind(&actor)
    .bind(format!("{}/@{}", new.base_url, new.username))
    .bind(format!("{}/inbox", new.base_url))
    .bind(new.public_key_pem)
    .bind(new.private_key_pem)
    .execute(&mut *db)
    .await?;
    sqlx::query("INSERT INTO account_stats (account_id) VALUES ($1)")
        .bind(new.id)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// The account with this id.
pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(concat!(select_accounts!(), "WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The accounts with these ids, in no particular order; unknown ids are skipped.
pub async fn by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<Account>, sqlx::Error> {
    sqlx::query_as(concat!(select_accounts!(), "WHERE a.id = ANY($1)"))
        .bind(ids)
        .fetch_all(db)
        .await
}

/// A local account by username, case-insensitively.
pub async fn local_by_username(
    db: impl PgExecutor<'_>,
    username: &str,
) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_accounts!(),
        "WHERE lower(a.username) = lower($1) AND a.domain IS NULL"
    ))
    .bind(username)
    .fetch_optional(db)
    .await
}

/// A remote account by `username@domain`, case-insensitively.
pub async fn remote_by_handle(
    db: impl PgExecutor<'_>,
    username: &str,
    domain: &str,
) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_accounts!(),
        "WHERE lower(a.username) = lower($1) AND lower(a.domain) = lower($2)"
    ))
    .bind(username)
    .bind(domain)
    .fetch_optional(db)
    .await
}

/// The parts of a profile its owner edits.
pub struct ProfileUpdate<'a> {
    pub display_name: &'a str,
    pub note: &'a str,
    pub note_source: &'a str,
    pub fields: &'a [ProfileField],
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub hide_collections: bool,
    pub attribution_domains: &'a [String],
}

/// Writes a local owner's profile edit.
pub async fn update_profile(
    db: impl PgExecutor<'_>,
    id: i64,
    p: &ProfileUpdate<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET display_name = $2, note = $3, note_source = $4, fields = $5, \
         locked = $6, bot = $7, discoverable = $8, indexable = $9, hide_collections = $10, \
         attribution_domains = $11, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(p.display_name)
    .bind(p.note)
    .bind(p.note_source)
    .bind(sqlx::types::Json(p.fields))
    .bind(p.locked)
    .bind(p.bot)
    .bind(p.discoverable)
    .bind(p.indexable)
    .bind(p.hide_collections)
    .bind(p.attribution_domains)
    .execute(db)
    .await?;
    Ok(())
}

/// Number of local accounts that can sign in (NodeInfo and instance statistics).
pub async fn count_local_active(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM accounts a JOIN users u ON u.account_id = a.id \
         WHERE a.domain IS NULL AND a.suspended_at IS NULL AND u.approved",
    )
    .fetch_one(db)
    .await
}

/// Number of distinct remote domains known.
pub async fn count_known_domains(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(DISTINCT lower(domain)) FROM accounts WHERE domain IS NOT NULL",
    )
    .fetch_one(db)
    .await
}

/// The oldest local administrator's account, the instance's contact.
pub async fn first_admin(db: impl PgExecutor<'_>) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_accounts!(),
        "JOIN users u ON u.account_id = a.id \
         WHERE u.role = 'admin' AND a.suspended_at IS NULL ORDER BY u.created_at LIMIT 1"
    ))
    .fetch_optional(db)
    .await
}

/// Local users who signed in or signed up within the last 30 days.
pub async fn count_active_month(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM users u JOIN accounts a ON a.id = u.account_id \
         WHERE a.suspended_at IS NULL AND u.approved \
         AND GREATEST(u.last_sign_in_at, u.created_at) > now() - interval '30 days'",
    )
    .fetch_one(db)
    .await
}

/// A page of the actor URIs following (`followers` true) or followed by an account, newest
/// follow first: (follow id, actor URI).
pub async fn follow_uris(
    db: impl PgExecutor<'_>,
    account_id: i64,
    followers: bool,
    max_id: Option<i64>,
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let sql = if followers {
        "SELECT f.id, a.uri FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 AND a.suspended_at IS NULL AND ($2::bigint IS NULL OR f.id < $2) \
         ORDER BY f.id DESC LIMIT $3"
    } else {
        "SELECT f.id, a.uri FROM follows f JOIN accounts a ON a.id = f.target_account_id \
         WHERE f.account_id = $1 AND a.suspended_at IS NULL AND ($2::bigint IS NULL OR f.id < $2) \
         ORDER BY f.id DESC LIMIT $3"
    };
    sqlx::query_as(sql)
        .bind(account_id)
        .bind(max_id)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// The instance actor (an `Application` at `{base}/actor` that signs fetches), created with
/// its keys on first use. `new_id` and the key pair are used only when it does not exist yet.
pub async fn ensure_instance_actor(
    db: &mut sqlx::PgConnection,
    new_id: i64,
    domain: &str,
    base_url: &str,
    public_key_pem: &str,
    private_key_pem: &str,
) -> Result<Account, sqlx::Error> {
    let uri = format!("{base_url}/actor");
    sqlx::query(
        "INSERT INTO accounts (id, username, domain, uri, url, inbox_url, shared_inbox_url, outbox_url, \
         followers_url, following_url, featured_url, public_key_id, public_key_pem, private_key_pem, \
         actor_type, locked, discoverable) \
         VALUES ($1, $2, NULL, $3, $4, $3 || '/inbox', $5, $3 || '/outbox', $3 || '/followers', \
         $3 || '/following', $3 || '/collections/featured', $3 || '#main-key', $6, $7, 'Application', TRUE, FALSE) \
         ON CONFLICT DO NOTHING",
    )
    .bind(new_id)
    .bind(domain)
    .bind(&uri)
    .bind(format!("{base_url}/about"))
    .bind(format!("{base_url}/inbox"))
    .bind(public_key_pem)
    .bind(private_key_pem)
    .execute(&mut *db)
    .await?;
    sqlx::query_as(concat!(select_accounts!(), "WHERE a.uri = $1"))
        .bind(&uri)
        .fetch_one(&mut *db)
        .await
}

/// The account with this ActivityPub id.
pub async fn by_uri(db: impl PgExecutor<'_>, uri: &str) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(concat!(select_accounts!(), "WHERE a.uri = $1"))
        .bind(uri)
        .fetch_optional(db)
        .await
}

/// Local users who signed in or signed up within the last 180 days (NodeInfo's
/// `activeHalfyear`); counted like [`count_active_month`].
pub async fn count_active_halfyear(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM users u JOIN accounts a ON a.id = u.account_id \
         WHERE a.suspended_at IS NULL AND u.approved \
         AND GREATEST(u.last_sign_in_at, u.created_at) > now() - interval '180 days'",
    )
    .fetch_one(db)
    .await
}

/// A remote actor's profile as last fetched.
pub struct RemoteProfile<'a> {
    pub new_id: i64,
    pub username: &'a str,
    pub domain: &'a str,
    pub display_name: &'a str,
    pub note: &'a str,
    pub fields: &'a [ProfileField],
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub actor_type: &'a str,
    pub avatar_url: Option<&'a str>,
    pub header_url: Option<&'a str>,
    pub uri: &'a str,
    pub url: Option<&'a str>,
    pub inbox_url: &'a str,
    pub shared_inbox_url: Option<&'a str>,
    pub outbox_url: &'a str,
    pub followers_url: &'a str,
    pub following_url: &'a str,
    pub featured_url: &'a str,
    pub public_key_id: &'a str,
    pub public_key_pem: &'a str,
    pub also_known_as: &'a [String],
    pub attribution_domains: &'a [String],
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Creates or refreshes a remote account by its ActivityPub id; returns its id.
pub async fn upsert_remote(
    db: &mut sqlx::PgConnection,
    p: &RemoteProfile<'_>,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (id, username, domain, display_name, note, fields, locked, bot, discoverable, \
         indexable, actor_type, avatar_url, header_url, uri, url, inbox_url, shared_inbox_url, outbox_url, \
         followers_url, following_url, featured_url, public_key_id, public_key_pem, also_known_as, created_at, attribution_domains, fetched_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, now()) \
         ON CONFLICT (uri) DO UPDATE SET username = EXCLUDED.username, display_name = EXCLUDED.display_name, \
         note = EXCLUDED.note, fields = EXCLUDED.fields, locked = EXCLUDED.locked, bot = EXCLUDED.bot, \
         discoverable = EXCLUDED.discoverable, indexable = EXCLUDED.indexable, actor_type = EXCLUDED.actor_type, \
         avatar_url = EXCLUDED.avatar_url, header_url = EXCLUDED.header_url, url = EXCLUDED.url, \
         inbox_url = EXCLUDED.inbox_url, shared_inbox_url = EXCLUDED.shared_inbox_url, outbox_url = EXCLUDED.outbox_url, \
         followers_url = EXCLUDED.followers_url, following_url = EXCLUDED.following_url, featured_url = EXCLUDED.featured_url, \
         public_key_id = EXCLUDED.public_key_id, public_key_pem = EXCLUDED.public_key_pem, \
         also_known_as = EXCLUDED.also_known_as, attribution_domains = EXCLUDED.attribution_domains, \
         updated_at = now(), fetched_at = now() \
         WHERE accounts.domain IS NOT NULL \
         RETURNING id",
    )
    .bind(p.new_id)
    .bind(p.username)
    .bind(p.domain)
    .bind(p.display_name)
    .bind(p.note)
    .bind(sqlx::types::Json(p.fields))
    .bind(p.locked)
    .bind(p.bot)
    .bind(p.discoverable)
    .bind(p.indexable)
    .bind(p.actor_type)
    .bind(p.avatar_url)
    .bind(p.header_url)
    .bind(p.uri)
    .bind(p.url)
    .bind(p.inbox_url)
    .bind(p.shared_inbox_url)
    .bind(p.outbox_url)
    .bind(p.followers_url)
    .bind(p.following_url)
    .bind(p.featured_url)
    .bind(p.public_key_id)
    .bind(p.public_key_pem)
    .bind(p.also_known_as)
    .bind(p.created_at)
    .bind(p.attribution_domains)
    .fetch_one(&mut *db)
    .await?;
    sqlx::query("INSERT INTO account_stats (account_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(id)
        .execute(&mut *db)
        .await?;
    Ok(id)
}

/// Accounts whose username starts with, or display name contains, `q` (search).
pub async fn search(
    db: impl PgExecutor<'_>,
    q: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Account>, sqlx::Error> {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sqlx::query_as(concat!(
        select_accounts!(),
        "WHERE a.suspended_at IS NULL AND a.actor_type <> 'Application' \
         AND (lower(a.username) LIKE lower($1) || '%' OR lower(a.display_name) LIKE '%' || lower($1) || '%' \
              OR lower(a.username || '@' || COALESCE(a.domain, '')) LIKE lower($1) || '%') \
         ORDER BY (a.domain IS NULL) DESC, length(a.username), a.id LIMIT $2 OFFSET $3"
    ))
    .bind(escaped)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

/// A local account's (key id, private key PEM), for signing.
pub async fn private_key(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT public_key_id, private_key_pem FROM accounts WHERE id = $1 AND private_key_pem IS NOT NULL")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The account a key id belongs to.
pub async fn by_public_key_id(
    db: impl PgExecutor<'_>,
    key_id: &str,
) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_accounts!(),
        "WHERE a.public_key_id = $1 LIMIT 1"
    ))
    .bind(key_id)
    .fetch_optional(db)
    .await
}

/// The distinct inboxes (shared where offered) of an account's remote followers.
pub async fn remote_follower_inboxes(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT COALESCE(NULLIF(a.shared_inbox_url, ''), a.inbox_url) FROM follows f \
         JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 AND a.domain IS NOT NULL AND a.suspended_at IS NULL \
         AND a.inbox_url <> ''",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// What an account search asks for (`GET /api/v1/accounts/search`).
pub struct AccountSearch<'a> {
    /// The signed-in searcher.
    pub viewer: i64,
    /// Lower-case text, without a leading `@` or the local domain.
    pub q: &'a str,
    /// Only accounts the viewer follows.
    pub following: bool,
    pub limit: i64,
    pub offset: i64,
}

/// Accounts whose username, `username@domain` or display name (or a word of it) starts with
/// `q`: the exact handle first, then accounts the viewer follows, then the rest (local
/// before remote, shorter names first). Suspended accounts, the instance actor and accounts
/// blocked either way by the viewer are left out.
pub async fn search_for(
    db: impl PgExecutor<'_>,
    s: &AccountSearch<'_>,
) -> Result<Vec<Account>, sqlx::Error> {
    let escaped =
        s.q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
    sqlx::query_as(concat!(
        select_accounts!(),
        "LEFT JOIN follows vf ON vf.account_id = $2 AND vf.target_account_id = a.id \
         WHERE a.suspended_at IS NULL AND a.actor_type <> 'Application' \
         AND (lower(a.username) LIKE $1 || '%' \
              OR lower(a.username || '@' || COALESCE(a.domain, '')) LIKE $1 || '%' \
              OR lower(a.display_name) LIKE $1 || '%' \
              OR lower(a.display_name) LIKE '% ' || $1 || '%') \
         AND (NOT $3 OR vf.id IS NOT NULL) \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = $2 AND b.target_account_id = a.id) \
                         OR (b.account_id = a.id AND b.target_account_id = $2)) \
         ORDER BY (lower(a.username || COALESCE('@' || a.domain, '')) = $4) DESC, \
                  (vf.id IS NOT NULL) DESC, (a.domain IS NULL) DESC, length(a.username), a.id \
         LIMIT $5 OFFSET $6"
    ))
    .bind(escaped)
    .bind(s.viewer)
    .bind(s.following)
    .bind(s.q)
    .bind(s.limit)
    .bind(s.offset)
    .fetch_all(db)
    .await
}

/// Of `targets`, each one's followers that `viewer` follows (and that show whom they
/// follow), suspended accounts left out: (target id, follower).
pub async fn familiar_followers(
    db: impl PgExecutor<'_>,
    viewer: i64,
    targets: &[i64],
) -> Result<Vec<(i64, Account)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        target: i64,
        #[sqlx(flatten)]
        account: Account,
    }
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT f.target_account_id AS target, ",
        account_columns!(),
        " FROM follows f JOIN accounts a ON a.id = f.account_id \
         LEFT JOIN account_stats s ON s.account_id = a.id \
         WHERE f.target_account_id = ANY($2) \
         AND EXISTS (SELECT 1 FROM follows mine WHERE mine.account_id = $1 AND mine.target_account_id = a.id) \
         AND a.suspended_at IS NULL AND NOT a.hide_collections \
         ORDER BY f.id DESC"
    ))
    .bind(viewer)
    .bind(targets)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.target, r.account)).collect())
}
