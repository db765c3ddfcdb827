//! Reading an uploaded archive of posts without trusting it: the upload is spooled to a file
//! as it arrives ([`Spool`]), never held in memory; the zip is opened lazily from that file
//! (only its central directory is read at once) and refused whole ([`Refused`]) when an
//! entry's name could point outside it (`../x`, `/etc/x`), when it has too many entries, when
//! its entries would unpack to more than the configured total or one is compressed more than
//! [`MAX_RATIO`] to 1 (zip bombs), or when it has no `outbox.json`. An entry is then read only
//! up to the size the archive declares for it ([`Bounded`]): one that lies about its size is an
//! error, not a flood. `outbox.json` is read as a stream, one item at a time
//! ([`Archive::read_outbox`]), so ten thousand posts take the memory of one.
//!
//! Everything here is blocking I/O: callers run it on the blocking pool.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::io::AsyncWriteExt;
use zip::ZipArchive;

use crate::app::AppState;
use crate::error::{Error, Result};

/// An entry unpacking to more than this many times its packed size is taken for a bomb
/// (text and images compress far less; a bomb, thousands of times more).
pub const MAX_RATIO: u64 = 100;

/// Entries smaller than this are not judged by their ratio (a small file of one repeated
/// byte compresses very well and harms nobody).
const RATIO_FLOOR: u64 = 1 << 20;

/// The most `actor.json` may unpack to.
const MAX_ACTOR_BYTES: u64 = 1 << 20;

/// Why an archive is refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("is not a zip archive ({0})")]
    NotZip(String),
    #[error("has an entry whose name points outside the archive: {0:?}")]
    UnsafePath(String),
    #[error("has more than {0} entries")]
    TooManyEntries(usize),
    #[error("would unpack to more than {0} bytes")]
    TooLarge(u64),
    #[error("has an entry compressed suspiciously well ({name:?}, {ratio} to 1): it looks like a zip bomb")]
    Bomb { name: String, ratio: u64 },
    #[error("has no outbox.json")]
    NoOutbox,
    #[error("has an outbox.json that is not an ActivityStreams collection: {0}")]
    BadOutbox(String),
    #[error("has an actor.json that is not an actor: {0}")]
    BadActor(String),
    #[error("lists more than {0} posts")]
    TooManyPosts(usize),
    #[error("could not be read: {0}")]
    Io(String),
}

/// The limits an archive is held to.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_unpacked: u64,
    pub max_entries: usize,
}

/// Where `outbox.json` sits (archives re-zipped by hand often add a folder) and which files
/// the archive holds.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// The folder of `outbox.json`, with its trailing `/`; empty at the top.
    prefix: String,
    files: HashSet<String>,
}

impl Index {
    /// The entry an attachment's `url` names. Mastodon writes the file's path inside the
    /// archive (`media_attachments/files/…`); a full URL is read for its path, without the
    /// `/system/` Mastodon serves media under.
    pub fn resolve(&self, url: &str) -> Option<String> {
        let path = match url::Url::parse(url) {
            Ok(u) => u.path().to_string(),
            Err(_) => url.to_string(),
        };
        let path = path.trim_start_matches('/');
        let candidates = [path, path.strip_prefix("system/").unwrap_or(path)];
        let found = candidates
            .into_iter()
            .map(|p| format!("{}{p}", self.prefix))
            .find(|name| self.files.contains(name));
        found
    }
}

/// An opened archive.
pub struct Archive {
    zip: ZipArchive<File>,
    pub index: Index,
}

/// The owner of the posts, as `actor.json` says: whose posts count, and which collection
/// means "followers only".
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ArchiveActor {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub followers: Option<String>,
}

impl Archive {
    /// Opens the archive at `path` and checks every entry's name and size.
    pub fn open(path: &Path, limits: Limits) -> std::result::Result<Archive, Refused> {
        let file = File::open(path).map_err(|e| Refused::Io(e.to_string()))?;
        let mut zip = ZipArchive::new(file).map_err(|e| Refused::NotZip(e.to_string()))?;
        if zip.len() > limits.max_entries {
            return Err(Refused::TooManyEntries(limits.max_entries));
        }
        let mut files = HashSet::new();
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip
                .by_index_raw(i)
                .map_err(|e| Refused::NotZip(e.to_string()))?;
            let name = entry.name().to_string();
            if entry.enclosed_name().is_none() || name.starts_with('/') || name.contains('\\') {
                return Err(Refused::UnsafePath(name));
            }
            let size = entry.size();
            total = total.saturating_add(size);
            if total > limits.max_unpacked {
                return Err(Refused::TooLarge(limits.max_unpacked));
            }
            let ratio = size / entry.compressed_size().max(1);
            if size > RATIO_FLOOR && ratio > MAX_RATIO {
                return Err(Refused::Bomb { name, ratio });
            }
            if entry.is_file() {
                files.insert(name);
            }
        }
        let outbox = files
            .iter()
            .filter(|n| *n == "outbox.json" || n.ends_with("/outbox.json"))
            .min_by_key(|n| (n.matches('/').count(), n.len()))
            .ok_or(Refused::NoOutbox)?;
        let prefix = outbox.trim_end_matches("outbox.json").to_string();
        Ok(Archive {
            zip,
            index: Index { prefix, files },
        })
    }

    /// Reads the entry `name`, refusing one that unpacks to more than `max` bytes or to more
    /// than it declares.
    pub fn read(&mut self, name: &str, max: u64) -> std::result::Result<Vec<u8>, String> {
        let entry = self
            .zip
            .by_name(name)
            .map_err(|_| format!("{name} is not in the archive"))?;
        let declared = entry.size();
        if declared > max {
            return Err(format!("{name} is larger than {max} bytes"));
        }
        let mut out = Vec::with_capacity(declared as usize);
        Bounded::new(entry, declared, name)
            .read_to_end(&mut out)
            .map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// The archive's `actor.json`, when it has one.
    pub fn actor(&mut self) -> std::result::Result<ArchiveActor, Refused> {
        let name = format!("{}actor.json", self.index.prefix);
        if !self.index.files.contains(&name) {
            return Ok(ArchiveActor::default());
        }
        let bytes = self
            .read(&name, MAX_ACTOR_BYTES)
            .map_err(Refused::BadActor)?;
        serde_json::from_slice(&bytes).map_err(|e| Refused::BadActor(e.to_string()))
    }

    /// Streams the items of `outbox.json`'s `orderedItems` to `each`, with their position
    /// (from 1), one at a time; returns how many there were. `each` may stop the reading with
    /// an error. Items are handed over unparsed, so one that is not an activity fails alone.
    pub fn read_outbox(
        &mut self,
        each: &mut dyn FnMut(usize, &RawValue) -> std::result::Result<(), String>,
    ) -> std::result::Result<usize, Refused> {
        let name = format!("{}outbox.json", self.index.prefix);
        let entry = self
            .zip
            .by_name(&name)
            .map_err(|e| Refused::NotZip(e.to_string()))?;
        let declared = entry.size();
        let reader = BufReader::new(Bounded::new(entry, declared, &name));
        let mut de = serde_json::Deserializer::from_reader(reader);
        let mut count = 0;
        let found = OutboxSeed {
            each,
            count: &mut count,
        }
        .deserialize(&mut de)
        .and_then(|found| de.end().map(|()| found))
        .map_err(|e| Refused::BadOutbox(e.to_string()))?;
        if !found {
            return Err(Refused::BadOutbox("it has no orderedItems".into()));
        }
        Ok(count)
    }
}

/// A reader that fails once its entry yields more than it declared.
struct Bounded<R> {
    inner: R,
    left: u64,
    declared: u64,
    name: String,
}

impl<R> Bounded<R> {
    fn new(inner: R, declared: u64, name: &str) -> Bounded<R> {
        Bounded {
            inner,
            left: declared,
            declared,
            name: name.to_string(),
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::other(format!(
                "{} holds more than the {} bytes the archive says",
                self.name, self.declared
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The outbox collection, read key by key by serde as it streams past: `orderedItems` (or
/// `items`) is handed over item by item, everything else skipped.
struct OutboxSeed<'a> {
    each: &'a mut dyn FnMut(usize, &RawValue) -> std::result::Result<(), String>,
    count: &'a mut usize,
}

impl<'de> DeserializeSeed<'de> for OutboxSeed<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OutboxSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an OrderedCollection")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if !found && (key == "orderedItems" || key == "items") {
                map.next_value_seed(ItemsSeed {
                    each: &mut *self.each,
                    count: &mut *self.count,
                })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct ItemsSeed<'a> {
    each: &'a mut dyn FnMut(usize, &RawValue) -> std::result::Result<(), String>,
    count: &'a mut usize,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of activities")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Box<RawValue>>()? {
            *self.count += 1;
            (self.each)(*self.count, &item).map_err(serde::de::Error::custom)?;
        }
        Ok(())
    }
}

/// The folder uploaded archives wait in.
pub fn folder(state: &AppState) -> PathBuf {
    let dir = &state.config.portability.archive_dir;
    if dir.as_os_str().is_empty() {
        state.config.data_dir.join("imports")
    } else {
        dir.clone()
    }
}

/// Where the archive of post import `import_id` waits.
pub fn path_of(state: &AppState, import_id: i64) -> PathBuf {
    folder(state).join(format!("{import_id}.zip"))
}

/// An upload being written to a file as it arrives, up to a size; the file is removed when
/// the spool is dropped, unless it was kept ([`Spool::keep_as`]).
pub struct Spool {
    file: Option<tokio::fs::File>,
    path: PathBuf,
    len: u64,
    max: u64,
}

impl Spool {
    /// A new, empty spool file taking at most `max` bytes.
    pub async fn create(state: &AppState, max: u64) -> Result<Spool> {
        let dir = folder(state);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| Error::internal(format!("creating {}: {e}", dir.display())))?;
        let path = dir.join(format!("upload-{}.part", crate::id::next()));
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| Error::internal(format!("creating {}: {e}", path.display())))?;
        Ok(Spool {
            file: Some(file),
            path,
            len: 0,
            max,
        })
    }

    /// Appends a chunk; 413 past the spool's size.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.len += chunk.len() as u64;
        if self.len > self.max {
            return Err(Error::PayloadTooLarge(format!(
                "The file is larger than {} bytes",
                self.max
            )));
        }
        if let Some(file) = self.file.as_mut() {
            file.write_all(chunk)
                .await
                .map_err(|e| Error::internal(format!("writing an upload: {e}")))?;
        }
        Ok(())
    }

    /// The bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole upload in memory (a CSV file, small); 413 above `max` bytes.
    pub async fn into_bytes(mut self, max: u64) -> Result<Vec<u8>> {
        if self.len > max {
            return Err(Error::PayloadTooLarge(format!(
                "The file is larger than {max} bytes"
            )));
        }
        self.finish().await?;
        tokio::fs::read(&self.path)
            .await
            .map_err(|e| Error::internal(format!("reading an upload: {e}")))
    }

    /// Flushes the file and moves it to `path`, where it stays.
    pub async fn keep_as(mut self, path: &Path) -> Result<()> {
        self.finish().await?;
        tokio::fs::rename(&self.path, path)
            .await
            .map_err(|e| Error::internal(format!("keeping an upload: {e}")))?;
        self.path = PathBuf::new();
        Ok(())
    }

    async fn finish(&mut self) -> Result<()> {
        if let Some(mut file) = self.file.take() {
            file.flush()
                .await
                .map_err(|e| Error::internal(format!("writing an upload: {e}")))?;
        }
        Ok(())
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            // Nothing to report if it is already gone.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Removes a waiting archive (its import is finished or gone); a missing file is fine.
pub async fn remove(path: &Path) {
    if let Err(e) = tokio::fs::remove_file(path).await {
        if e.kind() != io::ErrorKind::NotFound {
            tracing::warn!(error = %e, path = %path.display(), "could not remove an archive");
        }
    }
}
