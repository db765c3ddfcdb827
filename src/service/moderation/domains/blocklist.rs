//! Blocklists in Mastodon's CSV format (`#domain,#severity,#reject_media,#reject_reports,
//! #public_comment,#obfuscate`): the export of every block, and an import that creates the
//! blocks a list names through the same path as one block made by hand. Reading and writing
//! CSV is the `csv` crate's (quotes, escapes, line breaks inside fields).

use super::{create_block, normalize_domain, BlockInput};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::moderation::DomainBlock;
use crate::model::Account;
use crate::store;

/// Mastodon's blocklist CSV header (the admin export, and what its import reads).
pub const CSV_HEADER: [&str; 6] = [
    "#domain",
    "#severity",
    "#reject_media",
    "#reject_reports",
    "#public_comment",
    "#obfuscate",
];

/// Every block as Mastodon exports it.
pub async fn export_csv(state: &AppState) -> Result<String> {
    format(&super::blocks(state).await?)
}

/// `blocks` as CSV text, the header first.
pub fn format(blocks: &[DomainBlock]) -> Result<String> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let write = |out: &mut csv::Writer<Vec<u8>>, row: &[&str]| {
        out.write_record(row)
            .map_err(|e| Error::Internal(anyhow::anyhow!("writing CSV: {e}")))
    };
    write(&mut out, &CSV_HEADER)?;
    for b in blocks {
        let media = b.reject_media.to_string();
        let reports = b.reject_reports.to_string();
        let obfuscate = b.obfuscate.to_string();
        write(
            &mut out,
            &[
                &b.domain,
                b.severity.as_str(),
                &media,
                &reports,
                b.public_comment.as_deref().unwrap_or_default(),
                &obfuscate,
            ],
        )?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(anyhow::anyhow!("writing CSV: {e}")))
}

/// One row of an imported list: its line in the file and its fields, or why it could not be
/// read.
#[derive(Debug, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub fields: std::result::Result<Vec<String>, String>,
}

/// Splits CSV text into rows with their line numbers; blank rows are skipped.
pub fn parse(text: &str) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // The reader's own line count misses the line ends after quoted fields ending in CRLF, so
    // a row's line is counted here, from where the previous one was found.
    let (mut counted_to, mut line_at) = (0usize, 1usize);
    let mut line_of = |byte: u64| {
        let mut byte = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
        // A record can be said to start at the line end before it (after a CRLF that ended
        // a quoted field): its first line is the one after those line ends.
        while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte >= counted_to {
            line_at += bytecount_newlines(&text.as_bytes()[counted_to..byte]);
            counted_to = byte;
        }
        line_at
    };
    for record in reader.records() {
        match record {
            Ok(r) => {
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let line = r.position().map(|p| line_of(p.byte())).unwrap_or(0);
                rows.push(Row {
                    line,
                    fields: Ok(r.iter().map(str::to_string).collect()),
                });
            }
            Err(e) => {
                let line = e.position().map(|p| line_of(p.byte())).unwrap_or(0);
                rows.push(Row {
                    line,
                    fields: Err(format!("unreadable row: {e}")),
                });
            }
        }
    }
    rows
}

fn bytecount_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub created: Vec<String>,
    /// Domains already blocked, left as they are.
    pub existing: Vec<String>,
    /// `(line, why)` for rows that could not be used.
    pub errors: Vec<(usize, String)>,
}

/// Imports a blocklist in Mastodon's format: a header row naming the columns
/// (`#domain,#severity,…`, or without `#`), or, headerless, one domain per row with an
/// optional severity after it. Existing blocks are kept; bad rows are reported, not fatal.
pub async fn import_csv(
    state: &AppState,
    moderator: Option<&Account>,
    text: &str,
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut rows = parse(text).into_iter().peekable();
    let header: Vec<String> = match rows.peek() {
        Some(Row {
            fields: Ok(first), ..
        }) if first.iter().any(|f| {
            f.trim()
                .trim_start_matches('#')
                .eq_ignore_ascii_case("domain")
        }) =>
        {
            let h = first
                .iter()
                .map(|f| f.trim().trim_start_matches('#').to_ascii_lowercase())
                .collect();
            rows.next();
            h
        }
        _ => vec!["domain".into(), "severity".into()],
    };
    let col = |row: &[String], name: &str| -> Option<String> {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|i| row.get(i))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let flag = |row: &[String], name: &str| -> Option<bool> {
        col(row, name).map(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
    };
    for Row { line, fields } in rows {
        let row = match fields {
            Ok(row) => row,
            Err(why) => {
                report.errors.push((line, why));
                continue;
            }
        };
        let Some(domain) = col(&row, "domain") else {
            report.errors.push((line, "no domain".into()));
            continue;
        };
        let Some(normal) = normalize_domain(&domain) else {
            report
                .errors
                .push((line, format!("{domain:?} is not a valid domain")));
            continue;
        };
        if store::moderation::domain_block_by_domain(&state.db, &normal)
            .await?
            .is_some()
        {
            report.existing.push(normal);
            continue;
        }
        let input = BlockInput {
            domain: normal.clone(),
            severity: col(&row, "severity"),
            reject_media: flag(&row, "reject_media"),
            reject_reports: flag(&row, "reject_reports"),
            private_comment: col(&row, "private_comment"),
            public_comment: col(&row, "public_comment"),
            obfuscate: flag(&row, "obfuscate"),
        };
        match create_block(state, moderator, &input).await {
            Ok(_) => report.created.push(normal),
            Err(Error::Internal(e)) => return Err(Error::Internal(e)),
            Err(e) => report.errors.push((line, e.to_string())),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::moderation::Severity;

    fn fields(rows: &[Row]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.fields.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn csv_with_quotes() {
        let rows = parse(
            "#domain,#public_comment\na.example,\"spam, lots\"\r\nb.example,\"say \"\"hi\"\"\"\n",
        );
        let f = fields(&rows);
        assert_eq!(f.len(), 3);
        assert_eq!(f[1], vec!["a.example", "spam, lots"]);
        assert_eq!(f[2], vec!["b.example", "say \"hi\""]);
        assert_eq!(rows[2].line, 3);
    }

    #[test]
    fn blank_rows_are_skipped_and_lines_kept() {
        let rows = parse("a.example\n\n,,\nb.example,suspend\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].line, 4);
    }

    #[test]
    fn format_then_parse_round_trips() {
        let block = DomainBlock {
            id: 1,
            domain: "spam.example".into(),
            severity: Severity::Suspend,
            reject_media: true,
            reject_reports: false,
            private_comment: Some("not exported".into()),
            public_comment: Some("spam, \"lots\"\nof it".into()),
            obfuscate: true,
            created_at: chrono::Utc::now(),
        };
        let text = format(std::slice::from_ref(&block)).expect("formats");
        assert!(text.starts_with(
            "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
        ));
        let f = fields(&parse(&text));
        assert_eq!(
            f[1],
            vec![
                "spam.example",
                "suspend",
                "true",
                "false",
                "spam, \"lots\"\nof it",
                "true"
            ]
        );
    }
}
