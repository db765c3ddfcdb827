//! Custom emoji and their categories. The instance's own have `domain` NULL; remote ones the
//! domain of the account whose documents carried them.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::model::emoji::{CustomEmoji, EmojiCategory, EmojiQuery};

macro_rules! select_emojis {
    () => {
        concat!(
            "SELECT ",
            emoji_columns!(),
            " FROM custom_emojis e LEFT JOIN custom_emoji_categories ec ON ec.id = e.category_id "
        )
    };
}

/// The emoji with this id.
pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<CustomEmoji>, sqlx::Error> {
    sqlx::query_as(concat!(select_emojis!(), "WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The emoji of `domain` (`None`: the instance's own) with this shortcode, enabled or not.
pub async fn by_shortcode(
    db: impl PgExecutor<'_>,
    domain: Option<&str>,
    shortcode: &str,
) -> Result<Option<CustomEmoji>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_emojis!(),
        "WHERE e.shortcode = $1 AND COALESCE(e.domain, '') = COALESCE($2, '')"
    ))
    .bind(shortcode)
    .bind(domain)
    .fetch_optional(db)
    .await
}

/// The enabled emoji among `(domain, shortcode)` pairs (`""` for the instance's own domain),
/// given as two lists of equal length.
pub async fn enabled_among(
    db: impl PgExecutor<'_>,
    domains: &[String],
    shortcodes: &[String],
) -> Result<Vec<CustomEmoji>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_emojis!(),
        "WHERE NOT e.disabled AND (COALESCE(e.domain, ''), e.shortcode) IN \
         (SELECT d, c FROM unnest($1::text[], $2::text[]) AS u(d, c)) \
         ORDER BY e.shortcode COLLATE \"C\""
    ))
    .bind(domains)
    .bind(shortcodes)
    .fetch_all(db)
    .await
}

/// The instance's enabled emoji, by shortcode (what `GET /api/v1/custom_emojis` lists).
pub async fn local_enabled(db: impl PgExecutor<'_>) -> Result<Vec<CustomEmoji>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_emojis!(),
        "WHERE e.domain IS NULL AND NOT e.disabled ORDER BY e.shortcode COLLATE \"C\""
    ))
    .fetch_all(db)
    .await
}

/// A page of emoji for admins, in the order of `lower(shortcode@domain)` (reversed when paging
/// backwards with `before`, which the caller turns round).
pub async fn page(
    db: impl PgExecutor<'_>,
    q: &EmojiQuery,
) -> Result<Vec<CustomEmoji>, sqlx::Error> {
    let order = if q.before.is_some() { "DESC" } else { "ASC" };
    let sql = format!(
        "{} WHERE ($1::text IS NULL OR COALESCE(e.domain, '') = $1) \
         AND (($2 AND NOT e.disabled) OR ($3 AND e.disabled)) \
         AND ($4::text IS NULL OR e.shortcode = $4) \
         AND ($5::text IS NULL OR {KEY} > lower($5) COLLATE \"C\") \
         AND ($6::text IS NULL OR {KEY} < lower($6) COLLATE \"C\") \
         ORDER BY {KEY} {order} LIMIT $7",
        select_emojis!()
    );
    sqlx::query_as(&sql)
        .bind(&q.domain)
        .bind(q.include_enabled)
        .bind(q.include_disabled)
        .bind(&q.shortcode)
        .bind(&q.after)
        .bind(&q.before)
        .bind(q.limit)
        .fetch_all(db)
        .await
}

/// The key admins' lists sort and page by, as GoToSocial's `shortcode_domain`.
const KEY: &str = "lower(e.shortcode || '@' || COALESCE(e.domain, '')) COLLATE \"C\"";

/// A stored emoji image: the original and its static PNG.
pub struct EmojiFiles<'a> {
    pub image_url: &'a str,
    pub static_url: &'a str,
    pub file_key: &'a str,
    pub static_key: &'a str,
    pub content_type: &'a str,
    /// Both files' bytes.
    pub file_size: i64,
}

/// Adds one of the instance's emoji. Fails with a unique violation on
/// `custom_emojis_shortcode_domain_key` when the shortcode is taken.
pub async fn insert_local(
    db: impl PgExecutor<'_>,
    id: i64,
    shortcode: &str,
    category_id: Option<i64>,
    files: &EmojiFiles<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO custom_emojis (id, shortcode, domain, image_url, static_url, file_key, \
         static_key, content_type, file_size, category_id) \
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(shortcode)
    .bind(files.image_url)
    .bind(files.static_url)
    .bind(files.file_key)
    .bind(files.static_key)
    .bind(files.content_type)
    .bind(files.file_size)
    .bind(category_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Replaces a local emoji's image; returns the keys of the files it used before.
pub async fn set_image(
    db: &mut PgConnection,
    id: i64,
    files: &EmojiFiles<'_>,
) -> Result<Vec<String>, sqlx::Error> {
    let old = keys_of(&mut *db, id).await?;
    sqlx::query(
        "UPDATE custom_emojis SET image_url = $2, static_url = $3, file_key = $4, static_key = $5, \
         content_type = $6, file_size = $7, image_updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(files.image_url)
    .bind(files.static_url)
    .bind(files.file_key)
    .bind(files.static_key)
    .bind(files.content_type)
    .bind(files.file_size)
    .execute(&mut *db)
    .await?;
    Ok(old)
}

async fn keys_of(db: &mut PgConnection, id: i64) -> Result<Vec<String>, sqlx::Error> {
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT file_key, static_key FROM custom_emojis WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *db)
            .await?;
    Ok(row
        .map(|(a, b)| a.into_iter().chain(b).collect())
        .unwrap_or_default())
}

/// Sets what an admin may change of an emoji besides its image. Fails with a unique
/// violation when the new shortcode is taken.
pub async fn set_attributes(
    db: impl PgExecutor<'_>,
    id: i64,
    shortcode: &str,
    category_id: Option<i64>,
    visible_in_picker: bool,
    disabled: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE custom_emojis SET shortcode = $2, category_id = $3, visible_in_picker = $4, \
         disabled = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(shortcode)
    .bind(category_id)
    .bind(visible_in_picker)
    .bind(disabled)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes an emoji; returns the keys of its stored files.
pub async fn delete(db: &mut PgConnection, id: i64) -> Result<Vec<String>, sqlx::Error> {
    let keys = keys_of(&mut *db, id).await?;
    sqlx::query("DELETE FROM custom_emojis WHERE id = $1")
        .bind(id)
        .execute(&mut *db)
        .await?;
    Ok(keys)
}

/// Makes the cached accounts of `domain` (`None`: local ones) whose name, bio or fields
/// write `:shortcode:` be read again: their emoji changed. (The update fires the accounts'
/// cache invalidation trigger and changes nothing.)
pub async fn touch_accounts(
    db: impl PgExecutor<'_>,
    domain: Option<&str>,
    shortcode: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET display_name = display_name \
         WHERE COALESCE(domain, '') = COALESCE($1, '') \
         AND strpos(display_name || ' ' || note || ' ' || fields::text, ':' || $2 || ':') > 0",
    )
    .bind(domain)
    .bind(shortcode)
    .execute(db)
    .await?;
    Ok(())
}

/// Every category, by name.
pub async fn categories(db: impl PgExecutor<'_>) -> Result<Vec<EmojiCategory>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM custom_emoji_categories ORDER BY lower(name), id")
        .fetch_all(db)
        .await
}

/// The id of the category named `name` (case-insensitively), created if need be.
pub async fn category_named(
    db: &mut PgConnection,
    new_id: i64,
    name: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO custom_emoji_categories (id, name) VALUES ($1, $2) \
         ON CONFLICT (lower(name)) DO NOTHING",
    )
    .bind(new_id)
    .bind(name)
    .execute(&mut *db)
    .await?;
    sqlx::query_scalar("SELECT id FROM custom_emoji_categories WHERE lower(name) = lower($1)")
        .bind(name)
        .fetch_one(&mut *db)
        .await
}

/// Removes categories no emoji is in any more.
pub async fn drop_empty_categories(db: impl PgExecutor<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM custom_emoji_categories c \
         WHERE NOT EXISTS (SELECT 1 FROM custom_emojis e WHERE e.category_id = c.id)",
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A remote emoji as a peer's document describes it.
pub struct RemoteEmojiRow<'a> {
    pub new_id: i64,
    pub domain: &'a str,
    pub shortcode: &'a str,
    pub uri: Option<&'a str>,
    pub url: &'a str,
    pub updated: Option<DateTime<Utc>>,
}

/// What recording a remote emoji did.
#[derive(Debug, PartialEq, Eq)]
pub enum Recorded {
    /// New here (its id).
    Added(i64),
    /// Its image changed (its id, and the keys of the cached files it had).
    Changed(i64, Vec<String>),
    /// Known as it is.
    Unchanged,
}

/// Records a remote emoji: added when unknown; its image replaced (and its cached copy
/// forgotten) when the URL differs or `updated` is newer than what is known.
pub async fn record_remote(
    db: &mut PgConnection,
    e: &RemoteEmojiRow<'_>,
) -> Result<Recorded, sqlx::Error> {
    let known: Option<(i64, Option<String>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, remote_url, image_updated_at FROM custom_emojis \
         WHERE shortcode = $1 AND domain = $2 FOR UPDATE",
    )
    .bind(e.shortcode)
    .bind(e.domain)
    .fetch_optional(&mut *db)
    .await?;
    match known {
        None => {
            let inserted = sqlx::query(
                "INSERT INTO custom_emojis (id, shortcode, domain, uri, image_url, static_url, \
                 remote_url, image_updated_at) VALUES ($1, $2, $3, $4, $5, $5, $5, \
                 COALESCE($6, now())) ON CONFLICT DO NOTHING",
            )
            .bind(e.new_id)
            .bind(e.shortcode)
            .bind(e.domain)
            .bind(e.uri)
            .bind(e.url)
            .bind(e.updated)
            .execute(&mut *db)
            .await?;
            Ok(if inserted.rows_affected() == 1 {
                Recorded::Added(e.new_id)
            } else {
                Recorded::Unchanged
            })
        }
        Some((id, url, updated_at)) => {
            let newer = e.updated.is_some_and(|u| u > updated_at);
            if url.as_deref() == Some(e.url) && !newer {
                return Ok(Recorded::Unchanged);
            }
            let old = keys_of(&mut *db, id).await?;
            sqlx::query(
                "UPDATE custom_emojis SET uri = COALESCE($2, uri), image_url = $3, \
                 static_url = $3, remote_url = $3, file_key = NULL, static_key = NULL, \
                 cached_at = NULL, cached_bytes = NULL, content_type = '', file_size = 0, \
                 image_updated_at = COALESCE($4, now()) WHERE id = $1",
            )
            .bind(id)
            .bind(e.uri)
            .bind(e.url)
            .bind(e.updated)
            .execute(&mut *db)
            .await?;
            Ok(Recorded::Changed(id, old))
        }
    }
}

/// Points a remote emoji at its cached copy, if it still comes from `remote_url` and has
/// none; returns whether it did.
pub async fn set_cached(
    db: impl PgExecutor<'_>,
    id: i64,
    remote_url: &str,
    files: &EmojiFiles<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE custom_emojis SET image_url = $3, static_url = $4, file_key = $5, static_key = $6, \
         content_type = $7, file_size = $8, cached_bytes = $8, cached_at = now() \
         WHERE id = $1 AND remote_url = $2 AND file_key IS NULL",
    )
    .bind(id)
    .bind(remote_url)
    .bind(files.image_url)
    .bind(files.static_url)
    .bind(files.file_key)
    .bind(files.static_key)
    .bind(files.content_type)
    .bind(files.file_size)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets a remote emoji's cached copy (it shows its remote URL again); returns its keys and
/// its domain and shortcode.
pub async fn uncache(
    db: &mut PgConnection,
    id: i64,
) -> Result<(Vec<String>, Option<(String, String)>), sqlx::Error> {
    let keys = keys_of(&mut *db, id).await?;
    let named: Option<(String, String)> = sqlx::query_as(
        "UPDATE custom_emojis SET image_url = remote_url, static_url = remote_url, \
         file_key = NULL, static_key = NULL, cached_at = NULL, cached_bytes = NULL \
         WHERE id = $1 AND remote_url IS NOT NULL RETURNING domain, shortcode",
    )
    .bind(id)
    .fetch_optional(&mut *db)
    .await?;
    Ok((if named.is_some() { keys } else { Vec::new() }, named))
}
