//! Posts imported from an archive: stored through the same [`lifecycle`] as every status, in
//! its quiet mode (no notification, no feed, no stream, no delivery), with their original
//! date, thread, content warning, language and visibility, and the original recorded.

use chrono::{DateTime, Utc};

use super::lifecycle::{self, Attachments, Placement};
use super::RemoteNote;
use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Status, Visibility};
use crate::{id, store};

/// A post of an archive, as its owner's new status.
pub struct ImportedPost {
    /// Its id on the server it was written on: it is imported once per account.
    pub original_id: String,
    /// Its page there (the status's `url` here).
    pub url: Option<String>,
    /// Unsanitised HTML as the archive has it.
    pub html: String,
    pub summary: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub visibility: Visibility,
    pub published: DateTime<Utc>,
    /// The status it answers, when that is here (imported before it, or known).
    pub parent: Option<Status>,
    /// URIs of mentioned actors; only accounts known here are kept.
    pub mentions: Vec<String>,
    pub tags: Vec<String>,
    /// Its attachments, uploaded by the owner already.
    pub media_ids: Vec<i64>,
}

/// The status the owner imported from this original, when there is one.
pub async fn imported_status(
    state: &AppState,
    owner: &Account,
    original: &str,
) -> Result<Option<i64>> {
    Ok(store::post_imports::imported_status(&state.db, owner.id, original).await?)
}

/// Stores `post` as `owner`'s status, dated when it was first published (its id sorts among
/// others by that date). `None` when the same post was imported meanwhile.
#[tracing::instrument(skip_all, fields(account.id = owner.id, status.original = %post.original_id))]
pub async fn import_post(
    state: &AppState,
    owner: &Account,
    post: ImportedPost,
) -> Result<Option<i64>> {
    let published = id::remote_time(post.published, Utc::now());
    let status_id = id::at(published);
    // Content is read as a peer's note is: HTML sanitised, content warning as text, known
    // mentions, hashtags checked.
    let note = RemoteNote {
        uri: post.original_id.clone(),
        url: None,
        content: post.html,
        summary: post.summary,
        sensitive: post.sensitive,
        language: post.language,
        visibility: post.visibility,
        in_reply_to: None,
        mentions: post.mentions,
        tags: post.tags,
        attachments: Vec::new(),
        emojis: Vec::new(),
        published,
        updated: None,
        poll: None,
        // Archives carry no quotes; an imported post is quotable as a new one of its
        // visibility would be by default.
        quote: None,
        quote_deleted: false,
        quote_policy: Some(crate::model::QuotePolicy::Public.for_visibility(post.visibility)),
    };
    let mut content = note.content(state).await?;
    content.text = crate::content::sanitize::text_with_breaks(&content.html);
    content.media = Attachments::Local {
        ids: post.media_ids,
        changes: Vec::new(),
    };
    let uri = format!("{}/statuses/{status_id}", owner.uri);
    lifecycle::create(
        state,
        owner,
        Placement {
            id: status_id,
            uri: &uri,
            url: post.url.as_deref(),
            parent: post.parent.as_ref(),
            visibility: note.visibility,
            created_at: published,
            application_id: None,
            idempotency_key: None,
            scheduled: None,
            imported_from: Some(&post.original_id),
        },
        content,
    )
    .await
}
