//! CSV imports: what a file imports, how, each row as read, and an import's progress.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an import file lists (the `type` of `POST /api/v1/import`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    Following,
    Blocks,
    Mutes,
    DomainBlocks,
    Bookmarks,
    Lists,
    /// An archive of posts (`outbox.json` in a zip), not a CSV file.
    Posts,
}

impl ImportKind {
    pub const ALL: [ImportKind; 7] = [
        ImportKind::Following,
        ImportKind::Blocks,
        ImportKind::Mutes,
        ImportKind::DomainBlocks,
        ImportKind::Bookmarks,
        ImportKind::Lists,
        ImportKind::Posts,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Following => "following",
            ImportKind::Blocks => "blocks",
            ImportKind::Mutes => "mutes",
            ImportKind::DomainBlocks => "domain_blocks",
            ImportKind::Bookmarks => "bookmarks",
            ImportKind::Lists => "lists",
            ImportKind::Posts => "posts",
        }
    }

    /// A stored or requested name, case-insensitively.
    pub fn parse(raw: &str) -> Option<ImportKind> {
        let raw = raw.trim();
        // GoToSocial and Mastodon say "statuses" where Rookery says "posts".
        if raw.eq_ignore_ascii_case("statuses") {
            return Some(ImportKind::Posts);
        }
        ImportKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw))
    }
}

/// Whether an import adds to what the account has (`merge`) or replaces it (`overwrite`:
/// what the file does not list is undone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    Merge,
    Overwrite,
}

impl ImportMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportMode::Merge => "merge",
            ImportMode::Overwrite => "overwrite",
        }
    }

    pub fn parse(raw: &str) -> Option<ImportMode> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "merge" => Some(ImportMode::Merge),
            "overwrite" => Some(ImportMode::Overwrite),
            _ => None,
        }
    }
}

/// One row of an import file, as read: accounts as `user@domain` (lower-cased, no leading
/// `@`), options left `None` when the file does not give them. Stored as JSON with the row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ImportRow {
    Follow {
        acct: String,
        show_reblogs: Option<bool>,
        notify: Option<bool>,
        languages: Option<Vec<String>>,
    },
    Block {
        acct: String,
    },
    Mute {
        acct: String,
        hide_notifications: Option<bool>,
    },
    DomainBlock {
        domain: String,
    },
    Bookmark {
        uri: String,
    },
    ListMember {
        list: String,
        acct: String,
    },
}

/// A row that could not be imported, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportFailure {
    /// The row's line in the file, from 1.
    pub line: i32,
    pub row: String,
    pub error: String,
}

/// An import and how far it got.
#[derive(Clone, Debug)]
pub struct Import {
    pub id: i64,
    pub account_id: i64,
    pub kind: ImportKind,
    pub mode: ImportMode,
    pub overwritten: bool,
    pub total_rows: i64,
    pub imported_rows: i64,
    pub failed_rows: i64,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The rows that failed, in file order (filled when one import is read).
    pub failures: Vec<ImportFailure>,
}

impl Import {
    /// Rows worked through, imported or failed.
    pub fn processed_rows(&self) -> i64 {
        self.imported_rows + self.failed_rows
    }
}
