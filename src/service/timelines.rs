//! Reading: the home feed, lists, public and hashtag timelines, an account's statuses, favourites and
//! bookmarks, threads, and who favourited or boosted a status. Each returns the page's raw
//! cursors too, so paging goes on past statuses the viewer may not see.

use crate::app::AppState;
use crate::db::kept::KeptConnection;
use crate::error::{Error, Result};
use chrono::{Duration, Utc};

use crate::model::timeline::{AccountStatusFilter, PublicScope, Reaction};
use crate::model::{Account, Page, StatusView, User, Visibility};
use crate::service::moderation::filters::drop_hidden;
use crate::service::oauth::Tentative;
use crate::service::views;
use crate::store;

/// A page of statuses with its (newest, oldest) paging ids.
pub struct StatusPage {
    pub statuses: Vec<StatusView>,
    pub cursors: Option<(i64, i64)>,
    /// How many ids the page read, before dropping what the viewer may not see: a page that
    /// read fewer than it asked for is the last.
    pub read: usize,
}

fn cursors(ids: &[i64]) -> Option<(i64, i64)> {
    Some((*ids.first()?, *ids.last()?))
}

/// The page of these ids, hydrated on the connection that found them.
async fn page_on(
    state: &AppState,
    mut conn: KeptConnection,
    viewer: Option<&Account>,
    ids: Vec<i64>,
) -> Result<StatusPage> {
    let statuses = views::hydrate_on(state, &mut conn, viewer, &ids).await?;
    conn.keep();
    Ok(StatusPage {
        statuses,
        cursors: cursors(&ids),
        read: ids.len(),
    })
}

/// The home timeline. A feed not read for two weeks is not kept up to date by fan-out; it is
/// rebuilt from the statuses here, on the owner's return. Reading marks the feed active (at
/// most one write an hour).
pub async fn home(
    state: &AppState,
    owner: &Account,
    user: &User,
    page: &Page,
) -> Result<StatusPage> {
    home_with(state, owner, user, page, None)
        .await?
        .ok_or_else(|| Error::unauthorized("The access token is invalid"))
}

/// [`home`] for a caller whose token the cache holds, unconfirmed: the token is confirmed
/// with the cache epoch the feed's own query reads, before the feed is marked read or
/// rebuilt, so it costs no query of its own. `None` when it could not be confirmed (revoked,
/// its user or account changed, or the cache behind): nothing was written, and the caller
/// reads the token afresh and asks [`home`].
pub async fn home_if_confirmed(
    state: &AppState,
    owner: &Account,
    user: &User,
    page: &Page,
    tentative: &Tentative,
) -> Result<Option<StatusPage>> {
    home_with(state, owner, user, page, Some(tentative)).await
}

#[tracing::instrument(skip_all, fields(account.id = owner.id, tentative = tentative.is_some()))]
async fn home_with(
    state: &AppState,
    owner: &Account,
    user: &User,
    page: &Page,
    tentative: Option<&Tentative>,
) -> Result<Option<StatusPage>> {
    let feed = feed_state(user);
    if feed == Feed::Stale {
        // A rebuild writes: only for a confirmed token.
        if tentative.is_some() {
            return Ok(None);
        }
        keep_feed_active(state, owner, user).await?;
    }
    let mut conn = state.kept.acquire().await?;
    let found = store::timelines::home_feed(&mut *conn, owner.id, page).await?;
    if let Some(tentative) = tentative {
        if !tentative.confirm(state, &mut conn, found.epoch).await {
            conn.keep();
            return Ok(None);
        }
    }
    if feed == Feed::Unmarked {
        store::feeds::touch_feed(&mut *conn, owner.id).await?;
    }
    hiding(page_on(state, conn, Some(owner), found.ids).await?, "home").map(Some)
}

/// What reading a home feed does to it first: nothing, mark it read, or rebuild it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Feed {
    /// Read within the hour.
    Marked,
    /// Read within two weeks, not within the hour: marked read now.
    Unmarked,
    /// Not read for two weeks (or never): fan-out stopped filling it; rebuilt now.
    Stale,
}

fn feed_state(user: &User) -> Feed {
    let now = Utc::now();
    match user.feed_active_at {
        Some(at) if at > now - Duration::days(14) => {
            if at < now - Duration::hours(1) {
                Feed::Unmarked
            } else {
                Feed::Marked
            }
        }
        _ => Feed::Stale,
    }
}

/// A page of `owner`'s list `list_id` (another's: not found), filtered in the `home` context
/// as Mastodon filters lists.
#[tracing::instrument(skip_all, fields(account.id = owner.id, list.id = list_id))]
pub async fn list(
    state: &AppState,
    owner: &Account,
    list_id: i64,
    page: &Page,
) -> Result<StatusPage> {
    let list = super::lists::get(state, owner, list_id).await?;
    let mut conn = state.kept.acquire().await?;
    let ids = store::lists::feed(&mut *conn, list.id, page).await?;
    hiding(page_on(state, conn, Some(owner), ids).await?, "home")
}

/// Marks `owner`'s home feed as read now, so fan-out keeps it up to date (reading the home
/// timeline and opening a `user` stream both count); a feed left for two weeks is rebuilt.
pub async fn keep_feed_active(state: &AppState, owner: &Account, user: &User) -> Result<()> {
    match feed_state(user) {
        Feed::Marked => {}
        Feed::Unmarked => store::feeds::touch_feed(&state.db, owner.id).await?,
        Feed::Stale => {
            // Active first, and committed: a fan-out that misses the rebuild's snapshot then
            // sees an active feed and writes to it; one that came earlier is in the snapshot.
            store::feeds::mark_active(&state.db, owner.id).await?;
            let mut tx = state.db.begin().await?;
            store::feeds::rebuild(&mut tx, owner.id).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

pub async fn public(
    state: &AppState,
    viewer: Option<&Account>,
    scope: PublicScope,
    page: &Page,
) -> Result<StatusPage> {
    let mut conn = state.kept.acquire().await?;
    let hidden = hidden_authors(&mut conn, viewer).await?;
    let ids = store::timelines::public_timeline(&mut *conn, &hidden, scope, page).await?;
    hiding(page_on(state, conn, viewer, ids).await?, "public")
}

/// A page of the link timeline of `url`: public statuses showing its preview card (see
/// `store::timelines::link_timeline`); 404 when no card was made for it.
pub async fn link(
    state: &AppState,
    viewer: Option<&Account>,
    url: &str,
    scope: PublicScope,
    page: &Page,
) -> Result<StatusPage> {
    let card_id = super::cards::find(state, url).await?;
    let mut conn = state.kept.acquire().await?;
    let hidden = hidden_authors(&mut conn, viewer).await?;
    let ids = store::timelines::link_timeline(&mut *conn, &hidden, card_id, scope, page).await?;
    hiding(page_on(state, conn, viewer, ids).await?, "public")
}

/// A page without the statuses that the viewer's keyword filters hide in `context` (the
/// filters' `hide` action; `warn` matches stay, marked in `filtered`). Pages keep the cursors
/// of what was read, so paging goes on past what was hidden, as on Mastodon.
fn hiding(mut page: StatusPage, context: &str) -> Result<StatusPage> {
    drop_hidden(&mut page.statuses, context);
    Ok(page)
}

/// The authors `viewer` (if anyone is signed in) never sees in public and hashtag timelines.
async fn hidden_authors(
    conn: &mut KeptConnection,
    viewer: Option<&Account>,
) -> Result<store::timelines::HiddenAuthors> {
    Ok(match viewer {
        Some(v) => store::timelines::hidden_authors(&mut **conn, v.id).await?,
        None => store::timelines::HiddenAuthors::default(),
    })
}

/// What a hashtag timeline asks for: `tag`, and any of `any`, all of `all`, none of `none`.
pub struct TagFilter {
    pub tag: String,
    pub any: Vec<String>,
    pub all: Vec<String>,
    pub none: Vec<String>,
    pub local_only: bool,
}

pub async fn tag(
    state: &AppState,
    viewer: Option<&Account>,
    filter: &TagFilter,
    page: &Page,
) -> Result<StatusPage> {
    let lower = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|t| t.trim_start_matches('#').to_lowercase())
            .collect()
    };
    let mut any_of = lower(&filter.any);
    any_of.push(filter.tag.trim_start_matches('#').to_lowercase());
    let mut conn = state.kept.acquire().await?;
    let hidden = hidden_authors(&mut conn, viewer).await?;
    let ids = store::timelines::tag_timeline(
        &mut *conn,
        &hidden,
        &any_of,
        &lower(&filter.all),
        &lower(&filter.none),
        filter.local_only,
        page,
    )
    .await?;
    // Mastodon filters hashtag timelines in the `public` context.
    hiding(page_on(state, conn, viewer, ids).await?, "public")
}

/// The statuses of the account `account_id` as `viewer` may see them (nothing at all across a
/// block; not found for a suspended account). A `tagged` hashtag may be given with its `#`;
/// an empty one asks for no tag.
pub async fn account_statuses(
    state: &AppState,
    viewer: Option<&Account>,
    account_id: i64,
    filter: &AccountStatusFilter,
    page: &Page,
) -> Result<StatusPage> {
    let account = super::accounts::visible_account(state, account_id).await?;
    statuses_of(state, viewer, &account, filter, page).await
}

async fn statuses_of(
    state: &AppState,
    viewer: Option<&Account>,
    account: &Account,
    filter: &AccountStatusFilter,
    page: &Page,
) -> Result<StatusPage> {
    let filter = AccountStatusFilter {
        tagged: filter
            .tagged
            .as_deref()
            .map(|t| t.trim_start_matches('#'))
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        ..filter.clone()
    };
    let mut conn = state.kept.acquire().await?;
    let ids = store::timelines::account_statuses(
        &mut *conn,
        viewer.map(|v| v.id),
        account.id,
        &filter,
        page,
    )
    .await?;
    hiding(page_on(state, conn, viewer, ids).await?, "account")
}

/// What an account's feeds (RSS, Atom) list: its latest public originals that start a
/// thread or continue its own, as anyone sees them (unlisted posts, boosts and replies to
/// others stay out, as in Mastodon's feeds).
pub async fn profile_page(
    state: &AppState,
    account: &Account,
    limit: i64,
) -> Result<Vec<StatusView>> {
    let filter = AccountStatusFilter {
        exclude_reblogs: true,
        exclude_replies: true,
        ..Default::default()
    };
    let page = statuses_of(state, None, account, &filter, &Page::first(limit)).await?;
    Ok(page
        .statuses
        .into_iter()
        .filter(|v| v.status.visibility == Visibility::Public)
        .collect())
}

/// The tabs of an account's public page (Mastodon's `/@alice`, `/@alice/with_replies`,
/// `/@alice/media`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileTab {
    /// Posts and boosts, without replies to others.
    Posts,
    WithReplies,
    /// Posts with attachments.
    Media,
}

/// A page of a tab of `account`'s public page, as an anonymous visitor sees it: public and
/// unlisted posts only (what the client API shows anyone), paged by `page`.
#[tracing::instrument(skip_all, fields(account.id = account.id))]
pub async fn profile_tab(
    state: &AppState,
    account: &Account,
    tab: ProfileTab,
    page: &Page,
) -> Result<StatusPage> {
    let filter = AccountStatusFilter {
        exclude_replies: tab == ProfileTab::Posts,
        exclude_reblogs: tab == ProfileTab::Media,
        only_media: tab == ProfileTab::Media,
        ..Default::default()
    };
    statuses_of(state, None, account, &filter, page).await
}

/// `account`'s pinned posts that anyone may see, newest pin first.
pub async fn pinned_public(state: &AppState, account: &Account) -> Result<Vec<StatusView>> {
    let ids = store::statuses::pinned_ids(&state.db, account.id).await?;
    views::hydrate(state, None, &ids).await
}

/// What the caller favourited or bookmarked, paged by when they did it.
pub async fn reacted(
    state: &AppState,
    viewer: &Account,
    kind: Reaction,
    page: &Page,
) -> Result<StatusPage> {
    let rows = store::timelines::reacted_by(&state.db, kind, viewer.id, page).await?;
    let ids: Vec<i64> = rows.iter().map(|(_, s)| *s).collect();
    let statuses = views::hydrate(state, Some(viewer), &ids).await?;
    Ok(StatusPage {
        statuses,
        cursors: rows.first().zip(rows.last()).map(|(f, l)| (f.0, l.0)),
        read: rows.len(),
    })
}

/// A thread around a status: the ancestors and descendants the viewer may see.
pub async fn context(
    state: &AppState,
    viewer: Option<&Account>,
    id: i64,
) -> Result<(Vec<StatusView>, Vec<StatusView>)> {
    let view = views::one(state, viewer, id).await?;
    let status = match view.reblog {
        Some(original) => original.status,
        None => view.status,
    };
    let up = store::statuses::ancestors(&state.db, &status, 40).await?;
    let down_limit = if viewer.is_some() { 4096 } else { 60 };
    let down = store::statuses::descendants(&state.db, status.id, down_limit).await?;
    let mut ancestors = views::hydrate(state, viewer, &up).await?;
    let mut descendants = views::hydrate(state, viewer, &down).await?;
    drop_hidden(&mut ancestors, "thread");
    drop_hidden(&mut descendants, "thread");
    Ok((ancestors, descendants))
}

/// Who favourited (`favourites` true) or boosted a status the viewer may see: accounts with
/// their paging ids.
pub async fn reactors(
    state: &AppState,
    viewer: Option<&Account>,
    id: i64,
    favourites: bool,
    page: &Page,
) -> Result<(Vec<Account>, Option<(i64, i64)>)> {
    let view = views::one(state, viewer, id).await?;
    let rows = if favourites {
        store::timelines::favourited_by(&state.db, view.status.id, page).await?
    } else {
        store::timelines::reblogged_by(&state.db, view.status.id, page).await?
    };
    let ids: Vec<i64> = rows.iter().map(|(_, a)| *a).collect();
    let found = store::accounts::by_ids(&state.db, &ids).await?;
    let blocked = match viewer {
        Some(v) => {
            let mut conn = state.kept.acquire().await?;
            let (_, blocked, _) =
                store::statuses::visibility_facts(&mut conn, v.id, &ids, &[]).await?;
            conn.keep();
            blocked
        }
        None => Vec::new(),
    };
    let accounts = ids
        .iter()
        .filter(|id| !blocked.contains(id))
        .filter_map(|id| {
            found
                .iter()
                .find(|a| a.id == *id && !a.is_suspended())
                .cloned()
        })
        .collect();
    Ok((
        accounts,
        rows.first().zip(rows.last()).map(|(f, l)| (f.0, l.0)),
    ))
}

/// Several statuses by id (`GET /api/v1/statuses?id[]=`): the visible ones, in order.
pub async fn many(
    state: &AppState,
    viewer: Option<&Account>,
    ids: &[i64],
) -> Result<Vec<StatusView>> {
    if ids.len() > 100 {
        return Err(Error::unprocessable(
            "Validation failed: At most 100 ids at once",
        ));
    }
    views::hydrate(state, viewer, ids).await
}
