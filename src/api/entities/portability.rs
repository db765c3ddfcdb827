//! The JSON of exports and imports: GoToSocial's `accountExportStats` (with Rookery's domain
//! block and bookmark counts), and an import's progress and report (Rookery's own: GoToSocial
//! answers an import with 202 and nothing to follow).

use serde::Serialize;

use super::datetime;
use crate::model::archive::Archive as ArchiveModel;
use crate::model::import::{Import as ImportModel, ImportFailure};
use crate::service::exports::Counts;

/// `GET /api/v1/exports/stats`.
#[derive(Debug, Serialize)]
pub struct ExportStats {
    /// The size of the account's uploads, for people (`1.5MiB`).
    pub media_storage: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub lists_count: i64,
    pub blocks_count: i64,
    pub mutes_count: i64,
    pub domain_blocks_count: i64,
    pub bookmarks_count: i64,
}

impl ExportStats {
    pub fn render(c: &Counts) -> ExportStats {
        ExportStats {
            media_storage: human_bytes(c.media_bytes),
            followers_count: c.followers,
            following_count: c.following,
            statuses_count: c.statuses,
            lists_count: c.lists,
            blocks_count: c.blocks,
            mutes_count: c.mutes,
            domain_blocks_count: c.domain_blocks,
            bookmarks_count: c.bookmarks,
        }
    }
}

/// Bytes in binary units with one decimal (`0B`, `512B`, `1.5KiB`, `20.0MiB`).
fn human_bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{}B", n.max(0));
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1}{}", UNITS[unit])
}

/// One row that could not be imported.
#[derive(Debug, Serialize)]
pub struct Failure {
    pub line: i32,
    pub row: String,
    pub error: String,
}

impl Failure {
    fn render(f: &ImportFailure) -> Failure {
        Failure {
            line: f.line,
            row: f.row.clone(),
            error: f.error.clone(),
        }
    }
}

/// An import (`POST /api/v1/import`, `GET /api/v1/import/:id`, `GET /api/v1/import`).
#[derive(Debug, Serialize)]
pub struct Import {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub mode: &'static str,
    /// `pending` (nothing done yet), `in_progress` or `finished`.
    pub state: &'static str,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub imported_rows: i64,
    pub failed_rows: i64,
    /// The failed rows, in file order (left out of lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<Failure>>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl Import {
    pub fn render(i: &ImportModel, with_failures: bool) -> Import {
        let state = if i.finished_at.is_some() {
            "finished"
        } else if i.processed_rows() == 0 && !i.overwritten {
            "pending"
        } else {
            "in_progress"
        };
        Import {
            id: i.id.to_string(),
            kind: i.kind.as_str(),
            mode: i.mode.as_str(),
            state,
            total_rows: i.total_rows,
            processed_rows: i.processed_rows(),
            imported_rows: i.imported_rows,
            failed_rows: i.failed_rows,
            failures: with_failures.then(|| i.failures.iter().map(Failure::render).collect()),
            created_at: datetime(&i.created_at),
            finished_at: i.finished_at.as_ref().map(datetime),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_for_people() {
        assert_eq!(super::human_bytes(0), "0B");
        assert_eq!(super::human_bytes(1023), "1023B");
        assert_eq!(super::human_bytes(1536), "1.5KiB");
        assert_eq!(super::human_bytes(20 * 1024 * 1024), "20.0MiB");
    }
}

/// An account's full archive (`/api/v1/exports/archive`, Rookery's own: Mastodon offers its
/// archive on a web page only): where it is, and where to download it once ready.
#[derive(Debug, Serialize)]
pub struct Archive {
    pub id: String,
    /// `pending`, `ready` or `failed`.
    pub state: &'static str,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub expires_at: Option<String>,
    /// Bytes, once ready.
    pub size: Option<i64>,
    /// The download address, once ready.
    pub url: Option<String>,
}

impl Archive {
    /// The entity of `a`; `base_url` makes its download address.
    pub fn render(a: &ArchiveModel, base_url: &str) -> Archive {
        let ready = a.state == crate::model::archive::ArchiveState::Ready;
        Archive {
            id: a.id.to_string(),
            state: a.state.as_str(),
            created_at: datetime(&a.created_at),
            finished_at: a.finished_at.as_ref().map(datetime),
            expires_at: a.expires_at.as_ref().map(datetime),
            size: a.file_size.filter(|_| ready),
            url: ready.then(|| format!("{base_url}/api/v1/exports/archive/{}/download", a.id)),
        }
    }
}
