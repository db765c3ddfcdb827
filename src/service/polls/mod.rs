//! Polls: checked and stored with their status (through the status lifecycle), voted on by
//! local accounts ([`vote`]) and by remote ones ([`receive_vote`]), their counts sent to peers
//! in batches ([`federate_counts`]), closed at their end ([`close`]), and, for remote polls,
//! refreshed from their server when viewed stale ([`refresh_remote`]).
//!
//! A local poll's counts are counted here from the votes recorded; a remote poll's are its
//! server's, plus the local votes cast since its last report. Times are real time (not
//! `state.clock`): the end of a poll is a job's `run_at`, which the database's clock decides.

use std::collections::HashMap;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::vocab::inbound::Object;
use crate::federation::{convert, outbox, remote_note};
use crate::model::{Account, Poll, PollView, Status};
use crate::service::queue::{self, Job, OfPoll, PollEnd};
use crate::service::{delivery, notifications, views};
use crate::store::polls::{NewPoll, NewVote, Revision};
use crate::{id, store};

mod federation;

pub(crate) use federation::refresh_counts;
pub use federation::{federate_counts, local_poll_at, receive_vote, refresh_remote};

/// Options of one remote poll that are kept, at most.
const MAX_REMOTE_OPTIONS: usize = 20;

/// Characters of one remote option's title that are kept, at most.
const MAX_REMOTE_OPTION_CHARACTERS: usize = 200;

/// A poll as a client asks for one (and as a scheduled status keeps it until its time).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PollDraft {
    pub options: Vec<String>,
    /// Seconds it runs from when it is posted.
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub multiple: bool,
    #[serde(default)]
    pub hide_totals: bool,
}

/// A status's poll as the lifecycle stores it: a local draft checked, or a remote
/// `Question` read.
#[derive(Clone, Debug, PartialEq)]
pub struct PollContent {
    pub options: Vec<String>,
    /// Votes per option (zeros for a new local poll).
    pub votes: Vec<i64>,
    pub multiple: bool,
    pub hide_totals: bool,
    pub voters_count: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// When a remote poll was read from its server; `None` for a local poll.
    pub fetched_at: Option<DateTime<Utc>>,
}

/// Checks a client's poll as Mastodon does (its words, its limits from `[polls]`): two
/// options at least, `max_options` at most, none longer than `max_characters_per_option`,
/// none twice, an end between `min_expiration` and `max_expiration` seconds away, and no
/// attachments beside it (`with_media`). Blank options are dropped first.
pub fn check(state: &AppState, draft: &PollDraft, with_media: bool) -> Result<PollContent> {
    let limits = &state.config.polls;
    if with_media {
        return Err(Error::unprocessable(
            "Validation failed: A post with a poll cannot have media attachments",
        ));
    }
    let options: Vec<String> = draft
        .options
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if options.len() < 2 {
        return Err(Error::unprocessable(
            "Validation failed: Poll options must have more than one item",
        ));
    }
    if options.len() > limits.max_options {
        return Err(Error::unprocessable(format!(
            "Validation failed: Poll options can't contain more than {} items",
            limits.max_options
        )));
    }
    let longest = limits.max_characters_per_option;
    if options.iter().any(|o| o.chars().count() > longest) {
        return Err(Error::unprocessable(format!(
            "Validation failed: Poll options cannot be longer than {longest} characters each"
        )));
    }
    let mut distinct = options.clone();
    distinct.sort();
    distinct.dedup();
    if distinct.len() != options.len() {
        return Err(Error::unprocessable(
            "Validation failed: Poll options contain duplicate items",
        ));
    }
    let expires_in = draft
        .expires_in
        .ok_or_else(|| Error::unprocessable("Validation failed: Poll expires at can't be blank"))?;
    if expires_in < limits.min_expiration {
        return Err(Error::unprocessable(
            "Validation failed: Poll expires at is too soon",
        ));
    }
    if expires_in > limits.max_expiration {
        return Err(Error::unprocessable(
            "Validation failed: Poll expires at is too far into the future",
        ));
    }
    let expires_at = Utc::now().trunc_subsecs(3) + Duration::seconds(expires_in);
    Ok(PollContent {
        votes: vec![0; options.len()],
        options,
        multiple: draft.multiple,
        hide_totals: draft.hide_totals,
        voters_count: Some(0),
        expires_at: Some(expires_at),
        closed_at: None,
        fetched_at: None,
    })
}

/// Stores the poll of the new status `status_id` by `author` and queues its end, in the
/// lifecycle's transaction.
pub(crate) async fn attach(
    tx: &mut PgConnection,
    author: &Account,
    status_id: i64,
    poll: &PollContent,
) -> Result<()> {
    let poll_id = id::next();
    store::polls::insert(
        &mut *tx,
        &NewPoll {
            id: poll_id,
            status_id,
            account_id: author.id,
            options: &poll.options,
            votes: &poll.votes,
            multiple: poll.multiple,
            hide_totals: poll.hide_totals,
            voters_count: poll.voters_count,
            expires_at: poll.expires_at,
            closed_at: poll.closed_at,
            fetched_at: poll.fetched_at,
        },
    )
    .await?;
    queue_end(tx, poll_id, poll).await
}

/// Queues the job that closes the poll at its end (for a remote poll too: its local voters
/// hear of the end), unless it has none or is closed already.
async fn queue_end(tx: &mut PgConnection, poll_id: i64, poll: &PollContent) -> Result<()> {
    if let (Some(at), None) = (poll.expires_at, poll.closed_at) {
        let job = Job::ClosePoll(PollEnd {
            poll_id,
            expires_at: at,
        });
        queue::enqueue_at(tx, &job, at).await?;
    }
    Ok(())
}

/// The poll of edited status `status_id` becomes `new` (or goes), in the lifecycle's
/// transaction; the earlier version `edit_id` keeps the options it had. As on Mastodon, a
/// local poll whose options (or kind) change loses its votes, and its end counts again from
/// the edit; a remote poll takes what its server says.
pub(crate) async fn revise(
    tx: &mut PgConnection,
    author: &Account,
    status_id: i64,
    edit_id: i64,
    new: Option<&PollContent>,
) -> Result<()> {
    store::polls::snapshot_for_edit(&mut *tx, edit_id, status_id).await?;
    let old = store::polls::by_status(&mut *tx, status_id).await?;
    match (old, new) {
        (None, None) => Ok(()),
        (Some(_), None) => Ok(store::polls::delete_for_status(&mut *tx, status_id).await?),
        (None, Some(new)) => attach(tx, author, status_id, new).await,
        (Some(old), Some(new)) => {
            let changed = old.options != new.options || old.multiple != new.multiple;
            let (votes, voters_count) = if !author.is_local() {
                (new.votes.clone(), new.voters_count)
            } else if changed {
                store::polls::clear_votes(&mut *tx, old.id).await?;
                (vec![0; new.options.len()], Some(0))
            } else {
                (old.votes.clone(), old.voters_count)
            };
            store::polls::revise(
                &mut *tx,
                old.id,
                &Revision {
                    options: &new.options,
                    votes: &votes,
                    multiple: new.multiple,
                    hide_totals: new.hide_totals,
                    voters_count,
                    expires_at: new.expires_at,
                    closed_at: new.closed_at,
                    fetched_at: new.fetched_at,
                },
            )
            .await?;
            if new.expires_at != old.expires_at {
                queue_end(tx, old.id, new).await?;
            }
            Ok(())
        }
    }
}

/// The polls of these statuses (id and URI) as `viewer` sees them, by status id. Remote
/// polls still open whose counts are older than `polls.refresh_after_secs` are queued for a
/// refresh from their server (the viewer gets the counts known now).
pub(crate) async fn for_statuses(
    state: &AppState,
    conn: &mut PgConnection,
    viewer: Option<i64>,
    statuses: &[(i64, &str)],
) -> Result<HashMap<i64, PollView>> {
    let ids: Vec<i64> = statuses.iter().map(|(id, _)| *id).collect();
    let polls = store::polls::for_statuses(&mut *conn, &ids).await?;
    let mut choices: HashMap<i64, Vec<i32>> = HashMap::new();
    if let Some(me) = viewer {
        let poll_ids: Vec<i64> = polls.iter().map(|p| p.id).collect();
        for (poll_id, choice) in store::polls::choices_of(&mut *conn, me, &poll_ids).await? {
            choices.entry(poll_id).or_default().push(choice);
        }
    }
    let now = Utc::now();
    let stale_before = now - Duration::seconds(state.config.polls.refresh_after_secs);
    let mut out = HashMap::with_capacity(polls.len());
    for poll in polls {
        let stale = poll.fetched_at.is_some_and(|t| t < stale_before) && !poll.expired(now);
        if stale {
            if let Some((_, uri)) = statuses.iter().find(|(id, _)| *id == poll.status_id) {
                if let Err(e) = queue::refresh_poll(state, uri).await {
                    tracing::warn!(error = %e, "could not queue the refresh of a poll");
                }
            }
        }
        let own = choices.remove(&poll.id).unwrap_or_default();
        out.insert(poll.status_id, PollView::of(poll, viewer, own));
    }
    Ok(out)
}

/// A poll as `viewer` sees it, or 404 (also when they may not see its status).
pub async fn one(state: &AppState, viewer: Option<&Account>, poll_id: i64) -> Result<PollView> {
    let poll = store::polls::by_id(&state.db, poll_id)
        .await?
        .ok_or(Error::NotFound)?;
    views::one(state, viewer, poll.status_id)
        .await?
        .poll
        .ok_or(Error::NotFound)
}

/// `voter` votes for `choices` (option indexes) on a poll: refused (422) on a poll that has
/// ended, on one's own, a second time, with no choice, a choice out of range, or several on a
/// single-choice poll; 404 when they may not see its status. A local poll is counted again
/// and its new counts queued for peers; a vote on a remote poll goes to its author (a named
/// `Note` per choice) and is added to the counts known here.
#[tracing::instrument(skip_all, fields(account.id = voter.id, poll.id = poll_id))]
pub async fn vote(
    state: &AppState,
    voter: &Account,
    poll_id: i64,
    choices: &[i64],
) -> Result<PollView> {
    let poll = store::polls::by_id(&state.db, poll_id)
        .await?
        .ok_or(Error::NotFound)?;
    let status = views::one(state, Some(voter), poll.status_id).await?;
    if poll.account_id == voter.id {
        return Err(Error::unprocessable(
            "Validation failed: You cannot vote in your own polls",
        ));
    }
    let mut chosen: Vec<i32> = Vec::with_capacity(choices.len());
    for choice in choices {
        match i32::try_from(*choice) {
            Ok(c) if c >= 0 && (c as usize) < poll.options.len() => chosen.push(c),
            _ => {
                return Err(Error::unprocessable(
                    "Validation failed: The chosen vote option does not exist",
                ))
            }
        }
    }
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.is_empty() {
        return Err(Error::unprocessable(
            "Validation failed: Choices can't be blank",
        ));
    }
    if !poll.multiple && chosen.len() > 1 {
        return Err(Error::unprocessable(
            "Validation failed: This poll allows only one choice",
        ));
    }
    let mut tx = state.db.begin().await?;
    // Locked: two votes of one account at once cannot both pass the check below.
    let poll = store::polls::lock(&mut tx, poll_id)
        .await?
        .ok_or(Error::NotFound)?;
    if poll.expired(Utc::now()) {
        return Err(Error::unprocessable(
            "Validation failed: The poll has already ended",
        ));
    }
    if store::polls::has_voted(&mut *tx, poll.id, voter.id).await? {
        return Err(Error::unprocessable(
            "Validation failed: You have already voted on this poll",
        ));
    }
    let local_poll = status.account.is_local();
    let votes: Vec<(NewVote<'_>, String)> = chosen
        .iter()
        .map(|c| {
            let id = id::next();
            let uri = format!("{}#votes/{id}", voter.uri);
            (
                NewVote {
                    id,
                    choice: *c,
                    uri: None,
                },
                uri,
            )
        })
        .collect();
    let records: Vec<NewVote<'_>> = votes
        .iter()
        .map(|(v, uri)| NewVote {
            id: v.id,
            choice: v.choice,
            uri: (!local_poll).then_some(uri.as_str()),
        })
        .collect();
    store::polls::insert_votes(&mut tx, poll.id, voter.id, &records).await?;
    if local_poll {
        store::polls::recount(&mut *tx, poll.id).await?;
        queue_counts(state, &mut tx, poll.id).await?;
    } else {
        store::polls::add_to_counts(&mut *tx, poll.id, &chosen).await?;
        for (v, uri) in &votes {
            let name = poll.options.get(v.choice as usize).ok_or(Error::NotFound)?;
            let activity = outbox::with_context(convert::poll_vote(
                voter,
                uri,
                &status.status.uri,
                &status.account.uri,
                name,
            ))?;
            let inbox = status.account.inbox_url.clone();
            delivery::deliver(&mut tx, voter, &activity, &[inbox]).await?;
        }
    }
    tx.commit().await?;
    one(state, Some(voter), poll_id).await
}

/// Marks a local poll's counts as changed and, unless a batch is already waiting, queues the
/// job that sends them in `polls.update_delay_secs`: the votes of those seconds travel in one
/// `Update`.
async fn queue_counts(state: &AppState, tx: &mut PgConnection, poll_id: i64) -> Result<()> {
    if store::polls::mark_update_due(&mut *tx, poll_id).await? {
        let delay = i64::try_from(state.config.polls.update_delay_secs).unwrap_or(i64::MAX);
        let at = Utc::now() + Duration::seconds(delay);
        queue::enqueue_at(tx, &Job::FederatePoll(OfPoll { poll_id }), at).await?;
    }
    Ok(())
}

/// The end of a poll has come (`expires_at`, as queued): a local poll is closed, once, its
/// final counts queued for peers, and its author and local voters are notified (`poll`); a
/// remote poll's local voters are notified. A job for an end that was edited since does
/// nothing; notifications are once per person whatever runs twice.
pub async fn close(state: &AppState, poll_id: i64, expires_at: DateTime<Utc>) -> Result<()> {
    let poll = store::polls::by_id(&state.db, poll_id)
        .await?
        .ok_or(Error::NotFound)?;
    if poll.expires_at != Some(expires_at) {
        return Ok(());
    }
    let author = store::accounts::by_id(&state.db, poll.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut tx = state.db.begin().await?;
    let closed_now = store::polls::close(&mut *tx, poll_id, expires_at).await?;
    if author.is_local() {
        if !closed_now {
            return Ok(());
        }
        notifications::notify_poll_ended(&mut tx, author.id, author.id, poll.status_id).await?;
        store::polls::mark_update_due(&mut *tx, poll_id).await?;
        queue::enqueue(&mut tx, &Job::FederatePoll(OfPoll { poll_id })).await?;
    }
    for voter in store::polls::voters(&mut *tx, poll_id, true).await? {
        notifications::notify_poll_ended(&mut tx, voter.id, author.id, poll.status_id).await?;
    }
    tx.commit().await?;
    Ok(())
}
