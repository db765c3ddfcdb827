//! The one lifecycle of a status, local or remote: [`create`], [`revise`], [`remove`].
//!
//! A client's post and a peer's `Create`, an edit from either, a delete from either: each
//! caller reduces what it received to a [`Content`] (what the status says, mentions resolved
//! to accounts) and everything that follows is decided here once: mentions and who may
//! therefore see it, tags, media, notifications, feeds, streaming, and delivery to peers
//! (for local authors only, enqueued in the same transaction as the change). The differences
//! between the two origins are data: whose media ([`Attachments`]), the client's application
//! and idempotency key, and whether the author is local.

use chrono::{DateTime, Utc};

use super::federate::federate_removal;
use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, NotificationType, QuotePolicy, Status, Visibility};
use crate::service::media::{self, AttributeChange, RemoteAttachment};
use crate::service::queue::{self, Job, OfStatus};
use crate::service::{conversations, notifications, polls, quotes, views};
use crate::{id, store};

/// What a status says, the same for a local draft and a remote note.
pub(super) struct Content {
    /// The author's source text (local statuses; remote ones have only HTML).
    pub text: String,
    /// Safe HTML: rendered from the text, or the peer's sanitised.
    pub html: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
    /// Mentioned accounts, local and remote, without repeats.
    pub mentions: Vec<i64>,
    /// Hashtag names without `#`.
    pub tags: Vec<String>,
    pub media: Attachments,
    pub poll: Option<polls::PollContent>,
    /// What it quotes (kept as first stored on an edit: a quote is not changed by one).
    pub quote: Option<quotes::QuoteContent>,
    /// Who may quote it; on an edit, `None` keeps the policy it has.
    pub quote_policy: Option<QuotePolicy>,
}

/// The media of a status, as each origin gives them.
pub(super) enum Attachments {
    /// Uploads of the author, already checked attachable, and (on an edit) new descriptions
    /// and focal points.
    Local {
        ids: Vec<i64>,
        changes: Vec<AttributeChange>,
    },
    /// Attachments as a remote note lists them.
    Remote(Vec<RemoteAttachment>),
}

/// Where a new status sits and who made it.
pub(super) struct Placement<'a> {
    pub id: i64,
    pub uri: &'a str,
    pub url: Option<&'a str>,
    /// The status replied to, when known here.
    pub parent: Option<&'a Status>,
    pub visibility: Visibility,
    pub created_at: DateTime<Utc>,
    /// The client application of a local post.
    pub application_id: Option<i64>,
    /// A local post's `Idempotency-Key`.
    pub idempotency_key: Option<&'a str>,
    /// The scheduled status this post publishes, taken in the same transaction.
    pub scheduled: Option<super::FromScheduled>,
    /// A quiet import: the original id of a post imported from an archive. It is recorded
    /// (the post is marked imported, and never imported twice), and the status is stored
    /// only: no one is notified, it enters no feed nor stream, no fan-out or delivery is
    /// queued, and no card is fetched, since the post is old news written elsewhere.
    pub imported_from: Option<&'a str>,
}

/// Stores a new status with its mentions, tags and media, notifies the mentioned, puts it in
/// its local author's own feed, announces it on streaming, and queues the fan-out (which
/// fills followers' feeds and, for a local author, delivers it to peers); a quiet import
/// ([`Placement::imported_from`]) only stores it. `None` when a status with this URI exists
/// already (the same remote note arriving by two paths at once), when the scheduled status it
/// publishes is no longer there to take, or when the post it imports was imported meanwhile
/// (nothing is stored then).
pub(super) async fn create(
    state: &AppState,
    author: &Account,
    at: Placement<'_>,
    content: Content,
) -> Result<Option<i64>> {
    let conversation = at.parent.map(|p| p.conversation_id).unwrap_or(at.id);
    let mut tx = state.db.begin().await?;
    if let Some(from) = at.scheduled {
        // First, so a second publication waits here for the first to commit, then finds
        // nothing to take. Taking it frees its uploads for `attach` below.
        if !store::scheduled::take(&mut *tx, from.id, from.scheduled_at).await? {
            return Ok(None);
        }
    }
    let inserted = store::statuses::insert(
        &mut tx,
        &store::statuses::NewStatus {
            id: at.id,
            uri: at.uri,
            url: at.url,
            account_id: author.id,
            in_reply_to_id: at.parent.map(|p| p.id),
            in_reply_to_account_id: at.parent.map(|p| p.account_id),
            reblog_of_id: None,
            conversation_id: conversation,
            text: &content.text,
            content: &content.html,
            spoiler_text: &content.spoiler_text,
            sensitive: content.sensitive,
            visibility: at.visibility,
            language: content.language.as_deref(),
            local: author.is_local(),
            application_id: at.application_id,
            created_at: at.created_at,
        },
    )
    .await;
    match inserted {
        // Stored meanwhile by another path: the first one wins, this transaction is dropped.
        Err(e) if store::unique_violation(&e).as_deref() == Some("statuses_uri_key") => {
            return Ok(None)
        }
        other => other?,
    };
    if let Some(original) = at.imported_from {
        match store::post_imports::mark_imported(&mut tx, at.id, original).await {
            Err(e)
                if store::unique_violation(&e).as_deref() == Some("statuses_imported_from_key") =>
            {
                return Ok(None)
            }
            other => other?,
        }
    }
    store::statuses::insert_mentions(&mut *tx, at.id, &content.mentions).await?;
    attach(state, &mut tx, author, at.id, &content.media).await?;
    if let Some(poll) = &content.poll {
        polls::attach(&mut tx, author, at.id, poll).await?;
    }
    if content.quote_policy.is_some() {
        store::quotes::set_policy(&mut *tx, at.id, content.quote_policy).await?;
    }
    if let Some(quote) = &content.quote {
        quotes::record(&mut tx, author, at.id, at.uri, quote).await?;
    }
    let tag_ids: Vec<i64> = content.tags.iter().map(|_| id::next()).collect();
    store::statuses::set_tags(&mut tx, at.id, &content.tags, &tag_ids).await?;
    if let Some(key) = at.idempotency_key {
        store::statuses::remember_idempotency(&mut *tx, author.id, key, at.id).await?;
    }
    if at.imported_from.is_some() {
        tx.commit().await?;
        return Ok(Some(at.id));
    }
    if author.is_local() {
        store::feeds::insert_for(&mut *tx, &[author.id], at.id, author.id, None).await?;
    }
    crate::service::streaming::status_created(&mut *tx, at.id, at.visibility).await?;
    queue::enqueue(&mut tx, &Job::Fanout(OfStatus { status_id: at.id })).await?;
    crate::service::cards::queue_for(state, &mut tx, at.id, &content.html, false).await?;
    notify_mentioned(&mut tx, author, at.id, conversation, &content.mentions).await?;
    if at.visibility == Visibility::Direct {
        conversations::record(&mut tx, author.id, at.id, &content.mentions).await?;
    }
    tx.commit().await?;
    Ok(Some(at.id))
}

/// Replaces what `status` says, keeping the previous version in its history: mentions (newly
/// mentioned accounts are notified, and may see it from now on), tags, media; those who
/// boosted it are told, streaming hears of it, and a local author's `Update` is queued for
/// peers in the same transaction.
pub(super) async fn revise(
    state: &AppState,
    author: &Account,
    status: &Status,
    content: Content,
) -> Result<()> {
    let previously: Vec<i64> = store::statuses::mentions_of(&state.db, &[status.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let mut tx = state.db.begin().await?;
    let edit_id = id::next();
    store::statuses::edit(
        &mut tx,
        status,
        edit_id,
        &store::statuses::Revision {
            text: &content.text,
            content: &content.html,
            spoiler_text: &content.spoiler_text,
            sensitive: content.sensitive,
            language: content.language.as_deref(),
        },
    )
    .await?;
    store::statuses::clear_mentions(&mut *tx, status.id).await?;
    store::statuses::insert_mentions(&mut *tx, status.id, &content.mentions).await?;
    media::snapshot_for_edit(&mut tx, edit_id, status.id).await?;
    polls::revise(&mut tx, author, status.id, edit_id, content.poll.as_ref()).await?;
    match &content.media {
        Attachments::Local { ids, changes } => {
            media::attach(&mut tx, status.id, ids).await?;
            media::apply_attributes(&mut tx, changes).await?;
        }
        Attachments::Remote(attachments) => {
            media::update_remote(state, &mut tx, status.id, author, attachments).await?;
        }
    }
    let tag_ids: Vec<i64> = content.tags.iter().map(|_| id::next()).collect();
    store::statuses::set_tags(&mut tx, status.id, &content.tags, &tag_ids).await?;
    let newly: Vec<i64> = content
        .mentions
        .iter()
        .copied()
        .filter(|a| !previously.contains(a))
        .collect();
    notify_mentioned(&mut tx, author, status.id, status.conversation_id, &newly).await?;
    for booster in store::statuses::boosters(&mut *tx, status.id).await? {
        notifications::notify(
            &mut *tx,
            booster,
            author.id,
            NotificationType::Update,
            Some(status.id),
        )
        .await?;
    }
    if content.quote_policy.is_some() {
        store::quotes::set_policy(&mut *tx, status.id, content.quote_policy).await?;
    }
    quotes::notify_quoted_update(&mut tx, author, status.id).await?;
    crate::service::streaming::status_edited(&mut *tx, status.id).await?;
    crate::service::cards::queue_for(state, &mut tx, status.id, &content.html, true).await?;
    if author.is_local() {
        let update = Job::FederateEdit(OfStatus {
            status_id: status.id,
        });
        queue::enqueue(&mut tx, &update).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes `status` (or boost) with its media; streaming hears of it, and a local author's
/// `Delete` (or `Undo` of a boost) is queued for peers in the same transaction.
pub(super) async fn remove(state: &AppState, author: &Account, status: &Status) -> Result<()> {
    remove_with(state, author, status, true, super::MediaOnDelete::Remove).await
}

/// [`remove`] of a status its local author deletes, whose attachments may stay for a redraft.
pub(super) async fn remove_own(
    state: &AppState,
    author: &Account,
    status: &Status,
    media: super::MediaOnDelete,
) -> Result<()> {
    remove_with(state, author, status, true, media).await
}

/// [`remove`] without the `Delete` for peers: the status of a deleted account, whose actor's
/// `Delete` tells peers to drop everything of it at once.
pub(super) async fn remove_unfederated(
    state: &AppState,
    author: &Account,
    status: &Status,
) -> Result<()> {
    remove_with(state, author, status, false, super::MediaOnDelete::Remove).await
}

async fn remove_with(
    state: &AppState,
    author: &Account,
    status: &Status,
    federate: bool,
    media_on_delete: super::MediaOnDelete,
) -> Result<()> {
    // A deleted account's statuses are no longer shown to anyone, its own included: their
    // mentions are read from the store instead.
    let view = match federate {
        true => Some(views::one(state, Some(author), status.id).await?),
        false => None,
    };
    let mentioned: Vec<i64> = match &view {
        Some(view) => view.mentions.iter().map(|a| a.id).collect(),
        None => store::statuses::mentions_of(&state.db, &[status.id])
            .await?
            .into_iter()
            .map(|(_, account)| account)
            .collect(),
    };
    let mut tx = state.db.begin().await?;
    if let Some(view) = view.as_ref().filter(|_| author.is_local()) {
        federate_removal(&mut tx, author, view).await?;
    }
    crate::service::streaming::status_deleted(&mut tx, status, &mentioned).await?;
    if status.visibility == Visibility::Direct {
        conversations::forget_status(&mut tx, status.id).await?;
    }
    quotes::quoted_deleted(&mut tx, status.id).await?;
    // Kept attachments are detached by the delete itself (`ON DELETE SET NULL`); a boost has
    // none of its own.
    let freed = match media_on_delete {
        super::MediaOnDelete::Remove => media::release_status(&mut tx, status.id).await?,
        super::MediaOnDelete::KeepForRedraft => Vec::new(),
    };
    store::statuses::delete(&mut tx, status).await?;
    tx.commit().await?;
    media::free_files(state, freed).await;
    Ok(())
}

async fn attach(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    author: &Account,
    status_id: i64,
    media: &Attachments,
) -> Result<()> {
    match media {
        Attachments::Local { ids, changes } => {
            media::attach(tx, status_id, ids).await?;
            media::apply_attributes(tx, changes).await
        }
        Attachments::Remote(attachments) => {
            media::record_remote(state, tx, status_id, author, attachments).await
        }
    }
}

/// A `mention` notification for each of `mentioned` (the store keeps only local, willing
/// recipients), unless they muted the conversation.
async fn notify_mentioned(
    tx: &mut sqlx::PgConnection,
    author: &Account,
    status_id: i64,
    conversation: i64,
    mentioned: &[i64],
) -> Result<()> {
    for account_id in mentioned {
        if !store::reactions::conversation_muted(&mut *tx, *account_id, conversation).await? {
            notifications::notify(
                &mut *tx,
                *account_id,
                author.id,
                NotificationType::Mention,
                Some(status_id),
            )
            .await?;
        }
    }
    Ok(())
}
