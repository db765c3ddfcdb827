//! Custom emoji: the admin API (GoToSocial's shape) with its bad inputs, the public list, the
//! `rookery admin emoji import` command with hostile archives, `:shortcode:` in statuses and
//! profiles as `emojis` and `Emoji` tags, remote emoji arriving from another instance with
//! their images cached, and emoji reactions from Misskey, Akkoma and Pleroma as favourites.

use std::io::{Cursor, Write};
use std::path::Path;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eve, eventually, follow_remotely, post_signed};
use crate::helpers::media::{fetch_file, local_to, multipart, png, spawn_media};
use crate::helpers::{TestApp, TestUser};

/// An animated GIF of two frames.
fn gif(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut out);
        for colour in [[255, 0, 0, 255], [0, 0, 255, 255]] {
            let frame = image::Frame::new(image::RgbaImage::from_pixel(
                width,
                height,
                image::Rgba(colour),
            ));
            encoder.encode_frame(frame).expect("frame");
        }
    }
    out
}

/// A lossless WebP with transparency.
fn webp(width: u32, height: u32) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
        width,
        height,
        image::Rgba([10, 200, 30, 128]),
    ));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::WebP)
        .expect("webp");
    out.into_inner()
}

/// A PNG of noise: it does not compress, so its size follows its pixels.
fn noisy_png(width: u32, height: u32) -> Vec<u8> {
    let mut seed: u32 = 0x2545_f491;
    let img = image::RgbImage::from_fn(width, height, |_, _| {
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed & 0xff) as u8
        };
        image::Rgb([next(), next(), next()])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// `POST /api/v1/admin/custom_emojis` with an image and fields.
async fn add(
    app: &TestApp,
    who: &TestUser,
    image: Option<(Vec<u8>, &str)>,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    multipart(
        app,
        Method::POST,
        "/api/v1/admin/custom_emojis",
        &who.token,
        image.map(|(bytes, mime)| ("image", bytes, "emoji.bin", mime)),
        fields,
    )
    .await
}

async fn add_ok(app: &TestApp, who: &TestUser, code: &str) -> Value {
    let (status, body) = add(
        app,
        who,
        Some((png(32, 32), "image/png")),
        &[("shortcode", code)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn emoji_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM custom_emojis")
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}

async fn public_list(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.get("/api/v1/custom_emojis", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().cloned().expect("a list")
}

fn codes(list: &[Value]) -> Vec<&str> {
    list.iter()
        .filter_map(|e| e["shortcode"].as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_add_categorise_hide_disable_and_delete_emoji() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let admin = app.admin().await;
    let user = app.register("user").await;
    let moderator = app.moderator().await;

    let (status, blob) = add(
        &app,
        &admin,
        Some((png(32, 32), "image/png")),
        &[("shortcode", "blobcat"), ("category", "Blobs")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{blob}");
    assert_eq!(blob["shortcode"], "blobcat");
    assert_eq!(blob["category"], "Blobs");
    assert_eq!(blob["visible_in_picker"], true);
    assert_eq!(blob["disabled"], false);
    assert_eq!(blob["content_type"], "image/png");
    assert!(blob.get("domain").is_none(), "{blob}");
    assert!(blob["total_file_size"].as_i64().expect("size") > 0);
    assert_eq!(
        blob["uri"],
        json!(format!(
            "{}/emojis/{}",
            app.base,
            blob["id"].as_str().expect("id")
        ))
    );
    assert!(
        local_to(&app, &blob["url"]) && local_to(&app, &blob["static_url"]),
        "{blob}"
    );
    let (status, headers, bytes) = fetch_file(&app, blob["url"].as_str().expect("url")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(image::load_from_memory(&bytes).expect("png").width(), 32);

    // An animated GIF stays animated; its static version is a PNG of the first frame.
    let animated = gif(24, 24);
    let (status, party) = add(
        &app,
        &admin,
        Some((animated.clone(), "image/gif")),
        &[("shortcode", "party_blob")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{party}");
    assert_eq!(party["content_type"], "image/gif");
    let (_, headers, bytes) = fetch_file(&app, party["url"].as_str().expect("url")).await;
    assert_eq!(headers["content-type"], "image/gif");
    assert_eq!(bytes, animated, "the animation is kept as sent");
    let (_, headers, _) = fetch_file(&app, party["static_url"].as_str().expect("static")).await;
    assert_eq!(headers["content-type"], "image/png");
    let (status, leaf) = add(
        &app,
        &admin,
        Some((webp(20, 20), "image/webp")),
        &[("shortcode", "leaf")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{leaf}");
    assert_eq!(leaf["content_type"], "image/webp");

    // Bad inputs: 422 (403 for non-admins), and nothing stored.
    let before = emoji_rows(&app).await;
    for (image, fields, why) in [
        (
            Some((b"not an image at all".to_vec(), "image/png")),
            vec![("shortcode", "text")],
            "not an image",
        ),
        (
            Some((crate::helpers::media::jpeg(16, 16), "image/jpeg")),
            vec![("shortcode", "photo")],
            "a JPEG",
        ),
        (
            Some((noisy_png(400, 300), "image/png")),
            vec![("shortcode", "heavy")],
            "too large",
        ),
        (
            Some((png(600, 600), "image/png")),
            vec![("shortcode", "vast")],
            "too many pixels",
        ),
        (
            Some((png(16, 16), "image/png")),
            vec![("shortcode", "a")],
            "too short a shortcode",
        ),
        (
            Some((png(16, 16), "image/png")),
            vec![("shortcode", "blob-cat")],
            "a dash",
        ),
        (
            Some((png(16, 16), "image/png")),
            vec![("shortcode", "blobcat")],
            "taken",
        ),
        (Some((png(16, 16), "image/png")), vec![], "no shortcode"),
        (None, vec![("shortcode", "noimage")], "no image"),
    ] {
        let (status, body) = add(&app, &admin, image, &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {body}");
        assert!(body["error"].is_string(), "{why}: {body}");
    }
    for who in [&user, &moderator] {
        let (status, body) = add(
            &app,
            who,
            Some((png(16, 16), "image/png")),
            &[("shortcode", "sneaky")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, _) = app
            .get("/api/v1/admin/custom_emojis", Some(&who.token))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(emoji_rows(&app).await, before, "nothing stored");
    let (status, _) = app.get("/api/v1/admin/custom_emojis", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Listed by shortcode, filtered, paged with a Link header; shown one by one.
    let (status, all) = app
        .get("/api/v1/admin/custom_emojis", Some(&admin.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        codes(all.as_array().expect("list")),
        vec!["blobcat", "leaf", "party_blob"]
    );
    let (_, one) = app
        .get(
            "/api/v1/admin/custom_emojis?filter=domain:local,shortcode:leaf",
            Some(&admin.token),
        )
        .await;
    assert_eq!(codes(one.as_array().expect("list")), vec!["leaf"]);
    let res = app
        .client
        .get(app.url("/api/v1/admin/custom_emojis?limit=1"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("get");
    let link = res.headers()["link"].to_str().expect("link").to_string();
    let first: Value = res.json().await.expect("json");
    assert_eq!(codes(first.as_array().expect("list")), vec!["blobcat"]);
    let next = link
        .split(';')
        .next()
        .and_then(|l| l.trim().strip_prefix('<'))
        .and_then(|l| l.strip_suffix('>'))
        .expect("next link");
    let res = app
        .client
        .get(next)
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("next");
    let second: Value = res.json().await.expect("json");
    assert_eq!(codes(second.as_array().expect("list")), vec!["leaf"]);
    let (status, _) = app
        .get(
            "/api/v1/admin/custom_emojis?filter=colour:blue",
            Some(&admin.token),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let id = blob["id"].as_str().expect("id");
    let (status, shown) = app
        .get(
            &format!("/api/v1/admin/custom_emojis/{id}"),
            Some(&admin.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["shortcode"], "blobcat");
    let (status, _) = app
        .get("/api/v1/admin/custom_emojis/123456", Some(&admin.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, categories) = app
        .get("/api/v1/admin/custom_emojis/categories", Some(&admin.token))
        .await;
    assert_eq!(categories[0]["name"], "Blobs", "{categories}");
    assert!(categories[0]["id"].is_string());

    // Everyone sees the enabled ones, without a token.
    let res = app
        .client
        .get(app.url("/api/v1/custom_emojis"))
        .send()
        .await
        .expect("get");
    assert!(res.headers()["cache-control"]
        .to_str()
        .expect("cc")
        .contains("max-age"));
    let list = public_list(&app).await;
    assert_eq!(codes(&list), vec!["blobcat", "leaf", "party_blob"]);
    assert_eq!(list[0]["category"], "Blobs");
    assert_eq!(list[1]["category"], Value::Null);
    assert_eq!(list[0]["url"], blob["url"]);

    // Categorised anew and hidden from the picker; a taken shortcode is refused.
    let patch = |fields: Vec<(&'static str, &'static str)>| {
        let app = &app;
        let admin = &admin;
        async move {
            multipart(
                app,
                Method::PATCH,
                &format!("/api/v1/admin/custom_emojis/{id}"),
                &admin.token,
                None,
                &fields,
            )
            .await
        }
    };
    let (status, changed) = patch(vec![
        ("type", "modify"),
        ("category", "Cats"),
        ("visible_in_picker", "false"),
    ])
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["category"], "Cats");
    assert_eq!(changed["visible_in_picker"], false);
    let list = public_list(&app).await;
    assert_eq!(list[0]["visible_in_picker"], false);
    assert_eq!(list[0]["category"], "Cats");
    let (_, categories) = app
        .get("/api/v1/admin/custom_emojis/categories", Some(&admin.token))
        .await;
    assert_eq!(
        categories.as_array().map(Vec::len),
        Some(1),
        "an empty category goes"
    );
    let (status, body) = patch(vec![("type", "modify"), ("shortcode", "leaf")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = patch(vec![("type", "modify")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = patch(vec![("type", "explode")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, renamed) = patch(vec![("type", "modify"), ("shortcode", "blob_cat")]).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["shortcode"], "blob_cat");

    // Disabled: gone from the list; enabled: back.
    let (status, off) = patch(vec![("type", "disable")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(off["disabled"], true);
    assert_eq!(codes(&public_list(&app).await), vec!["leaf", "party_blob"]);
    let (_, disabled) = app
        .get(
            "/api/v1/admin/custom_emojis?filter=disabled",
            Some(&admin.token),
        )
        .await;
    assert_eq!(codes(disabled.as_array().expect("list")), vec!["blob_cat"]);
    patch(vec![("type", "enable")]).await;
    assert_eq!(
        codes(&public_list(&app).await),
        vec!["blob_cat", "leaf", "party_blob"]
    );

    // Deleted with its files.
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/admin/custom_emojis/{id}")))
        .bearer_auth(&user.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/admin/custom_emojis/{id}")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(codes(&public_list(&app).await), vec!["leaf", "party_blob"]);
    let (status, _) = app
        .get(
            &format!("/api/v1/admin/custom_emojis/{id}"),
            Some(&admin.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = fetch_file(&app, blob["url"].as_str().expect("url")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the file went with it");
}

/// Runs `rookery admin emoji import` against `app`'s database and media folder.
fn import(app: &TestApp, media: &Path, args: &[&str]) -> (bool, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rookery"));
    for (key, _) in std::env::vars() {
        if key.starts_with("ROOKERY_") || key == "DATABASE_URL" || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .env("ROOKERY_LOG__LEVEL", "warn")
        .env("ROOKERY_DOMAIN", app.addr.to_string())
        .env(
            "ROOKERY_DATABASE__URL",
            crate::helpers::database_url(&app.db_options),
        )
        .env("ROOKERY_MEDIA__LOCAL_DIR", media)
        .env("ROOKERY_JOBS__WORKERS", "0")
        .args(["admin", "emoji", "import"])
        .args(args)
        .output()
        .expect("run rookery");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A tar entry written by hand, so that its path may be one `tar` refuses to write.
fn tar_entry(builder: &mut tar::Builder<impl Write>, path: &str, data: &[u8]) {
    let mut header = tar::Header::new_gnu();
    {
        let gnu = header.as_gnu_mut().expect("gnu header");
        gnu.name[..path.len()].copy_from_slice(path.as_bytes());
    }
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    builder.append(&header, data).expect("append");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_imports_images_and_archives_and_refuses_hostile_entries() {
    let (app, media) = spawn_media(|_| {}).await;
    let work = tempfile::tempdir().expect("tmp");
    let inside = work.path().join("inside");
    std::fs::create_dir(&inside).expect("dir");

    // A .tar.gz: two emoji, a text file, an entry escaping the archive, and one too large.
    let tgz = inside.join("pack.tar.gz");
    {
        let file = std::fs::File::create(&tgz).expect("create");
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        let mut builder = tar::Builder::new(gz);
        tar_entry(&mut builder, "pack/blob_a.png", &png(16, 16));
        tar_entry(&mut builder, "pack/blob_b.gif", &gif(16, 16));
        tar_entry(&mut builder, "pack/README.txt", b"emoji!");
        tar_entry(&mut builder, "../evil.png", &png(16, 16));
        tar_entry(&mut builder, "pack/big.png", &noisy_png(400, 300));
        builder.into_inner().expect("tar").finish().expect("gzip");
    }
    let (ok, out) = import(
        &app,
        media.path(),
        &[tgz.to_str().expect("path"), "--category", "Pack"],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("imported :blob_a:") && out.contains("imported :blob_b:"),
        "{out}"
    );
    assert!(
        out.contains("refused ../evil.png: its path leaves the archive"),
        "{out}"
    );
    assert!(out.contains("refused pack/big.png: larger than"), "{out}");
    assert!(out.contains("skipped pack/README.txt"), "{out}");
    assert!(out.contains("imported 2, skipped 1, refused 2"), "{out}");

    // A .zip: one emoji, a traversal and an entry too large.
    let zipped = inside.join("pack.zip");
    {
        let file = std::fs::File::create(&zipped).expect("create");
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default();
        for (name, data) in [
            ("zip_a.png", png(16, 16)),
            ("../../escape.png", png(16, 16)),
            ("huge.png", noisy_png(400, 300)),
        ] {
            zip.start_file(name, options).expect("start");
            zip.write_all(&data).expect("write");
        }
        zip.finish().expect("zip");
    }
    let (ok, out) = import(&app, media.path(), &[zipped.to_str().expect("path")]);
    assert!(ok, "{out}");
    assert!(out.contains("imported :zip_a:"), "{out}");
    assert!(
        out.contains("refused ../../escape.png: its path leaves the archive"),
        "{out}"
    );
    assert!(out.contains("refused huge.png: larger than"), "{out}");

    // One image, its shortcode given; again without --overwrite it is skipped.
    let single = inside.join("whatever.webp");
    std::fs::write(&single, webp(16, 16)).expect("write");
    let (ok, out) = import(
        &app,
        media.path(),
        &[single.to_str().expect("path"), "--shortcode", "single_one"],
    );
    assert!(ok, "{out}");
    let (ok, out) = import(
        &app,
        media.path(),
        &[single.to_str().expect("path"), "--shortcode", "single_one"],
    );
    assert!(
        ok && out.contains("skipped") && out.contains("exists already"),
        "{out}"
    );
    let (ok, out) = import(
        &app,
        media.path(),
        &[
            single.to_str().expect("path"),
            "--shortcode",
            "single_one",
            "--overwrite",
        ],
    );
    assert!(ok && out.contains("imported :single_one:"), "{out}");
    let not_image = inside.join("notes.png");
    std::fs::write(&not_image, b"plain text").expect("write");
    let (ok, out) = import(&app, media.path(), &[not_image.to_str().expect("path")]);
    assert!(!ok && out.contains("refused"), "{out}");

    let list = public_list(&app).await;
    assert_eq!(
        codes(&list),
        vec!["blob_a", "blob_b", "single_one", "zip_a"]
    );
    assert_eq!(list[0]["category"], "Pack");
    for e in &list {
        let (status, _, _) = fetch_file(&app, e["url"].as_str().expect("url")).await;
        assert_eq!(status, StatusCode::OK, "{e}");
    }
    assert!(!work.path().join("evil.png").exists());
    assert!(!work.path().join("escape.png").exists());
    assert!(!inside.join("evil.png").exists());
}

async fn status_of(app: &TestApp, who: &TestUser, id: &str) -> Value {
    let (status, body) = app
        .get(&format!("/api/v1/statuses/{id}"), Some(&who.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn activity_json(app: &TestApp, url: &str) -> Value {
    let res = app
        .client
        .get(url)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("json")
}

fn emoji_tags(doc: &Value) -> Vec<Value> {
    doc["tag"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter(|t| t["type"] == "Emoji")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shortcodes_in_statuses_and_profiles_become_emojis_and_emoji_tags() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let admin = app.admin().await;
    let alice = app.register("alice").await;
    let blob = add_ok(&app, &admin, "blobcat").await;
    add_ok(&app, &admin, "heron").await;

    let post = app
        .post_status(
            &alice,
            "hello :blobcat: and :nothing:",
            json!({ "spoiler_text": "birds :heron:" }),
        )
        .await;
    let emojis = post["emojis"].as_array().expect("emojis");
    assert_eq!(codes(emojis), vec!["blobcat", "heron"], "{post}");
    assert_eq!(emojis[0]["url"], blob["url"]);
    assert_eq!(emojis[0]["static_url"], blob["static_url"]);
    assert_eq!(emojis[0]["visible_in_picker"], true);
    let id = post["id"].as_str().expect("id");

    // The Note carries Emoji tags as Mastodon writes them, and the context names Emoji.
    let note = activity_json(&app, post["uri"].as_str().expect("uri")).await;
    let tags = emoji_tags(&note);
    assert_eq!(tags.len(), 2, "{note}");
    let tag = tags
        .iter()
        .find(|t| t["name"] == ":blobcat:")
        .expect("blobcat tag");
    assert_eq!(tag["id"], blob["uri"]);
    assert_eq!(tag["icon"]["type"], "Image");
    assert_eq!(tag["icon"]["mediaType"], "image/png");
    assert_eq!(tag["icon"]["url"], blob["url"]);
    assert!(tag["updated"].is_string());
    assert_eq!(note["@context"][2]["Emoji"], "toot:Emoji", "{note}");
    // The tag's id answers with the Emoji itself.
    let doc = activity_json(&app, blob["uri"].as_str().expect("uri")).await;
    assert_eq!(doc["type"], "Emoji", "{doc}");
    assert_eq!(doc["name"], ":blobcat:");
    assert_eq!(doc["icon"]["url"], blob["url"]);

    // An edit's versions carry the emoji each wrote.
    app.edit_status(&alice, id, "now only :heron:").await;
    let (_, history) = app
        .get(
            &format!("/api/v1/statuses/{id}/history"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(
        codes(history[0]["emojis"].as_array().expect("first")),
        vec!["blobcat", "heron"],
        "{history}"
    );
    assert_eq!(
        codes(history[1]["emojis"].as_array().expect("now")),
        vec!["heron"],
        "{history}"
    );

    // Name, bio and fields: the account's emojis and the actor's tags.
    let (status, me) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({
                "display_name": "Alice :blobcat:",
                "note": "I keep :heron:s",
                "fields_attributes": [{ "name": "Pet", "value": ":party: no, :blobcat:" }],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        codes(me["emojis"].as_array().expect("emojis")),
        vec!["blobcat", "heron"],
        "{me}"
    );
    let (_, account) = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await;
    assert_eq!(
        codes(account["emojis"].as_array().expect("emojis")),
        vec!["blobcat", "heron"]
    );
    let actor = activity_json(&app, &format!("{}/users/alice", app.base)).await;
    let tags = emoji_tags(&actor);
    let mut names: Vec<&str> = tags.iter().filter_map(|t| t["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, vec![":blobcat:", ":heron:"], "{actor}");

    // An emoji added later shows at once in what already writes it (the field's :party:).
    add_ok(&app, &admin, "party").await;
    let (_, account) = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await;
    assert_eq!(
        codes(account["emojis"].as_array().expect("emojis")),
        vec!["blobcat", "heron", "party"],
        "{account}"
    );

    // Disabled: gone from statuses and accounts alike, cached or not.
    let blob_id = blob["id"].as_str().expect("id");
    let (status, _) = multipart(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/custom_emojis/{blob_id}"),
        &admin.token,
        None,
        &[("type", "disable")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, account) = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await;
    assert_eq!(
        codes(account["emojis"].as_array().expect("emojis")),
        vec!["heron", "party"],
        "{account}"
    );
    let again = app
        .post_status(&alice, ":blobcat: :heron:", json!({}))
        .await;
    assert_eq!(
        codes(again["emojis"].as_array().expect("emojis")),
        vec!["heron"]
    );
    let shown = status_of(&app, &alice, id).await;
    assert_eq!(
        codes(shown["emojis"].as_array().expect("emojis")),
        vec!["heron"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_emoji_arrive_with_statuses_and_profiles_and_are_cached() {
    let (a, _da) = spawn_media(|_| {}).await;
    let (b, _db) = spawn_media(|_| {}).await;
    let admin = a.admin().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let blob = add_ok(&a, &admin, "blobcat").await;
    let (status, me) = a
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({ "display_name": "Alice :blobcat:" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let alice_on_b = follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;

    let post = a.post_status(&alice, "look :blobcat:", json!({})).await;
    let copy = crate::helpers::federation::arrived(&a, &b, &bob, &post["uri"]).await;
    let emojis = copy["emojis"].as_array().expect("emojis");
    assert_eq!(codes(emojis), vec!["blobcat"], "{copy}");
    // Cached on B: B serves the image and its static version.
    eventually(&a, &b, "the emoji image is cached", async || {
        let (_, s) = b
            .get(
                &format!("/api/v1/statuses/{}", copy["id"].as_str().unwrap_or("")),
                Some(&bob.token),
            )
            .await;
        local_to(&b, &s["emojis"][0]["url"])
    })
    .await;
    let (_, s) = b
        .get(
            &format!("/api/v1/statuses/{}", copy["id"].as_str().expect("id")),
            Some(&bob.token),
        )
        .await;
    let cached = &s["emojis"][0];
    assert!(local_to(&b, &cached["static_url"]), "{cached}");
    let (status, _, bytes) = fetch_file(&b, cached["url"].as_str().expect("url")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, original) = fetch_file(&a, blob["url"].as_str().expect("url")).await;
    assert_eq!(bytes, original);

    // The profile's emoji too.
    eventually(&a, &b, "the profile shows its emoji, cached", async || {
        let (_, account) = b
            .get(&format!("/api/v1/accounts/{alice_on_b}"), Some(&bob.token))
            .await;
        account["emojis"][0]["shortcode"] == "blobcat" && local_to(&b, &account["emojis"][0]["url"])
    })
    .await;

    // The admin of B sees it as a remote emoji of A's domain.
    let b_admin = b.admin().await;
    let (_, list) = b
        .get(
            &format!("/api/v1/admin/custom_emojis?filter=domain:{}", a.addr),
            Some(&b_admin.token),
        )
        .await;
    assert_eq!(list[0]["shortcode"], "blobcat", "{list}");
    assert_eq!(list[0]["domain"], json!(a.addr.to_string()));
    assert_eq!(list[0]["uri"], blob["uri"]);
    // Not B's own: not in its picker.
    assert!(public_list(&b).await.is_empty());
    // Remote emoji are disabled, not deleted.
    let remote_id = list[0]["id"].as_str().expect("id");
    let res = b
        .client
        .delete(b.url(&format!("/api/v1/admin/custom_emojis/{remote_id}")))
        .bearer_auth(&b_admin.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

fn react(host: &str, id: &str, kind: &str, object: &str, extra: Value) -> Value {
    let mut activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("http://{host}/activities/{id}"),
        "type": kind,
        "actor": format!("http://{host}/users/eve"),
        "object": object,
    });
    if let (Some(map), Value::Object(more)) = (activity.as_object_mut(), extra) {
        map.extend(more);
    }
    activity
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emoji_reactions_count_as_favourites_and_are_withdrawn() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let post = app.post_status(&alice, "react to me", json!({})).await;
    let id = post["id"].as_str().expect("id");
    let uri = post["uri"].as_str().expect("uri");
    let (_stub, host, eve_signs) = eve(|_| {}).await;
    let favourites = async || status_of(&app, &alice, id).await["favourites_count"].clone();

    // Akkoma's EmojiReact with a custom emoji, then its Undo.
    let emoji_tag = json!({ "tag": [{
        "type": "Emoji", "id": format!("http://{host}/emoji/blobfox"), "name": ":blobfox:",
        "icon": { "type": "Image", "url": format!("http://{host}/emoji/blobfox.png") },
    }], "content": ":blobfox:" });
    let reaction = react(&host, "r1", "EmojiReact", uri, emoji_tag);
    assert_eq!(
        post_signed(&app, &eve_signs, &reaction).await,
        StatusCode::ACCEPTED
    );
    app.drain_jobs().await;
    assert_eq!(favourites().await, 1);
    let (_, by) = app
        .get(
            &format!("/api/v1/statuses/{id}/favourited_by"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(by[0]["acct"], json!(format!("eve@{host}")), "{by}");
    let undo = react(&host, "u1", "Undo", "", json!({}));
    let undo = {
        let mut u = undo;
        u["object"] = reaction.clone();
        u
    };
    assert_eq!(
        post_signed(&app, &eve_signs, &undo).await,
        StatusCode::ACCEPTED
    );
    app.drain_jobs().await;
    assert_eq!(favourites().await, 0);

    // Pleroma's EmojiReact with a Unicode emoji.
    let unicode = react(&host, "r2", "EmojiReact", uri, json!({ "content": "🧡" }));
    post_signed(&app, &eve_signs, &unicode).await;
    app.drain_jobs().await;
    assert_eq!(favourites().await, 1);
    let mut undo = react(&host, "u2", "Undo", "", json!({}));
    undo["object"] = unicode;
    post_signed(&app, &eve_signs, &undo).await;
    app.drain_jobs().await;
    assert_eq!(favourites().await, 0);

    // Misskey's Like with a reaction, and its Undo.
    let misskey = react(
        &host,
        "m1",
        "Like",
        uri,
        json!({ "content": ":blobcat:", "_misskey_reaction": ":blobcat:" }),
    );
    post_signed(&app, &eve_signs, &misskey).await;
    app.drain_jobs().await;
    assert_eq!(favourites().await, 1);
    let (_, notifications) = app.get("/api/v1/notifications", Some(&alice.token)).await;
    assert!(
        notifications
            .as_array()
            .expect("list")
            .iter()
            .any(|n| n["type"] == "favourite"),
        "{notifications}"
    );
    let mut undo = react(&host, "u3", "Undo", "", json!({}));
    undo["object"] = misskey;
    post_signed(&app, &eve_signs, &undo).await;
    app.drain_jobs().await;
    assert_eq!(favourites().await, 0);
}

#[tokio::test]
async fn poll_options_show_their_emoji_and_carry_their_tags() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let admin = app.admin().await;
    let alice = app.register("alice").await;
    add_ok(&app, &admin, "blobcat").await;
    add_ok(&app, &admin, "heron").await;

    let post = app
        .post_status(
            &alice,
            "which bird? :heron:",
            json!({ "poll": { "options": [":blobcat: cats", ":nothing: dogs"], "expires_in": 3600 } }),
        )
        .await;
    let id = post["id"].as_str().expect("id");
    let shown = status_of(&app, &alice, id).await;
    let poll_emojis = shown["poll"]["emojis"].as_array().expect("poll emojis");
    assert_eq!(codes(poll_emojis), vec!["blobcat"], "{shown}");
    assert_eq!(
        codes(shown["emojis"].as_array().expect("emojis")),
        vec!["heron"]
    );

    // The Question carries both emoji as tags, once each.
    let question = activity_json(&app, post["uri"].as_str().expect("uri")).await;
    let mut names: Vec<String> = emoji_tags(&question)
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    assert_eq!(names, vec![":blobcat:", ":heron:"], "{question}");
}
