//! Full account archives (`/api/v1/exports/archive`): asked for, made by a job, downloaded
//! and read back as a Mastodon-style ZIP (posts with their dates, threads, visibility and
//! media paths, the media files, the actor with its avatar, likes and bookmarks); one a week;
//! nobody else's to download; gone after a week. Also what else issue 21 asked of moves and
//! deletion: private notes carried over by a move, and deletion from the command line,
//! audited like self-service deletion.

use std::io::Read;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::media::{fetch_file, jpeg, multipart, png, spawn_media, upload};
use crate::helpers::{TestApp, TestUser, PASSWORD};
use crate::moderation::cli;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

async fn ask(app: &TestApp, user: &TestUser) -> (StatusCode, Value) {
    app.post("/api/v1/exports/archive", Some(&user.token), json!({}))
        .await
}

/// Downloads from `url` with `token`: status, Content-Type and bytes.
async fn download(app: &TestApp, url: &str, token: Option<&str>) -> (StatusCode, String, Vec<u8>) {
    let mut req = app.client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("download");
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, kind, res.bytes().await.expect("bytes").to_vec())
}

/// A ZIP read back: every entry's name and bytes.
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP file");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).expect("entry");
            let mut body = Vec::new();
            entry.read_to_end(&mut body).expect("read entry");
            (entry.name().to_string(), body)
        })
        .collect()
}

fn entry<'a>(all: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &all.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} in the archive"))
        .1
}

fn json_entry(all: &[(String, Vec<u8>)], name: &str) -> Value {
    serde_json::from_slice(entry(all, name)).expect("JSON")
}

/// The `Create` in `outbox` of the status with URI `uri`.
fn created<'a>(outbox: &'a Value, uri: &str) -> &'a Value {
    outbox["orderedItems"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["type"] == "Create" && i["object"]["id"] == uri)
        .unwrap_or_else(|| panic!("no Create of {uri} in {outbox}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_holds_every_post_with_its_media_likes_and_bookmarks() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&bob, &alice).await;
    let (status, me) = multipart(
        &app,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &alice.token,
        Some(("avatar", png(64, 64), "me.png", "image/png")),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (status, media) = upload(
        &app,
        &alice,
        jpeg(120, 80),
        &[("description", "a gradient"), ("focus", "0.5,-0.25")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{media}");
    let first = app
        .post_status(
            &alice,
            "first post",
            json!({
                "media_ids": [media["id"]],
                "spoiler_text": "cw",
                "sensitive": true,
                "language": "en"
            }),
        )
        .await;
    let first_id = first["id"].as_str().expect("id");
    let (status, body) = app
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{first_id}"),
            Some(&alice.token),
            Some(json!({
                "status": "first post, edited",
                "media_ids": [media["id"]],
                "spoiler_text": "cw",
                "sensitive": true,
                "language": "en"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reply = app
        .post_status(
            &alice,
            "a reply to myself",
            json!({ "in_reply_to_id": first_id, "visibility": "unlisted" }),
        )
        .await;
    let private = app
        .post_status(&alice, "for followers", json!({ "visibility": "private" }))
        .await;
    let direct = app
        .post_status(&alice, "@bob just you", json!({ "visibility": "direct" }))
        .await;
    let bobs = app.post_status(&bob, "bob's post", json!({})).await;
    let bobs_id = bobs["id"].as_str().expect("id");
    for action in ["favourite", "bookmark", "reblog"] {
        let (status, body) = app
            .post(
                &format!("/api/v1/statuses/{bobs_id}/{action}"),
                Some(&alice.token),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
    }
    app.drain_jobs().await;

    // Nothing to show before the first request; asking needs a token.
    let (status, _) = app.get("/api/v1/exports/archive", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.post("/api/v1/exports/archive", None, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, pending) = ask(&app, &alice).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{pending}");
    assert_eq!(pending["state"], "pending");
    assert_eq!(pending["url"], Value::Null);
    assert_eq!(pending["size"], Value::Null);
    // One a week: a second request is refused while the first stands.
    let (status, body) = ask(&app, &alice).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].is_string(), "{body}");

    app.drain_jobs().await;
    let (status, ready) = app.get("/api/v1/exports/archive", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["id"], pending["id"]);
    assert_eq!(ready["state"], "ready", "{ready}");
    assert!(ready["expires_at"].is_string(), "{ready}");
    let url = ready["url"].as_str().expect("url").to_string();
    let size = ready["size"].as_i64().expect("size");

    // Nobody else can download it, nor anyone without a token.
    let (status, _, _) = download(&app, &url, Some(&bob.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = download(&app, &url, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get("/api/v1/exports/archive", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, kind, bytes) = download(&app, &url, Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/zip");
    assert_eq!(bytes.len() as i64, size);
    let all = entries(&bytes);

    let outbox = json_entry(&all, "outbox.json");
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["id"], "outbox.json");
    assert_eq!(outbox["totalItems"], 5, "{outbox}");
    let items = outbox["orderedItems"].as_array().expect("items");
    assert_eq!(items.len(), 5);
    // Oldest first; the boost as an Announce of bob's post.
    assert_eq!(items[0]["object"]["id"], first["uri"]);
    assert_eq!(items[4]["type"], "Announce", "{}", items[4]);
    assert_eq!(items[4]["object"], bobs["uri"]);

    let note = &created(&outbox, first["uri"].as_str().expect("uri"))["object"];
    assert_eq!(note["published"], first["created_at"], "{note}");
    assert!(note["updated"].is_string(), "an edit's time: {note}");
    assert!(
        note["content"]
            .as_str()
            .expect("content")
            .contains("first post, edited"),
        "the latest version: {note}"
    );
    assert_eq!(note["summary"], "cw");
    assert_eq!(note["sensitive"], true);
    assert_eq!(note["contentMap"]["en"], note["content"]);
    assert_eq!(note["to"], json!([PUBLIC]));
    assert_eq!(note["inReplyTo"], Value::Null);
    let attachment = &note["attachment"][0];
    assert_eq!(attachment["type"], "Document");
    assert_eq!(attachment["mediaType"], "image/jpeg");
    assert_eq!(attachment["name"], "a gradient");
    assert_eq!(attachment["focalPoint"], json!([0.5, -0.25]));
    assert!(attachment["blurhash"].is_string(), "{attachment}");
    let path = attachment["url"].as_str().expect("path");
    let media_id = media["id"].as_str().expect("id");
    assert!(
        path.starts_with("media_attachments/files/") && path.contains("/original/"),
        "{path}"
    );
    assert!(
        path.replace('/', "").contains(media_id),
        "the id cut in threes: {path}"
    );
    // The file in the archive is the file served.
    let (status, _, served) = fetch_file(&app, media["url"].as_str().expect("url")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(entry(&all, path), served.as_slice());

    let thread = &created(&outbox, reply["uri"].as_str().expect("uri"))["object"];
    assert_eq!(thread["inReplyTo"], first["uri"], "{thread}");
    assert_eq!(thread["cc"].as_array().expect("cc")[0], PUBLIC, "unlisted");
    assert_eq!(thread["published"], reply["created_at"]);
    let followers_only = &created(&outbox, private["uri"].as_str().expect("uri"))["object"];
    assert!(
        !followers_only.to_string().contains(PUBLIC),
        "followers-only: {followers_only}"
    );
    let to_bob = &created(&outbox, direct["uri"].as_str().expect("uri"))["object"];
    assert_eq!(
        to_bob["to"],
        json!([app.url("/users/bob")]),
        "direct: {to_bob}"
    );

    let actor = json_entry(&all, "actor.json");
    assert_eq!(actor["id"], app.url("/users/alice"));
    assert_eq!(actor["outbox"], "outbox.json");
    assert_eq!(actor["likes"], "likes.json");
    assert_eq!(actor["bookmarks"], "bookmarks.json");
    let avatar = actor["icon"]["url"].as_str().expect("avatar");
    assert!(avatar.starts_with("avatar."), "{avatar}");
    let (_, _, served) = fetch_file(&app, me["avatar"].as_str().expect("avatar")).await;
    assert_eq!(entry(&all, avatar), served.as_slice());
    assert!(
        actor.get("image").is_none(),
        "no header of her own: {actor}"
    );

    for file in ["likes.json", "bookmarks.json"] {
        let list = json_entry(&all, file);
        assert_eq!(list["id"], file);
        assert_eq!(list["totalItems"], 1, "{list}");
        assert_eq!(list["orderedItems"], json!([bobs["uri"]]), "{list}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archives_expire_after_a_week_and_another_can_then_be_made() {
    let (app, dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    app.post_status(&alice, "something to keep", json!({}))
        .await;
    let (status, _) = ask(&app, &alice).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.drain_jobs().await;
    let (_, ready) = app.get("/api/v1/exports/archive", Some(&alice.token)).await;
    assert_eq!(ready["state"], "ready", "{ready}");
    let url = ready["url"].as_str().expect("url").to_string();
    let stored = |dir: &std::path::Path| -> bool {
        walk(dir).iter().any(|name| name.starts_with("archive-"))
    };
    assert!(stored(dir.path()), "the archive is in the storage");

    // Six days on: still there, still one a week.
    app.state.clock.advance(chrono::Duration::days(6));
    let (status, _, _) = download(&app, &url, Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ask(&app, &alice).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A week and a day on: no longer offered, and the job removes it.
    app.state.clock.advance(chrono::Duration::days(2));
    let (status, _, _) = download(&app, &url, Some(&alice.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/v1/exports/archive", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let due: u64 = sqlx::query(
        "UPDATE jobs SET run_at = now() WHERE kind = 'expire_archive' AND state = 'pending'",
    )
    .execute(&app.state.db)
    .await
    .expect("jobs")
    .rows_affected();
    assert_eq!(due, 1, "one expiry queued");
    app.drain_jobs().await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM account_archives")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(rows, 0);
    assert!(!stored(dir.path()), "the file is removed");

    // And a new one may be asked for.
    let (status, body) = ask(&app, &alice).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// The names of the files under `dir`, however deep.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(read) = std::fs::read_dir(dir) {
        for e in read.flatten() {
            let path = e.path();
            if path.is_dir() {
                names.extend(walk(&path));
            } else {
                names.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    names
}

async fn note_on(app: &TestApp, who: &TestUser, target: &TestUser) -> String {
    let (_, rels) = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", target.id),
            Some(&who.token),
        )
        .await;
    rels[0]["note"].as_str().expect("note").to_string()
}

async fn set_note(app: &TestApp, who: &TestUser, target: &TestUser, comment: &str) {
    let (status, body) = app
        .post(
            &format!("/api/v1/accounts/{}/note", target.id),
            Some(&who.token),
            json!({ "comment": comment }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_move_copies_private_notes_to_the_new_account() {
    let app = TestApp::spawn().await;
    let old = app.register("old").await;
    let new = app.register("new").await;
    let fan = app.register("fan").await;
    let friend = app.register("friend").await;
    let stranger = app.register("stranger").await;
    app.follow(&fan, &old).await;
    set_note(&app, &fan, &old, "met at the conference").await;
    set_note(&app, &friend, &old, "owes me a book").await;
    set_note(&app, &friend, &new, "new account?").await;
    let domain = &app.state.config.domain;
    let (status, body) = app
        .post(
            "/api/v1/accounts/alias",
            Some(&new.token),
            json!({ "also_known_as_uris": [format!("old@{domain}")] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .post(
            "/api/v1/accounts/move",
            Some(&old.token),
            json!({ "password": PASSWORD, "moved_to_uri": format!("new@{domain}") }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    app.drain_jobs().await;
    let preface = "This user moved from old, here were your previous notes about them:";
    assert_eq!(
        note_on(&app, &fan, &new).await,
        format!("{preface}\nmet at the conference")
    );
    // A note already kept on the new account follows the copy, as on Mastodon.
    assert_eq!(
        note_on(&app, &friend, &new).await,
        format!("{preface}\nowes me a book\n\n\nnew account?")
    );
    // The old notes stay; nobody else gets one.
    assert_eq!(note_on(&app, &fan, &old).await, "met at the conference");
    assert_eq!(note_on(&app, &stranger, &new).await, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_deletes_accounts_and_every_deletion_is_audited() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.post_status(&alice, "soon gone", json!({})).await;
    let (status, _) = ask(&app, &alice).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.drain_jobs().await;

    let out = cli(&app, &["delete", "alice"]);
    assert!(out.contains("deleted alice"), "{out}");
    app.drain_jobs().await;
    let alice_id: i64 = alice.id.parse().expect("id");
    let (suspended, statuses, archives): (bool, i64, i64) = sqlx::query_as(
        "SELECT a.suspended_at IS NOT NULL, \
                (SELECT count(*) FROM statuses WHERE account_id = a.id), \
                (SELECT count(*) FROM account_archives WHERE account_id = a.id) \
         FROM accounts a WHERE a.id = $1",
    )
    .bind(alice_id)
    .fetch_one(&app.state.db)
    .await
    .expect("alice");
    assert!(suspended);
    assert_eq!(statuses, 0, "her data is removed at once");
    assert_eq!(archives, 0, "her archive too");
    let (status, _) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Self-service deletion is audited too, as done by the account itself.
    let (status, body) = app
        .post_form(
            "/api/v1/accounts/delete",
            Some(&bob.token),
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let log = cli(&app, &["audit"]);
    let deletions: Vec<&str> = log.lines().filter(|l| l.contains("\tdelete\t")).collect();
    assert_eq!(deletions.len(), 2, "{log}");
    assert!(
        deletions
            .iter()
            .any(|l| l.contains("(cli)") && l.contains("Account alice")),
        "{log}"
    );
    assert!(
        deletions
            .iter()
            .any(|l| l.contains("\tbob\t") && l.contains("Account bob")),
        "{log}"
    );

    // An account that does not exist: a clear failure, nothing done.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rookery"))
        .env(
            "ROOKERY_DATABASE__URL",
            crate::helpers::database_url(&app.db_options),
        )
        .env("ROOKERY_DOMAIN", app.addr.to_string())
        .env("ROOKERY_JOBS__WORKERS", "0")
        .args(["admin", "delete", "nobody"])
        .output()
        .expect("run rookery");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no such account"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
