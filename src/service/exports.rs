//! CSV exports of an account's follows, followers, lists, blocks, mutes, domain blocks and
//! bookmarks, row for row as Mastodon writes them (`app/models/export.rb`), so that Mastodon,
//! GoToSocial and Rookery can import them; and the counts `GET /api/v1/exports/stats` shows.
//! The rows are built here; the client API writes them out as CSV.

use crate::app::AppState;
use crate::error::Result;
use crate::model::Account;
use crate::store;
use crate::store::exports::Handle;

/// What can be exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    Following,
    Followers,
    Lists,
    Blocks,
    Mutes,
    DomainBlocks,
    Bookmarks,
}

impl Export {
    /// The file name a download is offered under (GoToSocial's URL names).
    pub fn file_name(self) -> &'static str {
        match self {
            Export::Following => "following.csv",
            Export::Followers => "followers.csv",
            Export::Lists => "lists.csv",
            Export::Blocks => "blocks.csv",
            Export::Mutes => "mutes.csv",
            Export::DomainBlocks => "domain_blocks.csv",
            Export::Bookmarks => "bookmarks.csv",
        }
    }
}

/// An export as rows, with the header line Mastodon writes for it (lists, blocks, domain
/// blocks and bookmarks have none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub header: Option<&'static [&'static str]>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The table as CSV: `\n` line ends and quotes only where needed, as Ruby's CSV writes
    /// Mastodon's exports.
    pub fn to_csv(&self) -> std::result::Result<Vec<u8>, ::csv::Error> {
        let mut writer = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::Any(b'\n'))
            .flexible(true)
            .from_writer(Vec::new());
        if let Some(header) = self.header {
            writer.write_record(header)?;
        }
        for row in &self.rows {
            writer.write_record(row)?;
        }
        writer.flush()?;
        writer
            .into_inner()
            .map_err(|e| ::csv::Error::from(e.into_error()))
    }
}

const FOLLOWING_HEADER: &[&str] = &[
    "Account address",
    "Show boosts",
    "Notify on new posts",
    "Languages",
];
const FOLLOWERS_HEADER: &[&str] = &["Account address"];
const MUTES_HEADER: &[&str] = &["Account address", "Hide notifications"];

/// `user@domain`, with this server's domain for local accounts (as Mastodon writes them, so
/// the file still names them after a move).
fn acct(state: &AppState, username: &str, domain: Option<&str>) -> String {
    format!(
        "{username}@{}",
        domain.unwrap_or(state.config.domain.as_str())
    )
}

fn handles(state: &AppState, list: Vec<Handle>) -> Vec<Vec<String>> {
    list.into_iter()
        .map(|h| vec![acct(state, &h.username, h.domain.as_deref())])
        .collect()
}

/// `owner`'s export of `what`.
#[tracing::instrument(skip_all, fields(account.id = owner.id, export = ?what))]
pub async fn export(state: &AppState, owner: &Account, what: Export) -> Result<Table> {
    let db = &state.db;
    Ok(match what {
        Export::Following => Table {
            header: Some(FOLLOWING_HEADER),
            rows: store::exports::following(db, owner.id)
                .await?
                .into_iter()
                .map(|f| {
                    vec![
                        acct(state, &f.username, f.domain.as_deref()),
                        f.show_reblogs.to_string(),
                        f.notify.to_string(),
                        f.languages.unwrap_or_default().join(", "),
                    ]
                })
                .collect(),
        },
        Export::Followers => Table {
            header: Some(FOLLOWERS_HEADER),
            rows: handles(state, store::exports::followers(db, owner.id).await?),
        },
        Export::Lists => Table {
            header: None,
            rows: store::exports::list_members(db, owner.id)
                .await?
                .into_iter()
                .map(|m| vec![m.title, acct(state, &m.username, m.domain.as_deref())])
                .collect(),
        },
        Export::Blocks => Table {
            header: None,
            rows: handles(state, store::exports::blocks(db, owner.id).await?),
        },
        Export::Mutes => Table {
            header: Some(MUTES_HEADER),
            rows: store::exports::mutes(db, owner.id)
                .await?
                .into_iter()
                .map(|m| {
                    vec![
                        acct(state, &m.username, m.domain.as_deref()),
                        m.hide_notifications.to_string(),
                    ]
                })
                .collect(),
        },
        Export::DomainBlocks => Table {
            header: None,
            rows: store::exports::domain_blocks(db, owner.id)
                .await?
                .into_iter()
                .map(|d| vec![d])
                .collect(),
        },
        Export::Bookmarks => Table {
            header: None,
            rows: store::exports::bookmarks(db, owner.id)
                .await?
                .into_iter()
                .map(|u| vec![u])
                .collect(),
        },
    })
}

pub use store::exports::Counts;

/// How much `owner` has to export.
pub async fn stats(state: &AppState, owner: &Account) -> Result<Counts> {
    Ok(store::exports::counts(&state.db, owner.id).await?)
}
