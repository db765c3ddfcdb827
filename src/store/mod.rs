//! All SQL lives here, one file per aggregate. Functions take any executor (pool, connection or
//! transaction) so services decide what runs in one transaction, and return `model` types.
//!
//! Queries are checked at run time rather than with `sqlx::query!`: every query runs in the
//! integration tests against a real PostgreSQL, and the build needs no database or offline
//! query data.

/// The columns of `model::Account` for `accounts a` joined with `account_stats s`.
macro_rules! account_columns {
    () => {
        "a.id, a.username, a.domain, a.display_name, a.note, a.note_source, a.fields, \
         a.locked, a.bot, a.discoverable, a.indexable, a.hide_collections, a.actor_type, \
         a.avatar_url, a.header_url, a.uri, a.url, a.inbox_url, a.shared_inbox_url, a.outbox_url, \
         a.followers_url, a.following_url, a.featured_url, a.public_key_id, a.public_key_pem, \
         a.also_known_as, a.attribution_domains, a.moved_to_account_id, a.memorial, a.suspended_at, a.silenced_at, \
         a.sensitized_at, a.created_at, a.updated_at, a.fetched_at, \
         COALESCE(s.statuses_count, 0) AS statuses_count, \
         COALESCE(s.following_count, 0) AS following_count, \
         COALESCE(s.followers_count, 0) AS followers_count, s.last_status_at, \
         (SELECT ur.role FROM users ur WHERE ur.account_id = a.id) AS user_role, \
         (SELECT mt.uri FROM accounts mt WHERE mt.id = a.moved_to_account_id) AS moved_to_uri, \
         (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', e.id, 'shortcode', e.shortcode, \
           'domain', e.domain, 'uri', e.uri, 'image_url', e.image_url, 'static_url', e.static_url, \
           'remote_url', e.remote_url, 'content_type', e.content_type, 'file_size', e.file_size, \
           'disabled', e.disabled, 'visible_in_picker', e.visible_in_picker, 'category', ec.name, \
           'image_updated_at', e.image_updated_at) ORDER BY e.shortcode), '[]'::jsonb) \
           FROM custom_emojis e LEFT JOIN custom_emoji_categories ec ON ec.id = e.category_id \
           WHERE NOT e.disabled AND COALESCE(e.domain, '') = COALESCE(a.domain, '') \
           AND e.shortcode IN (SELECT (regexp_matches(a.display_name || ' ' || a.note || ' ' || \
           a.fields::text, ':([A-Za-z0-9_]{2,64}):', 'g'))[1])) AS emojis"
    };
}

/// The columns of `model::CustomEmoji` for `custom_emojis e` joined with its category `ec`.
macro_rules! emoji_columns {
    () => {
        "e.id, e.shortcode, e.domain, e.uri, e.image_url, e.static_url, e.remote_url, \
         e.content_type, e.file_size, e.disabled, e.visible_in_picker, ec.name AS category, \
         e.image_updated_at"
    };
}

/// The rule of who may see a status, as an SQL condition on `s` for viewer `$V` (a bigint
/// parameter, NULL for nobody signed in). It mirrors `service::visibility::may_see`, which
/// remains the final gate: this only keeps pages from filling up with what would be dropped.
macro_rules! visible_to {

    ($v:literal) => {
        concat!(
            "(s.visibility IN ('public', 'unlisted') OR s.account_id = ", $v,
            " OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows vf WHERE vf.account_id = ", $v,
            " AND vf.target_account_id = s.account_id))",
            " OR EXISTS (SELECT 1 FROM mentions vm WHERE vm.status_id = s.id AND vm.account_id = ", $v, "))",
            " AND NOT EXISTS (SELECT 1 FROM blocks vb WHERE (vb.account_id = s.account_id AND vb.target_account_id = ", $v,
            ") OR (vb.account_id = ", $v, " AND vb.target_account_id = s.account_id))",
            " AND NOT EXISTS (SELECT 1 FROM accounts va WHERE va.id = s.account_id AND va.suspended_at IS NOT NULL)"
        )
    };
}

pub mod account_deletions;
pub mod accounts;
pub mod announcements;
pub mod archives;
pub mod cache;
pub mod cards;
pub mod conversations;
pub mod delivery_hosts;
pub mod discovery;
pub mod emojis;
pub mod endorsements;
pub mod exports;
pub mod feeds;
pub mod filters;
pub mod imports;
pub mod instance;
pub mod jobs;
pub mod lists;
pub mod markers;
pub mod media;
pub mod moderation;
pub mod moves;
pub mod notification_policies;
pub mod notifications;
pub mod oauth;
pub mod polls;
pub mod post_imports;
pub mod push;
pub mod quotes;
pub mod reactions;
pub mod relationships;
pub mod remote_actors;
pub mod rules;
pub mod scheduled;
pub mod statuses;
pub mod streaming;
pub mod tags;
pub mod timelines;
pub mod tombstones;
pub mod trends;
pub mod two_factor;
pub mod users;

/// The constraint a unique violation names, if `e` is one: services turn it into a 422.
pub fn unique_violation(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            Some(db.constraint().unwrap_or_default().to_string())
        }
        _ => None,
    }
}

/// Whether the database answers (readiness checks).
pub async fn ping(db: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(db)
        .await
        .map(|_| ())
}
