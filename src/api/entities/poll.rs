//! Poll, field for field as Mastodon documents it (docs.joinmastodon.org/entities/Poll).

use chrono::Utc;
use serde::Serialize;
use serde_json::Value;

use super::datetime;
use crate::model::PollView;

#[derive(Debug, Serialize)]
pub struct PollOption {
    pub title: String,
    /// `null` while the author hides the totals (until the poll ends).
    pub votes_count: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Poll {
    pub id: String,
    pub expires_at: Option<String>,
    pub expired: bool,
    pub multiple: bool,
    pub votes_count: i64,
    /// Distinct voters of a multiple-choice poll; `null` for a single-choice one.
    pub voters_count: Option<i64>,
    pub options: Vec<PollOption>,
    /// Custom emoji written in the options.
    pub emojis: Vec<super::emoji::CustomEmoji>,
    /// Present when a user is signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    /// Present when a user is signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_votes: Option<Vec<i32>>,
}

impl Poll {
    pub fn render(view: &PollView) -> Poll {
        let p = &view.poll;
        let now = Utc::now();
        let shown = p.shows_totals(now);
        Poll {
            id: p.id.to_string(),
            expires_at: p.expires_at.as_ref().map(datetime),
            expired: p.expired(now),
            multiple: p.multiple,
            votes_count: p.votes_count(),
            voters_count: if p.multiple { p.voters_count } else { None },
            options: p
                .options
                .iter()
                .zip(&p.votes)
                .map(|(title, votes)| PollOption {
                    title: title.clone(),
                    votes_count: shown.then_some(*votes),
                })
                .collect(),
            emojis: super::emoji::CustomEmoji::list(&view.emojis),
            voted: view.voted,
            own_votes: view.own_votes.clone(),
        }
    }
}

/// The poll of an earlier version of a status (`StatusEdit.poll`): its options' titles.
pub fn edit_options(options: &[String]) -> Value {
    serde_json::json!({
        "options": options.iter().map(|o| serde_json::json!({ "title": o })).collect::<Vec<_>>(),
    })
}
