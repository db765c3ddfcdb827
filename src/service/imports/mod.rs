//! CSV imports (`POST /api/v1/import`): follows, blocks, mutes, domain blocks, bookmarks and
//! lists from a Mastodon or GoToSocial export, in merge or overwrite mode.
//!
//! The upload is read at once ([`csv::read`]): a file that is no CSV, too large or too long
//! is refused; a row that cannot be read is stored failed, with its line, and the others go
//! on. The rows are then worked through by the durable `run_import` job ([`run`]), in file
//! order, each through the ordinary service function (`relationships::follow`, `block`,
//! `statuses::bookmark`, `lists::add_members` …), so federation and every other side effect
//! happens as for the same action from a client. Accounts are resolved over WebFinger and
//! statuses fetched from their servers; a row whose server does not answer is tried again
//! later ([`ROW_ATTEMPTS`] times), a row naming something that does not exist fails. An
//! overwrite first undoes what the file does not list, through the same functions (an
//! `Undo` of each `Follow` …). The owner reads the progress and the failed rows with
//! [`get`].

pub mod archive;
pub mod csv;
pub mod posts;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::import::{Import, ImportKind, ImportMode, ImportRow};
use crate::model::{Account, Page};
use crate::service::moderation::filters;
use crate::service::queue::{self, Job, OfImport};
use crate::service::relationships::{self, FollowOptions, MuteOptions};
use crate::service::{lists, remote, statuses};
use crate::{id, store};

/// Tries of one row whose server did not answer, before it is reported failed.
pub const ROW_ATTEMPTS: i32 = 6;

/// Rows worked through by one run of the job before it makes way for other jobs (it queues
/// its successor).
const ROWS_PER_RUN: i64 = 50;

/// Starts importing `bytes`, a CSV file of `kind`, into `owner`'s account. 413 for a file
/// over `portability.import_max_bytes`, 422 for one that is no text, has no rows or more
/// than `portability.import_max_rows`.
#[tracing::instrument(skip_all, fields(account.id = owner.id, import.kind = kind.as_str()))]
pub async fn start(
    state: &AppState,
    owner: &Account,
    kind: ImportKind,
    mode: ImportMode,
    bytes: &[u8],
) -> Result<Import> {
    let limits = &state.config.portability;
    if bytes.len() > limits.import_max_bytes {
        return Err(Error::PayloadTooLarge(format!(
            "The file is larger than {} bytes",
            limits.import_max_bytes
        )));
    }
    let read = csv::read(kind, bytes, limits.import_max_rows).map_err(|e| match e {
        csv::Unreadable::NotText => Error::invalid("data", "ERR_INVALID", "is not a CSV file"),
        csv::Unreadable::Empty => Error::invalid("data", "ERR_BLANK", "has no rows"),
        csv::Unreadable::TooManyRows(max) => {
            Error::invalid("data", "ERR_TOO_LONG", format!("has more than {max} rows"))
        }
    })?;
    let mut rows = Vec::with_capacity(read.len());
    for r in read {
        let (data, error) = match r.row {
            Ok(row) => (
                Some(serde_json::to_value(&row).map_err(|e| Error::Internal(e.into()))?),
                None,
            ),
            Err(why) => (None, Some(why)),
        };
        rows.push(store::imports::NewRow {
            line: r.line,
            raw: r.raw,
            data,
            error,
        });
    }
    let import_id = id::next();
    let mut tx = state.db.begin().await?;
    store::imports::insert(&mut tx, import_id, owner.id, kind, mode, &rows).await?;
    queue::enqueue(&mut tx, &Job::RunImport(OfImport { import_id })).await?;
    tx.commit().await?;
    get(state, owner, import_id).await
}

/// `owner`'s import `id`, with its failed rows; another's: not found.
pub async fn get(state: &AppState, owner: &Account, id: i64) -> Result<Import> {
    let mut conn = state.db.acquire().await?;
    store::imports::by_id(&mut conn, id)
        .await?
        .filter(|i| i.account_id == owner.id)
        .ok_or(Error::NotFound)
}

/// A page of `owner`'s imports, newest first.
pub async fn list(state: &AppState, owner: &Account, page: &Page) -> Result<Vec<Import>> {
    Ok(store::imports::of_account(
        &state.db,
        owner.id,
        page.max_id,
        page.since_id.or(page.min_id),
        page.limit,
    )
    .await?)
}

/// What became of one row this time.
enum RowOutcome {
    Done,
    Failed(String),
    /// Worth another try later (the server did not answer, a follow is not accepted yet).
    Again(String),
}

impl From<Error> for RowOutcome {
    fn from(e: Error) -> RowOutcome {
        match e {
            Error::NotFound => RowOutcome::Failed("Not found".into()),
            Error::Unavailable(why) => RowOutcome::Again(why),
            Error::RateLimited(_) => RowOutcome::Again("Rate limited".into()),
            Error::Internal(cause) => {
                tracing::warn!(error = ?cause, "an import row failed");
                RowOutcome::Again("Internal error".into())
            }
            other => RowOutcome::Failed(other.to_string()),
        }
    }
}

/// The wait before the next try of a row tried `attempts` times: 2 s, 6 s, 18 s … about
/// eight minutes in all.
fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds(2 * 3i64.pow(attempts.clamp(0, 8) as u32))
}

/// One run of the `run_import` job: undoes what an overwrite does not keep (once), then
/// works through the rows that are due, and queues the next run for the rows left (at once
/// when it stopped for others' sake, else when the next postponed row is due). An import
/// that is gone, or whose owner is, is done.
#[tracing::instrument(skip_all, fields(import.id = import_id))]
pub async fn run(state: &AppState, import_id: i64) -> Result<()> {
    let import = {
        let mut conn = state.db.acquire().await?;
        store::imports::by_id(&mut conn, import_id).await?
    };
    let Some(import) = import else { return Ok(()) };
    if import.finished_at.is_some() {
        return Ok(());
    }
    let owner = store::accounts::by_id(&state.db, import.account_id)
        .await?
        .filter(|a| !a.is_suspended());
    let Some(owner) = owner else {
        store::imports::set_finished(&state.db, import_id).await?;
        return Ok(());
    };
    if import.kind == ImportKind::Posts {
        return posts::run(state, &owner, &import).await;
    }
    if import.mode == ImportMode::Overwrite && !import.overwritten {
        overwrite(state, &owner, &import).await?;
        store::imports::set_overwritten(&state.db, import_id).await?;
    }
    let due = store::imports::due_rows(&state.db, import_id, ROWS_PER_RUN).await?;
    let full = due.len() as i64 == ROWS_PER_RUN;
    for row in due {
        let outcome = match serde_json::from_value::<ImportRow>(row.data.clone()) {
            Ok(r) => apply(state, &owner, &r).await,
            Err(e) => RowOutcome::Failed(format!("Unreadable row: {e}")),
        };
        record(state, import_id, &row, outcome).await?;
    }
    next_run(state, import_id, full).await?;
    Ok(())
}

/// Records what became of a row: done, failed, or postponed (failed once it has been tried
/// [`ROW_ATTEMPTS`] times).
async fn record(
    state: &AppState,
    import_id: i64,
    row: &store::imports::DueRow,
    outcome: RowOutcome,
) -> Result<()> {
    match outcome {
        RowOutcome::Done => {
            store::imports::finish_row(&state.db, import_id, row.line, None).await?
        }
        RowOutcome::Failed(why) => {
            store::imports::finish_row(&state.db, import_id, row.line, Some(&why)).await?
        }
        RowOutcome::Again(why) if row.attempts + 1 >= ROW_ATTEMPTS => {
            let why = format!("{why} (gave up after {ROW_ATTEMPTS} tries)");
            store::imports::finish_row(&state.db, import_id, row.line, Some(&why)).await?
        }
        RowOutcome::Again(why) => {
            let at = Utc::now() + backoff(row.attempts);
            store::imports::postpone_row(&state.db, import_id, row.line, &why, at).await?
        }
    }
    Ok(())
}

/// Queues the next run of an import (at once when this one stopped for others' sake, else
/// when its next postponed row is due), or marks it finished; `true` when it is finished.
async fn next_run(state: &AppState, import_id: i64, full: bool) -> Result<bool> {
    let next: Option<DateTime<Utc>> = if full {
        Some(Utc::now())
    } else {
        store::imports::next_due(&state.db, import_id).await?
    };
    match next {
        None => {
            store::imports::set_finished(&state.db, import_id).await?;
            Ok(true)
        }
        Some(at) => {
            let mut conn = state.db.acquire().await?;
            queue::enqueue_at(&mut conn, &Job::RunImport(OfImport { import_id }), at).await?;
            Ok(false)
        }
    }
}

/// The account a row names: local, known, or found over WebFinger now.
async fn account(state: &AppState, acct: &str) -> Result<Account> {
    let (user, domain) = acct.split_once('@').ok_or(Error::NotFound)?;
    remote::resolve_handle(state, user, domain).await
}

/// Imports one row through the ordinary service functions.
async fn apply(state: &AppState, owner: &Account, row: &ImportRow) -> RowOutcome {
    match try_apply(state, owner, row).await {
        Ok(outcome) => outcome,
        Err(e) => e.into(),
    }
}

async fn try_apply(state: &AppState, owner: &Account, row: &ImportRow) -> Result<RowOutcome> {
    match row {
        ImportRow::Follow {
            acct,
            show_reblogs,
            notify,
            languages,
        } => {
            let target = account(state, acct).await?;
            relationships::follow(
                state,
                owner,
                target.id,
                FollowOptions {
                    reblogs: *show_reblogs,
                    notify: *notify,
                    languages: languages.clone(),
                    uri: None,
                },
            )
            .await?;
        }
        ImportRow::Block { acct } => {
            let target = account(state, acct).await?;
            relationships::block(state, owner, target.id).await?;
        }
        ImportRow::Mute {
            acct,
            hide_notifications,
        } => {
            let target = account(state, acct).await?;
            let options = MuteOptions {
                notifications: hide_notifications.unwrap_or(true),
                duration: None,
            };
            relationships::mute(state, owner, target.id, options).await?;
        }
        ImportRow::DomainBlock { domain } => filters::block_domain(state, owner, domain).await?,
        ImportRow::Bookmark { uri } => {
            let status_id = remote::fetch_note(state, uri, 2).await?;
            statuses::bookmark(state, owner, status_id, true).await?;
        }
        ImportRow::ListMember { list, acct } => {
            return list_member(state, owner, list, acct).await;
        }
    }
    Ok(RowOutcome::Done)
}

/// Puts `acct` in `owner`'s list titled `title` (made if there is none). A list holds only
/// accounts its owner follows, so an account not followed yet is followed first, as Mastodon's
/// import does; a follow waiting for acceptance makes the row wait too.
async fn list_member(
    state: &AppState,
    owner: &Account,
    title: &str,
    acct: &str,
) -> Result<RowOutcome> {
    let target = account(state, acct).await?;
    if target.id == owner.id {
        return Ok(RowOutcome::Failed("You cannot be in your own list".into()));
    }
    let existing = store::lists::of_owner(&state.db, owner.id)
        .await?
        .into_iter()
        .find(|l| l.title == title);
    let list = match existing {
        Some(l) => l,
        None => {
            let input = lists::ListInput {
                title: Some(title.to_string()),
                replies_policy: None,
                exclusive: None,
            };
            lists::create(state, owner, input).await?
        }
    };
    if !store::lists::members_among(&state.db, list.id, &[target.id])
        .await?
        .is_empty()
    {
        return Ok(RowOutcome::Done);
    }
    let followed = store::relationships::followed_among(&state.db, owner.id, &[target.id])
        .await?
        .contains(&target.id);
    if !followed {
        let rel = relationships::follow(state, owner, target.id, FollowOptions::default()).await?;
        if !rel.following {
            return Ok(RowOutcome::Again(
                "Waiting for the follow to be accepted".into(),
            ));
        }
    }
    lists::add_members(state, owner, list.id, &[target.id]).await?;
    Ok(RowOutcome::Done)
}

/// Overwrite mode: undoes, through the ordinary service functions, what `owner` has of the
/// import's kind that its file does not list. Things that are gone meanwhile are skipped.
async fn overwrite(state: &AppState, owner: &Account, import: &Import) -> Result<()> {
    let rows: Vec<ImportRow> = store::imports::all_rows(&state.db, import.id)
        .await?
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect();
    let domain = state.config.domain.as_str();
    let held = store::imports::held(&state.db, owner.id, import.kind, domain).await?;
    if import.kind == ImportKind::Lists {
        let mut wanted: HashMap<&str, HashSet<String>> = HashMap::new();
        for row in &rows {
            if let ImportRow::ListMember { list, acct } = row {
                wanted
                    .entry(list.as_str())
                    .or_default()
                    .insert(acct.clone());
            }
        }
        for list in held {
            let Some(members) = wanted.get(list.key.as_str()) else {
                ignore_gone(lists::delete(state, owner, list.id).await)?;
                continue;
            };
            let gone: Vec<i64> = store::imports::list_members(&state.db, list.id, domain)
                .await?
                .into_iter()
                .filter(|m| !members.contains(&m.key))
                .map(|m| m.id)
                .collect();
            if !gone.is_empty() {
                ignore_gone(lists::remove_members(state, owner, list.id, &gone).await)?;
            }
        }
        return Ok(());
    }
    let wanted: HashSet<String> = rows
        .iter()
        .filter_map(|row| match row {
            ImportRow::Follow { acct, .. }
            | ImportRow::Block { acct }
            | ImportRow::Mute { acct, .. } => Some(acct.clone()),
            ImportRow::DomainBlock { domain } => Some(domain.clone()),
            ImportRow::Bookmark { uri } => Some(uri.clone()),
            ImportRow::ListMember { .. } => None,
        })
        .collect();
    for h in held.into_iter().filter(|h| !wanted.contains(&h.key)) {
        match import.kind {
            ImportKind::Following => {
                ignore_gone(relationships::unfollow(state, owner, h.id).await.map(drop))?
            }
            ImportKind::Blocks => {
                ignore_gone(relationships::unblock(state, owner, h.id).await.map(drop))?
            }
            ImportKind::Mutes => {
                ignore_gone(relationships::unmute(state, owner, h.id).await.map(drop))?
            }
            ImportKind::DomainBlocks => {
                ignore_gone(filters::unblock_domain(state, owner, &h.key).await)?
            }
            ImportKind::Bookmarks => ignore_gone(
                statuses::bookmark(state, owner, h.id, false)
                    .await
                    .map(drop),
            )?,
            ImportKind::Lists | ImportKind::Posts => {}
        }
    }
    Ok(())
}

/// Something that vanished between reading and undoing it needs no undoing.
fn ignore_gone(result: Result<()>) -> Result<()> {
    match result {
        Err(Error::NotFound) => Ok(()),
        other => other,
    }
}
