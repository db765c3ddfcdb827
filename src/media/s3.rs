//! The S3-compatible backend (AWS S3, MinIO, Garage, Ceph, R2…) through `object_store`. Files
//! are written with their content type, a year of caching and an inline disposition; they are
//! read by clients from `media.public_base_url` (the bucket's public URL or a CDN before it).

use std::io;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};

use super::storage::{BoxFuture, ByteStream, Storage};
use super::Sniffed;
use crate::config::S3Config;

/// Files in an S3 bucket under their content-addressed keys.
pub struct S3Storage {
    store: AmazonS3,
    base_url: String,
}

impl S3Storage {
    /// A client for the configured bucket; `base_url` is the public prefix of the objects.
    pub fn new(config: &S3Config, base_url: &str) -> anyhow::Result<S3Storage> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key);
        if !config.endpoint.is_empty() {
            // S3-compatible servers mostly want path-style requests on their own endpoint.
            builder = builder
                .with_endpoint(&config.endpoint)
                .with_allow_http(config.endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        Ok(S3Storage {
            store: builder.build()?,
            base_url: base_url.trim_end_matches('/').to_string(),
        })
    }
}

fn to_io(e: object_store::Error) -> io::Error {
    io::Error::other(e.to_string())
}

impl Storage for S3Storage {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let mut attributes = Attributes::new();
            let mime = key
                .rsplit('.')
                .next()
                .and_then(Sniffed::from_extension)
                .map_or("application/octet-stream", Sniffed::mime);
            attributes.insert(Attribute::ContentType, mime.into());
            attributes.insert(
                Attribute::CacheControl,
                "public, max-age=31536000, immutable".into(),
            );
            attributes.insert(
                Attribute::ContentDisposition,
                format!("inline; filename=\"{key}\"").into(),
            );
            let options = PutOptions {
                attributes,
                ..PutOptions::default()
            };
            self.store
                .put_opts(&Path::from(key), PutPayload::from(bytes.to_vec()), options)
                .await
                .map(|_| ())
                .map_err(to_io)
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            match self.store.get(&Path::from(key)).await {
                Ok(found) => Ok(Some(found.bytes().await.map_err(to_io)?.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(to_io(e)),
            }
        })
    }

    fn put_file<'a>(
        &'a self,
        key: &'a str,
        source: &'a std::path::Path,
    ) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            use tokio::io::AsyncReadExt;
            // A multipart upload, a part at a time: the file is never read whole.
            let upload = self
                .store
                .put_multipart(&Path::from(key))
                .await
                .map_err(to_io)?;
            let mut writer = object_store::WriteMultipart::new(upload);
            let mut file = tokio::fs::File::open(source).await?;
            let mut buf = vec![0u8; 1024 * 1024];
            loop {
                let n = file.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                writer.wait_for_capacity(4).await.map_err(to_io)?;
                writer.write(&buf[..n]);
            }
            writer.finish().await.map(|_| ()).map_err(to_io)
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Option<ByteStream>>> {
        Box::pin(async move {
            use futures_util::StreamExt;
            match self.store.get(&Path::from(key)).await {
                Ok(found) => {
                    let stream: ByteStream =
                        Box::pin(found.into_stream().map(|c| c.map_err(to_io)));
                    Ok(Some(stream))
                }
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(to_io(e)),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match self.store.delete(&Path::from(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(to_io(e)),
            }
        })
    }

    fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.base_url)
    }
}
