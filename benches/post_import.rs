//! A large post import (issue 21: "10,000 posts, 1 GB of media import as a resumable job with
//! progress, within the memory target"), end to end: the release `rookery` binary runs as its
//! own process with its own private PostgreSQL in a temporary folder; this bench writes an
//! archive in Mastodon's layout to disk (10,000 posts, replies among them, and about 1 GiB of
//! generated JPEG photographs of a realistic size, each its own file in the zip), uploads it
//! with `curl` to `POST /api/v1/import` as a user's app would, and follows the import's
//! progress until it is finished, sampling the server's resident memory all along.
//!
//! ```sh
//! cargo bench --bench post_import                       # 10,000 posts, 1 GiB of media
//! cargo bench --bench post_import -- --posts 500 --media-mib 50
//! ```
//!
//! Options: `--posts N` (10,000), `--media-mib M` (1,024: the archive's media in MiB; 0 for
//! none), `--keep` (leave the server running until Ctrl-C). `POST_IMPORT_SERVER_BIN=<path>`
//! measures another build of the server. Needs `curl` and PostgreSQL's server binaries.
//! Linux only: memory is read from `/proc`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use zip::write::SimpleFileOptions;

#[path = "support/api.rs"]
#[allow(dead_code)]
mod api;
use api::Api;
#[path = "support/runner.rs"]
mod runner;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
use server::{server_bin, Instance};

const SERVER_BIN_VAR: &str = "POST_IMPORT_SERVER_BIN";
const OLD: &str = "https://old.example";
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// Distinct photographs generated (encoding is slow on a loaded machine); every attachment
/// is one of them with a comment segment of its own, so each file's bytes are different.
const DISTINCT_IMAGES: usize = 48;
/// The memory target of issue 23 for the server process.
const RSS_TARGET_MIB: u64 = 60;

struct Options {
    posts: usize,
    media_mib: u64,
    keep: bool,
}

impl Options {
    fn parse() -> Result<Options> {
        let mut o = Options {
            posts: 10_000,
            media_mib: 1024,
            keep: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| -> Result<u64> {
                args.next()
                    .ok_or_else(|| anyhow!("{name} needs a value"))?
                    .parse()
                    .with_context(|| format!("{name} takes a number"))
            };
            match arg.as_str() {
                "--posts" => o.posts = value("--posts")? as usize,
                "--media-mib" => o.media_mib = value("--media-mib")?,
                "--keep" => o.keep = true,
                // Cargo passes `--bench` to every bench target.
                "--bench" => {}
                other => bail!("unknown option {other}"),
            }
        }
        if o.posts == 0 {
            bail!("--posts must be at least 1");
        }
        Ok(o)
    }
}

fn main() -> ExitCode {
    runner::main("post_import", Some(2), Options::parse(), |o| async move {
        run(&o).await
    })
}

async fn run(opts: &Options) -> Result<()> {
    // Stopped, with its cluster, and its folder removed when dropped, whatever happens.
    let instance = Instance::start("post-import", server_bin(SERVER_BIN_VAR))?;
    let api = Api {
        client: reqwest::Client::new(),
        base: instance.base.clone(),
    };
    instance
        .wait_until_up(&api.client, Duration::from_secs(120))
        .await?;
    let app = api.register_app().await?;
    let user = api.sign_up(&app, "alice").await?;

    let zip_path = instance.dir.join("archive.zip");
    let started = Instant::now();
    let written = {
        let (posts, media, path) = (opts.posts, opts.media_mib << 20, zip_path.clone());
        tokio::task::spawn_blocking(move || write_archive(&path, posts, media)).await??
    };
    println!(
        "archive: {} posts, {} attachments ({:.0} MiB of media), {:.0} MiB zipped, written in {:.1} s",
        opts.posts,
        written.attachments,
        written.media_bytes as f64 / 1048576.0,
        written.zip_bytes as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );

    let pid = instance.pid();
    let idle = rss_kib(pid).unwrap_or(0);
    let sampler = Sampler::start(pid);
    let began = Instant::now();
    let started = upload(&instance.base, &user.token, &zip_path).await?;
    let uploaded = began.elapsed();
    let id = started["id"]
        .as_str()
        .ok_or_else(|| anyhow!("no import id in {started}"))?
        .to_string();
    println!(
        "uploaded and read in {:.1} s: import {id}, {} rows",
        uploaded.as_secs_f64(),
        started["total_rows"]
    );
    let mut last_print = Instant::now();
    let mut seen_peak = 0;
    let report = loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let report = api
            .json(
                api.get(&format!("/api/v1/import/{id}"), &user.token),
                "the import's progress",
            )
            .await?;
        if report["state"] == "finished" {
            break report;
        }
        let now = rss_kib(pid).unwrap_or(0);
        seen_peak = seen_peak.max(now);
        if last_print.elapsed() > Duration::from_secs(15) {
            println!(
                "  {:>6.0} s: {} of {} rows, server RSS {} MiB (highest seen {} MiB)",
                began.elapsed().as_secs_f64(),
                report["processed_rows"],
                report["total_rows"],
                now / 1024,
                seen_peak / 1024
            );
            last_print = Instant::now();
        }
    };
    let took = began.elapsed();
    let peak = sampler.stop().await;
    let imported = report["imported_rows"].as_u64().unwrap_or(0);
    if report["failed_rows"].as_u64() != Some(0) || imported != opts.posts as u64 {
        bail!(
            "the import did not import every post: {}",
            serde_json::to_string_pretty(&report)?
        );
    }
    println!(
        "post import: {imported} posts and {} attachments in {:.1} s ({:.1} posts/s, \
         {:.1} MiB of media/s); server RSS idle {} MiB, peak {} MiB (target {RSS_TARGET_MIB} MiB)",
        written.attachments,
        took.as_secs_f64(),
        imported as f64 / took.as_secs_f64(),
        written.media_bytes as f64 / 1048576.0 / took.as_secs_f64(),
        idle / 1024,
        peak / 1024,
    );
    println!("  machine: {} cores, load {}", cores(), loadavg());
    if opts.keep {
        println!("server at {} (Ctrl-C stops it)", instance.base);
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}

/// What [`write_archive`] wrote.
struct Written {
    attachments: usize,
    media_bytes: u64,
    zip_bytes: u64,
}

/// Writes an archive as Mastodon's "Request your archive" makes it: `actor.json`, the photos
/// under `media_attachments/files/…` (stored, as Mastodon stores them) and `outbox.json` with
/// one `Create` per post, oldest first; every fifth post answers the one before it. The
/// attachments are spread evenly over the posts until they make `media_bytes`.
fn write_archive(path: &std::path::Path, posts: usize, media_bytes: u64) -> Result<Written> {
    let photos: Vec<Vec<u8>> = (0..DISTINCT_IMAGES).map(|i| photo(i as u64)).collect();
    let average = photos.iter().map(Vec::len).sum::<usize>() as u64 / DISTINCT_IMAGES as u64;
    let attachments = usize::try_from(media_bytes.div_ceil(average.max(1)))?.min(posts * 4);
    let file = BufWriter::new(File::create(path)?);
    let mut zip = zip::ZipWriter::new(file);
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    let deflated = SimpleFileOptions::default();
    let actor = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{OLD}/users/alice"), "type": "Person", "preferredUsername": "alice",
        "followers": format!("{OLD}/users/alice/followers"),
        "inbox": format!("{OLD}/users/alice/inbox"), "outbox": "outbox.json"
    });
    zip.start_file("actor.json", deflated)?;
    zip.write_all(actor.to_string().as_bytes())?;

    // Which post each attachment goes with, and its file.
    let mut media_of: Vec<Vec<String>> = vec![Vec::new(); posts];
    let mut written_media = 0u64;
    for a in 0..attachments {
        let post = a * posts / attachments;
        let name = format!(
            "media_attachments/files/{:03}/{:03}/{:03}/original/{a:08x}.jpg",
            a / 1_000_000,
            (a / 1000) % 1000,
            a % 1000
        );
        let bytes = unique(&photos[a % DISTINCT_IMAGES], a);
        zip.start_file(name.as_str(), stored)?;
        zip.write_all(&bytes)?;
        written_media += bytes.len() as u64;
        media_of[post].push(name);
    }

    zip.start_file("outbox.json", deflated)?;
    write!(
        zip,
        "{{\"@context\":\"https://www.w3.org/ns/activitystreams\",\"id\":\"outbox.json\",\
         \"type\":\"OrderedCollection\",\"totalItems\":{posts},\"orderedItems\":["
    )?;
    let start = chrono::DateTime::parse_from_rfc3339("2018-01-01T00:00:00Z")?;
    for (n, media) in media_of.iter().enumerate() {
        let published = (start + chrono::Duration::minutes(90 * n as i64))
            .to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let id = format!("{OLD}/users/alice/statuses/{n}");
        let reply = (n % 5 != 0).then(|| format!("{OLD}/users/alice/statuses/{}", n - 1));
        let attachment: Vec<Value> = media
            .iter()
            .map(|m| {
                json!({"type": "Document", "mediaType": "image/jpeg", "url": m,
                            "name": format!("photo of day {n}")})
            })
            .collect();
        let text = format!(
            "<p>Post {n}: {}</p>",
            "the river was high today and the herons were out fishing. ".repeat(1 + n % 4)
        );
        let item = json!({
            "id": format!("{id}/activity"), "type": "Create",
            "actor": format!("{OLD}/users/alice"), "published": published,
            "to": [PUBLIC], "cc": [format!("{OLD}/users/alice/followers")],
            "object": {
                "id": id, "type": "Note", "url": format!("{OLD}/@alice/{n}"),
                "attributedTo": format!("{OLD}/users/alice"), "published": published,
                "to": [PUBLIC], "cc": [format!("{OLD}/users/alice/followers")],
                "inReplyTo": reply, "content": text, "contentMap": {"en": text},
                "summary": (n % 7 == 0).then_some("a content warning"),
                "sensitive": n % 7 == 0, "attachment": attachment,
                "tag": [{"type": "Hashtag", "name": "#birds", "href": format!("{OLD}/tags/birds")}]
            }
        });
        if n > 0 {
            zip.write_all(b",")?;
        }
        serde_json::to_writer(&mut zip, &item)?;
    }
    zip.write_all(b"]}")?;
    zip.finish()?.flush()?;
    Ok(Written {
        attachments,
        media_bytes: written_media,
        zip_bytes: std::fs::metadata(path)?.len(),
    })
}

/// A photograph-like JPEG (1280×960, smooth gradients under fine noise, as a camera's picture
/// compresses): about 300 KiB, different for each `seed`.
fn photo(seed: u64) -> Vec<u8> {
    let (w, h) = (1280u32, 960u32);
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 48) as i32 - 24
    };
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let base = [
            (x * 255 / w) as i32,
            (y * 255 / h) as i32,
            ((x + y + seed as u32 * 40) % 256) as i32,
        ];
        image::Rgb(base.map(|c| (c + noise()).clamp(0, 255) as u8))
    });
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    img.write_with_encoder(encoder)
        .map(|()| out)
        .unwrap_or_default()
}

/// `jpeg` with a comment segment (COM) naming attachment `n` right after its start marker:
/// the same picture, different bytes (the server decodes and re-encodes it all the same).
fn unique(jpeg: &[u8], n: usize) -> Vec<u8> {
    let text = format!("attachment {n}");
    let mut out = Vec::with_capacity(jpeg.len() + text.len() + 4);
    out.extend_from_slice(&jpeg[..2.min(jpeg.len())]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((text.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(jpeg.get(2..).unwrap_or_default());
    out
}

/// `POST /api/v1/import` with the archive, sent by `curl` from the file as a client would
/// (the bench holds none of it in memory): the import it started.
async fn upload(base: &str, token: &str, zip: &std::path::Path) -> Result<Value> {
    let output = tokio::process::Command::new("curl")
        .args(["-sS", "--fail-with-body", "-H"])
        .arg(format!("Authorization: Bearer {token}"))
        .args(["-F", "type=posts", "-F"])
        .arg(format!("data=@{};type=application/zip", zip.display()))
        .arg(format!("{base}/api/v1/import"))
        .output()
        .await
        .context("running curl (is it installed?)")?;
    let body = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "uploading the archive: {body} {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_str(&body).with_context(|| format!("the upload's answer: {body}"))
}

/// Resident memory of a process (KiB).
fn rss_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Samples the server's RSS every 100 ms until stopped; keeps the peak (KiB).
struct Sampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<u64>,
}

impl Sampler {
    fn start(pid: i32) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::task::spawn_blocking(move || {
            let mut peak = 0;
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(rss_kib(pid).unwrap_or(0));
                std::thread::sleep(Duration::from_millis(100));
            }
            peak
        });
        Sampler { stop, task }
    }

    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap_or_default()
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
