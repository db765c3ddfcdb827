//! The whole way out of one Rookery and into another, through the API only: an account on A
//! with follows, a list, a block, a mute, a hidden domain, a bookmark and posts (a thread of
//! its own replies, a content warning, an image with alt text, unlisted and followers-only
//! posts, a language) downloads its CSV exports and its archive; a new account on B imports
//! them (accounts and posts resolved over real signed requests to A) and ends with the same
//! account; the archive imported twice makes nothing twice. Then the archive and the post
//! import with media stored in S3 (moto, a real S3-compatible server).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::exports::csv;
use crate::helpers::media::{jpeg, upload};
use crate::helpers::{TestApp, TestUser};
use crate::imports::{body_lines, imported as csv_imported};
use crate::media::{moto, moto_binary};
use crate::post_import::{imported as posts_imported, spawn};

/// Asks for `user`'s archive, runs the job and downloads it with the owner's token.
async fn archive_of(app: &TestApp, user: &TestUser) -> Vec<u8> {
    let (status, asked) = app
        .post("/api/v1/exports/archive", Some(&user.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
    app.drain_jobs().await;
    let (status, ready) = app.get("/api/v1/exports/archive", Some(&user.token)).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["state"], "ready", "{ready}");
    let res = app
        .client
        .get(ready["url"].as_str().expect("url"))
        .bearer_auth(&user.token)
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), StatusCode::OK);
    res.bytes().await.expect("bytes").to_vec()
}

/// `user`'s statuses as they see them (private ones too), oldest first.
async fn statuses_of(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let (status, body) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses?limit=40", user.id),
            Some(&user.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut all = body.as_array().expect("statuses").clone();
    all.reverse();
    all
}

/// An image uploaded by `user` with alt text: its id.
async fn image(app: &TestApp, user: &TestUser, alt: &str) -> String {
    let (status, media) = upload(app, user, jpeg(120, 80), &[("description", alt)]).await;
    assert_eq!(status, StatusCode::OK, "{media}");
    media["id"].as_str().expect("id").to_string()
}

/// What must survive the move of a status, with its parent's position in the list.
fn essence(all: &[Value], s: &Value) -> Value {
    let parent = s["in_reply_to_id"]
        .as_str()
        .and_then(|p| all.iter().position(|o| o["id"] == p));
    let media: Vec<Value> = s["media_attachments"]
        .as_array()
        .expect("media")
        .iter()
        .map(|m| json!([m["type"], m["description"], m["meta"]["original"]["width"]]))
        .collect();
    json!({
        "created_at": s["created_at"],
        "content": s["content"],
        "spoiler_text": s["spoiler_text"],
        "sensitive": s["sensitive"],
        "visibility": s["visibility"],
        "language": s["language"],
        "parent": parent,
        "media": media,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_moves_to_another_instance_with_everything_it_had() {
    let ((a, _a_dir), (b, _b_dir)) = tokio::join!(spawn(|_| {}), spawn(|_| {}));
    let old = a.register("alice").await;
    let (bob, carol, dave, erin) = (
        a.register("bob").await,
        a.register("carol").await,
        a.register("dave").await,
        a.register("erin").await,
    );
    let bookmarked = a.post_status(&bob, "worth keeping", json!({})).await;
    let (_, list) = a
        .post(
            "/api/v1/lists",
            Some(&old.token),
            json!({ "title": "Birds" }),
        )
        .await;
    let list_id = list["id"].as_str().expect("list id").to_string();
    for (path, body) in [
        (
            format!("/api/v1/accounts/{}/follow", bob.id),
            json!({ "notify": true, "reblogs": false, "languages": ["en"] }),
        ),
        (format!("/api/v1/accounts/{}/follow", carol.id), json!({})),
        (
            format!("/api/v1/lists/{list_id}/accounts"),
            json!({ "account_ids": [bob.id, carol.id] }),
        ),
        (format!("/api/v1/accounts/{}/block", dave.id), json!({})),
        (
            format!("/api/v1/accounts/{}/mute", erin.id),
            json!({ "notifications": true }),
        ),
        (
            "/api/v1/domain_blocks".to_string(),
            json!({ "domain": "spam.example" }),
        ),
        (
            format!(
                "/api/v1/statuses/{}/bookmark",
                bookmarked["id"].as_str().expect("id")
            ),
            json!({}),
        ),
    ] {
        let (status, res) = a.post(&path, Some(&old.token), body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {res}");
    }

    // The posts: a thread of three, each reply to the one before; then unlisted and
    // followers-only ones.
    let heron = image(&a, &old, "a grey heron by the river").await;
    let start = a
        .post_status(
            &old,
            "Ein Reiher am Fluss",
            json!({ "spoiler_text": "birds", "language": "de", "media_ids": [heron] }),
        )
        .await;
    let reply = a
        .post_status(
            &old,
            "it stood there for an hour",
            json!({ "in_reply_to_id": start["id"], "language": "en" }),
        )
        .await;
    a.post_status(
        &old,
        "then it flew off",
        json!({ "in_reply_to_id": reply["id"], "visibility": "unlisted" }),
    )
    .await;
    a.post_status(&old, "quietly listed", json!({ "visibility": "unlisted" }))
        .await;
    a.post_status(&old, "for my followers", json!({ "visibility": "private" }))
        .await;
    a.drain_jobs().await;
    let before = statuses_of(&a, &old).await;
    assert_eq!(before.len(), 5);

    let files = [
        ("following", "following.csv", true),
        ("lists", "lists.csv", false),
        ("blocks", "blocks.csv", false),
        ("mutes", "mutes.csv", true),
        ("domain_blocks", "domain_blocks.csv", false),
        ("bookmarks", "bookmarks.csv", false),
    ];
    let exported: Vec<String> = {
        let mut all = Vec::new();
        for (_, file, _) in files {
            all.push(csv(&a, &old, file).await);
        }
        all
    };
    let zip = archive_of(&a, &old).await;

    // On B: a new account loads every file, then the archive.
    let new = b.register("alice").await;
    for ((kind, file, header), text) in files.iter().zip(&exported) {
        assert!(!body_lines(text, *header).is_empty(), "{file} is empty");
        let report = csv_imported(&b, &a, &new, kind, "merge", text).await;
        assert_eq!(report["failures"], json!([]), "{kind}: {report}");
        assert_eq!(report["imported_rows"], report["total_rows"], "{kind}");
    }
    let report = posts_imported(&b, &a, &new, zip.clone()).await;
    assert_eq!(report["total_rows"], 5, "{report}");
    assert_eq!(report["imported_rows"], 5, "{report}");

    // The same follows (accepted on A), list members, blocks, mutes, domains and bookmarks:
    // exported from B, every file reads as it did on A.
    for ((_, file, header), text) in files.iter().zip(&exported) {
        assert_eq!(
            body_lines(&csv(&b, &new, file).await, *header),
            body_lines(text, *header),
            "{file}"
        );
    }
    let (_, bob_on_a) = a.get(&format!("/api/v1/accounts/{}", bob.id), None).await;
    assert_eq!(bob_on_a["followers_count"], 2, "alice on A and on B");
    let (_, lists) = b.get("/api/v1/lists", Some(&new.token)).await;
    assert_eq!(lists[0]["title"], "Birds", "{lists}");
    let (_, members) = b
        .get(
            &format!(
                "/api/v1/lists/{}/accounts",
                lists[0]["id"].as_str().expect("id")
            ),
            Some(&new.token),
        )
        .await;
    let mut accts: Vec<&str> = members
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["acct"].as_str())
        .collect();
    accts.sort_unstable();
    assert_eq!(
        accts,
        [format!("bob@{}", a.addr), format!("carol@{}", a.addr)]
    );

    // The same posts: dates, thread, content warning, language, visibility, media and alt
    // text; each keeps its address on A as its url, its media copied to B.
    let after = statuses_of(&b, &new).await;
    let want: Vec<Value> = before.iter().map(|s| essence(&before, s)).collect();
    let got: Vec<Value> = after.iter().map(|s| essence(&after, s)).collect();
    assert_eq!(got, want);
    for (was, is) in before.iter().zip(&after) {
        assert_eq!(is["url"], was["url"], "{is}");
    }
    let copied = after[0]["media_attachments"][0]["url"]
        .as_str()
        .expect("media url");
    assert!(copied.starts_with(&b.base), "{copied}");
    let file = b.client.get(copied).send().await.expect("file");
    assert_eq!(file.status(), StatusCode::OK);

    // The archive again: nothing twice.
    let again = posts_imported(&b, &a, &new, zip).await;
    assert_eq!(again["imported_rows"], 5, "{again}");
    assert_eq!(statuses_of(&b, &new).await.len(), 5);
    let media: i64 = sqlx::query_scalar("SELECT count(*) FROM media_attachments")
        .fetch_one(&b.state.db)
        .await
        .expect("count");
    assert_eq!(media, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archives_and_post_imports_work_with_media_in_s3() {
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
    let (app, _dir) = spawn(move |c| {
        c.media.storage = rookery::config::MediaStorage::S3;
        c.media.public_base_url = format!("{endpoint}/rookery-media");
        c.media.s3.bucket = "rookery-media".into();
        c.media.s3.endpoint = endpoint;
        c.media.s3.access_key_id = "testing".into();
        c.media.s3.secret_access_key = "testing".into();
    })
    .await;
    let key = |u: &str| u.rsplit('/').next().expect("key").to_string();
    let alice = app.register("alice").await;
    let heron = image(&app, &alice, "a heron in the rain").await;
    let post = app
        .post_status(&alice, "from the bucket", json!({ "media_ids": [heron] }))
        .await;
    let original = post["media_attachments"][0]["url"].as_str().expect("url");
    let stored = app
        .state
        .media
        .get(&key(original))
        .await
        .expect("read from S3")
        .expect("in S3");

    // The archive is made from the bucket, kept in it, and downloaded from it.
    let zip = archive_of(&app, &alice).await;
    let mut read = zip::ZipArchive::new(std::io::Cursor::new(zip.clone())).expect("a zip");
    let name = (0..read.len())
        .filter_map(|i| read.by_index(i).ok().map(|e| e.name().to_string()))
        .find(|n| n.starts_with("media_attachments/files/"))
        .expect("the image is in the archive");
    let mut entry = read.by_name(&name).expect("entry");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut bytes).expect("read");
    assert_eq!(bytes, stored.to_vec(), "the archive holds the stored file");
    let file_key: String = sqlx::query_scalar("SELECT file_key FROM account_archives")
        .fetch_one(&app.state.db)
        .await
        .expect("archive row");
    assert!(app
        .state
        .media
        .get(&file_key)
        .await
        .expect("read")
        .is_some());

    // Imported into another account, the image is uploaded to the bucket again.
    let bob = app.register("bob").await;
    let report = posts_imported(&app, &app, &bob, zip).await;
    assert_eq!(report["imported_rows"], 1, "{report}");
    let (_, statuses) = app
        .get(&format!("/api/v1/accounts/{}/statuses", bob.id), None)
        .await;
    let copy = &statuses[0]["media_attachments"][0];
    assert_eq!(copy["description"], "a heron in the rain", "{copy}");
    let url = copy["url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/rookery-media/", s3.endpoint)),
        "{url}"
    );
    assert_ne!(
        copy["id"], post["media_attachments"][0]["id"],
        "an upload of its own"
    );
    let copied = app
        .state
        .media
        .get(&key(url))
        .await
        .expect("read from S3")
        .expect("in S3");
    assert_eq!(
        image::load_from_memory(&copied).expect("decodes").width(),
        120
    );
}
