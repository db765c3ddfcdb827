//! Upload → processed throughput for a 12-megapixel (4000×3000) JPEG: sniffing, the header
//! check, decoding, EXIF orientation, scaling the original to 8.3 MP, the 640×360 preview, the
//! blurhash, re-encoding both, and writing them to the local storage backend — everything
//! `POST /api/v1/media` does between receiving the bytes and inserting the row.
//!
//! ```sh
//! cargo bench --bench media                    # 8 images, one at a time, then on all cores
//! cargo bench --bench media -- --images 20     # more images for steadier figures
//! ```
//!
//! | flag           | environment              | default | meaning                          |
//! |----------------|--------------------------|---------|----------------------------------|
//! | `--images N`   | `ROOKERY_BENCH_IMAGES`   | 8       | images processed per scenario    |
//! | `--threads N`  | `ROOKERY_BENCH_THREADS`  | all     | parallel workers, second scenario|
//!
//! HTTP parsing and the one INSERT are left out: they cost well under a millisecond next to
//! the image work. The machine's load average is printed first: on a shared machine the
//! figures move with what else runs.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rookery::media::process::{process_image, ImageRole};
use rookery::media::{self, LocalStorage, Storage};

const WIDTH: u32 = 4000;
const HEIGHT: u32 = 3000;

struct Settings {
    images: usize,
    threads: usize,
}

fn arg(name: &str, env: &str) -> Result<Option<usize>> {
    let args: Vec<String> = std::env::args().collect();
    let from_args = args
        .iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned());
    match from_args.or_else(|| std::env::var(env).ok()) {
        Some(v) => Ok(Some(v.parse().with_context(|| format!("{name} {v}"))?)),
        None => Ok(None),
    }
}

/// A photo-like 12 MP JPEG: smooth gradients with fine noise, about 8 MB at quality 90.
fn photo() -> Result<Vec<u8>> {
    let mut seed = 0x9E37_79B9u32;
    let img = image::RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed & 0x1F) as u8;
        image::Rgb([
            ((x * 255 / WIDTH) as u8).wrapping_add(n),
            ((y * 255 / HEIGHT) as u8).wrapping_add(n),
            (((x + y) / 31) as u8).wrapping_add(n),
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    image::DynamicImage::ImageRgb8(img).write_with_encoder(encoder)?;
    Ok(out.into_inner())
}

const ROLE: ImageRole = ImageRole::Attachment {
    original_pixels: 8_294_400,
    preview_pixels: 230_400,
};

/// One upload, as the service does it; returns the bytes written.
async fn one(storage: &LocalStorage, bytes: bytes::Bytes) -> Result<usize> {
    let Some(sniffed) = media::sniff(&bytes) else {
        bail!("not sniffed as an image");
    };
    let processed =
        tokio::task::spawn_blocking(move || process_image(&bytes, sniffed, 33_177_600, ROLE))
            .await??;
    let mut written = 0;
    let original = &processed.original;
    storage
        .put(
            &media::key_for(&original.bytes, original.format.extension()),
            &original.bytes,
        )
        .await?;
    written += original.bytes.len();
    if let Some(p) = &processed.preview {
        storage
            .put(&media::key_for(&p.bytes, p.format.extension()), &p.bytes)
            .await?;
        written += p.bytes.len();
    }
    if processed.blurhash.is_none() {
        bail!("no blurhash");
    }
    Ok(written)
}

fn report(name: &str, images: usize, elapsed: Duration, each: &mut [Duration]) {
    each.sort();
    let per_s = images as f64 / elapsed.as_secs_f64();
    let mp = f64::from(WIDTH * HEIGHT) / 1e6;
    println!(
        "{name:<22} {images:>4} images in {:>6.2} s  {per_s:>6.2} images/s  {:>6.1} MP/s  \
         per image: min {:>5.0} ms, median {:>5.0} ms, max {:>5.0} ms",
        elapsed.as_secs_f64(),
        per_s * mp,
        each.first().map(|d| d.as_secs_f64() * 1e3).unwrap_or(0.0),
        each.get(each.len() / 2)
            .map(|d| d.as_secs_f64() * 1e3)
            .unwrap_or(0.0),
        each.last().map(|d| d.as_secs_f64() * 1e3).unwrap_or(0.0),
    );
}

fn main() -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let settings = Settings {
        images: arg("--images", "ROOKERY_BENCH_IMAGES")?.unwrap_or(8).max(1),
        threads: arg("--threads", "ROOKERY_BENCH_THREADS")?
            .unwrap_or(cores)
            .max(1),
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average: {}  cores: {cores}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let jpeg = bytes::Bytes::from(photo()?);
    println!(
        "input: {WIDTH}×{HEIGHT} JPEG, {:.1} MB",
        jpeg.len() as f64 / 1e6
    );
    let dir = tempfile::tempdir()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.threads)
        .max_blocking_threads(settings.threads)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let storage = std::sync::Arc::new(LocalStorage::new(
            dir.path().to_path_buf(),
            "http://bench.invalid/system/media".into(),
        ));
        // Warm-up (page cache, allocator).
        one(&storage, jpeg.clone()).await?;

        let mut each = Vec::new();
        let start = Instant::now();
        for _ in 0..settings.images {
            let t = Instant::now();
            one(&storage, jpeg.clone()).await?;
            each.push(t.elapsed());
        }
        report("one at a time", settings.images, start.elapsed(), &mut each);

        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..settings.images {
            let storage = storage.clone();
            let jpeg = jpeg.clone();
            tasks.push(tokio::spawn(async move {
                let t = Instant::now();
                one(&storage, jpeg).await.map(|_| t.elapsed())
            }));
        }
        let mut each = Vec::new();
        for t in tasks {
            each.push(t.await??);
        }
        report(
            &format!("{} in parallel", settings.threads),
            settings.images,
            start.elapsed(),
            &mut each,
        );
        Ok::<(), anyhow::Error>(())
    })
}
