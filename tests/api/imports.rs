//! CSV imports (`POST /api/v1/import`, `GET /api/v1/import[/:id]`): exports of one instance
//! imported on another give the same follows, lists, blocks, mutes, domain blocks and
//! bookmarks (accounts and statuses resolved over federation); merge and overwrite; broken
//! rows reported while the rest is imported; bad uploads refused.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::exports::csv;
use crate::helpers::federation::{eventually, relationship, resolve};
use crate::helpers::media::multipart;
use crate::helpers::{TestApp, TestUser};

/// Uploads `text` as an import of `kind` in `mode`.
pub(crate) async fn import(
    app: &TestApp,
    user: &TestUser,
    kind: &str,
    mode: &str,
    text: &str,
) -> (StatusCode, Value) {
    multipart(
        app,
        Method::POST,
        "/api/v1/import",
        &user.token,
        Some(("data", text.as_bytes().to_vec(), "export.csv", "text/csv")),
        &[("type", kind), ("mode", mode)],
    )
    .await
}

/// Imports `text` and waits (running `other`'s queue too) until it is finished; returns the
/// final report.
pub(crate) async fn imported(
    app: &TestApp,
    other: &TestApp,
    user: &TestUser,
    kind: &str,
    mode: &str,
    text: &str,
) -> Value {
    let (status, started) = import(app, user, kind, mode, text).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["type"], kind);
    assert_eq!(started["mode"], mode);
    let id = started["id"].as_str().expect("id").to_string();
    let path = format!("/api/v1/import/{id}");
    eventually(
        app,
        other,
        &format!("the {kind} import finishes"),
        async || app.get(&path, Some(&user.token)).await.1["state"] == "finished",
    )
    .await;
    app.get(&path, Some(&user.token)).await.1
}

/// The lines of a CSV after its header, sorted (follows are accepted in any order).
pub(crate) fn body_lines(text: &str, header: bool) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .skip(usize::from(header))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_imported_on_another_instance_give_the_same_account() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let (old, bob, carol, dave, erin) = (
        a.register("alice").await,
        a.register("bob").await,
        a.register("carol").await,
        a.register("dave").await,
        a.register("erin").await,
    );
    let post = a.post_status(&bob, "bookmark me", json!({})).await;
    for (path, body) in [
        (
            format!("/api/v1/accounts/{}/follow", bob.id),
            json!({ "notify": true, "reblogs": false }),
        ),
        (format!("/api/v1/accounts/{}/follow", carol.id), json!({})),
        (format!("/api/v1/accounts/{}/block", dave.id), json!({})),
        (
            format!("/api/v1/accounts/{}/mute", erin.id),
            json!({ "notifications": false }),
        ),
        (
            "/api/v1/domain_blocks".to_string(),
            json!({ "domain": "spam.example" }),
        ),
        (
            format!(
                "/api/v1/statuses/{}/bookmark",
                post["id"].as_str().expect("id")
            ),
            json!({}),
        ),
    ] {
        let (status, res) = a.post(&path, Some(&old.token), body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {res}");
    }
    let (_, list) = a
        .post(
            "/api/v1/lists",
            Some(&old.token),
            json!({ "title": "Friends" }),
        )
        .await;
    let (status, _) = a
        .post(
            &format!(
                "/api/v1/lists/{}/accounts",
                list["id"].as_str().expect("id")
            ),
            Some(&old.token),
            json!({ "account_ids": [bob.id] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let files = [
        ("following", "following.csv", true),
        ("lists", "lists.csv", false),
        ("blocks", "blocks.csv", false),
        ("mutes", "mutes.csv", true),
        ("domain_blocks", "domain_blocks.csv", false),
        ("bookmarks", "bookmarks.csv", false),
    ];
    let new = b.register("alice").await;
    for (kind, file, header) in files {
        let exported = csv(&a, &old, file).await;
        assert!(!body_lines(&exported, header).is_empty(), "{file} is empty");
        let report = imported(&b, &a, &new, kind, "merge", &exported).await;
        assert_eq!(report["failed_rows"], 0, "{kind}: {report}");
        assert_eq!(report["failures"], json!([]), "{kind}");
        assert_eq!(report["processed_rows"], report["total_rows"], "{kind}");
    }
    // The follows are accepted on A, with their options.
    let bob_on_b = resolve(&b, &new, &format!("bob@{}", a.addr)).await;
    eventually(&a, &b, "bob accepts the follow from B", async || {
        relationship(&b, &new, &bob_on_b).await["following"] == true
    })
    .await;
    let rel = relationship(&b, &new, &bob_on_b).await;
    assert_eq!(rel["notifying"], true);
    assert_eq!(rel["showing_reblogs"], false);
    let (_, bob_on_a) = a.get(&format!("/api/v1/accounts/{}", bob.id), None).await;
    assert_eq!(bob_on_a["followers_count"], 2, "alice on A and on B");

    // Exported again from B, everything reads as it did on A.
    for (_, file, header) in files {
        assert_eq!(
            body_lines(&csv(&b, &new, file).await, header),
            body_lines(&csv(&a, &old, file).await, header),
            "{file}"
        );
    }
    let (_, bookmarks) = b.get("/api/v1/bookmarks", Some(&new.token)).await;
    assert_eq!(bookmarks[0]["uri"], post["uri"]);
    assert_eq!(bookmarks[0]["content"], post["content"]);

    // Overwrite: following only carol unfollows bob, over federation (Undo Follow).
    let only_carol = format!("carol@{},true,false,\n", a.addr);
    let report = imported(&b, &a, &new, "following", "overwrite", &only_carol).await;
    assert_eq!(report["imported_rows"], 1, "{report}");
    eventually(&a, &b, "bob on A loses the follower on B", async || {
        a.get(&format!("/api/v1/accounts/{}", bob.id), None).await.1["followers_count"] == 1
    })
    .await;
    assert_eq!(
        body_lines(&csv(&b, &new, "following.csv").await, true),
        [format!("carol@{},true,false,", a.addr)]
    );
    // bob left the list with the follow.
    assert_eq!(csv(&b, &new, "lists.csv").await, "");
}

#[tokio::test]
async fn merge_adds_and_overwrite_replaces() {
    let app = TestApp::spawn().await;
    let d = app.addr.to_string();
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    for name in ["carol", "dave", "erin"] {
        app.register(name).await;
    }
    app.follow(&alice, &bob).await;

    let report = imported(
        &app,
        &app,
        &alice,
        "following",
        "merge",
        &format!("carol@{d}\ndave@{d},false,true,en\n"),
    )
    .await;
    assert_eq!(report["total_rows"], 2, "{report}");
    assert_eq!(report["imported_rows"], 2);
    assert_eq!(
        body_lines(&csv(&app, &alice, "following.csv").await, true),
        [
            format!("bob@{d},true,false,"),
            format!("carol@{d},true,false,"),
            format!("dave@{d},false,true,en"),
        ]
    );

    imported(
        &app,
        &app,
        &alice,
        "following",
        "overwrite",
        &format!("Account address\nerin@{d}\ncarol@{d}\n"),
    )
    .await;
    assert_eq!(
        body_lines(&csv(&app, &alice, "following.csv").await, true),
        [
            format!("carol@{d},true,false,"),
            format!("erin@{d},true,false,")
        ]
    );
    let (_, bob_now) = app.get(&format!("/api/v1/accounts/{}", bob.id), None).await;
    assert_eq!(
        bob_now["followers_count"], 0,
        "unfollowed through the service"
    );

    // Domain blocks and lists the same way.
    imported(
        &app,
        &app,
        &alice,
        "domain_blocks",
        "merge",
        "a.example\nb.example\n",
    )
    .await;
    imported(
        &app,
        &app,
        &alice,
        "domain_blocks",
        "overwrite",
        "#domain\nb.example\nc.example\n",
    )
    .await;
    assert_eq!(
        body_lines(&csv(&app, &alice, "domain_blocks.csv").await, false),
        ["b.example", "c.example"]
    );
    imported(
        &app,
        &app,
        &alice,
        "lists",
        "merge",
        &format!("Old,carol@{d}\nKeep,carol@{d}\nKeep,erin@{d}\n"),
    )
    .await;
    imported(
        &app,
        &app,
        &alice,
        "lists",
        "overwrite",
        &format!("Keep,erin@{d}\nNew,bob@{d}\n"),
    )
    .await;
    assert_eq!(
        body_lines(&csv(&app, &alice, "lists.csv").await, false),
        [format!("Keep,erin@{d}"), format!("New,bob@{d}")]
    );
    let (_, lists) = app.get("/api/v1/lists", Some(&alice.token)).await;
    assert_eq!(
        lists.as_array().map(Vec::len),
        Some(2),
        "Old is gone: {lists}"
    );
    // Adding bob to a list followed him again.
    let (_, bob_now) = app.get(&format!("/api/v1/accounts/{}", bob.id), None).await;
    assert_eq!(bob_now["followers_count"], 1);

    // Imports are listed, newest first, without their failures.
    let (status, all) = app.get("/api/v1/import?limit=2", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK);
    let all = all.as_array().expect("list").clone();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["type"], "lists");
    assert_eq!(all[0]["mode"], "overwrite");
    assert!(all[0].get("failures").is_none());
}

#[tokio::test]
async fn broken_rows_are_reported_and_the_rest_is_imported() {
    let app = TestApp::spawn().await;
    let d = app.addr.to_string();
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let text = format!(
        "Account address,Hide notifications\n\
         bob@{d},false\n\
         not an address\n\
         carol@{d},perhaps\n\
         nobody@{d},true\n"
    );
    let report = imported(&app, &app, &alice, "mutes", "merge", &text).await;
    assert_eq!(report["total_rows"], 4, "{report}");
    assert_eq!(report["processed_rows"], 4);
    assert_eq!(report["imported_rows"], 1);
    assert_eq!(report["failed_rows"], 3);
    let failures = report["failures"].as_array().expect("failures");
    let lines: Vec<i64> = failures
        .iter()
        .map(|f| f["line"].as_i64().expect("line"))
        .collect();
    assert_eq!(lines, [3, 4, 5]);
    assert_eq!(failures[0]["row"], "not an address");
    assert!(failures[1]["error"]
        .as_str()
        .is_some_and(|e| e.contains("Hide notifications")));
    assert!(failures[2]["error"]
        .as_str()
        .is_some_and(|e| e.contains("Not found")));
    assert_eq!(report["state"], "finished");
    assert!(report["finished_at"].is_string());
    let rel = relationship(&app, &alice, &bob.id).await;
    assert_eq!(rel["muting"], true);
    assert_eq!(rel["muting_notifications"], false);
}

#[tokio::test]
async fn bad_uploads_are_refused_and_imports_are_the_callers_own() {
    let app = TestApp::spawn_with(|c| {
        c.portability.import_max_bytes = 200;
        c.portability.import_max_rows = 3;
    })
    .await;
    let d = app.addr.to_string();
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;

    let (status, body) = import(&app, &alice, "followers", "merge", &format!("bob@{d}\n")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = import(&app, &alice, "following", "replace", &format!("bob@{d}\n")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = multipart(
        &app,
        Method::POST,
        "/api/v1/import",
        &alice.token,
        None,
        &[("type", "following")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = multipart(
        &app,
        Method::POST,
        "/api/v1/import",
        &alice.token,
        Some((
            "data",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "x.png",
            "image/png",
        )),
        &[("type", "following")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = import(&app, &alice, "following", "merge", "\n\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let big = format!("bob@{d}\n").repeat(20);
    let (status, body) = import(&app, &alice, "following", "merge", &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let long = format!("bob@{d}\ncarol@{d}\nbob@{d}\ncarol@{d}\n");
    let (status, body) = import(&app, &alice, "following", "merge", &long).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, none) = app.get("/api/v1/import", Some(&alice.token)).await;
    assert_eq!(none, json!([]), "nothing was stored");

    // Scopes: `write` to import, `read` to look.
    let reader = app.register_with_scopes("reader", "read").await;
    let (status, _) = import(&app, &reader, "following", "merge", &format!("bob@{d}\n")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("/api/v1/import", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An import acts for the token's own account: there is no way to name another.
    let report = {
        let (status, started) = multipart(
            &app,
            Method::POST,
            "/api/v1/import",
            &bob.token,
            Some((
                "data",
                format!("carol@{d}\n").into_bytes(),
                "f.csv",
                "text/csv",
            )),
            &[("type", "following"), ("account_id", &alice.id)],
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{started}");
        started
    };
    let id = report["id"].as_str().expect("id");
    app.drain_jobs().await;
    assert_eq!(relationship(&app, &bob, &carol.id).await["following"], true);
    assert_eq!(
        relationship(&app, &alice, &carol.id).await["following"],
        false
    );
    let (status, _) = app
        .get(&format!("/api/v1/import/{id}"), Some(&alice.token))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "bob's import is not alice's to read"
    );
    let (status, seen) = app
        .get(&format!("/api/v1/import/{id}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["imported_rows"], 1);
}
