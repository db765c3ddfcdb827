//! The ZIP file of an archive, written on a blocking thread to a temporary file while the
//! builder hands it entries a chunk at a time through a bounded channel: the archive is never
//! in memory, and the async workers never wait on the disk.

use std::io::Write;
use std::path::PathBuf;

use bytes::Bytes;
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use crate::error::{Error, Result};

/// What the builder sends the writer.
enum Piece {
    /// A new entry begins; JSON is deflated, media (compressed already) stored as is.
    Entry { name: String, deflate: bool },
    /// More bytes of the current entry.
    Data(Bytes),
}

/// Chunks in flight between the builder and the writer, at most.
const IN_FLIGHT: usize = 16;

/// The writing end of an archive being made at `path`.
pub struct Zipper {
    sender: Option<mpsc::Sender<Piece>>,
    /// The writing thread, until it has been waited for.
    writer: Option<tokio::task::JoinHandle<std::io::Result<u64>>>,
    /// What the writing thread came to, once waited for.
    outcome: Option<std::result::Result<u64, String>>,
    path: PathBuf,
}

impl Zipper {
    /// Starts writing a new ZIP file at `path`.
    pub fn create(path: PathBuf) -> Zipper {
        let (sender, mut receiver) = mpsc::channel::<Piece>(IN_FLIGHT);
        let target = path.clone();
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
            let file = std::fs::File::create(&target)?;
            let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
            while let Some(piece) = receiver.blocking_recv() {
                match piece {
                    Piece::Entry { name, deflate } => {
                        let method = if deflate {
                            CompressionMethod::Deflated
                        } else {
                            CompressionMethod::Stored
                        };
                        let options = SimpleFileOptions::default()
                            .compression_method(method)
                            .unix_permissions(0o444);
                        zip.start_file(name, options)
                            .map_err(std::io::Error::other)?;
                    }
                    Piece::Data(bytes) => zip.write_all(&bytes)?,
                }
            }
            let mut out = zip.finish().map_err(std::io::Error::other)?;
            out.flush()?;
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            Ok(file.metadata()?.len())
        });
        Zipper {
            sender: Some(sender),
            writer: Some(writer),
            outcome: None,
            path,
        }
    }

    /// Begins the entry `name`.
    pub async fn entry(&mut self, name: &str, deflate: bool) -> Result<()> {
        self.send(Piece::Entry {
            name: name.to_string(),
            deflate,
        })
        .await
    }

    /// Appends `bytes` to the current entry.
    pub async fn write(&mut self, bytes: impl Into<Bytes>) -> Result<()> {
        self.send(Piece::Data(bytes.into())).await
    }

    async fn send(&mut self, piece: Piece) -> Result<()> {
        let Some(sender) = &self.sender else {
            return Err(Error::Internal(anyhow::anyhow!("the archive is closed")));
        };
        if sender.send(piece).await.is_err() {
            // The writer stopped: its own error says why.
            self.sender = None;
            return Err(self.wait().await.err().unwrap_or_else(|| {
                Error::Internal(anyhow::anyhow!("the archive writer stopped"))
            }));
        }
        Ok(())
    }

    /// Waits for the writing thread to end (once; later calls repeat its outcome).
    async fn wait(&mut self) -> Result<u64> {
        self.sender = None;
        if let Some(writer) = self.writer.take() {
            self.outcome = Some(match writer.await {
                Ok(Ok(size)) => Ok(size),
                Ok(Err(e)) => Err(format!("writing the archive: {e}")),
                Err(e) => Err(format!("the archive writer ended: {e}")),
            });
        }
        match &self.outcome {
            Some(Ok(size)) => Ok(*size),
            Some(Err(e)) => Err(Error::Internal(anyhow::anyhow!("{e}"))),
            None => Err(Error::Internal(anyhow::anyhow!(
                "the archive writer is gone"
            ))),
        }
    }

    /// Closes the ZIP file (whatever was written, after a failure too, so that the thread is
    /// done with it before it is removed): its path and size.
    pub async fn finish(mut self) -> Result<(PathBuf, u64)> {
        let size = self.wait().await?;
        Ok((self.path.clone(), size))
    }
}
