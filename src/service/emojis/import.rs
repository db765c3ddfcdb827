//! `rookery admin emoji import`, as `tootctl emoji import`: one image (its shortcode given or
//! taken from its file name), or a `.tar.gz`/`.tgz` or `.zip` archive of images whose file
//! names are their shortcodes. Every image goes through the same checks as an upload by the
//! admin API. Archives are read as untrusted: entries whose path leaves the archive (`..`,
//! absolute, links) or that are larger than the emoji size limit are refused unread, and at
//! most [`MAX_ENTRIES`] entries are looked at.

use std::io::Read;
use std::path::{Component, Path};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::{create, update, EmojiUpdate, UpdateKind};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::emoji::is_shortcode;
use crate::store;

/// Entries of one archive that are looked at, at most.
pub const MAX_ENTRIES: usize = 10_000;

/// How to import.
#[derive(Debug, Default, Clone)]
pub struct ImportOptions {
    /// The shortcode of a single image (default: its file name without extension).
    pub shortcode: Option<String>,
    pub category: Option<String>,
    /// Replace the image of an emoji whose shortcode exists already (otherwise it is skipped).
    pub overwrite: bool,
}

/// What an import did, entry by entry.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub imported: Vec<String>,
    /// Entries left alone, with why (exists already, not an image name, …).
    pub skipped: Vec<(String, String)>,
    /// Entries refused as unsafe or invalid (path traversal, too large, not an image).
    pub refused: Vec<(String, String)>,
}

enum Entry {
    Image {
        name: String,
        shortcode: String,
        bytes: Vec<u8>,
    },
    Skipped(String, String),
    Refused(String, String),
}

#[derive(Clone, Copy)]
enum Format {
    TarGz,
    Zip,
    Single,
}

fn format_of(path: &Path) -> Format {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        Format::TarGz
    } else if name.ends_with(".zip") {
        Format::Zip
    } else {
        Format::Single
    }
}

/// Imports the image or archive at `path`.
pub async fn import(
    state: &AppState,
    path: &Path,
    options: &ImportOptions,
) -> Result<ImportReport> {
    let limit = state.config.media.emoji_size_limit;
    let format = format_of(path);
    if matches!(format, Format::Single) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let shortcode = match &options.shortcode {
            Some(code) => code.clone(),
            None => stem(&name).to_string(),
        };
        let bytes = read_file(path, limit)?;
        let mut report = ImportReport::default();
        let entry = match bytes {
            Some(bytes) => Entry::Image {
                name,
                shortcode,
                bytes,
            },
            None => Entry::Refused(name, format!("larger than {limit} bytes")),
        };
        take(state, options, entry, &mut report).await?;
        return Ok(report);
    }
    if options.shortcode.is_some() {
        return Err(Error::bad_request(
            "--shortcode names a single image; an archive's file names are its shortcodes",
        ));
    }
    let (tx, mut rx) = mpsc::channel::<Entry>(4);
    let path = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || match format {
        Format::TarGz => read_tar_gz(&path, limit, &tx),
        _ => read_zip(&path, limit, &tx),
    });
    let mut report = ImportReport::default();
    while let Some(entry) = rx.recv().await {
        take(state, options, entry, &mut report).await?;
    }
    reader
        .await
        .map_err(|e| Error::internal(format!("reading the archive panicked: {e}")))?
        .map_err(|e| Error::bad_request(format!("cannot read the archive: {e}")))?;
    Ok(report)
}

/// Imports one entry into the report.
async fn take(
    state: &AppState,
    options: &ImportOptions,
    entry: Entry,
    report: &mut ImportReport,
) -> Result<()> {
    let (name, shortcode, bytes) = match entry {
        Entry::Image {
            name,
            shortcode,
            bytes,
        } => (name, shortcode, bytes),
        Entry::Skipped(name, why) => {
            report.skipped.push((name, why));
            return Ok(());
        }
        Entry::Refused(name, why) => {
            report.refused.push((name, why));
            return Ok(());
        }
    };
    if !is_shortcode(&shortcode) {
        report
            .refused
            .push((name, format!("{shortcode:?} is not a valid shortcode")));
        return Ok(());
    }
    let existing = store::emojis::by_shortcode(&state.db, None, &shortcode).await?;
    let outcome = match existing {
        Some(_) if !options.overwrite => {
            report
                .skipped
                .push((name, format!(":{shortcode}: exists already")));
            return Ok(());
        }
        Some(known) => {
            let change = EmojiUpdate {
                kind: UpdateKind::Modify,
                shortcode: None,
                category: options.category.clone(),
                visible_in_picker: None,
                image: Some(Bytes::from(bytes)),
            };
            update(state, None, known.id, change).await
        }
        None => {
            create(
                state,
                None,
                &shortcode,
                options.category.as_deref(),
                Bytes::from(bytes),
            )
            .await
        }
    };
    match outcome {
        Ok(_) => report.imported.push(shortcode),
        Err(Error::Validation { message, .. }) => report.refused.push((name, message)),
        Err(Error::BadRequest(message)) => report.refused.push((name, message)),
        Err(e) => return Err(e),
    }
    Ok(())
}

/// The shortcode a file name gives: the name up to its first dot.
fn stem(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// Whether an archive entry's file name is one of an image Rookery takes as an emoji.
fn image_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".gif", ".webp"].iter().any(|e| lower.ends_with(e))
}

/// Whether an entry's path stays inside the archive: relative, no `..`, no root or prefix.
fn safe_path(path: &Path) -> bool {
    !path.as_os_str().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Reads at most `limit` bytes of a file; `None` when it is larger.
fn read_file(path: &Path, limit: usize) -> Result<Option<Vec<u8>>> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::bad_request(format!("cannot open {}: {e}", path.display())))?;
    read_bounded(file, limit).map_err(|e| Error::bad_request(format!("cannot read: {e}")))
}

fn read_bounded(reader: impl Read, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= limit).then_some(bytes))
}

/// What an archive's entry becomes, its path and declared size known.
fn judge(path: &Path, declared: u64, limit: usize) -> std::result::Result<(String, String), Entry> {
    let shown = path.display().to_string();
    if !safe_path(path) {
        return Err(Entry::Refused(shown, "its path leaves the archive".into()));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if name.starts_with('.') || !image_name(&name) {
        return Err(Entry::Skipped(shown, "not a PNG, GIF or WebP file".into()));
    }
    if declared > limit as u64 {
        return Err(Entry::Refused(shown, format!("larger than {limit} bytes")));
    }
    Ok((shown, stem(&name).to_string()))
}

fn read_tar_gz(path: &Path, limit: usize, out: &mpsc::Sender<Entry>) -> std::io::Result<()> {
    let file = std::fs::File::open(path)?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for (seen, entry) in archive.entries()?.enumerate() {
        if seen >= MAX_ENTRIES {
            break;
        }
        let entry = entry?;
        let kind = entry.header().entry_type();
        let path = entry.path()?.into_owned();
        let sent = if kind.is_dir() {
            continue;
        } else if !kind.is_file() {
            Entry::Refused(
                path.display().to_string(),
                "not a regular file (links are not followed)".into(),
            )
        } else {
            match judge(&path, entry.size(), limit) {
                Err(refused) => refused,
                Ok((name, shortcode)) => match read_bounded(entry, limit)? {
                    Some(bytes) => Entry::Image {
                        name,
                        shortcode,
                        bytes,
                    },
                    None => Entry::Refused(name, format!("larger than {limit} bytes")),
                },
            }
        };
        if out.blocking_send(sent).is_err() {
            break;
        }
    }
    Ok(())
}

fn read_zip(path: &Path, limit: usize, out: &mpsc::Sender<Entry>) -> std::io::Result<()> {
    let file = std::fs::File::open(path)?;
    let mut archive = zip::ZipArchive::new(file).map_err(std::io::Error::other)?;
    for i in 0..archive.len().min(MAX_ENTRIES) {
        let entry = archive.by_index(i).map_err(std::io::Error::other)?;
        if entry.is_dir() {
            continue;
        }
        let raw = std::path::PathBuf::from(entry.name());
        let sent = match (entry.enclosed_name(), entry.is_symlink()) {
            (None, _) => Entry::Refused(
                raw.display().to_string(),
                "its path leaves the archive".into(),
            ),
            (Some(_), true) => Entry::Refused(
                raw.display().to_string(),
                "not a regular file (links are not followed)".into(),
            ),
            (Some(path), false) => match judge(&path, entry.size(), limit) {
                Err(refused) => refused,
                // The declared size may lie: the read is bounded all the same.
                Ok((name, shortcode)) => match read_bounded(entry, limit)? {
                    Some(bytes) => Entry::Image {
                        name,
                        shortcode,
                        bytes,
                    },
                    None => Entry::Refused(name, format!("larger than {limit} bytes")),
                },
            },
        };
        if out.blocking_send(sent).is_err() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_names() {
        assert!(safe_path(Path::new("pack/blobcat.png")));
        assert!(safe_path(Path::new("./blobcat.png")));
        assert!(!safe_path(Path::new("../blobcat.png")));
        assert!(!safe_path(Path::new("pack/../../etc/x.png")));
        assert!(!safe_path(Path::new("/etc/x.png")));
        assert_eq!(stem("blob_cat.png"), "blob_cat");
        assert!(image_name("A.PNG") && image_name("b.webp") && !image_name("c.jpg"));
    }
}
