//! Media: real multipart uploads, processing (orientation, metadata stripped, previews,
//! blurhash), files served safely, attaching to statuses, avatars, clean-up, limits, the `meta`
//! of video and audio read from their containers as Mastodon shows it, and an attachment
//! travelling to another instance.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, follow_remotely};
use crate::helpers::media::{
    contains, fetch_file, files_in, jpeg, jpeg_with_gps_exif, media_rows, mp4, multipart,
    noisy_jpeg, png, spawn_media, upload, upload_ok, GPS_SECRET,
};
use crate::helpers::{assert_shape, TestApp};

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A tiny PNG declaring 20,000 × 20,000 pixels: 1.6 GB once decoded.
fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    // A zlib stream of zeros would follow; the header alone must already be refused.
    chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jpeg_upload_is_oriented_stripped_previewed_and_served_safely() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let source = jpeg_with_gps_exif(800, 400);
    assert!(contains(&source, GPS_SECRET));
    let (status, m) = upload(
        &app,
        &alice,
        source,
        &[("description", "A field at dusk"), ("focus", "0.5,-0.25")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    crate::helpers::assert_shape(
        &m,
        &[
            ("id", "string"),
            ("type", "string"),
            ("url", "string"),
            ("preview_url", "string"),
            ("remote_url", "null"),
            ("preview_remote_url", "null"),
            ("text_url", "null"),
            ("meta", "object"),
            ("description", "string"),
            ("blurhash", "string"),
        ],
    );
    assert_eq!(m["type"], "image");
    assert_eq!(m["description"], "A field at dusk");
    // Orientation 6 turns the 800×400 pixels upright: 400×800.
    assert_eq!(m["meta"]["original"]["width"], 400);
    assert_eq!(m["meta"]["original"]["height"], 800);
    assert_eq!(m["meta"]["original"]["size"], "400x800");
    assert_eq!(m["meta"]["original"]["aspect"], 0.5);
    assert_eq!(m["meta"]["focus"], json!({ "x": 0.5, "y": -0.25 }));
    let small = &m["meta"]["small"];
    assert!(small["width"].as_i64().expect("w") * small["height"].as_i64().expect("h") <= 230_400);

    let (status, headers, bytes) = fetch_file(&app, m["url"].as_str().expect("url")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .expect("csp")
        .contains("sandbox"));
    assert!(headers["cache-control"]
        .to_str()
        .expect("cache")
        .contains("max-age=31536000"));
    assert!(!contains(&bytes, GPS_SECRET), "the GPS block survived");
    assert!(!contains(&bytes, b"Exif\x00\x00"), "EXIF survived");
    let decoded = image::load_from_memory(&bytes).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (400, 800));

    let (status, headers, preview) =
        fetch_file(&app, m["preview_url"].as_str().expect("preview")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("image/"));
    assert!(!contains(&preview, GPS_SECRET));

    // Unknown keys and path tricks are not served.
    let (status, _, _) = fetch_file(&app, &app.url("/system/media/..%2F..%2Fetc%2Fpasswd")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = fetch_file(
        &app,
        &app.url(&format!("/system/media/{}.png", "0".repeat(64))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // GET and PUT of one's own attachment; others see a 404.
    let id = m["id"].as_str().expect("id");
    let (status, got) = app
        .get(&format!("/api/v1/media/{id}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["url"], m["url"]);
    let (status, put) = app
        .request(
            Method::PUT,
            &format!("/api/v1/media/{id}"),
            Some(&alice.token),
            Some(json!({ "description": "Dusk", "focus": "0,0" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["description"], "Dusk");
    assert_eq!(put["meta"]["focus"], json!({ "x": 0.0, "y": 0.0 }));
    let bob = app.register("bob").await;
    let (status, _) = app
        .get(&format!("/api/v1/media/{id}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .request(
            Method::PUT,
            &format!("/api/v1/media/{id}"),
            Some(&bob.token),
            Some(json!({ "description": "mine" })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_are_refused_and_leave_nothing_behind() {
    let (app, dir) = spawn_media(|c| c.media.image_size_limit = 200_000).await;
    let alice = app.register("alice").await;
    let cases: Vec<(&str, Vec<u8>, &str, &str, StatusCode)> = vec![
        (
            "svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            "x.svg",
            "image/svg+xml",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "html named as png",
            b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>".to_vec(),
            "cat.png",
            "image/png",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "truncated png",
            png(300, 300)[..80].to_vec(),
            "t.png",
            "image/png",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "truncated jpeg",
            jpeg(300, 300)[..400].to_vec(),
            "t.jpg",
            "image/jpeg",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "png bomb",
            png_bomb(),
            "bomb.png",
            "image/png",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "oversized",
            noisy_jpeg(600, 600),
            "big.jpg",
            "image/jpeg",
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (what, bytes, name, mime, expected) in cases {
        let (status, body) = multipart(
            &app,
            Method::POST,
            "/api/v1/media",
            &alice.token,
            Some(("file", bytes, name, mime)),
            &[],
        )
        .await;
        assert_eq!(status, expected, "{what}: {body}");
        assert!(body["error"].is_string(), "{what}: {body}");
    }
    let long = "x".repeat(1501);
    let (status, body) = upload(&app, &alice, png(10, 10), &[("description", &long)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["details"]["description"].is_array(), "{body}");
    let (status, body) = upload(&app, &alice, png(10, 10), &[("focus", "2,0")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = multipart(
        &app,
        Method::POST,
        "/api/v1/media",
        &alice.token,
        None,
        &[("description", "no file")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(media_rows(&app).await, 0);
    assert_eq!(files_in(dir.path()), 0);

    // Without the media scope, nothing either.
    let reader = app.register_with_scopes("reader", "read").await;
    let (status, _) = upload(&app, &reader, png(10, 10), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_uploads_of_large_images_finish_in_a_job() {
    let (app, _dir) = spawn_media(|c| c.media.sync_pixels = 10_000).await;
    let alice = app.register("alice").await;
    // Small: processed at once.
    let (status, small) = multipart(
        &app,
        Method::POST,
        "/api/v2/media",
        &alice.token,
        Some(("file", png(50, 50), "a.png", "image/png")),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{small}");
    assert!(small["url"].is_string());
    // Large: 202 with no URL, then 206 until the job is done, then 200.
    let (status, big) = multipart(
        &app,
        Method::POST,
        "/api/v2/media",
        &alice.token,
        Some(("file", jpeg(640, 480), "b.jpg", "image/jpeg")),
        &[("description", "later")],
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{big}");
    assert_eq!(big["url"], Value::Null);
    assert_eq!(big["description"], "later");
    let id = big["id"].as_str().expect("id").to_string();
    let (status, pending) = app
        .get(&format!("/api/v1/media/{id}"), Some(&alice.token))
        .await;
    assert!(
        status == StatusCode::PARTIAL_CONTENT || status == StatusCode::OK,
        "{status} {pending}"
    );
    // Not attachable while processing.
    if status == StatusCode::PARTIAL_CONTENT {
        let (status, body) = app
            .post(
                "/api/v1/statuses",
                Some(&alice.token),
                json!({ "status": "soon", "media_ids": [id] }),
            )
            .await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::OK,
            "{body}"
        );
    }
    app.drain_jobs().await;
    let (status, done) = app
        .get(&format!("/api/v1/media/{id}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done["url"].is_string());
    assert_eq!(done["meta"]["original"]["width"], 640);
    assert!(done["blurhash"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_carry_media_and_refuse_what_is_not_attachable() {
    let (app, dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let a1 = upload_ok(&app, &alice, jpeg(300, 200)).await;
    let a2 = upload_ok(&app, &alice, png(40, 40)).await;
    let id = |m: &Value| m["id"].as_str().expect("id").to_string();

    // Someone else's media id.
    let theirs = upload_ok(&app, &bob, png(20, 20)).await;
    let (status, body) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "x", "media_ids": [id(&theirs)] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "x", "media_ids": ["12345"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // More than four.
    let five: Vec<String> = vec![id(&a1), id(&a2), "1".into(), "2".into(), "3".into()];
    let (status, body) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "x", "media_ids": five }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Video with an image.
    let video = upload_ok(&app, &alice, mp4()).await;
    assert_eq!(video["type"], "video");
    assert!(
        video["preview_url"].is_string(),
        "placeholder preview: {video}"
    );
    let (status, body) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "x", "media_ids": [id(&a1), id(&video)] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, home) = app.get("/api/v1/timelines/home", Some(&alice.token)).await;
    assert_eq!(home, json!([]), "nothing was posted");

    // A post with two images (and no text, which media allow), in order.
    let (status, post) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "", "media_ids": [id(&a2), id(&a1)] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{post}");
    let media = post["media_attachments"].as_array().expect("list");
    assert_eq!(media.len(), 2);
    assert_eq!(media[0]["id"], a2["id"]);
    assert_eq!(media[1]["id"], a1["id"]);
    assert_eq!(media[1]["meta"]["original"]["width"], 300);
    // Used once only.
    let (status, body) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "again", "media_ids": [id(&a1)] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Describing after attaching shows on the status; timelines show the media.
    let (status, _) = app
        .request(
            Method::PUT,
            &format!("/api/v1/media/{}", id(&a1)),
            Some(&alice.token),
            Some(json!({ "description": "later alt" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let post_id = post["id"].as_str().expect("id");
    let (_, shown) = app
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&bob.token))
        .await;
    assert_eq!(shown["media_attachments"][1]["description"], "later alt");
    let (_, public) = app.get("/api/v1/timelines/public", None).await;
    assert_eq!(
        public[0]["media_attachments"].as_array().map(Vec::len),
        Some(2)
    );
    app.post_status(&alice, "words only", json!({})).await;
    let (_, only_media) = app
        .get("/api/v1/timelines/public?only_media=true", None)
        .await;
    assert_eq!(only_media.as_array().map(Vec::len), Some(1), "{only_media}");
    assert_eq!(only_media[0]["id"], post["id"]);
    let (_, profile) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses?only_media=true", alice.id),
            None,
        )
        .await;
    assert_eq!(profile.as_array().map(Vec::len), Some(1), "{profile}");

    // Editing replaces the attachments; the dropped one stays with the status (its history
    // shows it) and goes with it.
    let (status, edited) = app
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{post_id}"),
            Some(&alice.token),
            Some(json!({ "status": "edited", "media_ids": [id(&a1)] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        edited["media_attachments"].as_array().map(Vec::len),
        Some(1)
    );

    // Deleting the status with `delete_media` frees its files at once (without it they stay
    // for a redraft: tests/api/api_levels.rs).
    let url = a1["url"].as_str().expect("url").to_string();
    assert_eq!(fetch_file(&app, &url).await.0, StatusCode::OK);
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{post_id}?delete_media=true"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetch_file(&app, &url).await.0, StatusCode::NOT_FOUND);

    // Unattached uploads past the retention period go, files and all.
    let before = files_in(dir.path());
    sqlx::query("UPDATE media_attachments SET created_at = now() - interval '2 days' WHERE status_id IS NULL")
        .execute(&app.state.db)
        .await
        .expect("age");
    let freed = rookery::service::media::remove_unattached(&app.state)
        .await
        .expect("clean-up");
    assert!(freed > 0);
    assert_eq!(media_rows(&app).await, 0);
    assert!(files_in(dir.path()) < before);
    assert_eq!(
        fetch_file(&app, a2["url"].as_str().expect("url")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avatars_and_headers_are_resized_and_removable() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let (status, me) = multipart(
        &app,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &alice.token,
        Some((
            "avatar",
            jpeg_with_gps_exif(900, 600),
            "me.jpg",
            "image/jpeg",
        )),
        &[("display_name", "Alice")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["display_name"], "Alice");
    let avatar = me["avatar"].as_str().expect("avatar").to_string();
    assert!(avatar.contains("/system/media/"), "{avatar}");
    assert_eq!(me["avatar_static"], avatar.as_str());
    let (status, _, bytes) = fetch_file(&app, &avatar).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!contains(&bytes, GPS_SECRET));
    let img = image::load_from_memory(&bytes).expect("decodes");
    assert_eq!((img.width(), img.height()), (400, 400));

    let (status, me) = multipart(
        &app,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &alice.token,
        Some(("header", png(3000, 600), "h.png", "image/png")),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let header = me["header"].as_str().expect("header").to_string();
    let img = image::load_from_memory(&fetch_file(&app, &header).await.2).expect("decodes");
    assert_eq!((img.width(), img.height()), (1500, 500));

    // A bad image changes nothing, not even the text sent with it.
    let (status, body) = multipart(
        &app,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &alice.token,
        Some(("avatar", b"<svg/>".to_vec(), "a.svg", "image/svg+xml")),
        &[("display_name", "Mallory")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["details"]["avatar"].is_array(), "{body}");
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["display_name"], "Alice");
    assert_eq!(me["avatar"], avatar.as_str());

    let (status, me) = app
        .request(
            Method::DELETE,
            "/api/v1/profile/avatar",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert!(me["avatar"]
        .as_str()
        .expect("avatar")
        .ends_with("/avatars/original/missing.png"));
    assert_eq!(fetch_file(&app, &avatar).await.0, StatusCode::NOT_FOUND);
    let (status, me) = app
        .request(
            Method::DELETE,
            "/api/v1/profile/header",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert!(me["header"]
        .as_str()
        .expect("header")
        .ends_with("/headers/original/missing.png"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_advertises_media_limits() {
    let (app, _dir) = spawn_media(|c| c.media.description_characters = 1000).await;
    let (status, v2) = app.get("/api/v2/instance", None).await;
    assert_eq!(status, StatusCode::OK);
    let m = &v2["configuration"]["media_attachments"];
    let types: Vec<&str> = m["supported_mime_types"]
        .as_array()
        .expect("types")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for t in [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "video/mp4",
        "audio/mpeg",
    ] {
        assert!(types.contains(&t), "{t} missing: {m}");
    }
    assert!(!types.contains(&"image/svg+xml"));
    assert_eq!(m["description_limit"], 1000);
    assert_eq!(m["image_size_limit"], 16_777_216);
    assert_eq!(v2["configuration"]["statuses"]["max_media_attachments"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_travel_as_documents_to_another_instance() {
    let (a, _da) = spawn_media(|_| {}).await;
    // With the remote cache off, the remote file is shown as it is (media_cache.rs has it on).
    let (b, _db) = spawn_media(|c| c.media.remote_cache = rookery::config::RemoteCache::Off).await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let _ = follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;

    let (status, m) = upload(
        &a,
        &alice,
        jpeg(640, 480),
        &[("description", "A heron"), ("focus", "-0.5,0.5")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let post = a
        .post_status(&alice, "look", json!({ "media_ids": [m["id"]] }))
        .await;

    // The Note served on A carries the Document.
    let res = a
        .client
        .get(post["uri"].as_str().expect("uri"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("note");
    let note: Value = res.json().await.expect("json");
    let doc = &note["attachment"][0];
    assert_eq!(doc["type"], "Document");
    assert_eq!(doc["mediaType"], "image/jpeg");
    assert_eq!(doc["url"], m["url"]);
    assert_eq!(doc["name"], "A heron");
    assert_eq!(doc["blurhash"], m["blurhash"]);
    assert_eq!(doc["focalPoint"], json!([-0.5, 0.5]));
    assert_eq!(doc["width"], 640);
    assert_eq!(doc["height"], 480);

    let mut copy = Value::Null;
    eventually(&a, &b, "the post reaches bob", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        match home
            .as_array()
            .and_then(|l| l.iter().find(|s| s["uri"] == post["uri"]))
        {
            Some(s) => {
                copy = s.clone();
                true
            }
            None => false,
        }
    })
    .await;
    let remote = &copy["media_attachments"][0];
    assert_eq!(remote["type"], "image");
    assert_eq!(remote["remote_url"], m["url"]);
    assert_eq!(remote["url"], m["url"]);
    assert_eq!(remote["description"], "A heron");
    assert_eq!(remote["blurhash"], m["blurhash"]);
    assert_eq!(remote["meta"]["original"]["width"], 640);
    assert_eq!(remote["meta"]["focus"], json!({ "x": -0.5, "y": 0.5 }));
    assert_ne!(remote["id"], m["id"]);
    // Remote attachments are not someone's uploads to attach.
    let (status, _) = b
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({ "status": "mine?", "media_ids": [remote["id"]] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A moto S3 server (PyPI `moto[server]`) on a free port, stopped when dropped.
pub(crate) struct Moto {
    child: std::process::Child,
    pub(crate) endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn moto(binary: &str) -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = std::process::Command::new(binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start moto_server");
    let endpoint = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(&endpoint).await.is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Moto { child, endpoint }
}

/// The `moto_server` program: ROOKERY_TEST_MOTO_SERVER if set, else one installed from PyPI
/// into a virtual environment under the build's temporary folder on first use (as the harness
/// starts its own PostgreSQL, the suite provides its own S3 server; it needs `python3`).
pub(crate) fn moto_binary() -> String {
    if let Ok(path) = std::env::var("ROOKERY_TEST_MOTO_SERVER") {
        return path;
    }
    let venv = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("moto-venv");
    let binary = venv.join("bin").join("moto_server");
    if !binary.exists() {
        let run = |program: &std::path::Path, args: &[&str]| {
            let status = std::process::Command::new(program)
                .args(args)
                .status()
                .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
            assert!(status.success(), "{} {args:?} failed", program.display());
        };
        let venv_arg = venv.to_str().expect("UTF-8 path");
        run(std::path::Path::new("python3"), &["-m", "venv", venv_arg]);
        run(
            &venv.join("bin").join("pip"),
            &["install", "--quiet", "moto[s3,server]"],
        );
    }
    binary.to_str().expect("UTF-8 path").to_string()
}

/// The S3 backend against a real S3-compatible server, moto.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_backend_stores_serves_and_frees_files() {
    let binary = tokio::task::spawn_blocking(moto_binary)
        .await
        .expect("installing moto");
    let s3 = moto(&binary).await;
    let created = reqwest::Client::new()
        .put(format!("{}/rookery-media", s3.endpoint))
        .send()
        .await
        .expect("create bucket");
    assert!(created.status().is_success(), "{}", created.status());
    let endpoint = s3.endpoint.clone();
    let app = TestApp::spawn_with(move |c| {
        c.media.storage = rookery::config::MediaStorage::S3;
        c.media.public_base_url = format!("{endpoint}/rookery-media");
        c.media.s3.bucket = "rookery-media".into();
        c.media.s3.endpoint = endpoint;
        c.media.s3.access_key_id = "testing".into();
        c.media.s3.secret_access_key = "testing".into();
    })
    .await;
    let alice = app.register("alice").await;
    let m = upload_ok(&app, &alice, jpeg_with_gps_exif(320, 200)).await;
    let url = m["url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/rookery-media/", s3.endpoint)),
        "{url}"
    );
    // Clients read through the bucket's public URL, which a bucket policy opens; moto keeps
    // objects private, so the objects are read back through the backend itself.
    let key = |u: &str| u.rsplit('/').next().expect("key").to_string();
    let bytes = app
        .state
        .media
        .get(&key(url))
        .await
        .expect("read from S3")
        .expect("stored in S3");
    assert!(!contains(&bytes, GPS_SECRET));
    assert_eq!(
        image::load_from_memory(&bytes).expect("decodes").width(),
        200
    );
    let preview = m["preview_url"].as_str().expect("preview");
    assert!(app
        .state
        .media
        .get(&key(preview))
        .await
        .expect("read")
        .is_some());

    let post = app
        .post_status(&alice, "from s3", json!({ "media_ids": [m["id"]] }))
        .await;
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!(
                "/api/v1/statuses/{}?delete_media=true",
                post["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(app
        .state
        .media
        .get(&key(url))
        .await
        .expect("read")
        .is_none());
}

const TINY_MP4: &[u8] = include_bytes!("../fixtures/media/tiny.mp4");

/// A mono 8 kHz 16-bit WAV of `seconds` of silence.
fn wav(seconds: u32) -> Vec<u8> {
    let data = 16_000 * seconds;
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&(36 + data).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt \x10\0\0\0\x01\0\x01\0");
    v.extend_from_slice(&8000u32.to_le_bytes());
    v.extend_from_slice(&16000u32.to_le_bytes());
    v.extend_from_slice(&[2, 0, 16, 0]);
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data.to_le_bytes());
    v.resize(v.len() + data as usize, 0);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_and_audio_meta_come_from_their_containers() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;

    let (status, video) = upload(&app, &alice, TINY_MP4.to_vec(), &[]).await;
    assert_eq!(status, StatusCode::OK, "{video}");
    assert_eq!(video["type"], "video");
    let meta = &video["meta"];
    assert_shape(
        meta,
        &[
            ("length", "string"),
            ("duration", "number"),
            ("fps", "number"),
            ("size", "string"),
            ("width", "number"),
            ("height", "number"),
            ("aspect", "number"),
            ("audio_encode", "string"),
            ("audio_bitrate", "string"),
            ("audio_channels", "string"),
            ("original", "object"),
            ("small", "object"),
        ],
    );
    assert_eq!(meta["length"], "0:00:02.50");
    assert_eq!(meta["duration"], 2.5);
    assert_eq!(meta["fps"], 24);
    assert_eq!(meta["size"], "320x240");
    assert_eq!(meta["audio_encode"], "mp3");
    assert_eq!(meta["audio_bitrate"], "44100 Hz");
    assert_eq!(meta["audio_channels"], "stereo");
    assert_eq!(meta["original"]["width"], 320);
    assert_eq!(meta["original"]["height"], 240);
    assert_eq!(meta["original"]["frame_rate"], "24/1");
    assert_eq!(meta["original"]["duration"], 2.5);
    assert_eq!(
        meta["original"]["bitrate"],
        json!((TINY_MP4.len() as f64 * 8.0 / 2.5).round() as u64)
    );
    assert!(meta.get("focus").is_none(), "focus is for images");

    // The same through a status.
    let post = app
        .post_status(&alice, "clip", json!({ "media_ids": [video["id"]] }))
        .await;
    assert_eq!(post["media_attachments"][0]["meta"]["fps"], 24);

    let (status, audio) = upload(&app, &alice, wav(2), &[]).await;
    assert_eq!(status, StatusCode::OK, "{audio}");
    assert_eq!(audio["type"], "audio");
    assert_eq!(audio["meta"]["length"], "0:00:02.00");
    assert_eq!(audio["meta"]["duration"], 2.0);
    assert_eq!(audio["meta"]["audio_encode"], "pcm");
    assert_eq!(audio["meta"]["audio_bitrate"], "8000 Hz");
    assert_eq!(audio["meta"]["audio_channels"], "mono");
    assert!(audio["meta"].get("width").is_none());

    // A container whose headers say nothing usable still uploads, with no duration.
    let (status, opaque) = upload(&app, &alice, mp4(), &[]).await;
    assert_eq!(status, StatusCode::OK, "{opaque}");
    assert!(opaque["meta"].get("duration").is_none(), "{opaque}");
    assert!(opaque["meta"]["small"].is_object());
}
