//! Posting, editing, deleting, and reacting to statuses (favourite, boost, bookmark, pin,
//! conversation mute). Local actions and the same actions arriving from peers come through
//! here: a post and a `Create`, an edit and an `Update`, a delete and a `Delete` each end in
//! one function of [`lifecycle`], so counters, notifications, feeds and delivery stay
//! consistent.

mod fanout;
mod federate;
mod imported;
mod lifecycle;
mod marks;
mod remote;

pub use fanout::fan_out;
use federate::federate_removal;
pub use federate::federate_update;
pub use imported::{import_post, imported_status, ImportedPost};
use lifecycle::{Attachments, Content, Placement};
pub use marks::{bookmark, history, mute_conversation, pin, source};
pub use remote::{delete_remote, edit_remote, receive_remote, RemoteNote};

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::content::status::{self as text, ResolvedMention};
use crate::error::{Error, Result};
use crate::federation::outbox;
use crate::model::{Account, NotificationType, Status, StatusView, User, Visibility};
use crate::service::queue::{self, Job, OfStatus};
use crate::service::{accounts, delivery, media, notifications, polls, quotes, views};
use crate::{id, store};

/// The most statuses one account may pin.
pub const MAX_PINS: i64 = 5;

/// What a client sends to post or edit.
#[derive(Debug, Default)]
pub struct Draft {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: Option<bool>,
    pub visibility: Option<String>,
    pub in_reply_to_id: Option<String>,
    pub language: Option<String>,
    pub media_ids: Vec<String>,
    /// New descriptions and focal points of attachments, on edits.
    pub media_attributes: Vec<media::MediaAttributes>,
    /// A poll (on an edit: the poll it has from now on; none removes it).
    pub poll: Option<polls::PollDraft>,
    /// The id of the status quoted (not on edits).
    pub quoted_status_id: Option<String>,
    /// `public`, `followers` or `nobody` (on an edit, none keeps the policy).
    pub quote_approval_policy: Option<String>,
}

/// Checks a draft's text and returns its (language, sensitive) after defaults.
fn check_draft(state: &AppState, user: &User, draft: &Draft) -> Result<(Option<String>, bool)> {
    if draft.text.trim().is_empty() && draft.media_ids.is_empty() {
        return Err(Error::unprocessable(
            "Validation failed: Text can't be blank",
        ));
    }
    let limit = state.config.limits.status_characters;
    let length = text::count_characters(&draft.text) + draft.spoiler_text.chars().count();
    if length > limit {
        return Err(Error::unprocessable(format!(
            "Validation failed: Text character limit of {limit} exceeded"
        )));
    }
    let language = match draft
        .language
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        None => user.default_language.clone(),
        Some(l) if accounts::is_language_code(l) => Some(l.to_string()),
        Some(_) => {
            return Err(Error::invalid(
                "language",
                "ERR_INCLUSION",
                "is not a valid language code",
            ))
        }
    };
    Ok((
        language,
        draft.sensitive.unwrap_or(user.default_sensitive) || !draft.spoiler_text.trim().is_empty(),
    ))
}

/// Resolves the mentions of a text to accounts: local ones, and remote ones (looked up over
/// WebFinger when unknown or stale).
pub(crate) async fn resolve_mentions(
    state: &AppState,
    body: &str,
) -> Result<Vec<(ResolvedMention, Account)>> {
    let mut out: Vec<(ResolvedMention, Account)> = Vec::new();
    for m in text::mentions(body) {
        let local = m
            .domain
            .as_deref()
            .is_none_or(|d| d.eq_ignore_ascii_case(&state.config.domain));
        let found = if local {
            store::accounts::local_by_username(&state.db, &m.username).await?
        } else {
            crate::service::remote::mentioned(
                state,
                &m.username,
                m.domain.as_deref().unwrap_or_default(),
            )
            .await?
        };
        if let Some(account) = found.filter(|a| !a.is_suspended()) {
            if out.iter().any(|(_, a)| a.id == account.id) {
                continue;
            }
            out.push((
                ResolvedMention {
                    username: m.username.clone(),
                    domain: m.domain.clone(),
                    url: account.profile_url().to_string(),
                    account_id: account.id,
                },
                account,
            ));
        }
    }
    Ok(out)
}

/// A draft as posting checks it, before its text is rendered: what a post will be, and what a
/// scheduled status keeps until its time.
#[derive(Debug)]
pub struct Checked {
    /// The draft's language, or the author's default.
    pub language: Option<String>,
    /// The draft's, or the author's default; always with a content warning.
    pub sensitive: bool,
    /// The draft's, or the author's default.
    pub visibility: Visibility,
    /// The status replied to (the original, when the draft named a boost).
    pub parent: Option<Status>,
    /// The uploads to attach, in order.
    pub media_ids: Vec<i64>,
    /// The poll, checked (its end counted from now).
    pub poll: Option<polls::PollContent>,
}

/// Checks a draft as posting does (text, language, media, visibility, and a reply target the
/// author may see), without posting it. `to` says which status or scheduled status the
/// uploads may already belong to.
pub async fn check(
    state: &AppState,
    author: &Account,
    user: &User,
    draft: &Draft,
    to: media::AttachTo,
) -> Result<Checked> {
    crate::service::moves::ensure_not_moved(author)?;
    let (language, sensitive) = check_draft(state, user, draft)?;
    let poll = check_poll(state, draft)?;
    let media_ids = media::check_attachable(state, author, &draft.media_ids, to).await?;
    let visibility = match draft.visibility.as_deref().filter(|v| !v.is_empty()) {
        None => user.default_privacy,
        Some(raw) => Visibility::parse(raw).ok_or_else(|| {
            Error::invalid("visibility", "ERR_INCLUSION", "is not included in the list")
        })?,
    };
    let parent = match draft.in_reply_to_id.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(raw) => {
            let parent_id = crate::id::parse(raw).ok_or(Error::NotFound)?;
            // Replying needs seeing; a boost is replied to through its original.
            let view = views::one(state, Some(author), parent_id).await?;
            Some(match view.reblog {
                Some(original) => original.status,
                None => view.status,
            })
        }
    };
    Ok(Checked {
        language,
        sensitive,
        visibility,
        parent,
        media_ids,
        poll,
    })
}

/// The draft's poll, checked (none beside attachments).
fn check_poll(state: &AppState, draft: &Draft) -> Result<Option<polls::PollContent>> {
    draft
        .poll
        .as_ref()
        .map(|p| polls::check(state, p, !draft.media_ids.is_empty()))
        .transpose()
}

/// Posts a status. With an idempotency key seen in the last hour, returns that status instead.
#[tracing::instrument(skip_all, fields(account.id = author.id))]
pub async fn post(
    state: &AppState,
    author: &Account,
    user: &User,
    application_id: Option<i64>,
    draft: Draft,
    idempotency_key: Option<&str>,
) -> Result<StatusView> {
    if let Some(key) = idempotency_key {
        if let Some(existing) = store::statuses::idempotent(&state.db, author.id, key).await? {
            return views::one(state, Some(author), existing).await;
        }
    }
    let status_id = post_local(
        state,
        author,
        user,
        application_id,
        draft,
        idempotency_key,
        None,
    )
    .await?
    .ok_or_else(|| Error::internal("a new local status collided with a stored one"))?;
    views::one(state, Some(author), status_id).await
}

/// A scheduled status being published: the row its publication takes (see
/// [`publish_scheduled`]).
#[derive(Clone, Copy, Debug)]
pub struct FromScheduled {
    pub id: i64,
    /// The time it is published for; a row rescheduled since is not taken.
    pub scheduled_at: DateTime<Utc>,
}

/// Publishes a scheduled status's draft exactly as [`post`] posts one (notifications,
/// fan-out, delivery), taking the scheduled row in the transaction that creates the status, so
/// it is published once however many workers try. `None` when the row was not there to take
/// (cancelled, rescheduled, or published by another worker): nothing was posted.
#[tracing::instrument(skip_all, fields(account.id = author.id, scheduled_status.id = from.id))]
pub async fn publish_scheduled(
    state: &AppState,
    author: &Account,
    user: &User,
    application_id: Option<i64>,
    draft: Draft,
    from: FromScheduled,
) -> Result<Option<i64>> {
    post_local(state, author, user, application_id, draft, None, Some(from)).await
}

/// The one path of a local post, immediate or scheduled.
async fn post_local(
    state: &AppState,
    author: &Account,
    user: &User,
    application_id: Option<i64>,
    draft: Draft,
    idempotency_key: Option<&str>,
    scheduled: Option<FromScheduled>,
) -> Result<Option<i64>> {
    let to = match scheduled {
        Some(from) => media::AttachTo::Scheduled(from.id),
        None => media::AttachTo::New,
    };
    let checked = check(state, author, user, &draft, to).await?;
    let quote = quotes::check_local(
        state,
        author,
        checked.visibility,
        draft.quoted_status_id.as_deref(),
    )
    .await?;
    let policy = quotes::parse_policy(draft.quote_approval_policy.as_deref())?
        .unwrap_or(user.default_quote_policy)
        .for_visibility(checked.visibility);
    let mut content = local_content(
        state,
        &draft,
        checked.language,
        checked.sensitive,
        Attachments::Local {
            ids: checked.media_ids,
            changes: Vec::new(),
        },
        checked.poll,
    )
    .await?;
    content.quote = quote;
    content.quote_policy = Some(policy);
    let status_id = id::next();
    let uri = format!("{}/statuses/{status_id}", author.uri);
    let url = format!("{}/@{}/{status_id}", state.base_url(), author.username);
    lifecycle::create(
        state,
        author,
        Placement {
            id: status_id,
            uri: &uri,
            url: Some(&url),
            parent: checked.parent.as_ref(),
            visibility: checked.visibility,
            created_at: Utc::now(),
            application_id,
            idempotency_key,
            scheduled,
            imported_from: None,
        },
        content,
    )
    .await
}

/// What a local draft says: its text rendered with mentions and hashtags linked.
async fn local_content(
    state: &AppState,
    draft: &Draft,
    language: Option<String>,
    sensitive: bool,
    media: Attachments,
    poll: Option<polls::PollContent>,
) -> Result<Content> {
    let mentioned = resolve_mentions(state, &draft.text).await?;
    let resolved: Vec<ResolvedMention> = mentioned.iter().map(|(r, _)| r.clone()).collect();
    let rendered = text::render(&draft.text, &resolved, &state.base_url());
    Ok(Content {
        text: draft.text.clone(),
        html: rendered.html,
        spoiler_text: draft.spoiler_text.trim().to_string(),
        sensitive,
        language,
        mentions: mentioned.iter().map(|(_, a)| a.id).collect(),
        tags: rendered.tags,
        media,
        poll,
        quote: None,
        quote_policy: None,
    })
}

/// A status the caller wrote, or 404 if they cannot see it and 403 if it is someone else's.
async fn own_status(state: &AppState, actor: &Account, id: i64) -> Result<Status> {
    let view = views::one(state, Some(actor), id).await?;
    if view.status.account_id != actor.id {
        return Err(Error::forbidden("This action is not allowed"));
    }
    Ok(view.status)
}

/// What becomes of a deleted status's attachments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaOnDelete {
    /// Detached and kept, so that a redraft may attach them again; unattached uploads are
    /// removed after the retention period, as on Mastodon.
    KeepForRedraft,
    /// Removed with their files at once (`delete_media=true`).
    Remove,
}

/// Deletes one's status (or boost); returns it as it was, with its source text.
#[tracing::instrument(skip_all, fields(account.id = actor.id, status.id = id))]
pub async fn delete(
    state: &AppState,
    actor: &Account,
    id: i64,
    media: MediaOnDelete,
) -> Result<StatusView> {
    let status = own_status(state, actor, id).await?;
    let view = views::one(state, Some(actor), id).await?;
    lifecycle::remove_own(state, actor, &status, media).await?;
    Ok(view)
}

/// Removes a status of a deleted account (boosts of it, its media, its place in feeds and
/// conversations go with it) without telling peers: the actor's own `Delete` does.
pub async fn remove_of_deleted_account(
    state: &AppState,
    author: &Account,
    status: &Status,
) -> Result<()> {
    lifecycle::remove_unfederated(state, author, status).await
}

/// Edits one's status, keeping the previous version in its history.
#[tracing::instrument(skip_all, fields(account.id = actor.id, status.id = id))]
pub async fn edit(
    state: &AppState,
    actor: &Account,
    user: &User,
    id: i64,
    draft: Draft,
) -> Result<StatusView> {
    let status = own_status(state, actor, id).await?;
    if status.is_reblog() {
        return Err(Error::unprocessable(
            "Validation failed: A boost cannot be edited",
        ));
    }
    let (language, sensitive) = check_draft(state, user, &draft)?;
    let poll = check_poll(state, &draft)?;
    let media_ids = media::check_attachable(
        state,
        actor,
        &draft.media_ids,
        media::AttachTo::Status(status.id),
    )
    .await?;
    let changes = media::check_attributes(state, &draft.media_attributes, &media_ids)?;
    let policy = quotes::parse_policy(draft.quote_approval_policy.as_deref())?
        .map(|p| p.for_visibility(status.visibility));
    let mut content = local_content(
        state,
        &draft,
        language,
        sensitive,
        Attachments::Local {
            ids: media_ids,
            changes,
        },
        poll,
    )
    .await?;
    content.quote_policy = policy;
    lifecycle::revise(state, actor, &status, content).await?;
    views::one(state, Some(actor), status.id).await
}

/// The ActivityPub id of the status `status` replies to, when it is a reply.
pub async fn parent_uri(state: &AppState, status: &Status) -> Result<Option<String>> {
    Ok(store::statuses::parent_uri(&state.db, status).await?)
}

/// The status itself or, for a boost, the original: reactions land on the original.
async fn target(state: &AppState, actor: &Account, id: i64) -> Result<StatusView> {
    let view = views::one(state, Some(actor), id).await?;
    Ok(match view.reblog {
        Some(original) => *original,
        None => view,
    })
}

pub async fn favourite(state: &AppState, actor: &Account, id: i64) -> Result<StatusView> {
    let view = target(state, actor, id).await?;
    let mut tx = state.db.begin().await?;
    let favourite_id = id::next();
    if store::reactions::favourite(&mut tx, favourite_id, actor.id, view.status.id).await? {
        notifications::notify(
            &mut *tx,
            view.status.account_id,
            actor.id,
            NotificationType::Favourite,
            Some(view.status.id),
        )
        .await?;
        // A remote author hears of it with a Like.
        if actor.is_local() && !view.account.is_local() {
            let like =
                outbox::with_context(crate::federation::convert::like(actor, &view.status.uri))?;
            delivery::deliver(&mut tx, actor, &like, &[delivery::inbox_of(&view.account)]).await?;
        }
    }
    tx.commit().await?;
    views::one(state, Some(actor), view.status.id).await
}

pub async fn unfavourite(state: &AppState, actor: &Account, id: i64) -> Result<StatusView> {
    let view = target(state, actor, id).await?;
    let mut tx = state.db.begin().await?;
    if store::reactions::unfavourite(&mut tx, actor.id, view.status.id).await? {
        notifications::withdraw(
            &mut *tx,
            view.status.account_id,
            actor.id,
            NotificationType::Favourite,
            Some(view.status.id),
        )
        .await?;
        if actor.is_local() && !view.account.is_local() {
            let like = crate::federation::convert::like(actor, &view.status.uri);
            let undo = outbox::with_context(crate::federation::convert::undo(actor, like))?;
            delivery::deliver(&mut tx, actor, &undo, &[delivery::inbox_of(&view.account)]).await?;
        }
    }
    tx.commit().await?;
    views::one(state, Some(actor), view.status.id).await
}

/// Boosts a status; boosting twice returns the first boost.
pub async fn reblog(
    state: &AppState,
    actor: &Account,
    id: i64,
    visibility: Option<&str>,
) -> Result<StatusView> {
    reblog_as(state, actor, id, visibility, None).await
}

/// Boosts a status as `reblog` does; a remote actor's boost keeps the id of its `Announce`.
#[tracing::instrument(skip_all, fields(account.id = actor.id, status.id = id))]
pub async fn reblog_as(
    state: &AppState,
    actor: &Account,
    id: i64,
    visibility: Option<&str>,
    announce_uri: Option<&str>,
) -> Result<StatusView> {
    crate::service::moves::ensure_not_moved(actor)?;
    let original = target(state, actor, id).await?.status;
    let own = original.account_id == actor.id;
    match original.visibility {
        Visibility::Direct => {
            return Err(Error::unprocessable(
                "Validation failed: Direct messages cannot be boosted",
            ))
        }
        Visibility::Private if !own => {
            return Err(Error::unprocessable(
                "Validation failed: Followers-only posts cannot be boosted",
            ))
        }
        _ => {}
    }
    if let Some(existing) = store::statuses::reblog_by(&state.db, actor.id, original.id).await? {
        return views::one(state, Some(actor), existing.id).await;
    }
    let visibility = match visibility.filter(|v| !v.is_empty()) {
        None => Visibility::Public,
        Some(raw) => match Visibility::parse(raw) {
            Some(v) if v != Visibility::Direct => v,
            _ => {
                return Err(Error::invalid(
                    "visibility",
                    "ERR_INCLUSION",
                    "is not included in the list",
                ))
            }
        },
    };
    // A boost of one's own followers-only post stays followers-only.
    let visibility = if original.visibility == Visibility::Private {
        Visibility::Private
    } else {
        visibility
    };
    let boost_id = id::next();
    let uri = match announce_uri {
        Some(u) => u.to_string(),
        None => format!("{}/statuses/{boost_id}/activity", actor.uri),
    };
    let mut tx = state.db.begin().await?;
    let inserted = store::statuses::insert(
        &mut tx,
        &store::statuses::NewStatus {
            id: boost_id,
            uri: &uri,
            url: None,
            account_id: actor.id,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            reblog_of_id: Some(original.id),
            conversation_id: original.conversation_id,
            text: "",
            content: "",
            spoiler_text: "",
            sensitive: false,
            visibility,
            language: None,
            local: actor.is_local(),
            application_id: None,
            created_at: Utc::now(),
        },
    )
    .await;
    if let Err(e) = inserted {
        // A concurrent boost of the same status won the unique index: return that one.
        if store::unique_violation(&e).is_some() {
            drop(tx);
            if let Some(existing) =
                store::statuses::reblog_by(&state.db, actor.id, original.id).await?
            {
                return views::one(state, Some(actor), existing.id).await;
            }
        }
        return Err(e.into());
    }
    if actor.is_local() {
        store::feeds::insert_for(
            &mut *tx,
            &[actor.id],
            boost_id,
            actor.id,
            Some(original.account_id),
        )
        .await?;
    }
    queue::enqueue(
        &mut tx,
        &Job::Fanout(OfStatus {
            status_id: boost_id,
        }),
    )
    .await?;
    notifications::notify(
        &mut *tx,
        original.account_id,
        actor.id,
        NotificationType::Reblog,
        Some(original.id),
    )
    .await?;
    tx.commit().await?;
    views::one(state, Some(actor), boost_id).await
}

/// Undoes a boost; returns the original.
pub async fn unreblog(state: &AppState, actor: &Account, id: i64) -> Result<StatusView> {
    let original = target(state, actor, id).await?.status;
    if let Some(boost) = store::statuses::reblog_by(&state.db, actor.id, original.id).await? {
        let mut tx = state.db.begin().await?;
        if let Ok(view) = views::one(state, Some(actor), boost.id).await {
            federate_removal(&mut tx, actor, &view).await?;
        }
        crate::service::streaming::status_deleted(&mut tx, &boost, &[]).await?;
        store::statuses::delete(&mut tx, &boost).await?;
        notifications::withdraw(
            &mut *tx,
            original.account_id,
            actor.id,
            NotificationType::Reblog,
            Some(original.id),
        )
        .await?;
        tx.commit().await?;
    }
    views::one(state, Some(actor), original.id).await
}
