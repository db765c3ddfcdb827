//! Statuses arriving from remote servers: reduced to the same [`Content`] as a local draft
//! and stored, edited and deleted through the same [`lifecycle`] as local ones.

use chrono::Utc;

use super::lifecycle::{self, Attachments, Content, Placement};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Status, Visibility};
use crate::service::accounts;
use crate::{id, store};

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
    /// Its `Emoji` tags.
    pub emojis: Vec<crate::service::emojis::RemoteEmoji>,
    pub published: chrono::DateTime<Utc>,
    /// When the author last edited it, as its server says.
    pub updated: Option<chrono::DateTime<Utc>>,
    /// Its poll, when it is a `Question`.
    pub poll: Option<crate::service::polls::PollContent>,
    /// What it quotes, in whichever dialect.
    pub quote: Option<crate::service::quotes::RemoteQuote>,
    /// Its `quote` is a `Tombstone`: what it quoted was deleted.
    pub quote_deleted: bool,
    /// Who may quote it, as its `interactionPolicy` says (`None`: it says nothing).
    pub quote_policy: Option<crate::model::QuotePolicy>,
}

impl RemoteNote {
    /// What the note says, as a local status would say it: HTML made safe, the content
    /// warning as text (which makes it sensitive, as on Mastodon), mentions of known accounts,
    /// hashtag names as Rookery spells them.
    pub(super) async fn content(&self, state: &AppState) -> Result<Content> {
        let summary = crate::content::sanitize::plain_text(&self.summary);
        let mut mentions: Vec<i64> = Vec::new();
        for uri in self.mentions.iter().take(MAX_MENTIONS) {
            if let Some(a) = store::accounts::by_uri(&state.db, uri).await? {
                if !mentions.contains(&a.id) {
                    mentions.push(a.id);
                }
            }
        }
        let tags: Vec<String> = self
            .tags
            .iter()
            .map(|t| t.trim_start_matches('#').to_string())
            .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .take(MAX_TAGS)
            .collect();
        Ok(Content {
            text: String::new(),
            html: crate::content::sanitize::sanitize(&self.content),
            sensitive: self.sensitive || !summary.is_empty(),
            spoiler_text: summary,
            language: self
                .language
                .clone()
                .filter(|l| accounts::is_language_code(l)),
            mentions,
            tags,
            media: Attachments::Remote(self.attachments.clone()),
            poll: self.poll.clone(),
            quote: None,
            quote_policy: self.quote_policy,
        })
    }
}

/// Mentions of one remote note that are looked at, at most.
const MAX_MENTIONS: usize = 50;

/// Hashtags of one remote note that are kept, at most.
const MAX_TAGS: usize = 20;

/// Stores a remote author's note as a status (once: a known URI is left alone), through the
/// same lifecycle as a local post: mentions, tags, media, notifications, feeds.
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
    record_emojis(state, author, &note).await?;
    let mut content = note.content(state).await?;
    content.quote = match &note.quote {
        // Nothing to fetch: the quoted object is gone.
        _ if note.quote_deleted => Some(crate::service::quotes::QuoteContent::deleted(
            note.quote.as_ref().map(|q| q.uri.as_str()),
        )),
        Some(quote) => {
            Some(crate::service::quotes::resolve(state, author, &note.uri, quote).await?)
        }
        None => None,
    };
    let published = id::remote_time(note.published, Utc::now());
    lifecycle::create(
        state,
        author,
        Placement {
            id: id::at(published),
            uri: &note.uri,
            url: note.url.as_deref(),
            parent: parent.as_ref(),
            visibility: note.visibility,
            created_at: published,
            application_id: None,
            idempotency_key: None,
            scheduled: None,
            imported_from: None,
        },
        content,
    )
    .await?;
    Ok(())
}

/// The author's status with this URI; `None` when unknown here.
async fn authored(state: &AppState, author: &Account, uri: &str) -> Result<Option<Status>> {
    let Some(id) = store::statuses::id_by_uri(&state.db, uri).await? else {
        return Ok(None);
    };
    let Some(status) = store::statuses::by_id(&state.db, id).await? else {
        return Ok(None);
    };
    if status.account_id != author.id {
        return Err(Error::forbidden("Only the author may change a status"));
    }
    Ok(Some(status))
}

/// A remote author deleted their status (identified by URI); unknown ones are fine.
pub async fn delete_remote(state: &AppState, author: &Account, uri: &str) -> Result<()> {
    match authored(state, author, uri).await? {
        Some(status) => lifecycle::remove(state, author, &status).await,
        None => Ok(()),
    }
}

/// A remote author edited their note: the same revision as a local edit (history, mentions,
/// tags, media, notifications).
pub async fn edit_remote(state: &AppState, author: &Account, note: &RemoteNote) -> Result<()> {
    let Some(status) = authored(state, author, &note.uri).await? else {
        return Ok(());
    };
    record_emojis(state, author, note).await?;
    // As Mastodon reads an `Update` of a poll: without a newer `updated` it is no edit, only
    // the poll's new counts (which is how servers send them).
    if let Some(poll) = &note.poll {
        let edited = note
            .updated
            .is_some_and(|u| status.edited_at.is_none_or(|e| u > e));
        if !edited {
            return crate::service::polls::refresh_counts(state, &status, poll).await;
        }
    }
    crate::service::quotes::revise_remote(
        state,
        author,
        &status,
        note.quote.as_ref(),
        note.quote_deleted,
    )
    .await?;
    // An `Update` of a note its server says was never edited (no `updated`) that speaks of
    // quotes only refreshes them (its stamp, who may quote it): servers send one when a quote
    // is approved or the policy changes. (`edited_at` here is when the last edit arrived, so
    // it cannot tell a repeated version from a new one.)
    if note.updated.is_none() && (note.quote.is_some() || note.quote_policy.is_some()) {
        return crate::service::quotes::refresh_policy(state, &status, note.quote_policy).await;
    }
    let content = note.content(state).await?;
    lifecycle::revise(state, author, &status, content).await
}

/// Records the custom emoji a note carries, under its author's domain.
async fn record_emojis(state: &AppState, author: &Account, note: &RemoteNote) -> Result<()> {
    match &author.domain {
        Some(domain) => crate::service::emojis::record_remote(state, domain, &note.emojis).await,
        None => Ok(()),
    }
}
