//! Post import (`POST /api/v1/import` with `type=posts`): an archive in Mastodon's layout
//! becomes the uploader's posts with their dates, threads, content warnings, media, language
//! and visibility; nobody is notified, no feed and no peer hears of them, yet the profile,
//! the outbox and ActivityPub fetches serve them; importing twice makes nothing twice; a job
//! cut short resumes; hostile archives are refused or their bad rows reported.

use std::io::{Cursor, Write};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use zip::write::SimpleFileOptions;

use crate::helpers::federation::{eventually, follow_remotely};
use crate::helpers::media::{multipart, png};
use crate::helpers::{TestApp, TestUser};

pub(crate) const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
pub(crate) const OLD: &str = "https://old.example";
pub(crate) const AP: &str = "application/activity+json";

/// An instance whose media and waiting archives go to a fresh folder.
pub(crate) async fn spawn(
    adjust: impl FnOnce(&mut rookery::config::Config),
) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    let app = TestApp::spawn_with(move |c| {
        c.media.local_dir = path.join("media");
        c.portability.archive_dir = path.join("imports");
        adjust(c);
    })
    .await;
    (app, dir)
}

/// The old account's id and followers collection.
pub(crate) fn old_actor() -> String {
    format!("{OLD}/users/alice")
}

/// A `Create` of the old account's note `n`, public unless `adjust` says otherwise.
pub(crate) fn create(
    n: u32,
    published: &str,
    content: &str,
    adjust: impl FnOnce(&mut Value),
) -> Value {
    let mut note = json!({
        "id": format!("{OLD}/users/alice/statuses/{n}"),
        "type": "Note",
        "url": format!("{OLD}/@alice/{n}"),
        "attributedTo": old_actor(),
        "published": published,
        "to": [PUBLIC],
        "cc": [format!("{OLD}/users/alice/followers")],
        "content": content,
        "contentMap": {"en": content},
        "sensitive": false,
        "summary": null,
        "inReplyTo": null,
        "attachment": [],
        "tag": []
    });
    adjust(&mut note);
    json!({
        "id": format!("{OLD}/users/alice/statuses/{n}/activity"),
        "type": "Create",
        "actor": old_actor(),
        "published": published,
        "to": note["to"].clone(),
        "cc": note["cc"].clone(),
        "object": note
    })
}

/// The original id of note `n`.
pub(crate) fn original(n: u32) -> String {
    format!("{OLD}/users/alice/statuses/{n}")
}

/// A zip of `files` (name, bytes), deflated.
pub(crate) fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .expect("start file");
        writer.write_all(bytes).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

/// An archive as Mastodon's "Request your archive" makes it: `outbox.json` listing `items`,
/// `actor.json`, and `media` under their paths.
pub(crate) fn archive(items: &[Value], media: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let outbox = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items
    });
    let actor = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": old_actor(),
        "type": "Person",
        "preferredUsername": "alice",
        "followers": format!("{OLD}/users/alice/followers"),
        "inbox": format!("{OLD}/users/alice/inbox"),
        "outbox": "outbox.json"
    });
    let mut files = vec![
        ("outbox.json", outbox.to_string().into_bytes()),
        ("actor.json", actor.to_string().into_bytes()),
    ];
    files.extend(media.iter().map(|(n, b)| (*n, b.clone())));
    zip_of(&files)
}

/// Uploads `bytes` as an archive of posts, with extra fields.
pub(crate) async fn upload(
    app: &TestApp,
    user: &TestUser,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut all = vec![("type", "posts")];
    all.extend_from_slice(fields);
    multipart(
        app,
        Method::POST,
        "/api/v1/import",
        &user.token,
        Some(("data", bytes, "archive.zip", "application/zip")),
        &all,
    )
    .await
}

/// Uploads an archive and waits until its import is finished; returns the final report.
pub(crate) async fn imported(
    app: &TestApp,
    other: &TestApp,
    user: &TestUser,
    bytes: Vec<u8>,
) -> Value {
    let (status, started) = upload(app, user, bytes, &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["type"], "posts");
    let path = format!("/api/v1/import/{}", started["id"].as_str().expect("id"));
    eventually(app, other, "the post import finishes", async || {
        app.get(&path, Some(&user.token)).await.1["state"] == "finished"
    })
    .await;
    app.get(&path, Some(&user.token)).await.1
}

/// `user`'s statuses on their profile, newest first, as they see them.
pub(crate) async fn profile(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let (status, body) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses?limit=40", user.id),
            Some(&user.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().expect("statuses").clone()
}

/// The profile's status imported from note `n`.
fn by_original(statuses: &[Value], n: u32) -> &Value {
    let url = format!("{OLD}/@alice/{n}");
    statuses
        .iter()
        .find(|s| s["url"] == url.as_str())
        .unwrap_or_else(|| panic!("no status imported from note {n}"))
}

/// The archive of the first test: a thread of three (listed out of order), a private post, a
/// direct message, a boost, and an image.
fn thread_archive(mentioned: &str) -> Vec<u8> {
    let items = vec![
        // A reply to the reply, listed first: it must still end up in its thread.
        create(6, "2021-03-05T10:00:00Z", "<p>and more</p>", |n| {
            n["inReplyTo"] = json!(original(2));
        }),
        create(1, "2021-03-04T05:06:07Z", "<p>Hallo Welt</p>", |n| {
            n["summary"] = json!("Spoiler");
            n["sensitive"] = json!(true);
            n["contentMap"] = json!({"de": "<p>Hallo Welt</p>"});
            n["content"] = Value::Null;
            n["attachment"] = json!([{
                "type": "Document",
                "mediaType": "image/png",
                "url": "media_attachments/files/000/000/001/original/cat.png",
                "name": "a cat",
                "focalPoint": [0.5, -0.25]
            }]);
        }),
        create(2, "2021-03-04T06:00:00Z", "<p>a reply to myself</p>", |n| {
            n["inReplyTo"] = json!(original(1));
            n["to"] = json!([format!("{OLD}/users/alice/followers")]);
            n["cc"] = json!([PUBLIC, mentioned]);
            n["tag"] = json!([{"type": "Mention", "href": mentioned, "name": "@carol"},
                               {"type": "Hashtag", "name": "#importing", "href": "https://old.example/tags/importing"}]);
        }),
        create(3, "2022-01-01T00:00:00Z", "<p>for my followers</p>", |n| {
            n["to"] = json!([format!("{OLD}/users/alice/followers")]);
            n["cc"] = json!([]);
        }),
        create(4, "2022-02-01T00:00:00Z", "<p>a secret</p>", |n| {
            n["to"] = json!(["https://elsewhere.example/users/dan"]);
            n["cc"] = json!([]);
        }),
        json!({
            "id": format!("{OLD}/users/alice/statuses/5/activity"),
            "type": "Announce",
            "actor": old_actor(),
            "published": "2022-03-01T00:00:00Z",
            "to": [PUBLIC],
            "object": "https://elsewhere.example/users/dan/statuses/9"
        }),
    ];
    archive(
        &items,
        &[(
            "media_attachments/files/000/000/001/original/cat.png",
            png(64, 48),
        )],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mastodon_archive_becomes_the_accounts_quiet_posts() {
    let (a, _dir) = spawn(|_| {}).await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let carol = a.register("carol").await;
    let bob = b.register("bob").await;
    a.follow(&carol, &alice).await;
    let alice_on_b = follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;
    let mentioned = a.url("/users/carol");

    let report = imported(&a, &b, &alice, thread_archive(&mentioned)).await;
    assert_eq!(report["total_rows"], 6, "{report}");
    assert_eq!(report["imported_rows"], 4, "{report}");
    assert_eq!(report["failed_rows"], 2, "{report}");
    let failures = report["failures"].as_array().expect("failures");
    assert!(failures.iter().all(|f| f["error"]
        .as_str()
        .is_some_and(|e| e.starts_with("Skipped:"))));
    assert!(failures.iter().any(|f| f["error"]
        .as_str()
        .is_some_and(|e| e.contains("direct message"))));
    assert!(failures
        .iter()
        .any(|f| f["error"].as_str().is_some_and(|e| e.contains("boost"))));

    // Dates kept, and ids sort by them: newest first.
    let statuses = profile(&a, &alice).await;
    let order: Vec<&str> = statuses
        .iter()
        .map(|s| s["url"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        order,
        [3, 6, 2, 1].map(|n| format!("{OLD}/@alice/{n}")),
        "{statuses:#?}"
    );
    let first = by_original(&statuses, 1);
    assert_eq!(first["created_at"], "2021-03-04T05:06:07.000Z");
    assert_eq!(first["spoiler_text"], "Spoiler");
    assert_eq!(first["sensitive"], true);
    assert_eq!(first["language"], "de");
    assert_eq!(first["visibility"], "public");
    assert_eq!(first["content"], "<p>Hallo Welt</p>");
    let image = &first["media_attachments"][0];
    assert_eq!(image["type"], "image", "{first}");
    assert_eq!(image["description"], "a cat");
    assert_eq!(image["meta"]["original"]["width"], 64, "{image}");
    assert_eq!(image["meta"]["focus"]["y"], -0.25, "{image}");
    let file = a
        .client
        .get(image["url"].as_str().expect("url"))
        .send()
        .await
        .expect("file");
    assert_eq!(file.status(), StatusCode::OK);

    let reply = by_original(&statuses, 2);
    assert_eq!(reply["in_reply_to_id"], first["id"]);
    assert_eq!(reply["visibility"], "unlisted");
    assert_eq!(reply["tags"][0]["name"], "importing");
    assert_eq!(reply["mentions"][0]["id"], carol.id.as_str());
    assert_eq!(by_original(&statuses, 6)["in_reply_to_id"], reply["id"]);
    assert_eq!(by_original(&statuses, 3)["visibility"], "private");
    let (_, context) = a
        .get(
            &format!(
                "/api/v1/statuses/{}/context",
                first["id"].as_str().unwrap_or("")
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(
        context["descendants"].as_array().map(Vec::len),
        Some(2),
        "{context}"
    );

    // Nobody heard of them: no notification, no home feed here, nothing on the other server;
    // a post written now reaches both, so the paths they would have taken work.
    a.drain_jobs().await;
    b.drain_jobs().await;
    let (_, notifications) = a.get("/api/v1/notifications", Some(&carol.token)).await;
    assert_eq!(notifications, json!([]));
    let (_, home) = a.get("/api/v1/timelines/home", Some(&carol.token)).await;
    assert_eq!(home, json!([]));
    a.post_status(&alice, "written here", json!({})).await;
    eventually(&a, &b, "the new post reaches the follower", async || {
        b.get(
            &format!("/api/v1/accounts/{alice_on_b}/statuses"),
            Some(&bob.token),
        )
        .await
        .1
        .as_array()
        .is_some_and(|s| !s.is_empty())
    })
    .await;
    for (app, who, path) in [
        (&a, &carol, "/api/v1/timelines/home".to_string()),
        (&a, &alice, "/api/v1/timelines/home".to_string()),
        (&b, &bob, "/api/v1/timelines/home".to_string()),
        (&b, &bob, format!("/api/v1/accounts/{alice_on_b}/statuses")),
    ] {
        let (_, list) = app.get(&path, Some(&who.token)).await;
        let contents: Vec<&str> = list
            .as_array()
            .map(|l| l.iter().filter_map(|s| s["content"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            contents.len() == 1 && contents[0].contains("written here"),
            "{path} of {}: {contents:?}",
            who.username
        );
    }
    let (_, notifications) = a.get("/api/v1/notifications", Some(&carol.token)).await;
    assert_eq!(notifications, json!([]));

    // Served by ActivityPub: the note with its old date and address, and in the outbox.
    let uri = first["uri"].as_str().expect("uri");
    let note: Value = a
        .client
        .get(uri)
        .header("accept", AP)
        .send()
        .await
        .expect("fetch")
        .json()
        .await
        .expect("json");
    assert!(
        note["published"]
            .as_str()
            .is_some_and(|p| p.starts_with("2021-03-04T05:06:07")),
        "{note}"
    );
    assert_eq!(note["url"], format!("{OLD}/@alice/1"));
    assert_eq!(note["summary"], "Spoiler");
    assert_eq!(note["attachment"][0]["name"], "a cat");
    let ap_get = async |url: &str| -> Value {
        a.client
            .get(url)
            .header("accept", AP)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    };
    let outbox = ap_get(&a.url("/users/alice/outbox")).await;
    let page = ap_get(outbox["first"].as_str().expect("first page")).await;
    assert!(page.to_string().contains(uri), "{page}");
    // The web page of the status shows it too.
    let page = a
        .client
        .get(a.url(&format!("/@alice/{}", first["id"].as_str().unwrap_or(""))))
        .send()
        .await
        .expect("page");
    assert!(page.text().await.expect("html").contains("Hallo Welt"));

    // The same archive again: nothing twice.
    let again = imported(&a, &b, &alice, thread_archive(&mentioned)).await;
    assert_eq!(again["imported_rows"], 4, "{again}");
    assert_eq!(profile(&a, &alice).await.len(), 5);
    let media: i64 = sqlx::query_scalar("SELECT count(*) FROM media_attachments")
        .fetch_one(&a.state.db)
        .await
        .expect("count");
    assert_eq!(media, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_import_resumes_without_duplicates() {
    // No workers: the test runs the import job itself, one run at a time.
    let (app, dir) = spawn(|c| c.jobs.workers = 0).await;
    let alice = app.register("alice").await;
    let items: Vec<Value> = (1..=45)
        .map(|n| {
            let day = format!("2020-01-{:02}T{:02}:00:00Z", 1 + n / 24, n % 24);
            create(n, &day, &format!("<p>post {n}</p>"), |note| {
                if n > 1 {
                    note["inReplyTo"] = json!(original(1));
                }
            })
        })
        .collect();
    let (status, started) = upload(&app, &alice, archive(&items, &[]), &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["state"], "pending");
    assert_eq!(started["total_rows"], 45);
    let id: i64 = started["id"]
        .as_str()
        .and_then(|i| i.parse().ok())
        .expect("id");
    let path = format!("/api/v1/import/{id}");

    rookery::service::imports::run(&app.state, id)
        .await
        .expect("first run");
    let (_, progress) = app.get(&path, Some(&alice.token)).await;
    assert_eq!(progress["state"], "in_progress", "{progress}");
    assert_eq!(progress["processed_rows"], 20);
    // The worker died after storing a post but before recording it: that row is pending
    // again, its status already there.
    sqlx::query(
        "UPDATE import_rows SET state = 'pending' WHERE import_id = $1 \
         AND line = (SELECT max(line) FROM import_rows WHERE import_id = $1 AND state = 'done')",
    )
    .bind(id)
    .execute(&app.state.db)
    .await
    .expect("interrupt");
    for _ in 0..10 {
        rookery::service::imports::run(&app.state, id)
            .await
            .expect("run");
    }
    let (_, done) = app.get(&path, Some(&alice.token)).await;
    assert_eq!(done["state"], "finished", "{done}");
    assert_eq!(done["imported_rows"], 45, "{done}");
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM statuses WHERE account_id = $1 AND imported_from IS NOT NULL",
    )
    .bind(alice.id.parse::<i64>().expect("id"))
    .fetch_one(&app.state.db)
    .await
    .expect("count");
    assert_eq!(count, 45);
    let replies: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM statuses WHERE in_reply_to_id = \
         (SELECT id FROM statuses WHERE imported_from = $1)",
    )
    .bind(original(1))
    .fetch_one(&app.state.db)
    .await
    .expect("count");
    assert_eq!(replies, 44);
    // The archive is removed once its import is finished.
    let waiting = std::fs::read_dir(dir.path().join("imports"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(waiting, 0);
}

/// Rewrites the size the central directory declares for `name` (a zip's last word on it).
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let signature = [0x50, 0x4b, 0x01, 0x02];
    let mut at = 0;
    while at + 46 <= zip.len() {
        if zip[at..at + 4] == signature {
            let name_len = u16::from_le_bytes([zip[at + 28], zip[at + 29]]) as usize;
            if zip.get(at + 46..at + 46 + name_len) == Some(name.as_bytes()) {
                zip[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
                return;
            }
        }
        at += 1;
    }
    panic!("{name} not in the central directory");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_archives_are_refused_or_their_rows_reported() {
    let (app, _dir) = spawn(|_| {}).await;
    let alice = app.register("alice").await;
    let fine = vec![create(1, "2020-01-01T00:00:00Z", "<p>fine</p>", |_| {})];
    let outbox = |items: &[Value]| {
        json!({"type": "OrderedCollection", "orderedItems": items})
            .to_string()
            .into_bytes()
    };
    let refused: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "path traversal",
            zip_of(&[
                ("outbox.json", outbox(&fine)),
                ("../evil.sh", b"rm -rf /".to_vec()),
            ]),
            "points outside the archive",
        ),
        (
            "absolute path",
            zip_of(&[
                ("outbox.json", outbox(&fine)),
                ("/etc/cron.d/evil", b"x".to_vec()),
            ]),
            "points outside the archive",
        ),
        (
            "zip bomb",
            zip_of(&[
                ("outbox.json", outbox(&fine)),
                ("zeros.bin", vec![0u8; 30 << 20]),
            ]),
            "zip bomb",
        ),
        (
            "outbox not JSON",
            zip_of(&[("outbox.json", b"<html>this is no JSON</html>".to_vec())]),
            "not an ActivityStreams collection",
        ),
        (
            "outbox not a collection",
            zip_of(&[("outbox.json", b"[1, 2, 3]".to_vec())]),
            "not an ActivityStreams collection",
        ),
        (
            "no outbox",
            zip_of(&[("notes.txt", b"hello".to_vec())]),
            "has no outbox.json",
        ),
        (
            "not a zip",
            b"PK\x03\x04 but then nothing".to_vec(),
            "is not a zip archive",
        ),
        (
            "empty outbox",
            zip_of(&[("outbox.json", outbox(&[]))]),
            "has no posts",
        ),
    ];
    for (what, bytes, expected) in refused {
        let (status, body) = upload(&app, &alice, bytes, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(expected)),
            "{what}: {body}"
        );
    }
    let imports: i64 = sqlx::query_scalar("SELECT count(*) FROM imports")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(imports, 0, "nothing is stored for a refused archive");
    let (status, body) = multipart(
        &app,
        Method::POST,
        "/api/v1/import",
        &alice.token,
        Some((
            "data",
            archive(&fine, &[]),
            "archive.zip",
            "application/zip",
        )),
        &[("type", "posts"), ("mode", "overwrite")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Within an archive that can be read, bad items and bad media fail alone.
    let script = b"#!/bin/sh\necho pwned\n".to_vec();
    let items = vec![
        create(1, "2020-01-01T00:00:00Z", "<p>fine</p>", |_| {}),
        create(2, "2020-01-02T00:00:00Z", "<p>with a script</p>", |n| {
            n["attachment"] = json!([{"type": "Document", "mediaType": "image/png",
                "url": "media_attachments/files/2/original/evil.png"}]);
        }),
        json!(42),
        create(3, "2020-01-03T00:00:00Z", "<p>missing media</p>", |n| {
            n["attachment"] =
                json!([{"type": "Document", "url": "media_attachments/files/3/original/gone.png"}]);
        }),
        create(4, "2020-01-04T00:00:00Z", "<p>lying media</p>", |n| {
            n["attachment"] =
                json!([{"type": "Document", "url": "media_attachments/files/4/original/liar.png"}]);
        }),
        create(5, "2020-01-05T00:00:00Z", "<p>not mine</p>", |n| {
            n["attributedTo"] = json!("https://elsewhere.example/users/mallory");
        }),
    ];
    let mut bytes = archive(
        &items,
        &[
            ("media_attachments/files/2/original/evil.png", script),
            ("media_attachments/files/4/original/liar.png", png(300, 300)),
        ],
    );
    declare_size(
        &mut bytes,
        "media_attachments/files/4/original/liar.png",
        10,
    );
    let other = TestApp::spawn().await;
    let report = imported(&app, &other, &alice, bytes).await;
    assert_eq!(report["imported_rows"], 1, "{report}");
    let errors: Vec<(i64, String)> = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| {
            (
                f["line"].as_i64().unwrap_or(0),
                f["error"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let error = |line: i64| {
        errors
            .iter()
            .find(|(l, _)| *l == line)
            .map(|(_, e)| e.clone())
            .unwrap_or_default()
    };
    assert!(error(2).contains("content type is invalid"), "{errors:?}");
    assert!(error(3).contains("Not an activity"), "{errors:?}");
    assert!(error(4).contains("is not in the archive"), "{errors:?}");
    assert!(error(5).contains("more than the 10 bytes"), "{errors:?}");
    assert!(error(6).contains("written by someone else"), "{errors:?}");
    let media: i64 = sqlx::query_scalar("SELECT count(*) FROM media_attachments")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(media, 0, "uploads of posts that failed are removed");
    let (status, _) = app.get("/api/v1/instance", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_are_imported_into_the_tokens_own_account_only() {
    let (app, _dir) = spawn(|_| {}).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let items = vec![create(1, "2020-01-01T00:00:00Z", "<p>mine</p>", |_| {})];
    // Naming another account changes nothing: the import is the token's.
    let (status, started) = upload(
        &app,
        &alice,
        archive(&items, &[]),
        &[("account_id", bob.id.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let path = format!("/api/v1/import/{}", started["id"].as_str().expect("id"));
    let other = TestApp::spawn().await;
    eventually(&app, &other, "the import finishes", async || {
        app.get(&path, Some(&alice.token)).await.1["state"] == "finished"
    })
    .await;
    assert_eq!(profile(&app, &alice).await.len(), 1);
    assert_eq!(profile(&app, &bob).await.len(), 0);
    // Nobody else reads it, and a token that may not write imports nothing.
    let (status, _) = app.get(&path, Some(&bob.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reader = app.register_with_scopes("reader", "read").await;
    let (status, _) = upload(&app, &reader, archive(&items, &[]), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = multipart(
        &app,
        Method::POST,
        "/api/v1/import",
        "not-a-token",
        Some((
            "data",
            archive(&items, &[]),
            "archive.zip",
            "application/zip",
        )),
        &[("type", "posts")],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
