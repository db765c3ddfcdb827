//! Statuses arriving from remote servers: stored, edited and deleted through the same store
//! and notification paths as local ones.

use chrono::Utc;

use super::super::{accounts, notifications};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, NotificationType, Visibility};
use crate::{id, jobs, store};

/// A note received from a remote server, already parsed and origin-checked.
pub struct RemoteNote {
    pub uri: String,
    pub url: Option<String>,
    /// Unsanitised HTML as received.
    pub content: String,
    pub summary: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub visibility: Visibility,
    pub in_reply_to: Option<String>,
    /// URIs of mentioned actors.
    pub mentions: Vec<String>,
    pub tags: Vec<String>,
    pub attachments: Vec<crate::service::media::RemoteAttachment>,
    pub published: chrono::DateTime<Utc>,
}

impl RemoteNote {
    /// The HTML made safe, the content warning as text, and whether it is sensitive (a
    /// content warning makes it so, as on Mastodon).
    fn cleaned(&self) -> (String, String, bool) {
        let summary = crate::content::sanitize::strip_all(&self.summary);
        let sensitive = self.sensitive || !summary.is_empty();
        (
            crate::content::sanitize::sanitize(&self.content),
            summary,
            sensitive,
        )
    }
}

/// Stores a remote author's note as a status (once: a known URI is left alone), with its
/// mentions, tags and thread, notifies mentioned local accounts and queues the fan-out to
/// local followers, exactly as a local post does.
#[tracing::instrument(skip_all, fields(account.id = author.id, status.uri = %note.uri))]
pub async fn receive_remote(state: &AppState, author: &Account, note: RemoteNote) -> Result<()> {
    if store::statuses::id_by_uri(&state.db, &note.uri)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let parent = match &note.in_reply_to {
        Some(uri) => match store::statuses::id_by_uri(&state.db, uri).await? {
            Some(id) => store::statuses::by_id(&state.db, id).await?,
            None => None,
        },
        None => None,
    };
    let mut mentioned: Vec<Account> = Vec::new();
    for uri in note.mentions.iter().take(50) {
        if let Some(a) = store::accounts::by_uri(&state.db, uri).await? {
            if !mentioned.iter().any(|m| m.id == a.id) {
                mentioned.push(a);
            }
        }
    }
    let (content, summary, sensitive) = note.cleaned();
    let published = id::remote_time(note.published, Utc::now());
    let status_id = id::at(published);
    let mut tx = state.db.begin().await?;
    let inserted = store::statuses::insert(
        &mut tx,
        &store::statuses::NewStatus {
            id: status_id,
            uri: &note.uri,
            url: note.url.as_deref(),
            account_id: author.id,
            in_reply_to_id: parent.as_ref().map(|p| p.id),
            in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
            reblog_of_id: None,
            conversation_id: parent
                .as_ref()
                .map(|p| p.conversation_id)
                .unwrap_or(status_id),
            text: "",
            content: &content,
            spoiler_text: &summary,
            sensitive,
            visibility: note.visibility,
            language: note
                .language
                .as_deref()
                .filter(|l| accounts::is_language_code(l)),
            local: false,
            application_id: None,
            created_at: published,
        },
    )
    .await;
    match inserted {
        // The same note arrived by another path meanwhile (a delivery while a search fetched
        // it): the first one stored wins, this transaction is dropped.
        Err(e) if store::unique_violation(&e).as_deref() == Some("statuses_uri_key") => {
            return Ok(())
        }
        other => other?,
    };
    let mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    store::statuses::insert_mentions(&mut *tx, status_id, &mention_ids).await?;
    crate::service::media::record_remote(state, &mut tx, status_id, author, &note.attachments)
        .await?;
    let tags: Vec<String> = note
        .tags
        .iter()
        .map(|t| t.trim_start_matches('#').to_string())
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .take(20)
        .collect();
    let tag_ids: Vec<i64> = tags.iter().map(|_| id::next()).collect();
    store::statuses::set_tags(&mut tx, status_id, &tags, &tag_ids).await?;
    crate::streaming::status_created(&mut *tx, status_id, note.visibility).await?;
    jobs::enqueue(
        &mut tx,
        jobs::fanout::KIND,
        jobs::fanout::payload(status_id),
    )
    .await?;
    let conversation = parent
        .as_ref()
        .map(|p| p.conversation_id)
        .unwrap_or(status_id);
    for account in mentioned.iter().filter(|a| a.is_local()) {
        if !store::reactions::conversation_muted(&mut *tx, account.id, conversation).await? {
            notifications::notify(
                &mut *tx,
                account.id,
                author.id,
                NotificationType::Mention,
                Some(status_id),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A remote author deleted their status (identified by URI); unknown ones are fine.
pub async fn delete_remote(state: &AppState, author: &Account, uri: &str) -> Result<()> {
    let Some(id) = store::statuses::id_by_uri(&state.db, uri).await? else {
        return Ok(());
    };
    let Some(status) = store::statuses::by_id(&state.db, id).await? else {
        return Ok(());
    };
    if status.account_id != author.id {
        return Err(Error::forbidden("Only the author may delete a status"));
    }
    let mentioned: Vec<i64> = store::statuses::mentions_of(&state.db, &[status.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let mut tx = state.db.begin().await?;
    crate::streaming::status_deleted(&mut tx, &status, &mentioned).await?;
    store::statuses::delete(&mut tx, &status).await?;
    tx.commit().await?;
    Ok(())
}

/// A remote author edited their note: the previous version joins the history, and those who
/// boosted it are told.
pub async fn edit_remote(state: &AppState, author: &Account, note: &RemoteNote) -> Result<()> {
    let Some(id) = store::statuses::id_by_uri(&state.db, &note.uri).await? else {
        return Ok(());
    };
    let Some(status) = store::statuses::by_id(&state.db, id).await? else {
        return Ok(());
    };
    if status.account_id != author.id {
        return Err(Error::forbidden("Only the author may edit a status"));
    }
    let (content, summary, sensitive) = note.cleaned();
    let mut tx = state.db.begin().await?;
    let edit_id = id::next();
    store::statuses::edit(
        &mut tx,
        &status,
        edit_id,
        &store::statuses::Revision {
            text: "",
            content: &content,
            spoiler_text: &summary,
            sensitive,
            language: note
                .language
                .as_deref()
                .filter(|l| accounts::is_language_code(l)),
        },
    )
    .await?;
    crate::service::media::snapshot_for_edit(&mut tx, edit_id, status.id).await?;
    crate::service::media::update_remote(state, &mut tx, status.id, author, &note.attachments)
        .await?;
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
    crate::streaming::status_edited(&mut *tx, status.id).await?;
    tx.commit().await?;
    Ok(())
}
