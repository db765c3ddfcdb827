//! Scheduled statuses: a post with `scheduled_at` is checked as a post is, then kept with its
//! uploads reserved until its time, when the `publish_scheduled` job queued with it publishes
//! it through the ordinary posting path ([`statuses::publish_scheduled`]). Listing,
//! rescheduling and cancelling one's own are here too.
//!
//! Times are read from `state.clock` (tests move it) and handed to the queue in system time
//! ([`crate::clock::Clock::to_system`]). Mastodon's rules: at least five minutes ahead, at
//! most `limits.scheduled_statuses` waiting per account and `limits.scheduled_statuses_per_day`
//! due on one (UTC) day.

use chrono::{DateTime, Duration, DurationRound, NaiveTime, Utc};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Page, ScheduledStatus, ScheduledView, User};
use crate::service::queue::{self, Job, ScheduledPost};
use crate::service::statuses::{self, Draft, FromScheduled};
use crate::service::{media, quotes};
use crate::{id, store};

/// How far ahead a status must be scheduled, at least (Mastodon's `MINIMUM_OFFSET`).
pub const MINIMUM_OFFSET_MINUTES: i64 = 5;

/// How long a repeated request with the same `Idempotency-Key` gets the first one's
/// scheduled status back (as for posts).
const IDEMPOTENCY_HOURS: i64 = 1;

/// What a client asks to schedule: a draft (as for an immediate post) and its time.
#[derive(Debug)]
pub struct ToSchedule {
    pub draft: Draft,
    pub scheduled_at: DateTime<Utc>,
    /// A poll to publish with it, when not in `draft` already (this one wins); its end
    /// counts from the publication.
    pub poll: Option<crate::service::polls::PollDraft>,
}

/// Schedules a status: checked as a post is (text, language, media, visibility, reply
/// target), at least five minutes ahead and within the limits, stored with its uploads
/// reserved and its publication queued for its time, in one transaction. With an idempotency
/// key seen in the last hour, returns that scheduled status instead.
#[tracing::instrument(skip_all, fields(account.id = author.id))]
pub async fn schedule(
    state: &AppState,
    author: &Account,
    user: &User,
    application_id: Option<i64>,
    request: ToSchedule,
    idempotency_key: Option<&str>,
) -> Result<ScheduledView> {
    if let Some(key) = idempotency_key {
        // `created_at` is the database's time, not the clock's.
        let since = Utc::now() - Duration::hours(IDEMPOTENCY_HOURS);
        if let Some(existing) =
            store::scheduled::by_idempotency_key(&state.db, author.id, key, since).await?
        {
            return one(state, author, existing).await;
        }
    }
    let scheduled_at = check_time(state, request.scheduled_at)?;
    let mut draft = request.draft;
    if request.poll.is_some() {
        draft.poll = request.poll;
    }
    let draft = &draft;
    let poll = draft
        .poll
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| Error::Internal(e.into()))?;
    let checked = statuses::check(state, author, user, draft, media::AttachTo::New).await?;
    // A quote is checked now as a post's is (seen, quotable, visibility), and again when it is
    // published; what is kept is the status quoted, a boost's original.
    let quote = quotes::check_local(
        state,
        author,
        checked.visibility,
        draft.quoted_status_id.as_deref(),
    )
    .await?;
    let quote_policy = quotes::parse_policy(draft.quote_approval_policy.as_deref())?;
    let id = id::next();
    let mut tx = state.db.begin().await?;
    store::scheduled::lock_account(&mut *tx, author.id).await?;
    check_limits(state, &mut tx, author.id, scheduled_at, None).await?;
    let trimmed = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    store::scheduled::insert(
        &mut *tx,
        &store::scheduled::NewScheduled {
            id,
            account_id: author.id,
            scheduled_at,
            text: &draft.text,
            spoiler_text: Some(draft.spoiler_text.as_str()).filter(|s| !s.trim().is_empty()),
            sensitive: draft.sensitive,
            visibility: checked.visibility,
            in_reply_to_id: checked.parent.as_ref().map(|p| p.id),
            language: trimmed(&draft.language).as_deref(),
            media_ids: &checked.media_ids,
            poll: poll.as_ref(),
            application_id,
            idempotency_key,
            quoted_status_id: quote.and_then(|q| q.quoted.map(|(id, _)| id)),
            quote_approval_policy: quote_policy.map(|p| p.as_str()),
        },
    )
    .await?;
    // Media checked before the transaction may have been taken meanwhile: reserve only the
    // ones still free, and refuse if any was not.
    let reserved = store::media::reserve(&mut *tx, id, &checked.media_ids).await?;
    if reserved != checked.media_ids.len() as u64 {
        return Err(Error::invalid(
            "media_ids",
            "ERR_TAKEN",
            "include an attachment already used by another status",
        ));
    }
    enqueue_publication(state, &mut tx, id, scheduled_at).await?;
    tx.commit().await?;
    one(state, author, id).await
}

/// The time a scheduled status is kept at (to the millisecond, as clients see it, so the
/// job's copy of it compares equal with the stored one), if it is far enough ahead.
fn check_time(state: &AppState, at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let at = at
        .duration_trunc(Duration::milliseconds(1))
        .map_err(|_| Error::invalid("scheduled_at", "ERR_INVALID", "is not a valid date"))?;
    if at <= state.clock.now() + Duration::minutes(MINIMUM_OFFSET_MINUTES) {
        // Mastodon's words (`scheduled_statuses.too_soon` on the `scheduled_at` attribute).
        return Err(Error::invalid(
            "scheduled_at",
            "ERR_INVALID",
            "date must be in the future",
        ));
    }
    Ok(at)
}

/// Mastodon's limits, counted in the caller's transaction (which holds the account's lock):
/// so many waiting in all, so many due on the (UTC) day of `at`. `except` is the one being
/// rescheduled, which does not count against itself.
async fn check_limits(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    account_id: i64,
    at: DateTime<Utc>,
    except: Option<i64>,
) -> Result<()> {
    let total = state.config.limits.scheduled_statuses as i64;
    if except.is_none() && store::scheduled::count(&mut *tx, account_id).await? >= total {
        return Err(Error::unprocessable(format!(
            "Validation failed: You have exceeded the limit of {total} scheduled posts"
        )));
    }
    let per_day = state.config.limits.scheduled_statuses_per_day as i64;
    let day = at.date_naive().and_time(NaiveTime::MIN).and_utc();
    let on_day =
        store::scheduled::count_between(&mut *tx, account_id, day, day + Duration::days(1), except)
            .await?;
    if on_day >= per_day {
        return Err(Error::unprocessable(format!(
            "Validation failed: You have exceeded the limit of {per_day} scheduled posts for today"
        )));
    }
    Ok(())
}

/// Queues the job that publishes scheduled status `id` at `at`, in the caller's transaction.
async fn enqueue_publication(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    id: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    let job = Job::PublishScheduled(ScheduledPost {
        scheduled_status_id: id,
        scheduled_at: at,
    });
    queue::enqueue_at(tx, &job, state.clock.to_system(at)).await
}

/// One of `owner`'s scheduled statuses with its uploads; anyone else's is not found.
pub async fn one(state: &AppState, owner: &Account, id: i64) -> Result<ScheduledView> {
    let scheduled = store::scheduled::by_id(&state.db, owner.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(with_media(state, vec![scheduled]).await?.remove(0))
}

/// A page of `owner`'s scheduled statuses, newest first, with the paging cursors (newest,
/// oldest).
pub async fn list(
    state: &AppState,
    owner: &Account,
    page: &Page,
) -> Result<(Vec<ScheduledView>, Option<(i64, i64)>)> {
    let rows = store::scheduled::page(&state.db, owner.id, page).await?;
    let cursors = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => Some((first.id, last.id)),
        _ => None,
    };
    Ok((with_media(state, rows).await?, cursors))
}

async fn with_media(state: &AppState, rows: Vec<ScheduledStatus>) -> Result<Vec<ScheduledView>> {
    let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let all = media::with_urls(state, store::media::for_scheduled(&state.db, &ids).await?);
    Ok(rows
        .into_iter()
        .map(|scheduled| {
            let media = all
                .iter()
                .filter(|m| m.scheduled_status_id == Some(scheduled.id))
                .cloned()
                .collect();
            ScheduledView { scheduled, media }
        })
        .collect())
}

/// Moves one of `owner`'s scheduled statuses to `at` (the same rules as scheduling): the job
/// for the old time will find it moved and do nothing; a new one is queued for `at`.
#[tracing::instrument(skip_all, fields(account.id = owner.id, scheduled_status.id = id))]
pub async fn reschedule(
    state: &AppState,
    owner: &Account,
    id: i64,
    at: DateTime<Utc>,
) -> Result<ScheduledView> {
    // Someone else's is not found, whatever the time says.
    store::scheduled::by_id(&state.db, owner.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let at = check_time(state, at)?;
    let mut tx = state.db.begin().await?;
    store::scheduled::lock_account(&mut *tx, owner.id).await?;
    check_limits(state, &mut tx, owner.id, at, Some(id)).await?;
    if !store::scheduled::reschedule(&mut *tx, owner.id, id, at).await? {
        return Err(Error::NotFound);
    }
    enqueue_publication(state, &mut tx, id, at).await?;
    tx.commit().await?;
    one(state, owner, id).await
}

/// Cancels one of `owner`'s scheduled statuses; its uploads are free again.
#[tracing::instrument(skip_all, fields(account.id = owner.id, scheduled_status.id = id))]
pub async fn cancel(state: &AppState, owner: &Account, id: i64) -> Result<()> {
    if store::scheduled::delete(&state.db, owner.id, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// What the job publishing a scheduled status came to.
#[derive(Debug)]
pub enum Publication {
    /// Published as this status.
    Published(i64),
    /// Nothing to publish: cancelled, rescheduled (its new job publishes it), or published
    /// already.
    Gone,
    /// It can no longer be published (the reply target is gone, the author suspended, the
    /// draft no longer valid) and is deleted, as Mastodon drops it; why.
    Dropped(String),
}

/// Publishes scheduled status `id` if it is still due at `at`, through the ordinary posting
/// path (see [`statuses::publish_scheduled`]: exactly once). Errors are worth another try
/// (the database, a mentioned account's server); what retrying cannot fix is dropped.
pub async fn publish(state: &AppState, id: i64, at: DateTime<Utc>) -> Result<Publication> {
    let Some(scheduled) = store::scheduled::by_id_any(&state.db, id).await? else {
        return Ok(Publication::Gone);
    };
    if scheduled.scheduled_at != at {
        return Ok(Publication::Gone);
    }
    let author = store::accounts::by_id(&state.db, scheduled.account_id).await?;
    let user = store::users::by_account_id(&state.db, scheduled.account_id).await?;
    let (Some(author), Some(user)) = (author, user) else {
        return drop_scheduled(state, &scheduled, "its author is gone").await;
    };
    if author.is_suspended() || user.disabled {
        return drop_scheduled(state, &scheduled, "its author may not post").await;
    }
    let draft = Draft {
        text: scheduled.text.clone(),
        spoiler_text: scheduled.spoiler_text.clone().unwrap_or_default(),
        sensitive: scheduled.sensitive,
        visibility: Some(scheduled.visibility.as_str().to_string()),
        in_reply_to_id: scheduled.in_reply_to_id.map(|i| i.to_string()),
        language: scheduled.language.clone(),
        media_ids: scheduled.media_ids.iter().map(i64::to_string).collect(),
        media_attributes: Vec::new(),
        quoted_status_id: scheduled.quoted_status_id.map(|i| i.to_string()),
        quote_approval_policy: scheduled.quote_approval_policy.clone(),
        // Kept as it was checked when scheduled; one that no longer reads is dropped below.
        poll: match &scheduled.poll {
            Some(stored) => match serde_json::from_value(stored.0.clone()) {
                Ok(poll) => Some(poll),
                Err(e) => {
                    return drop_scheduled(state, &scheduled, &format!("its poll: {e}")).await
                }
            },
            None => None,
        },
    };
    let from = FromScheduled {
        id,
        scheduled_at: at,
    };
    let published =
        statuses::publish_scheduled(state, &author, &user, scheduled.application_id, draft, from)
            .await;
    match published {
        Ok(Some(status_id)) => Ok(Publication::Published(status_id)),
        Ok(None) => Ok(Publication::Gone),
        // Mastodon's worker drops it on a missing record (the reply target, the quoted status)
        // or an invalid one; a quote no longer allowed is as final.
        Err(e @ (Error::NotFound | Error::Validation { .. } | Error::Forbidden(_))) => {
            drop_scheduled(state, &scheduled, &e.to_string()).await
        }
        Err(e) => Err(e),
    }
}

/// Deletes a scheduled status that cannot be published (unless it was rescheduled or taken
/// meanwhile).
async fn drop_scheduled(
    state: &AppState,
    scheduled: &ScheduledStatus,
    why: &str,
) -> Result<Publication> {
    if store::scheduled::take(&state.db, scheduled.id, scheduled.scheduled_at).await? {
        Ok(Publication::Dropped(why.to_string()))
    } else {
        Ok(Publication::Gone)
    }
}
