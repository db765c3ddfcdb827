//! Status, StatusEdit, StatusSource, Context.

use serde::Serialize;
use serde_json::Value;

use super::account::{AccountJson, RenderedAccounts};
use super::emoji::CustomEmoji;
use super::{datetime, Account};
use crate::model::{self, StatusView};

#[derive(Debug, Serialize)]
pub struct Mention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

#[derive(Debug, Serialize)]
pub struct TagRef {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct Application {
    pub name: String,
    pub website: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Status {
    pub id: String,
    pub uri: String,
    pub created_at: String,
    pub account: AccountJson,
    /// Absent when `text` is sent instead (the answer to a delete, for redrafting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub visibility: &'static str,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub media_attachments: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<Application>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<TagRef>,
    pub emojis: Vec<CustomEmoji>,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub replies_count: i64,
    pub url: Option<String>,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub reblog: Option<Box<Status>>,
    pub poll: Option<super::Poll>,
    pub card: Option<super::card::PreviewCard>,
    pub language: Option<String>,
    pub edited_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reblogged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bookmarked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered: Option<Vec<Value>>,
    /// Its quote: a `Quote` (with the quoted status), or for a quoted status a
    /// `ShallowQuote` (its id only).
    pub quote: Option<Value>,
    pub quote_approval: QuoteApproval,
    pub quotes_count: i64,
}

/// Who may quote a status, and what that means for the viewer (Mastodon 4.5).
#[derive(Debug, Serialize)]
pub struct QuoteApproval {
    pub automatic: Vec<&'static str>,
    pub manual: Vec<&'static str>,
    pub current_user: &'static str,
}

impl QuoteApproval {
    fn render(view: &StatusView) -> QuoteApproval {
        use model::QuotePolicy as P;
        let (automatic, manual) = match view.quote_policy {
            Some(P::Public) => (vec!["public"], vec![]),
            Some(P::Followers) => (vec!["followers"], vec![]),
            Some(P::Nobody) => (vec![], vec![]),
            Some(P::Manual) => (vec![], vec!["public"]),
            None => (vec!["unsupported_policy"], vec![]),
        };
        QuoteApproval {
            automatic,
            manual,
            current_user: view.quote_approval.as_str(),
        }
    }
}

/// The state a client is shown: an accepted quote whose status is gone reads `deleted`, one
/// the viewer may not see `unauthorized`, one whose author the viewer blocks, domain-blocks or
/// mutes `blocked_account`, `blocked_domain` or `muted_account`, as on Mastodon.
fn shown_state(quote: &model::QuoteView, shallow: bool) -> &'static str {
    match quote.state {
        model::QuoteState::Accepted if quote.quoted_status_id.is_none() => "deleted",
        model::QuoteState::Accepted if !shallow && quote.quoted.is_none() => "unauthorized",
        // The viewer's own block or mute: the status comes with it, for the client to reveal.
        model::QuoteState::Accepted if !shallow => quote
            .barrier
            .map_or("accepted", model::QuoteBarrier::as_str),
        state => state.as_str(),
    }
}

impl Status {
    /// Renders a status for `viewer` (whose own flags it carries).
    pub fn render(view: &StatusView, viewer: Option<i64>, base_url: &str) -> Status {
        Status::render_with(view, viewer, base_url, None)
    }

    /// [`Status::render`], with authors' JSON taken from (and kept in) `accounts`.
    pub fn render_with(
        view: &StatusView,
        viewer: Option<i64>,
        base_url: &str,
        accounts: Option<&RenderedAccounts>,
    ) -> Status {
        Status::render_inner(view, viewer, base_url, accounts, false)
    }

    fn render_inner(
        view: &StatusView,
        viewer: Option<i64>,
        base_url: &str,
        accounts: Option<&RenderedAccounts>,
        shallow: bool,
    ) -> Status {
        let s = &view.status;
        let own = viewer == Some(s.account_id);
        let flags = view.viewer;
        Status {
            id: s.id.to_string(),
            uri: s.uri.clone(),
            created_at: datetime(&s.created_at),
            account: match accounts {
                Some(kept) => kept.get(&view.account, base_url),
                None => AccountJson::render(&view.account, base_url),
            },
            content: Some(s.content.clone()),
            text: None,
            visibility: s.visibility.as_str(),
            sensitive: s.sensitive,
            spoiler_text: s.spoiler_text.clone(),
            media_attachments: view
                .media
                .iter()
                .map(super::media::MediaAttachment::value)
                .collect(),
            application: match (&s.application_name, own) {
                (Some(name), true) => Some(Application {
                    name: name.clone(),
                    website: s.application_website.clone(),
                }),
                _ => None,
            },
            mentions: view
                .mentions
                .iter()
                .map(|a| Mention {
                    id: a.id.to_string(),
                    username: a.username.clone(),
                    url: a.profile_url().to_string(),
                    acct: a.acct(),
                })
                .collect(),
            tags: view
                .tags
                .iter()
                .map(|t| TagRef {
                    name: t.to_lowercase(),
                    url: format!(
                        "{base_url}/tags/{}",
                        url::form_urlencoded::byte_serialize(t.to_lowercase().as_bytes())
                            .collect::<String>()
                    ),
                })
                .collect(),
            emojis: CustomEmoji::list(&view.emojis),
            reblogs_count: s.reblogs_count,
            favourites_count: s.favourites_count,
            replies_count: s.replies_count,
            url: s.url.clone(),
            in_reply_to_id: s.in_reply_to_id.map(|i| i.to_string()),
            in_reply_to_account_id: s.in_reply_to_account_id.map(|i| i.to_string()),
            reblog: view
                .reblog
                .as_ref()
                .map(|r| Box::new(Status::render_with(r, viewer, base_url, accounts))),
            poll: view.poll.as_ref().map(super::Poll::render),
            card: view
                .card
                .as_deref()
                .map(|c| super::card::PreviewCard::render(c, base_url)),
            language: s.language.clone(),
            edited_at: s.edited_at.as_ref().map(datetime),
            favourited: flags.map(|f| f.favourited),
            reblogged: flags.map(|f| f.reblogged),
            muted: flags.map(|f| f.muted),
            bookmarked: flags.map(|f| f.bookmarked),
            pinned: flags
                .filter(|_| {
                    own && !s.is_reblog()
                        && matches!(
                            s.visibility,
                            model::Visibility::Public | model::Visibility::Unlisted
                        )
                })
                .map(|f| f.pinned),
            filtered: flags.map(|_| super::moderation::filter_results(&view.filtered)),
            quote: view.quote.as_ref().map(|q| match &q.quoted {
                // A quoted status's own quote is shown shallow: it carries no status.
                Some(quoted) => serde_json::json!({
                    "state": shown_state(q, false),
                    "quoted_status": Status::render_shallow(quoted, viewer, base_url, accounts),
                }),
                None if shallow => serde_json::json!({
                    "state": shown_state(q, true),
                    "quoted_status_id": q.quoted_status_id.map(|i| i.to_string()),
                }),
                None => serde_json::json!({
                    "state": shown_state(q, false),
                    "quoted_status": Value::Null,
                }),
            }),
            quote_approval: QuoteApproval::render(view),
            quotes_count: view.quotes_count,
        }
    }

    /// A quoted status, whose own quote is a `ShallowQuote`.
    fn render_shallow(
        view: &StatusView,
        viewer: Option<i64>,
        base_url: &str,
        accounts: Option<&RenderedAccounts>,
    ) -> Value {
        serde_json::to_value(Status::render_inner(view, viewer, base_url, accounts, true))
            .unwrap_or(Value::Null)
    }

    /// The answer to a delete: the source text instead of the HTML, for delete-and-redraft.
    pub fn render_source(view: &StatusView, viewer: Option<i64>, base_url: &str) -> Status {
        Status {
            content: None,
            text: Some(view.status.text.clone()),
            ..Status::render(view, viewer, base_url)
        }
    }
}

#[derive(Debug, Serialize)]
pub struct StatusEdit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: Account,
    pub poll: Option<Value>,
    pub media_attachments: Vec<Value>,
    pub emojis: Vec<CustomEmoji>,
}

impl StatusEdit {
    /// Every version of a status, oldest first, the current one last.
    pub fn history(
        view: &StatusView,
        edits: &[model::StatusEdit],
        media: &[Vec<model::Media>],
        base_url: &str,
    ) -> Vec<StatusEdit> {
        let account = || Account::render(&view.account, base_url);
        let attachments = |list: &[model::Media]| -> Vec<Value> {
            list.iter()
                .map(super::media::MediaAttachment::value)
                .collect()
        };
        let s = &view.status;
        let mut out: Vec<StatusEdit> = edits
            .iter()
            .enumerate()
            .map(|(i, e)| StatusEdit {
                content: e.content.clone(),
                spoiler_text: e.spoiler_text.clone(),
                sensitive: e.sensitive,
                created_at: datetime(&e.created_at),
                account: account(),
                poll: e.poll_options.as_deref().map(super::poll::edit_options),
                media_attachments: media.get(i).map(|m| attachments(m)).unwrap_or_default(),
                emojis: CustomEmoji::list(&e.emojis),
            })
            .collect();
        out.push(StatusEdit {
            content: s.content.clone(),
            spoiler_text: s.spoiler_text.clone(),
            sensitive: s.sensitive,
            created_at: datetime(&s.edited_at.unwrap_or(s.created_at)),
            account: account(),
            poll: view
                .poll
                .as_ref()
                .map(|p| super::poll::edit_options(&p.poll.options)),
            media_attachments: attachments(&view.media),
            emojis: CustomEmoji::list(&view.emojis),
        });
        out
    }
}

#[derive(Debug, Serialize)]
pub struct StatusSource {
    pub id: String,
    pub text: String,
    pub spoiler_text: String,
}

#[derive(Debug, Serialize)]
pub struct Context {
    pub ancestors: Vec<Status>,
    pub descendants: Vec<Status>,
}
