//! The lists built from statuses: the home feed page, public and hashtag timelines, an
//! account's statuses, and pages of favourites, bookmarks and who reacted. Each takes a
//! [`Page`] and returns ids (or paging pairs) newest first.

use sqlx::PgExecutor;

use crate::model::timeline::{AccountStatusFilter, PublicScope, Reaction};
use crate::model::Page;

/// The table a reaction list is read from.
fn reaction_table(kind: Reaction) -> &'static str {
    match kind {
        Reaction::Favourites => "favourites",
        Reaction::Bookmarks => "bookmarks",
    }
}

/// `sql` limited to statuses with attachments when `only_media` is asked for.
fn with_media_only(only_media: bool, sql: &str) -> String {
    if only_media {
        format!("{sql} AND EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = s.id AND ma.position >= 0)")
    } else {
        sql.to_string()
    }
}

/// Appends the paging conditions on `column`, the order and the limit. Only the bounds the
/// page has are written (their parameters, `$first_param` and the next, are bound either way)
/// and the limit is written as a number: with nothing left unknown that changes the plan,
/// PostgreSQL plans a prepared statement once and reuses the plan, where `$n IS NULL OR …` and
/// a parameter for the limit kept some statements planned afresh on every execution.
fn paged(sql: &str, column: &str, page: &Page, first_param: usize) -> String {
    let mut out = String::from(sql);
    if page.max_id.is_some() {
        out.push_str(&format!(" AND {column} < ${first_param}"));
    }
    if page.lower().is_some() {
        out.push_str(&format!(" AND {column} > ${}", first_param + 1));
    }
    out.push_str(&format!(
        " ORDER BY {column} {} LIMIT {}",
        page.order(),
        page.limit.max(0)
    ));
    out
}

/// The authors a signed-in viewer never sees in public and hashtag timelines: those they
/// muted (mutes still in force) or blocked, those who blocked them, and the domains they
/// blocked. Most viewers have none.
#[derive(Clone, Debug, Default)]
pub struct HiddenAuthors {
    pub accounts: Vec<i64>,
    pub domains: Vec<String>,
}

/// What `viewer` hides from their public and hashtag timelines.
///
/// Read before the page rather than inside its query: inside, these filters kept PostgreSQL
/// planning the page afresh on every execution (most of its cost, measured with `cargo bench
/// --bench timelines`). A viewer who hides nobody now reads the very statement an anonymous
/// reader does, planned once; the others get two array conditions, which plan quickly.
pub async fn hidden_authors(
    db: impl PgExecutor<'_>,
    viewer: i64,
) -> Result<HiddenAuthors, sqlx::Error> {
    let (accounts, domains) = sqlx::query_as(
        "SELECT ARRAY(SELECT target_account_id FROM mutes WHERE account_id = $1 \
                        AND (expires_at IS NULL OR expires_at > now()) \
                      UNION SELECT target_account_id FROM blocks WHERE account_id = $1 \
                      UNION SELECT account_id FROM blocks WHERE target_account_id = $1), \
                ARRAY(SELECT domain FROM user_domain_blocks WHERE account_id = $1)",
    )
    .bind(viewer)
    .fetch_one(db)
    .await?;
    Ok(HiddenAuthors { accounts, domains })
}

/// The conditions that leave `hidden` out of statuses `s`, on parameters `$first_param`
/// (account ids) and the next (domains), which are bound either way. Nothing for a viewer
/// who hides nobody, so theirs is the anonymous statement.
fn hidden_clause(hidden: &HiddenAuthors, first_param: usize) -> String {
    let mut out = String::new();
    if !hidden.accounts.is_empty() {
        out.push_str(&format!(" AND s.account_id <> ALL (${first_param})"));
    }
    if !hidden.domains.is_empty() {
        out.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM accounts ha WHERE ha.id = s.account_id \
             AND ha.domain IS NOT NULL AND EXISTS (SELECT 1 FROM unnest(${}::text[]) hd \
             WHERE rookery_domain_covered(ha.domain, hd)))",
            first_param + 1
        ));
    }
    out
}

/// A page of an owner's home feed: status ids, newest first, and the cache epoch.
pub async fn home_feed(
    db: impl PgExecutor<'_>,
    owner: i64,
    page: &Page,
) -> Result<HomePage, sqlx::Error> {
    let sql = format!(
        "SELECT ARRAY({}) AS ids, {} AS epoch",
        paged(
            "SELECT status_id FROM home_feed WHERE account_id = $1",
            "status_id",
            page,
            2,
        ),
        crate::store::cache::cache_epoch!()
    );
    let (ids, epoch): (Vec<i64>, i64) = sqlx::query_as(&sql)
        .bind(owner)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_one(db)
        .await?;
    Ok(HomePage {
        ids: page.finish(ids),
        epoch,
    })
}

/// A page of a home feed: its status ids, and the cache epoch (`store::cache`) the same
/// statement read, which confirms a cached token without a query of its own.
#[derive(Debug)]
pub struct HomePage {
    pub ids: Vec<i64>,
    pub epoch: i64,
}

/// A page of the public timeline: public originals, no replies to others, nothing silenced
/// or suspended, and nothing from the authors a signed-in viewer hides (`hidden`). Posts
/// imported from an archive are old news and stay out (as out of every public timeline):
/// an import of ten thousand posts would otherwise bury everything else.
pub async fn public_timeline(
    db: impl PgExecutor<'_>,
    hidden: &HiddenAuthors,
    scope: PublicScope,
    page: &Page,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = paged(
        &with_media_only(
            scope.only_media,
            &format!(
                "SELECT s.id FROM statuses s WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL \
                 AND s.imported_from IS NULL \
                 AND ($1 = FALSE OR s.local) AND ($2 = FALSE OR NOT s.local) \
                 AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id) \
                 AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id AND (a.suspended_at IS NOT NULL OR a.silenced_at IS NOT NULL)){}",
                hidden_clause(hidden, 5)
            ),
        ),
        "s.id",
        page,
        3,
    );
    let ids = sqlx::query_scalar(&sql)
        .bind(scope.local_only)
        .bind(scope.remote_only)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(&hidden.accounts)
        .bind(&hidden.domains)
        .fetch_all(db)
        .await?;
    Ok(page.finish(ids))
}

/// A page of the link timeline of card `card_id`: public original statuses showing it, by
/// discoverable authors (as Mastodon lists only those who opted in), leaving out the authors
/// a signed-in viewer hides.
pub async fn link_timeline(
    db: impl PgExecutor<'_>,
    hidden: &HiddenAuthors,
    card_id: i64,
    scope: PublicScope,
    page: &Page,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = paged(
        &with_media_only(
            scope.only_media,
            &format!(
                "SELECT s.id FROM status_preview_cards spc JOIN statuses s ON s.id = spc.status_id \
                 WHERE spc.card_id = $1 AND s.visibility = 'public' AND s.reblog_of_id IS NULL \
                 AND s.imported_from IS NULL \
                 AND ($2 = FALSE OR s.local) AND ($3 = FALSE OR NOT s.local) \
                 AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id AND a.discoverable \
                   AND a.suspended_at IS NULL AND a.silenced_at IS NULL){}",
                hidden_clause(hidden, 6)
            ),
        ),
        "s.id",
        page,
        4,
    );
    let ids = sqlx::query_scalar(&sql)
        .bind(card_id)
        .bind(scope.local_only)
        .bind(scope.remote_only)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(&hidden.accounts)
        .bind(&hidden.domains)
        .fetch_all(db)
        .await?;
    Ok(page.finish(ids))
}

/// A page of a hashtag timeline: public statuses tagged with any of `any` (lower case),
/// all of `all`, none of `none`, leaving out the authors a signed-in viewer hides.
pub async fn tag_timeline(
    db: impl PgExecutor<'_>,
    hidden: &HiddenAuthors,
    any: &[String],
    all: &[String],
    none: &[String],
    local_only: bool,
    page: &Page,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = paged(
        &format!(
            "SELECT s.id FROM statuses s WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL \
             AND s.imported_from IS NULL \
             AND ($1 = FALSE OR s.local) \
             AND EXISTS (SELECT 1 FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND lower(t.name) = ANY($2)) \
             AND NOT EXISTS (SELECT 1 FROM unnest($3::text[]) need WHERE NOT EXISTS (SELECT 1 FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND lower(t.name) = need)) \
             AND NOT EXISTS (SELECT 1 FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND lower(t.name) = ANY($4)) \
             AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id AND (a.suspended_at IS NOT NULL OR a.silenced_at IS NOT NULL)){}",
            hidden_clause(hidden, 7)
        ),
        "s.id",
        page,
        5,
    );
    let ids = sqlx::query_scalar(&sql)
        .bind(local_only)
        .bind(any)
        .bind(all)
        .bind(none)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(&hidden.accounts)
        .bind(&hidden.domains)
        .fetch_all(db)
        .await?;
    Ok(page.finish(ids))
}

/// A page of an account's statuses that `viewer` may see. Direct messages never appear on a
/// profile, as on Mastodon.
pub async fn account_statuses(
    db: impl PgExecutor<'_>,
    viewer: Option<i64>,
    account_id: i64,
    filter: &AccountStatusFilter,
    page: &Page,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = paged(
        &with_media_only(filter.only_media, concat!(
            "SELECT s.id FROM statuses s WHERE s.account_id = $2 AND s.visibility <> 'direct' \
             AND ($3 = FALSE OR EXISTS (SELECT 1 FROM status_pins p WHERE p.status_id = s.id AND p.account_id = $2)) \
             AND ($4 = FALSE OR s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id) \
             AND ($5 = FALSE OR s.reblog_of_id IS NULL) \
             AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND lower(t.name) = lower($6))) \
             AND (s.visibility IN ('public', 'unlisted') OR ($1::bigint IS NOT NULL AND ",
            visible_to!("$1"),
            "))"
        )),
        "s.id",
        page,
        7,
    );
    let ids = sqlx::query_scalar(&sql)
        .bind(viewer)
        .bind(account_id)
        .bind(filter.pinned)
        .bind(filter.exclude_replies)
        .bind(filter.exclude_reblogs)
        .bind(&filter.tagged)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(ids))
}

/// A page of what `account` favourited or bookmarked: (reaction id, status id), newest first.
pub async fn reacted_by(
    db: impl PgExecutor<'_>,
    kind: Reaction,
    account_id: i64,
    page: &Page,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT r.id, r.status_id FROM {} r WHERE r.account_id = $1",
        reaction_table(kind)
    );
    id_pairs(db, &sql, "r.id", account_id, page).await
}

/// Runs `sql` (a query of `(cursor, id)` pairs with one parameter, `key`) for one page.
pub(super) async fn id_pairs(
    db: impl PgExecutor<'_>,
    sql: &str,
    column: &str,
    key: i64,
    page: &Page,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let sql = paged(sql, column, page, 2);
    let rows = sqlx::query_as(&sql)
        .bind(key)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(rows))
}

/// A page of who favourited a status: (favourite id, account id).
pub async fn favourited_by(
    db: impl PgExecutor<'_>,
    status_id: i64,
    page: &Page,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    id_pairs(
        db,
        "SELECT f.id, f.account_id FROM favourites f WHERE f.status_id = $1",
        "f.id",
        status_id,
        page,
    )
    .await
}

/// A page of who boosted a status: (boost id, account id).
pub async fn reblogged_by(
    db: impl PgExecutor<'_>,
    status_id: i64,
    page: &Page,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    id_pairs(
        db,
        "SELECT s.id, s.account_id FROM statuses s WHERE s.reblog_of_id = $1",
        "s.id",
        status_id,
        page,
    )
    .await
}
