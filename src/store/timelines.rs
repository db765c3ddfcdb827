//! The lists built from statuses: the home feed page, public and hashtag timelines, an
//! account's statuses, and pages of favourites, bookmarks and who reacted. Each takes a
//! [`Page`] and returns ids (or paging pairs) newest first.

use sqlx::PgExecutor;

use crate::model::Page;

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

/// What a signed-in viewer adds to the public and hashtag timelines, `$1` being the viewer.
/// Anonymous reads leave it out of the statement altogether, which keeps theirs simple
/// enough to be planned once.
fn viewer_clause(viewer: Option<i64>) -> &'static str {
    match viewer {
        Some(_) => concat!(" AND ", author_not_hidden_from!("$1")),
        None => "",
    }
}

/// A page of an owner's home feed: status ids, newest first.
pub async fn home_feed(
    db: impl PgExecutor<'_>,
    owner: i64,
    page: &Page,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = paged(
        "SELECT status_id FROM home_feed WHERE account_id = $1",
        "status_id",
        page,
        2,
    );
    let ids = sqlx::query_scalar(&sql)
        .bind(owner)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(ids))
}

/// Which public statuses a public timeline shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct PublicScope {
    pub local_only: bool,
    pub remote_only: bool,
    pub only_media: bool,
}

/// A page of the public timeline as `viewer` (if any) sees it: public originals, no replies
/// to others, nothing from accounts blocked or muted either way, nothing silenced.
pub async fn public_timeline(
    db: impl PgExecutor<'_>,
    viewer: Option<i64>,
    scope: PublicScope,
    page: &Page,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = paged(
        &with_media_only(
            scope.only_media,
            &format!(
                "SELECT s.id FROM statuses s WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL \
                 AND ($2 = FALSE OR s.local) AND ($3 = FALSE OR NOT s.local) \
                 AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id) \
                 AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id AND (a.suspended_at IS NOT NULL OR a.silenced_at IS NOT NULL)){}",
                viewer_clause(viewer)
            ),
        ),
        "s.id",
        page,
        4,
    );
    let ids = sqlx::query_scalar(&sql)
        .bind(viewer)
        .bind(scope.local_only)
        .bind(scope.remote_only)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(ids))
}

/// A page of a hashtag timeline: public statuses tagged with any of `any` (lower case),
/// all of `all`, none of `none`.
pub async fn tag_timeline(
    db: impl PgExecutor<'_>,
    viewer: Option<i64>,
    any: &[String],
    all: &[String],
    none: &[String],
    local_only: bool,
    page: &Page,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = paged(
        &format!(
            "SELECT s.id FROM statuses s WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL \
             AND ($2 = FALSE OR s.local) \
             AND EXISTS (SELECT 1 FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND lower(t.name) = ANY($3)) \
             AND NOT EXISTS (SELECT 1 FROM unnest($4::text[]) need WHERE NOT EXISTS (SELECT 1 FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND lower(t.name) = need)) \
             AND NOT EXISTS (SELECT 1 FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND lower(t.name) = ANY($5)) \
             AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id AND (a.suspended_at IS NOT NULL OR a.silenced_at IS NOT NULL)){}",
            viewer_clause(viewer)
        ),
        "s.id",
        page,
        6,
    );
    let ids = sqlx::query_scalar(&sql)
        .bind(viewer)
        .bind(local_only)
        .bind(any)
        .bind(all)
        .bind(none)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(ids))
}

/// Filters of an account's status list.
#[derive(Clone, Debug, Default)]
pub struct AccountStatusFilter {
    pub pinned: bool,
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub only_media: bool,
    pub tagged: Option<String>,
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

/// Which reaction list to page through.
#[derive(Clone, Copy, Debug)]
pub enum Reaction {
    Favourites,
    Bookmarks,
}

impl Reaction {
    fn table(self) -> &'static str {
        match self {
            Reaction::Favourites => "favourites",
            Reaction::Bookmarks => "bookmarks",
        }
    }
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
        kind.table()
    );
    id_pairs(db, &sql, "r.id", account_id, page).await
}

/// Runs `sql` (a query of `(cursor, id)` pairs with one parameter, `key`) for one page.
async fn id_pairs(
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
