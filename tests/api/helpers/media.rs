//! Media for tests: images made on the fly, uploads, instances with a media folder of their
//! own, and remote media across two instances.

use std::io::Cursor;
use std::path::Path;

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{TestApp, TestUser};

/// An instance whose media go to a fresh temporary folder (kept alive by the returned guard).
pub async fn spawn_media(
    adjust: impl FnOnce(&mut rookery::config::Config),
) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    let app = TestApp::spawn_with(move |c| {
        c.media.local_dir = path;
        adjust(c);
    })
    .await;
    (app, dir)
}

/// A JPEG of a smooth gradient.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode jpeg");
    out.into_inner()
}

/// A JPEG of noise, which compresses badly: about a byte per pixel.
pub fn noisy_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut seed = 0x2545_F491u32;
    let img = image::RgbImage::from_fn(width, height, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let [a, b, c, _] = seed.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode jpeg");
    out.into_inner()
}

/// A PNG of one colour.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(width, height, image::Rgba([10, 120, 200, 255]));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

/// What [`jpeg_with_gps_exif`] hides in its GPS block: found in no stored file.
pub const GPS_SECRET: &[u8] = b"SECRETGPS48.8583";

/// A JPEG carrying EXIF: orientation 6 (rotate 90° clockwise) and a GPS block with a
/// recognisable payload.
pub fn jpeg_with_gps_exif(width: u32, height: u32) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"MM\x00\x2A\x00\x00\x00\x08".to_vec();
    // IFD0: Orientation = 6, GPSInfo -> 38.
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    // GPS IFD: GPSLatitudeRef "N", GPSProcessingMethod -> 68.
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0x1B, 0, 7, 0, 0, 0, GPS_SECRET.len() as u8, 0, 0, 0, 68]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(tiff.len(), 68);
    tiff.extend_from_slice(GPS_SECRET);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let plain = jpeg(width, height);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// The start of an MP4 file: enough to be recognised as a video.
pub fn mp4() -> Vec<u8> {
    let mut v = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41".to_vec();
    v.extend_from_slice(&[0u8; 256]);
    v
}

/// Sends a multipart request with one file part and text fields.
pub async fn multipart(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    file: Option<(&str, Vec<u8>, &str, &str)>,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((field, bytes, name, mime)) = file {
        let part = Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(mime)
            .expect("mime");
        form = form.part(field.to_string(), part);
    }
    let res = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let status = res.status();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// `POST /api/v1/media` with `bytes` as the file and these fields.
pub async fn upload(
    app: &TestApp,
    user: &TestUser,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    multipart(
        app,
        Method::POST,
        "/api/v1/media",
        &user.token,
        Some(("file", bytes, "upload.bin", "application/octet-stream")),
        fields,
    )
    .await
}

/// [`upload`] without fields; asserts it worked.
pub async fn upload_ok(app: &TestApp, user: &TestUser, bytes: Vec<u8>) -> Value {
    let (status, body) = upload(app, user, bytes, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// GETs a URL; returns status, headers and bytes.
pub async fn fetch_file(
    app: &TestApp,
    url: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = app.client.get(url).send().await.expect("get file");
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.expect("bytes").to_vec())
}

/// How many media attachments the database holds.
pub async fn media_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM media_attachments")
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}

/// Files under `dir`, at any depth.
pub fn files_in(dir: &Path) -> usize {
    fn walk(p: &Path) -> usize {
        std::fs::read_dir(p)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        let path = e.path();
                        if path.is_dir() {
                            walk(&path)
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(dir)
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Two instances: alice on A (with an avatar set before B learns of her), bob on B following
/// her. Returns alice's id on B.
pub async fn follow_across(a: &TestApp, b: &TestApp, alice: &TestUser, bob: &TestUser) -> String {
    let (status, me) = multipart(
        a,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &alice.token,
        Some(("avatar", jpeg(600, 600), "me.jpg", "image/jpeg")),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let alice_on_b =
        super::federation::follow_remotely(a, b, bob, &format!("alice@{}", a.addr)).await;
    alice_on_b
}

/// Alice posts an image; returns her attachment and B's copy of the post once it arrived and
/// every job ran.
pub async fn post_image(
    a: &TestApp,
    b: &TestApp,
    alice: &TestUser,
    bob: &TestUser,
    bytes: Vec<u8>,
) -> (Value, Value) {
    let (status, m) = upload(a, alice, bytes, &[("description", "A heron")]).await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let post = a
        .post_status(alice, "look", json!({ "media_ids": [m["id"]] }))
        .await;
    let copy = super::federation::arrived(a, b, bob, &post["uri"]).await;
    (m, copy)
}

/// Whether `url` is a file served by `app` itself.
pub fn local_to(app: &TestApp, url: &Value) -> bool {
    url.as_str()
        .is_some_and(|u| u.starts_with(&format!("{}/system/media/", app.base)))
}
