//! Statuses, their counters, edits, mentions, tags, reactions and the lists built from them.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::model::{Status, StatusEdit, ViewerFlags, Visibility};

/// Every column of [`Status`], counters and application included.
macro_rules! select_statuses {
    () => {
        "SELECT s.id, s.uri, s.url, s.account_id, s.in_reply_to_id, s.in_reply_to_account_id, \
         s.reblog_of_id, s.conversation_id, s.text, s.content, s.spoiler_text, s.sensitive, \
         s.visibility, s.language, s.local, s.application_id, s.created_at, s.edited_at, \
         COALESCE(st.replies_count, 0) AS replies_count, \
         COALESCE(st.reblogs_count, 0) AS reblogs_count, \
         COALESCE(st.favourites_count, 0) AS favourites_count, \
         app.name AS application_name, app.website AS application_website \
         FROM statuses s LEFT JOIN status_stats st ON st.status_id = s.id \
         LEFT JOIN oauth_apps app ON app.id = s.application_id "
    };
}

/// A status to store.
pub struct NewStatus<'a> {
    pub id: i64,
    pub uri: &'a str,
    pub url: Option<&'a str>,
    pub account_id: i64,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    pub reblog_of_id: Option<i64>,
    pub conversation_id: i64,
    pub text: &'a str,
    pub content: &'a str,
    pub spoiler_text: &'a str,
    pub sensitive: bool,
    pub visibility: Visibility,
    pub language: Option<&'a str>,
    pub local: bool,
    pub application_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Stores a status with its counters, and counts it for its author and its parent.
pub async fn insert(db: &mut PgConnection, s: &NewStatus<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO statuses (id, uri, url, account_id, in_reply_to_id, in_reply_to_account_id, \
         reblog_of_id, conversation_id, text, content, spoiler_text, sensitive, visibility, \
         language, local, application_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(s.id)
    .bind(s.uri)
    .bind(s.url)
    .bind(s.account_id)
    .bind(s.in_reply_to_id)
    .bind(s.in_reply_to_account_id)
    .bind(s.reblog_of_id)
    .bind(s.conversation_id)
    .bind(s.text)
    .bind(s.content)
    .bind(s.spoiler_text)
    .bind(s.sensitive)
    .bind(s.visibility.as_str())
    .bind(s.language)
    .bind(s.local)
    .bind(s.application_id)
    .bind(s.created_at)
    .execute(&mut *db)
    .await?;
    sqlx::query("INSERT INTO status_stats (status_id) VALUES ($1)")
        .bind(s.id)
        .execute(&mut *db)
        .await?;
    adjust_counters(
        db,
        s.account_id,
        s.visibility,
        s.in_reply_to_id,
        s.reblog_of_id,
        1,
        Some(s.created_at),
    )
    .await
}

/// Keeps the author's `statuses_count`, the parent's `replies_count` and the original's
/// `reblogs_count` in step with one status added (`delta` 1) or removed (-1). Direct
/// messages count nowhere; only public and unlisted replies count as replies.
async fn adjust_counters(
    db: &mut PgConnection,
    account_id: i64,
    visibility: Visibility,
    in_reply_to_id: Option<i64>,
    reblog_of_id: Option<i64>,
    delta: i64,
    created_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    if visibility != Visibility::Direct {
        sqlx::query(
            "INSERT INTO account_stats (account_id, statuses_count, last_status_at) VALUES ($1, GREATEST($2, 0), $3) \
             ON CONFLICT (account_id) DO UPDATE SET statuses_count = GREATEST(account_stats.statuses_count + $2, 0), \
             last_status_at = COALESCE(GREATEST(account_stats.last_status_at, $3), account_stats.last_status_at)",
        )
        .bind(account_id)
        .bind(delta)
        .bind(created_at)
        .execute(&mut *db)
        .await?;
    }
    if let (Some(parent), Visibility::Public | Visibility::Unlisted) = (in_reply_to_id, visibility)
    {
        sqlx::query("UPDATE status_stats SET replies_count = GREATEST(replies_count + $2, 0) WHERE status_id = $1")
            .bind(parent)
            .bind(delta)
            .execute(&mut *db)
            .await?;
    }
    if let Some(original) = reblog_of_id {
        sqlx::query("UPDATE status_stats SET reblogs_count = GREATEST(reblogs_count + $2, 0) WHERE status_id = $1")
            .bind(original)
            .bind(delta)
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

/// Records whom a status mentions.
pub async fn insert_mentions(
    db: impl PgExecutor<'_>,
    status_id: i64,
    account_ids: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mentions (status_id, account_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
    )
    .bind(status_id)
    .bind(account_ids)
    .execute(db)
    .await?;
    Ok(())
}

/// Replaces the tags of a status (creating tags on first use).
pub async fn set_tags(
    db: &mut PgConnection,
    status_id: i64,
    names: &[String],
    new_ids: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM statuses_tags WHERE status_id = $1")
        .bind(status_id)
        .execute(&mut *db)
        .await?;
    if names.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO tags (id, name) SELECT * FROM unnest($1::bigint[], $2::text[]) \
         ON CONFLICT (lower(name)) DO NOTHING",
    )
    .bind(new_ids)
    .bind(names)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO statuses_tags (tag_id, status_id) \
         SELECT t.id, $1 FROM tags t WHERE lower(t.name) = ANY(SELECT lower(n) FROM unnest($2::text[]) n) \
         ON CONFLICT DO NOTHING",
    )
    .bind(status_id)
    .bind(names)
    .execute(&mut *db)
    .await?;
    Ok(())
}

pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Status>, sqlx::Error> {
    sqlx::query_as(concat!(select_statuses!(), "WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The statuses with these ids, in no particular order.
pub async fn by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<Status>, sqlx::Error> {
    sqlx::query_as(concat!(select_statuses!(), "WHERE s.id = ANY($1)"))
        .bind(ids)
        .fetch_all(db)
        .await
}

/// `account`'s boost of `original`, if there is one.
pub async fn reblog_by(
    db: impl PgExecutor<'_>,
    account_id: i64,
    original: i64,
) -> Result<Option<Status>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_statuses!(),
        "WHERE s.account_id = $1 AND s.reblog_of_id = $2"
    ))
    .bind(account_id)
    .bind(original)
    .fetch_optional(db)
    .await
}

/// Deletes a status (its boosts, reactions, mentions and feed entries go with it) and undoes
/// its counts. Replies keep existing, detached from it.
pub async fn delete(db: &mut PgConnection, status: &Status) -> Result<(), sqlx::Error> {
    // Boosts of it disappear too: uncount them for their authors first.
    let boosters: Vec<(i64, String)> =
        sqlx::query_as("SELECT account_id, visibility FROM statuses WHERE reblog_of_id = $1")
            .bind(status.id)
            .fetch_all(&mut *db)
            .await?;
    for (booster, visibility) in boosters {
        let visibility = Visibility::parse(&visibility).unwrap_or(Visibility::Public);
        adjust_counters(db, booster, visibility, None, None, -1, None).await?;
    }
    sqlx::query("DELETE FROM statuses WHERE id = $1")
        .bind(status.id)
        .execute(&mut *db)
        .await?;
    adjust_counters(
        db,
        status.account_id,
        status.visibility,
        status.in_reply_to_id,
        status.reblog_of_id,
        -1,
        None,
    )
    .await
}

/// Up to `limit` statuses (boosts included) of `account_id`, newest first.
pub async fn newest_of_account(
    db: impl PgExecutor<'_>,
    account_id: i64,
    limit: i64,
) -> Result<Vec<Status>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_statuses!(),
        "WHERE s.account_id = $1 ORDER BY s.id DESC LIMIT $2"
    ))
    .bind(account_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The new version of an edited status.
pub struct Revision<'a> {
    pub text: &'a str,
    pub content: &'a str,
    pub spoiler_text: &'a str,
    pub sensitive: bool,
    pub language: Option<&'a str>,
}

/// Saves the current version as an edit (with id `edit_id`), then applies `new`.
pub async fn edit(
    db: &mut PgConnection,
    status: &Status,
    edit_id: i64,
    new: &Revision<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO status_edits (id, status_id, content, spoiler_text, sensitive, language, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(edit_id)
    .bind(status.id)
    .bind(&status.content)
    .bind(&status.spoiler_text)
    .bind(status.sensitive)
    .bind(&status.language)
    .bind(status.edited_at.unwrap_or(status.created_at))
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "UPDATE statuses SET text = $2, content = $3, spoiler_text = $4, sensitive = $5, \
         language = $6, edited_at = now() WHERE id = $1",
    )
    .bind(status.id)
    .bind(new.text)
    .bind(new.content)
    .bind(new.spoiler_text)
    .bind(new.sensitive)
    .bind(new.language)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Earlier versions, oldest first.
pub async fn edits(
    db: impl PgExecutor<'_>,
    status_id: i64,
) -> Result<Vec<StatusEdit>, sqlx::Error> {
    sqlx::query_as(
        "SELECT content, spoiler_text, sensitive, language, created_at, poll_options FROM status_edits \
         WHERE status_id = $1 ORDER BY id",
    )
    .bind(status_id)
    .fetch_all(db)
    .await
}

/// Replaces the mentions of an edited status.
pub async fn clear_mentions(db: impl PgExecutor<'_>, status_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mentions WHERE status_id = $1")
        .bind(status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// (status id, mentioned account id) for these statuses.
pub async fn mentions_of(
    db: impl PgExecutor<'_>,
    status_ids: &[i64],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT status_id, account_id FROM mentions WHERE status_id = ANY($1)")
        .bind(status_ids)
        .fetch_all(db)
        .await
}

/// (status id, tag name) for these statuses.
pub async fn tags_of(
    db: impl PgExecutor<'_>,
    status_ids: &[i64],
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT st.status_id, t.name FROM statuses_tags st JOIN tags t ON t.id = st.tag_id \
         WHERE st.status_id = ANY($1) ORDER BY lower(t.name)",
    )
    .bind(status_ids)
    .fetch_all(db)
    .await
}

/// What `viewer` did with each of these statuses, in one query.
pub async fn viewer_flags(
    db: impl PgExecutor<'_>,
    viewer: i64,
    status_ids: &[i64],
) -> Result<Vec<ViewerFlags>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id AS status_id, \
         EXISTS (SELECT 1 FROM favourites f WHERE f.status_id = s.id AND f.account_id = $1) AS favourited, \
         EXISTS (SELECT 1 FROM statuses r WHERE r.reblog_of_id = s.id AND r.account_id = $1) AS reblogged, \
         EXISTS (SELECT 1 FROM bookmarks b WHERE b.status_id = s.id AND b.account_id = $1) AS bookmarked, \
         EXISTS (SELECT 1 FROM conversation_mutes c WHERE c.conversation_id = s.conversation_id AND c.account_id = $1) AS muted, \
         EXISTS (SELECT 1 FROM status_pins p WHERE p.status_id = s.id AND p.account_id = $1) AS pinned \
         FROM statuses s WHERE s.id = ANY($2)",
    )
    .bind(viewer)
    .bind(status_ids)
    .fetch_all(db)
    .await
}

/// Facts `service::visibility` needs about `viewer` and these authors and statuses, in one
/// query: (authors `viewer` follows, authors blocking or blocked by `viewer`, statuses
/// mentioning `viewer`).
pub async fn visibility_facts(
    db: &mut PgConnection,
    viewer: i64,
    author_ids: &[i64],
    status_ids: &[i64],
) -> Result<(Vec<i64>, Vec<i64>, Vec<i64>), sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT 'f', target_account_id FROM follows WHERE account_id = $1 AND target_account_id = ANY($2) \
         UNION ALL \
         SELECT 'b', CASE WHEN account_id = $1 THEN target_account_id ELSE account_id END FROM blocks \
         WHERE (account_id = $1 AND target_account_id = ANY($2)) OR (target_account_id = $1 AND account_id = ANY($2)) \
         UNION ALL \
         SELECT 'm', status_id FROM mentions WHERE account_id = $1 AND status_id = ANY($3)",
    )
    .bind(viewer)
    .bind(author_ids)
    .bind(status_ids)
    .fetch_all(&mut *db)
    .await?;
    let (mut followed, mut blocked, mut mentioned) = (Vec::new(), Vec::new(), Vec::new());
    for (kind, id) in rows {
        match kind.as_str() {
            "f" => followed.push(id),
            "b" => blocked.push(id),
            _ => mentioned.push(id),
        }
    }
    Ok((followed, blocked, mentioned))
}

/// A status with what every viewer sees alongside it: the accounts it mentions, its tags,
/// whether it has attachments. What depends on the viewer is in [`ViewerFacts`].
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StatusRow {
    #[sqlx(flatten)]
    pub status: Status,
    pub mention_ids: Vec<i64>,
    pub tag_names: Vec<String>,
    pub has_media: bool,
    /// The preview card it shows, if any.
    pub card_id: Option<i64>,
    pub has_poll: bool,
    /// Who may quote it, as stored (`None`: its server states no policy).
    pub quote_policy: Option<String>,
    /// Its quote (state, quoted status when known here, its URI, stamp); accepted quotes of it.
    pub quote_state: Option<String>,
    pub quoted_status_id: Option<i64>,
    pub quoted_uri: Option<String>,
    pub quote_approval_uri: Option<String>,
    pub quotes_count: i64,
}

/// The statuses with these ids, and the originals of those that are boosts, in one query
/// however many boosts there are.
pub async fn rows_for(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<StatusRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.uri, s.url, s.account_id, s.in_reply_to_id, s.in_reply_to_account_id, \
         s.reblog_of_id, s.conversation_id, s.text, s.content, s.spoiler_text, s.sensitive, \
         s.visibility, s.language, s.local, s.application_id, s.created_at, s.edited_at, \
         COALESCE(st.replies_count, 0) AS replies_count, \
         COALESCE(st.reblogs_count, 0) AS reblogs_count, \
         COALESCE(st.favourites_count, 0) AS favourites_count, \
         app.name AS application_name, app.website AS application_website, \
         ARRAY(SELECT m.account_id FROM mentions m WHERE m.status_id = s.id) AS mention_ids, \
         ARRAY(SELECT t.name FROM statuses_tags stt JOIN tags t ON t.id = stt.tag_id \
               WHERE stt.status_id = s.id ORDER BY lower(t.name)) AS tag_names, \
         COALESCE((SELECT true FROM media_attachments ma WHERE ma.status_id = s.id LIMIT 1), false) AS has_media, \
         (SELECT spc.card_id FROM status_preview_cards spc WHERE spc.status_id = s.id) AS card_id, \
         EXISTS (SELECT 1 FROM polls p WHERE p.status_id = s.id) AS has_poll, \
         s.quote_policy, q.state AS quote_state, q.quoted_status_id, q.quoted_uri, q.approval_uri \
         AS quote_approval_uri, (SELECT count(*) FROM quotes qq WHERE qq.quoted_status_id = s.id \
           AND qq.state = 'accepted') AS quotes_count \
         FROM statuses s LEFT JOIN status_stats st ON st.status_id = s.id \
         LEFT JOIN oauth_apps app ON app.id = s.application_id \
         LEFT JOIN quotes q ON q.status_id = s.id \
         WHERE s.id = ANY($1::bigint[] || ARRAY(SELECT b.reblog_of_id FROM statuses b \
           WHERE b.id = ANY($1) AND b.reblog_of_id IS NOT NULL))",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

/// What one viewer's page needs to know of the viewer, beside the statuses themselves.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct ViewerFacts {
    /// Of the statuses asked about, those the viewer favourited, boosted, bookmarked, pinned.
    pub favourited: Vec<i64>,
    pub reblogged: Vec<i64>,
    pub bookmarked: Vec<i64>,
    pub pinned: Vec<i64>,
    /// Of the conversations asked about, those the viewer muted.
    pub muted_conversations: Vec<i64>,
    /// Of the authors asked about as `followed_candidates`, those the viewer follows.
    pub follows: Vec<i64>,
    /// Of the authors asked about, those blocking the viewer or blocked by them.
    pub blocked: Vec<i64>,
    /// The viewer has keyword filters, so the page must be matched against them.
    pub has_filters: bool,
    /// The cache epoch at the time of the query (see `store::cache`).
    pub epoch: i64,
}

/// [`ViewerFacts`] of `viewer` about these statuses, their authors and conversations, in one
/// query: index probes on the viewer's own rows, none on the statuses. Follows are looked up
/// only among `followed_candidates` (the caller knows which authors' follows matter); with
/// none, the follows are not read at all (an empty `ANY` would still walk all of the viewer's
/// follows in the index). `blocked` may name an account twice (blocked both ways): sorting
/// it out here cost more than the whole rest of the lookup.
pub async fn viewer_facts(
    db: impl PgExecutor<'_>,
    viewer: i64,
    status_ids: &[i64],
    author_ids: &[i64],
    followed_candidates: &[i64],
    conversation_ids: &[i64],
) -> Result<ViewerFacts, sqlx::Error> {
    // A function, so that its plan is always the generic one (migration
    // `viewer_facts_function` says why).
    sqlx::query_as(
        "SELECT favourited, reblogged, bookmarked, pinned, muted_conversations, follows, \
         blocked, has_filters, epoch FROM rookery_viewer_facts($1, $2, $3, $4, $5)",
    )
    .bind(viewer)
    .bind(status_ids)
    .bind(author_ids)
    .bind(conversation_ids)
    .bind(followed_candidates)
    .fetch_one(db)
    .await
}

/// Ancestors of a status, oldest first, up to `limit` levels.
pub async fn ancestors(
    db: impl PgExecutor<'_>,
    status: &Status,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "WITH RECURSIVE up(id, parent, depth) AS ( \
           SELECT s.id, s.in_reply_to_id, 1 FROM statuses s WHERE s.id = $1 \
           UNION ALL SELECT s.id, s.in_reply_to_id, up.depth + 1 FROM statuses s JOIN up ON s.id = up.parent \
           WHERE up.depth <= $2) \
         SELECT id FROM up WHERE id <> $3 ORDER BY id",
    )
    .bind(status.in_reply_to_id)
    .bind(limit)
    .bind(status.id)
    .fetch_all(db)
    .await
}

/// Descendants of a status in thread order (by id), up to `limit`.
pub async fn descendants(
    db: impl PgExecutor<'_>,
    status_id: i64,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "WITH RECURSIVE down(id, depth) AS ( \
           SELECT s.id, 1 FROM statuses s WHERE s.in_reply_to_id = $1 \
           UNION ALL SELECT s.id, down.depth + 1 FROM statuses s JOIN down ON s.in_reply_to_id = down.id \
           WHERE down.depth < 256) \
         SELECT id FROM down ORDER BY id LIMIT $2",
    )
    .bind(status_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The status made under this idempotency key within the last hour.
pub async fn idempotent(
    db: impl PgExecutor<'_>,
    account_id: i64,
    key: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT status_id FROM idempotency_keys WHERE account_id = $1 AND key = $2 \
         AND created_at > now() - interval '1 hour'",
    )
    .bind(account_id)
    .bind(key)
    .fetch_optional(db)
    .await
}

pub async fn remember_idempotency(
    db: impl PgExecutor<'_>,
    account_id: i64,
    key: &str,
    status_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO idempotency_keys (account_id, key, status_id) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, key) DO UPDATE SET status_id = $3, created_at = now()",
    )
    .bind(account_id)
    .bind(key)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Accounts that boosted a status (to notify them of an edit).
pub async fn boosters(db: impl PgExecutor<'_>, status_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT account_id FROM statuses WHERE reblog_of_id = $1")
        .bind(status_id)
        .fetch_all(db)
        .await
}

/// Local statuses, boosts excluded (instance statistics, NodeInfo).
pub async fn count_local(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM statuses WHERE local AND reblog_of_id IS NULL")
        .fetch_one(db)
        .await
}

/// The URI of the status `status` replies to (its `inReplyTo`), if it is a reply.
pub async fn parent_uri(
    db: impl PgExecutor<'_>,
    status: &Status,
) -> Result<Option<String>, sqlx::Error> {
    let Some(parent) = status.in_reply_to_id else {
        return Ok(None);
    };
    sqlx::query_scalar("SELECT uri FROM statuses WHERE id = $1")
        .bind(parent)
        .fetch_optional(db)
        .await
}

/// A page of an account's public and unlisted statuses and boosts, newest first (the outbox).
pub async fn outbox_page(
    db: impl PgExecutor<'_>,
    account_id: i64,
    max_id: Option<i64>,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM statuses WHERE account_id = $1 AND visibility IN ('public', 'unlisted') \
         AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
    )
    .bind(account_id)
    .bind(max_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Public and unlisted direct replies to a status, oldest first: their URIs.
pub async fn public_reply_uris(
    db: impl PgExecutor<'_>,
    status_id: i64,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT uri FROM statuses WHERE in_reply_to_id = $1 AND visibility IN ('public', 'unlisted') \
         ORDER BY id LIMIT $2",
    )
    .bind(status_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// An account's pinned statuses, newest pin first.
pub async fn pinned_ids(db: impl PgExecutor<'_>, account_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT status_id FROM status_pins WHERE account_id = $1 ORDER BY id DESC")
        .bind(account_id)
        .fetch_all(db)
        .await
}

/// The status with this ActivityPub id: the only identity a status has.
pub async fn id_by_uri(db: impl PgExecutor<'_>, uri: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM statuses WHERE uri = $1")
        .bind(uri)
        .fetch_optional(db)
        .await
}

/// The status a person means by an address they pasted: the one with this ActivityPub id,
/// else one whose web URL it is (URLs are kept only on their status's own origin). For
/// searches and remote interactions, never for federation.
pub async fn id_by_uri_or_url(
    db: impl PgExecutor<'_>,
    url: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM statuses WHERE uri = $1 OR url = $1 ORDER BY uri = $1 DESC, id LIMIT 1",
    )
    .bind(url)
    .fetch_optional(db)
    .await
}

/// Tag names starting with `prefix`, shortest first.
pub async fn tags_by_prefix(
    db: impl PgExecutor<'_>,
    prefix: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let escaped = prefix
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sqlx::query_scalar(
        "SELECT name FROM tags WHERE lower(name) LIKE lower($1) || '%' ORDER BY length(name), name LIMIT $2 OFFSET $3",
    )
    .bind(escaped)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}
