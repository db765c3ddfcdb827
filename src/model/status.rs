//! Statuses (posts and boosts) and what hangs off them.

use chrono::{DateTime, Utc};

use super::{Account, Visibility};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Status {
    pub id: i64,
    pub uri: String,
    pub url: Option<String>,
    pub account_id: i64,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    pub reblog_of_id: Option<i64>,
    pub conversation_id: i64,
    /// What the author typed (local statuses); empty for remote ones.
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    #[sqlx(try_from = "String")]
    pub visibility: Visibility,
    pub language: Option<String>,
    pub local: bool,
    pub application_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub application_name: Option<String>,
    pub application_website: Option<String>,
}

impl Status {
    pub fn is_reblog(&self) -> bool {
        self.reblog_of_id.is_some()
    }
}

/// An earlier version of an edited status.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StatusEdit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The poll's options at this version, when it had a poll.
    pub poll_options: Option<Vec<String>>,
    /// The custom emoji of this version's text, filled in by the service.
    #[sqlx(skip)]
    pub emojis: Vec<super::CustomEmoji>,
}

/// What the viewer has done with a status.
#[derive(Clone, Copy, Debug, Default, sqlx::FromRow)]
pub struct ViewerFlags {
    pub status_id: i64,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub muted: bool,
    pub pinned: bool,
}

/// A status with everything a client needs to show it.
#[derive(Clone, Debug)]
pub struct StatusView {
    pub status: Status,
    pub account: std::sync::Arc<Account>,
    pub mentions: Vec<std::sync::Arc<Account>>,
    pub tags: Vec<String>,
    /// Attachments in their order.
    pub media: Vec<super::Media>,
    /// Its poll, as the viewer sees it.
    pub poll: Option<super::PollView>,
    pub reblog: Option<Box<StatusView>>,
    /// `None` when nobody is signed in.
    pub viewer: Option<ViewerFlags>,
    /// The viewer's keyword filters this status matches.
    pub filtered: Vec<crate::model::moderation::FilterMatch>,
    /// The preview card of the page it links, once fetched.
    pub card: Option<std::sync::Arc<super::PreviewCard>>,
    /// The enabled custom emoji of the author's domain written in the text and content
    /// warning.
    pub emojis: Vec<super::CustomEmoji>,
    /// Who may quote it; `None` when its server states no policy.
    pub quote_policy: Option<super::QuotePolicy>,
    /// What this policy means for the viewer (`quote_approval.current_user`).
    pub quote_approval: super::quote::QuoteApproval,
    /// Its quote of another status, when it quotes one.
    pub quote: Option<super::QuoteView>,
    /// Accepted quotes of it.
    pub quotes_count: i64,
}
