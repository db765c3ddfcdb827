//! Turning status ids into everything a client shows — authors, boosted originals, mentions,
//! tags, the viewer's own flags — in a fixed handful of queries per page, however long it
//! is, and dropping what the viewer may not see.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::quote::QuoteApproval;
use crate::model::{
    Account, QuoteBarrier, QuotePolicy, QuoteState, QuoteView, StatusView, ViewerFlags, Visibility,
};
use crate::service::cache::Use;
use crate::service::visibility::{may_see, Viewer};
use crate::store;
use crate::store::statuses::{StatusRow, ViewerFacts};

/// Authors of the followers-only statuses among `rows`: whether the viewer follows them
/// decides whether they may be seen.
fn private_authors(rows: &HashMap<i64, Arc<StatusRow>>) -> Vec<i64> {
    distinct(
        rows.values()
            .filter(|r| r.status.visibility == Visibility::Private)
            .map(|r| r.status.account_id),
    )
}

/// The statuses with these ids that `viewer` may see, as views, in the order given.
///
/// With the caches warm this is one query, the viewer's facts (flags, follows and blocks of
/// the authors, and the cache epoch); statuses and accounts come from memory once the process
/// has heard of every change up to that epoch. What the caches lack costs one query for the
/// statuses (boosted originals included) and one for the accounts, whatever their number;
/// attachments and the viewer's keyword filters one more each, only when the page needs them.
pub async fn hydrate(
    state: &AppState,
    viewer: Option<&Account>,
    ids: &[i64],
) -> Result<Vec<StatusView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = state.kept.acquire().await?;
    let views = hydrate_on(state, &mut conn, viewer, ids).await?;
    conn.keep();
    Ok(views)
}

/// [`hydrate`] on a connection the caller already holds.
pub async fn hydrate_on(
    state: &AppState,
    conn: &mut PgConnection,
    viewer: Option<&Account>,
    ids: &[i64],
) -> Result<Vec<StatusView>> {
    hydrate_at(state, conn, viewer, ids, false, &[]).await
}

/// [`hydrate_on`], also reading the accounts `extra` (a notification's sender, a group's
/// sample accounts) through the same account cache and in the same query for what it
/// lacks, trusted from the same epoch. Returns the views and the accounts read, `extra`
/// among them (suspended ones included: the caller decides).
pub async fn hydrate_with_accounts(
    state: &AppState,
    conn: &mut PgConnection,
    viewer: Option<&Account>,
    ids: &[i64],
    extra: &[i64],
) -> Result<(Vec<StatusView>, HashMap<i64, Arc<Account>>)> {
    hydrate_full(state, conn, viewer, ids, false, &[], extra).await
}

/// [`hydrate_on`]; `nested` for quoted statuses, whose own quotes are shown shallow (their
/// state and the id quoted, not the status), as on Mastodon. `shown_blocked`: authors the
/// viewer blocks whose statuses are shown all the same (quoted, behind the quote's state).
async fn hydrate_at(
    state: &AppState,
    conn: &mut PgConnection,
    viewer: Option<&Account>,
    ids: &[i64],
    nested: bool,
    shown_blocked: &[i64],
) -> Result<Vec<StatusView>> {
    Ok(
        hydrate_full(state, conn, viewer, ids, nested, shown_blocked, &[])
            .await?
            .0,
    )
}

/// [`hydrate_at`], with the accounts `extra` read beside those the statuses need.
async fn hydrate_full(
    state: &AppState,
    conn: &mut PgConnection,
    viewer: Option<&Account>,
    ids: &[i64],
    nested: bool,
    shown_blocked: &[i64],
    extra: &[i64],
) -> Result<(Vec<StatusView>, HashMap<i64, Arc<Account>>)> {
    if ids.is_empty() && extra.is_empty() {
        return Ok((Vec::new(), HashMap::new()));
    }
    let viewer_id = viewer.map(|v| v.id);
    let usage = state.cache.begin(&state.db).await;
    // Who wrote a status, what it boosts and its conversation never change, so entries read
    // before the epoch is known may already say whom and what to ask the facts about.
    let mut rows = load_statuses(state, conn, &usage, usage.read, ids).await?;

    let mut status_ids: Vec<i64> = rows.keys().copied().collect();
    status_ids.sort_unstable();
    let authors: Vec<i64> = distinct(rows.values().map(|r| r.status.account_id));
    let mut asked_follows = Vec::new();
    let facts = match viewer_id {
        Some(me) => {
            let conversations = distinct(rows.values().map(|r| r.status.conversation_id));
            // Following an author matters to `may_see` only for followers-only statuses and
            // silenced authors (rare: those are asked about below, once accounts are known).
            asked_follows = private_authors(&rows);
            store::statuses::viewer_facts(
                &mut *conn,
                me,
                &status_ids,
                &authors,
                &asked_follows,
                &conversations,
            )
            .await?
        }
        None if usage.read => ViewerFacts {
            epoch: store::cache::epoch(&mut *conn).await?,
            ..ViewerFacts::default()
        },
        None => ViewerFacts::default(),
    };
    let trusted = usage.read && state.cache.catch_up(&mut *conn, facts.epoch).await;
    if usage.read {
        // Entries taken above may have been evicted since (then they are read afresh), or,
        // if the process could not catch up, may be stale: then the database decides alone.
        rows = load_statuses(state, conn, &usage, trusted, ids).await?;
    }
    let mut account_ids: HashSet<i64> = rows.values().map(|r| r.status.account_id).collect();
    account_ids.extend(rows.values().flat_map(|r| r.mention_ids.iter().copied()));
    // Whether the viewer follows an account matters only for the statuses' own accounts,
    // not for the extra ones.
    let silenced_matters = (!extra.is_empty()).then(|| account_ids.clone());
    account_ids.extend(extra.iter().copied());
    let accounts = load_accounts(state, conn, &usage, trusted, account_ids).await?;

    let mut rules = Viewer {
        account_id: viewer_id,
        suspended: accounts
            .values()
            .filter(|a| a.is_suspended())
            .map(|a| a.id)
            .collect(),
        silenced: accounts
            .values()
            .filter(|a| {
                a.silenced_at.is_some()
                    && silenced_matters.as_ref().is_none_or(|m| m.contains(&a.id))
            })
            .map(|a| a.id)
            .collect(),
        ..Viewer::default()
    };
    if let Some(me) = viewer_id {
        rules.follows.extend(facts.follows.iter().copied());
        // Silenced authors, and private statuses not known as such when the facts were
        // asked for (the cache could not be trusted then).
        let mut unasked: Vec<i64> = private_authors(&rows);
        unasked.extend(rules.silenced.iter().copied());
        unasked.retain(|id| asked_follows.binary_search(id).is_err());
        if !unasked.is_empty() {
            unasked.sort_unstable();
            unasked.dedup();
            rules
                .follows
                .extend(store::relationships::followed_among(&mut *conn, me, &unasked).await?);
        }
        rules.blocked.extend(
            facts
                .blocked
                .iter()
                .copied()
                .filter(|a| !shown_blocked.contains(a)),
        );
        rules.mentioned_in.extend(
            rows.values()
                .filter(|r| r.mention_ids.contains(&me))
                .map(|r| r.status.id),
        );
    }
    // Whether the viewer follows the authors whose statuses only followers may quote.
    if let Some(me) = viewer_id {
        let mut unasked: Vec<i64> = rows
            .values()
            .filter(|r| r.quote_policy.as_deref() == Some("followers"))
            .map(|r| r.status.account_id)
            .filter(|a| *a != me && !rules.follows.contains(a))
            .collect();
        if !unasked.is_empty() {
            unasked.sort_unstable();
            unasked.dedup();
            rules
                .follows
                .extend(store::relationships::followed_among(&mut *conn, me, &unasked).await?);
        }
    }
    let flags = Flags::from(&facts);
    // Attachments only for the statuses that have some: most pages of text cost no query
    // for them.
    let with_media: Vec<i64> = rows
        .values()
        .filter(|r| r.has_media)
        .map(|r| r.status.id)
        .collect();
    let mut media: HashMap<i64, Vec<crate::model::Media>> = HashMap::new();
    if !with_media.is_empty() {
        let found = store::media::for_statuses(&mut *conn, &with_media).await?;
        for m in crate::service::media::with_urls(state, found) {
            if let Some(status_id) = m.status_id {
                media.entry(status_id).or_default().push(m);
            }
        }
    }
    // Cards likewise, read afresh (a refreshed card evicts no status).
    let card_ids = distinct(rows.values().filter_map(|r| r.card_id));
    let cards = if card_ids.is_empty() {
        HashMap::new()
    } else {
        crate::service::cards::by_ids(state, &mut *conn, &card_ids).await?
    };
    // Polls likewise, read afresh every time (their counts change without the status).
    let with_poll: Vec<(i64, &str)> = rows
        .values()
        .filter(|r| r.has_poll)
        .map(|r| (r.status.id, r.status.uri.as_str()))
        .collect();
    let polls = if with_poll.is_empty() {
        HashMap::new()
    } else {
        crate::service::polls::for_statuses(state, &mut *conn, viewer_id, &with_poll).await?
    };

    // And those of poll options, which Mastodon lists apart (`Poll.emojis`).
    let options: Vec<(i64, Option<&str>, String)> = polls
        .iter()
        .filter_map(|(id, poll)| {
            let author = accounts.get(&poll.poll.account_id)?;
            Some((*id, author.domain.as_deref(), poll.poll.options.join(" ")))
        })
        .collect();
    let poll_emojis = crate::service::emojis::for_statuses(
        &mut *conn,
        options
            .iter()
            .map(|(id, domain, text)| (*id, *domain, [text.as_str(), ""])),
    )
    .await?;

    // Custom emoji only for the statuses whose text writes a `:shortcode:`.
    let emojis = crate::service::emojis::for_statuses(
        &mut *conn,
        rows.values().map(|r| {
            let domain = accounts
                .get(&r.status.account_id)
                .and_then(|a| a.domain.as_deref());
            (
                r.status.id,
                domain,
                [r.status.content.as_str(), r.status.spoiler_text.as_str()],
            )
        }),
    )
    .await?;

    let view_of = |row: &StatusRow| -> Option<StatusView> {
        if !may_see(&rules, &row.status) {
            return None;
        }
        Some(StatusView {
            account: accounts.get(&row.status.account_id)?.clone(),
            mentions: row
                .mention_ids
                .iter()
                .filter_map(|id| accounts.get(id).cloned())
                .collect(),
            tags: row.tag_names.clone(),
            media: media.get(&row.status.id).cloned().unwrap_or_default(),
            poll: polls.get(&row.status.id).cloned().map(|mut poll| {
                poll.emojis = poll_emojis.get(&row.status.id).cloned().unwrap_or_default();
                poll
            }),
            reblog: None,
            viewer: viewer.map(|_| flags.of(row)),
            filtered: Vec::new(),
            card: row.card_id.and_then(|id| cards.get(&id).cloned()),
            emojis: emojis.get(&row.status.id).cloned().unwrap_or_default(),
            quote_policy: row.quote_policy.as_deref().and_then(QuotePolicy::parse),
            quote_approval: QuoteApproval::of(
                row.quote_policy.as_deref().and_then(QuotePolicy::parse),
                viewer_id == Some(row.status.account_id),
                rules.follows.contains(&row.status.account_id),
            ),
            quote: quote_of(row),
            quotes_count: row.quotes_count,
            status: row.status.clone(),
        })
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(row) = rows.get(id) else { continue };
        let Some(mut view) = view_of(row) else {
            continue;
        };
        if let Some(original_id) = row.status.reblog_of_id {
            match rows.get(&original_id).and_then(|r| view_of(r)) {
                Some(original) => view.reblog = Some(Box::new(original)),
                None => continue,
            }
        }
        out.push(view);
    }
    if facts.has_filters {
        crate::service::moderation::filters::apply(&mut *conn, viewer, &mut out).await?;
    }
    if !nested {
        attach_quoted(state, conn, viewer, &mut out).await?;
    }
    Ok((out, accounts))
}

/// The quote a row carries, without the quoted status (see [`attach_quoted`]).
fn quote_of(row: &StatusRow) -> Option<QuoteView> {
    Some(QuoteView {
        state: QuoteState::parse(row.quote_state.as_deref()?)?,
        quoted: None,
        quoted_status_id: row.quoted_status_id,
        quoted_uri: row.quoted_uri.clone()?,
        quoted_url: None,
        approval_uri: row.quote_approval_uri.clone(),
        barrier: None,
    })
}

/// Fills in the quoted statuses of accepted quotes (boosted originals' too), as the viewer may
/// see them: one more hydration for the whole page, only when it has quotes.
async fn attach_quoted(
    state: &AppState,
    conn: &mut PgConnection,
    viewer: Option<&Account>,
    out: &mut [StatusView],
) -> Result<()> {
    let quoted: Vec<i64> = distinct(
        out.iter()
            .flat_map(|v| {
                let original = v.reblog.as_deref().and_then(|r| r.quote.as_ref());
                [v.quote.as_ref(), original]
            })
            .flatten()
            .filter_map(|q| q.quoted_status_id),
    );
    if quoted.is_empty() {
        return Ok(());
    }
    // The viewer's own block, domain block or mute of a quoted author does not hide the quoted
    // status: it is sent, with a state saying why a client should hide it (Mastodon 4.5). The
    // author's block of the viewer does hide it (`unauthorized`).
    let standing = match viewer {
        Some(me) => store::quotes::quoted_author_standing(&mut *conn, me.id, &quoted).await?,
        None => Vec::new(),
    };
    let shown_blocked: Vec<i64> = standing
        .iter()
        .filter(|s| s.blocking && !s.blocked_by)
        .map(|s| s.author_id)
        .collect();
    let barriers: HashMap<i64, QuoteBarrier> = standing
        .iter()
        .filter(|s| !s.blocked_by)
        .filter_map(|s| {
            let barrier = if s.domain_blocking {
                QuoteBarrier::BlockedDomain
            } else if s.blocking {
                QuoteBarrier::BlockedAccount
            } else if s.muting {
                QuoteBarrier::MutedAccount
            } else {
                return None;
            };
            Some((s.status_id, barrier))
        })
        .collect();
    let found = Box::pin(hydrate_at(
        state,
        conn,
        viewer,
        &quoted,
        true,
        &shown_blocked,
    ))
    .await?;
    let by_id: HashMap<i64, &StatusView> = found.iter().map(|v| (v.status.id, v)).collect();
    let fill = |quote: &mut Option<QuoteView>| {
        if let Some(q) = quote.as_mut() {
            let view = q.quoted_status_id.and_then(|id| by_id.get(&id));
            q.quoted_url = view.and_then(|v| v.status.url.clone());
            if q.state == QuoteState::Accepted {
                q.quoted = view.map(|v| Box::new((*v).clone()));
                q.barrier = view.and_then(|v| barriers.get(&v.status.id).copied());
            }
        }
    };
    for view in out.iter_mut() {
        fill(&mut view.quote);
        if let Some(original) = view.reblog.as_deref_mut() {
            fill(&mut original.quote);
        }
    }
    Ok(())
}

fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The statuses with these ids and the originals of the boosts among them: from the cache
/// when `from_cache`, the rest from the database (and kept for next time).
async fn load_statuses(
    state: &AppState,
    conn: &mut PgConnection,
    usage: &Use,
    from_cache: bool,
    ids: &[i64],
) -> Result<HashMap<i64, Arc<StatusRow>>> {
    let mut rows: HashMap<i64, Arc<StatusRow>> = HashMap::with_capacity(ids.len() * 2);
    let originals_missing = |rows: &HashMap<i64, Arc<StatusRow>>| -> Vec<i64> {
        distinct(
            rows.values()
                .filter_map(|r| r.status.reblog_of_id)
                .filter(|id| !rows.contains_key(id)),
        )
    };
    if from_cache {
        rows.extend(
            state
                .cache
                .statuses(ids.iter().copied())
                .into_iter()
                .map(|r| (r.status.id, r)),
        );
        let originals = originals_missing(&rows);
        rows.extend(
            state
                .cache
                .statuses(originals)
                .into_iter()
                .map(|r| (r.status.id, r)),
        );
    }
    let mut missing: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !rows.contains_key(id))
        .collect();
    missing.extend(originals_missing(&rows));
    let missing = distinct(missing.into_iter());
    if !missing.is_empty() {
        let fetched: Vec<Arc<StatusRow>> = store::statuses::rows_for(&mut *conn, &missing)
            .await?
            .into_iter()
            .map(Arc::new)
            .collect();
        state.cache.keep_statuses(usage, &fetched);
        rows.extend(fetched.into_iter().map(|r| (r.status.id, r)));
    }
    Ok(rows)
}

/// The accounts with these ids, from the cache when `from_cache`, the rest from the database
/// (and kept for next time).
async fn load_accounts(
    state: &AppState,
    conn: &mut PgConnection,
    usage: &Use,
    from_cache: bool,
    ids: HashSet<i64>,
) -> Result<HashMap<i64, Arc<Account>>> {
    let mut accounts: HashMap<i64, Arc<Account>> = HashMap::with_capacity(ids.len());
    if from_cache {
        accounts.extend(
            state
                .cache
                .accounts(ids.iter().copied())
                .into_iter()
                .map(|a| (a.id, a)),
        );
    }
    let missing: Vec<i64> = ids
        .into_iter()
        .filter(|id| !accounts.contains_key(id))
        .collect();
    if !missing.is_empty() {
        let fetched: Vec<Arc<Account>> = store::accounts::by_ids(&mut *conn, &missing)
            .await?
            .into_iter()
            .map(Arc::new)
            .collect();
        state.cache.keep_accounts(usage, &fetched);
        accounts.extend(fetched.into_iter().map(|a| (a.id, a)));
    }
    Ok(accounts)
}

/// The viewer's flags, as sets to look statuses up in.
struct Flags {
    favourited: HashSet<i64>,
    reblogged: HashSet<i64>,
    bookmarked: HashSet<i64>,
    pinned: HashSet<i64>,
    muted_conversations: HashSet<i64>,
}

impl Flags {
    fn from(facts: &ViewerFacts) -> Flags {
        let set = |v: &[i64]| v.iter().copied().collect::<HashSet<i64>>();
        Flags {
            favourited: set(&facts.favourited),
            reblogged: set(&facts.reblogged),
            bookmarked: set(&facts.bookmarked),
            pinned: set(&facts.pinned),
            muted_conversations: set(&facts.muted_conversations),
        }
    }

    fn of(&self, row: &StatusRow) -> ViewerFlags {
        let id = row.status.id;
        ViewerFlags {
            status_id: id,
            favourited: self.favourited.contains(&id),
            reblogged: self.reblogged.contains(&id),
            bookmarked: self.bookmarked.contains(&id),
            muted: self
                .muted_conversations
                .contains(&row.status.conversation_id),
            pinned: self.pinned.contains(&id),
        }
    }
}

/// A status on its author's public page (`/@username/:id`): anyone may see it, it is an
/// original (not a boost), and `username` is its local author; otherwise not found.
pub async fn on_profile(
    state: &AppState,
    username: &str,
    id: i64,
) -> Result<(Account, StatusView)> {
    let author = super::accounts::local(state, username)
        .await?
        .ok_or(Error::NotFound)?;
    let view = one(state, None, id).await?;
    if view.status.account_id != author.id || view.status.is_reblog() {
        return Err(Error::NotFound);
    }
    Ok((author, view))
}

/// One status as `viewer` sees it, or 404 (also when they may not see it: a 403 would
/// confirm it exists).
pub async fn one(state: &AppState, viewer: Option<&Account>, id: i64) -> Result<StatusView> {
    hydrate(state, viewer, &[id])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}
