//! Reading import files: Mastodon's and GoToSocial's CSV exports (which agree), with or
//! without their header line, with extra columns ignored. Each row is read on its own, so a
//! malformed row is reported with its line and never stops the rest.

use crate::model::import::{ImportKind, ImportRow};
use crate::model::Host;

/// One row of the file as read: its line, its text (for the report) and what it says, or
/// why it cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub struct ReadRow {
    pub line: i32,
    pub raw: String,
    pub row: Result<ImportRow, String>,
}

/// Why a whole file cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub enum Unreadable {
    NotText,
    Empty,
    TooManyRows(usize),
}

/// The header names Mastodon and GoToSocial write as a first row (in lower case).
const HEADERS: &[&str] = &[
    "account address",
    "#domain",
    "domain",
    "#uri",
    "uri",
    "list name",
    "list title",
];

/// Reads `bytes` as an import file of `kind`, of at most `max_rows` rows (a header line is
/// not counted; blank lines are skipped).
pub fn read(kind: ImportKind, bytes: &[u8], max_rows: usize) -> Result<Vec<ReadRow>, Unreadable> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Control characters other than line ends and tabs mean this is no text file (an image,
    // an archive); one bad row in a text file is only that row's problem.
    if std::str::from_utf8(bytes).is_err()
        || bytes
            .iter()
            .any(|b| *b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
    {
        return Err(Unreadable::NotText);
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let (line, fields) = match record {
            Ok(r) => (
                r.position().map_or(0, |p| p.line() as i32),
                r.iter().map(|f| f.trim().to_string()).collect::<Vec<_>>(),
            ),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as i32);
                rows.push(ReadRow {
                    line,
                    raw: String::new(),
                    row: Err(format!("Unreadable row: {e}")),
                });
                continue;
            }
        };
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        let parsed = row(kind, &fields);
        if index == 0 && parsed.is_err() && is_header(&fields) {
            continue;
        }
        rows.push(ReadRow {
            line,
            raw: fields.join(","),
            row: parsed,
        });
        if rows.len() > max_rows {
            return Err(Unreadable::TooManyRows(max_rows));
        }
    }
    if rows.is_empty() {
        return Err(Unreadable::Empty);
    }
    Ok(rows)
}

/// A first row that names columns rather than giving values.
fn is_header(fields: &[String]) -> bool {
    let first = fields[0].to_lowercase();
    HEADERS.contains(&first.as_str())
        || first
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '#' || c == '_')
}

fn row(kind: ImportKind, fields: &[String]) -> Result<ImportRow, String> {
    let field = |i: usize| fields.get(i).map(String::as_str).unwrap_or("");
    Ok(match kind {
        ImportKind::Following => ImportRow::Follow {
            acct: acct(field(0))?,
            show_reblogs: flag(field(1), "Show boosts")?,
            notify: flag(field(2), "Notify on new posts")?,
            languages: languages(field(3)),
        },
        ImportKind::Blocks => ImportRow::Block {
            acct: acct(field(0))?,
        },
        ImportKind::Mutes => ImportRow::Mute {
            acct: acct(field(0))?,
            hide_notifications: flag(field(1), "Hide notifications")?,
        },
        ImportKind::DomainBlocks => ImportRow::DomainBlock {
            domain: domain(field(0)).ok_or_else(|| "Not a domain".to_string())?,
        },
        ImportKind::Bookmarks => ImportRow::Bookmark {
            uri: uri(field(0))?,
        },
        ImportKind::Posts => {
            return Err("Posts are imported from an archive, not a CSV file".into())
        }
        ImportKind::Lists => {
            let list = field(0);
            if list.is_empty() {
                return Err("The list title is blank".into());
            }
            if list.chars().count() > 256 {
                return Err("The list title is too long".into());
            }
            ImportRow::ListMember {
                list: list.to_string(),
                acct: acct(field(1))?,
            }
        }
    })
}

/// `user@domain` (a leading `@` allowed), lower-cased.
fn acct(raw: &str) -> Result<String, String> {
    let raw = raw.trim().trim_start_matches('@');
    let bad = || format!("Not an account address (user@domain): {raw:?}");
    let (user, host) = raw.split_once('@').ok_or_else(bad)?;
    let user_ok = !user.is_empty()
        && user.len() <= 255
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    let host = domain(host).filter(|_| user_ok).ok_or_else(bad)?;
    Ok(format!("{}@{host}", user.to_lowercase()))
}

/// A bare domain (`example.com`, `127.0.0.1:8080`), lower-cased.
fn domain(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('.');
    if raw.is_empty() || raw.contains(['/', '@', ' ', '*']) {
        return None;
    }
    Host::parse_domain(raw).map(|_| raw.to_lowercase())
}

fn uri(raw: &str) -> Result<String, String> {
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(raw.to_string())
        }
        _ => Err(format!("Not a status URL: {raw:?}")),
    }
}

/// `true`/`false` as Mastodon writes them (blank: the default).
fn flag(raw: &str, column: &str) -> Result<Option<bool>, String> {
    match raw.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" | "yes" => Ok(Some(true)),
        "false" | "0" | "no" => Ok(Some(false)),
        _ => Err(format!("{column} is neither true nor false: {raw:?}")),
    }
}

/// `en, de` as Mastodon writes a follow's languages; blank: all languages.
fn languages(raw: &str) -> Option<Vec<String>> {
    let list: Vec<String> = raw
        .split(',')
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    (!list.is_empty()).then_some(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(kind: ImportKind, text: &str) -> Vec<ReadRow> {
        read(kind, text.as_bytes(), 100).expect("readable")
    }

    #[test]
    fn mastodon_following_with_header_and_options() {
        let read = rows(
            ImportKind::Following,
            "Account address,Show boosts,Notify on new posts,Languages\n\
             Alice@Example.com,false,true,\"en, de\"\n@bob@b.example,,,\n",
        );
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].line, 2);
        assert_eq!(
            read[0].row,
            Ok(ImportRow::Follow {
                acct: "alice@example.com".into(),
                show_reblogs: Some(false),
                notify: Some(true),
                languages: Some(vec!["en".into(), "de".into()]),
            })
        );
        assert_eq!(
            read[1].row,
            Ok(ImportRow::Follow {
                acct: "bob@b.example".into(),
                show_reblogs: None,
                notify: None,
                languages: None,
            })
        );
    }

    #[test]
    fn headerless_files_and_extra_columns() {
        let read = rows(
            ImportKind::Blocks,
            "a@x.example,extra,columns\nb@127.0.0.1:8080\n",
        );
        assert_eq!(read.len(), 2);
        assert_eq!(
            read[1].row,
            Ok(ImportRow::Block {
                acct: "b@127.0.0.1:8080".into()
            })
        );
    }

    #[test]
    fn broken_rows_are_reported_not_fatal() {
        let read = rows(
            ImportKind::Mutes,
            "Account address,Hide notifications\nnot-an-address\nc@x.example,maybe\nd@x.example,false\n",
        );
        assert_eq!(read.len(), 3);
        assert!(read[0].row.is_err());
        assert!(read[1].row.is_err());
        assert_eq!(read[1].line, 3);
        assert!(read[2].row.is_ok());
    }

    #[test]
    fn domains_bookmarks_and_lists() {
        assert_eq!(
            rows(ImportKind::DomainBlocks, "Spam.Example\n")[0].row,
            Ok(ImportRow::DomainBlock {
                domain: "spam.example".into()
            })
        );
        assert!(
            rows(ImportKind::DomainBlocks, "x.example\nnot a domain\n")[1]
                .row
                .is_err()
        );
        assert!(
            rows(ImportKind::Bookmarks, "https://x.example/s/1\nftp://x/1\n")[1]
                .row
                .is_err()
        );
        assert_eq!(
            rows(ImportKind::Lists, "Friends,a@x.example\n")[0].row,
            Ok(ImportRow::ListMember {
                list: "Friends".into(),
                acct: "a@x.example".into()
            })
        );
    }

    #[test]
    fn unreadable_files() {
        assert_eq!(
            read(ImportKind::Blocks, b"\x89PNG\r\n\x1a\n\0\0", 10),
            Err(Unreadable::NotText)
        );
        assert_eq!(
            read(ImportKind::Blocks, b"\n\n", 10),
            Err(Unreadable::Empty)
        );
        assert_eq!(
            read(
                ImportKind::Blocks,
                b"a@x.example\nb@x.example\nc@x.example\n",
                2
            ),
            Err(Unreadable::TooManyRows(2))
        );
    }
}
