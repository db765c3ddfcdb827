//! Where processed files live. A small object-safe trait so the backend is chosen in config;
//! the local filesystem backend is the default and Rookery serves its files itself.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A stored file read a chunk at a time, so a large one (an account's archive) is never held
/// whole in memory.
pub type ByteStream = futures_util::stream::BoxStream<'static, io::Result<bytes::Bytes>>;

/// The size of the chunks a local file is read in.
const CHUNK: usize = 256 * 1024;

/// A store of files under content-addressed keys (see `media::key_for`).
pub trait Storage: Send + Sync {
    /// Stores `bytes` under `key`; storing the same key twice is harmless.
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>>;
    /// The file under `key`, or `None`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Option<Vec<u8>>>>;
    /// Stores the local file at `path` under `key`, reading it a chunk at a time.
    fn put_file<'a>(
        &'a self,
        key: &'a str,
        path: &'a std::path::Path,
    ) -> BoxFuture<'a, io::Result<()>>;
    /// The file under `key` as a stream of chunks, or `None`.
    fn open<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Option<ByteStream>>>;
    /// Removes the file under `key`; a missing file is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>>;
    /// The public URL of the file under `key`.
    fn url(&self, key: &str) -> String;
}

/// Files in a folder, two levels of subfolders deep (`ab/cd/abcd….jpg`) so no folder grows
/// too large.
pub struct LocalStorage {
    root: PathBuf,
    base_url: String,
}

impl LocalStorage {
    /// `base_url` is the public prefix, e.g. `https://social.example/system/media`.
    pub fn new(root: PathBuf, base_url: String) -> LocalStorage {
        LocalStorage {
            root,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    fn path(&self, key: &str) -> PathBuf {
        let a = key.get(0..2).unwrap_or("__");
        let b = key.get(2..4).unwrap_or("__");
        self.root.join(a).join(b).join(key)
    }
}

impl Storage for LocalStorage {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let path = self.path(key);
            if tokio::fs::try_exists(&path).await.unwrap_or(false) {
                return Ok(());
            }
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            // Written aside and renamed, so a reader never sees half a file.
            let tmp = path.with_extension(format!("tmp{}", crate::id::next()));
            tokio::fs::write(&tmp, bytes).await?;
            tokio::fs::rename(&tmp, &path).await
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            match tokio::fs::read(self.path(key)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn put_file<'a>(
        &'a self,
        key: &'a str,
        source: &'a std::path::Path,
    ) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let path = self.path(key);
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let tmp = path.with_extension(format!("tmp{}", crate::id::next()));
            tokio::fs::copy(source, &tmp).await?;
            tokio::fs::rename(&tmp, &path).await
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Option<ByteStream>>> {
        Box::pin(async move {
            let file = match tokio::fs::File::open(self.path(key)).await {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let chunks = futures_util::stream::try_unfold(file, |mut file| async move {
                use tokio::io::AsyncReadExt;
                let mut buf = vec![0u8; CHUNK];
                let n = file.read(&mut buf).await?;
                if n == 0 {
                    return Ok(None);
                }
                buf.truncate(n);
                Ok::<_, io::Error>(Some((bytes::Bytes::from(buf), file)))
            });
            let stream: ByteStream = Box::pin(chunks);
            Ok(Some(stream))
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
    }

    fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.base_url)
    }
}

/// The storage the configuration asks for (validated by `Config::validate`, so building the
/// S3 client fails only on settings it checks itself).
pub fn from_config(config: &crate::config::Config) -> anyhow::Result<std::sync::Arc<dyn Storage>> {
    let media = &config.media;
    let base_url = if media.public_base_url.is_empty() {
        format!("{}/system/media", config.base_url())
    } else {
        media.public_base_url.clone()
    };
    match media.storage {
        crate::config::MediaStorage::Local => {
            let root = if media.local_dir.as_os_str().is_empty() {
                config.data_dir.join("media")
            } else {
                media.local_dir.clone()
            };
            Ok(std::sync::Arc::new(LocalStorage::new(root, base_url)))
        }
        crate::config::MediaStorage::S3 => Ok(std::sync::Arc::new(super::s3::S3Storage::new(
            &media.s3, &base_url,
        )?)),
    }
}
