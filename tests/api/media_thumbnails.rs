//! Custom previews (`thumbnail`) on POST /api/v1/media, /api/v2/media and PUT
//! /api/v1/media/:id, and what is refused.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::media::{
    contains, fetch_file, files_in, follow_across, jpeg, jpeg_with_gps_exif, local_to, media_rows,
    mp4, png, spawn_media, GPS_SECRET,
};
use crate::helpers::TestApp;

/// A multipart request with several file parts (`field`, bytes) and text fields.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    parts: Vec<(&str, Vec<u8>)>,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (field, bytes) in parts {
        let part = Part::bytes(bytes)
            .file_name(format!("{field}.bin"))
            .mime_str("application/octet-stream")
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

async fn image_at(app: &TestApp, url: &Value) -> (image::DynamicImage, Vec<u8>) {
    let (status, _, bytes) = fetch_file(app, url.as_str().expect("url")).await;
    assert_eq!(status, StatusCode::OK);
    (image::load_from_memory(&bytes).expect("an image"), bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnails_become_previews() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;

    // A video with a custom preview: scaled like a preview, stripped, with its blurhash.
    let (status, video) = send(
        &app,
        Method::POST,
        "/api/v2/media",
        &alice.token,
        vec![
            ("file", mp4()),
            ("thumbnail", jpeg_with_gps_exif(1280, 720)),
        ],
        &[("description", "a clip")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{video}");
    assert_eq!(video["type"], "video");
    let (img, bytes) = image_at(&app, &video["preview_url"]).await;
    // Scaled to the preview size with its EXIF orientation (a quarter turn) applied.
    assert_eq!((img.width(), img.height()), (360, 640));
    assert!(!contains(&bytes, GPS_SECRET));
    assert!(video["blurhash"].is_string(), "{video}");
    assert_eq!(
        video["meta"]["small"]["width"].as_u64(),
        Some(u64::from(img.width()))
    );

    // Without one, a video has the placeholder; a PUT sets one and frees nothing shared.
    let (status, plain) = send(
        &app,
        Method::POST,
        "/api/v1/media",
        &alice.token,
        vec![("file", mp4())],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{plain}");
    let placeholder = plain["preview_url"].clone();
    let id = plain["id"].as_str().expect("id");
    let (status, updated) = send(
        &app,
        Method::PUT,
        &format!("/api/v1/media/{id}"),
        &alice.token,
        vec![("thumbnail", png(300, 200))],
        &[("description", "now with a cover")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_ne!(updated["preview_url"], placeholder);
    assert_eq!(updated["description"], "now with a cover");
    assert_eq!(updated["url"], plain["url"]);
    let (img, _) = image_at(&app, &updated["preview_url"]).await;
    assert_eq!((img.width(), img.height()), (300, 200));
    assert!(updated["blurhash"].is_string());
    // No other attachment used that placeholder: it is freed.
    let (status, _, _) = fetch_file(&app, placeholder.as_str().expect("url")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the replaced preview is freed"
    );

    // An image with a thumbnail: the preview is the thumbnail, the original stays.
    let (status, pic) = send(
        &app,
        Method::POST,
        "/api/v1/media",
        &alice.token,
        vec![("file", jpeg(800, 600)), ("thumbnail", png(100, 100))],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{pic}");
    let (img, _) = image_at(&app, &pic["preview_url"]).await;
    assert_eq!((img.width(), img.height()), (100, 100));
    let (img, _) = image_at(&app, &pic["url"]).await;
    assert_eq!((img.width(), img.height()), (800, 600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_thumbnails_are_refused_and_leave_nothing_behind() {
    let (app, dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let html = b"<!DOCTYPE html><script>alert(1)</script>".to_vec();
    for path in ["/api/v1/media", "/api/v2/media"] {
        for (what, thumbnail) in [
            ("html", html.clone()),
            ("a video", mp4()),
            ("a truncated png", png(300, 300)[..80].to_vec()),
        ] {
            let (status, body) = send(
                &app,
                Method::POST,
                path,
                &alice.token,
                vec![("file", mp4()), ("thumbnail", thumbnail)],
                &[],
            )
            .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {what}: {body}"
            );
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("humbnail")),
                "{body}"
            );
        }
    }
    assert_eq!(media_rows(&app).await, 0);
    assert_eq!(files_in(dir.path()), 0);

    // On PUT: 422, and the attachment keeps its preview and description.
    let (_, plain) = send(
        &app,
        Method::POST,
        "/api/v1/media",
        &alice.token,
        vec![("file", mp4())],
        &[("description", "before")],
    )
    .await;
    let files = files_in(dir.path());
    let id = plain["id"].as_str().expect("id");
    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/api/v1/media/{id}"),
        &alice.token,
        vec![("thumbnail", html)],
        &[("description", "after")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, now) = app
        .get(&format!("/api/v1/media/{id}"), Some(&alice.token))
        .await;
    assert_eq!(now["preview_url"], plain["preview_url"]);
    assert_eq!(now["description"], "before");
    assert_eq!(files_in(dir.path()), files);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnails_travel_as_icons_and_are_cached() {
    use serde_json::json;

    let (a, _da) = spawn_media(|_| {}).await;
    let (b, _db) = spawn_media(|_| {}).await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    follow_across(&a, &b, &alice, &bob).await;
    let (status, video) = send(
        &a,
        Method::POST,
        "/api/v1/media",
        &alice.token,
        vec![("file", mp4()), ("thumbnail", png(320, 180))],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{video}");
    let (_, plain) = send(
        &a,
        Method::POST,
        "/api/v1/media",
        &alice.token,
        vec![("file", mp4())],
        &[("description", "no cover")],
    )
    .await;
    let post = a
        .post_status(&alice, "clip", json!({ "media_ids": [video["id"]] }))
        .await;
    let other = a
        .post_status(&alice, "plain clip", json!({ "media_ids": [plain["id"]] }))
        .await;

    // The Note carries the thumbnail as `icon`; the placeholder is not sent.
    let note = |uri: &Value| {
        let uri = uri.as_str().expect("uri").to_string();
        let client = a.client.clone();
        async move {
            let res = client
                .get(uri)
                .header("accept", "application/activity+json")
                .send()
                .await
                .expect("note");
            res.json::<Value>().await.expect("json")
        }
    };
    let doc = &note(&post["uri"]).await["attachment"][0];
    assert_eq!(doc["icon"]["type"], "Image");
    assert_eq!(doc["icon"]["url"], video["preview_url"]);
    assert_eq!(doc["icon"]["mediaType"], "image/png");
    assert!(note(&other["uri"]).await["attachment"][0]
        .get("icon")
        .is_none());

    // B keeps the origin in preview_remote_url and serves its own copy.
    let copy = crate::helpers::federation::arrived(&a, &b, &bob, &post["uri"]).await;
    let m = &copy["media_attachments"][0];
    assert_eq!(m["type"], "video", "{m}");
    assert_eq!(m["preview_remote_url"], video["preview_url"]);
    assert!(local_to(&b, &m["url"]), "{m}");
    assert!(local_to(&b, &m["preview_url"]), "{m}");
    let (img, _) = image_at(&b, &m["preview_url"]).await;
    assert_eq!((img.width(), img.height()), (320, 180));
}
