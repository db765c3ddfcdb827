//! Moderation, second part: moderators' notifications (`admin.report`, `admin.sign_up`) over
//! the REST API and the streaming API, re-federation of unsuspended accounts, and the v1
//! keyword filters mapped onto v2 filters.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::follows::{eventually, resolve};
use crate::helpers::{assert_shape, TestApp, TestUser, ACCOUNT_FIELDS};

/// A user of `role` whose token carries the admin scopes too.
async fn staff(app: &TestApp, name: &str, role: rookery::model::Role) -> TestUser {
    let user = app
        .register_with_scopes(name, "read write follow admin:read admin:write")
        .await;
    rookery::service::accounts::set_role(&app.state, name, role)
        .await
        .expect("set role");
    user
}

/// `who`'s notifications of `kind`.
async fn notifications_of(app: &TestApp, who: &TestUser, kind: &str) -> Vec<Value> {
    let (status, list) = app
        .get(
            &format!("/api/v1/notifications?types[]={kind}"),
            Some(&who.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().expect("list").clone()
}

/// The first `notification` event on a server-sent-event stream, within ten seconds.
async fn next_notification(res: &mut reqwest::Response) -> Value {
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(start) = buf.find("event: notification\n") {
            let rest = &buf[start..];
            if let Some(end) = rest.find("\n\n") {
                let data: String = rest[..end]
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                return serde_json::from_str(&data).expect("notification JSON");
            }
        }
        let chunk = tokio::time::timeout_at(deadline, res.chunk())
            .await
            .expect("a notification in time")
            .expect("read")
            .expect("stream open");
        buf.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
    }
}

const REPORT_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("action_taken", "boolean"),
    ("action_taken_at", "string|null"),
    ("category", "string"),
    ("comment", "string"),
    ("forwarded", "boolean"),
    ("created_at", "string"),
    ("status_ids", "array|null"),
    ("rule_ids", "array|null"),
    ("target_account", "object"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_are_notified_of_reports_and_sign_ups() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let moddy = staff(&a, "moddy", rookery::model::Role::Moderator).await;
    let boss = staff(&a, "boss", rookery::model::Role::Admin).await;
    let alice = a.register("alice").await;
    let troll = a.register("troll").await;
    let bob = b.register("bob").await;
    let mut stream = a
        .client
        .get(a.url("/api/v1/streaming/user/notification"))
        .bearer_auth(&moddy.token)
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), StatusCode::OK);

    let post = a.post_status(&troll, "trolling", json!({})).await;
    let (status, report) = a
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": troll.id, "status_ids": [post["id"]], "comment": "mean", "category": "spam" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");

    // Moderators and admins hear of it, on the stream too; the reporter and users do not.
    let streamed = next_notification(&mut stream).await;
    assert_eq!(streamed["type"], "admin.report");
    assert_eq!(streamed["report"]["id"], report["id"]);
    for who in [&moddy, &boss] {
        let list = notifications_of(&a, who, "admin.report").await;
        assert_eq!(list.len(), 1, "{list:?}");
        let n = &list[0];
        assert_shape(
            n,
            &[
                ("id", "string"),
                ("type", "string"),
                ("group_key", "string"),
                ("created_at", "string"),
                ("account", "object"),
                ("report", "object"),
            ],
        );
        assert!(n.get("status").is_none(), "{n}");
        assert_eq!(n["account"]["id"], alice.id.as_str());
        assert_shape(&n["report"], REPORT_FIELDS);
        assert_shape(&n["report"]["target_account"], ACCOUNT_FIELDS);
        assert_eq!(n["report"]["id"], report["id"]);
        assert_eq!(n["report"]["comment"], "mean");
        assert_eq!(n["report"]["category"], "spam");
        assert_eq!(n["report"]["status_ids"], json!([post["id"]]));
        assert_eq!(n["report"]["target_account"]["id"], troll.id.as_str());
        let id = n["id"].as_str().expect("id");
        let (status, one) = a
            .get(&format!("/api/v1/notifications/{id}"), Some(&who.token))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(one["report"]["id"], report["id"]);
    }
    for who in [&alice, &troll] {
        let (_, all) = a.get("/api/v1/notifications", Some(&who.token)).await;
        assert!(
            all.as_array()
                .expect("list")
                .iter()
                .all(|n| !n["type"].as_str().unwrap_or("").starts_with("admin.")),
            "{all}"
        );
    }

    // A report forwarded from another server arrives as a Flag and is announced the same way,
    // from B's instance actor.
    let troll_on_b = resolve(&b, &bob, &format!("troll@{}", a.addr)).await;
    let (status, _) = b
        .post(
            "/api/v1/reports",
            Some(&bob.token),
            json!({ "account_id": troll_on_b, "comment": "from afar", "forward": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(&a, &b, "the Flag reaches A's moderators", async || {
        notifications_of(&a, &moddy, "admin.report").await.len() == 2
    })
    .await;
    let list = notifications_of(&a, &moddy, "admin.report").await;
    assert_eq!(list[0]["report"]["comment"], "from afar");
    assert_eq!(list[0]["account"]["acct"], format!("{}@{}", b.addr, b.addr));
    assert_eq!(list[0]["report"]["target_account"]["id"], troll.id.as_str());

    // Sign-ups too (alice's, troll's, and now newbie's, newest first); a demoted moderator
    // no longer sees moderators' notifications.
    let newbie = a.register("newbie").await;
    let signups = notifications_of(&a, &boss, "admin.sign_up").await;
    assert_eq!(signups.len(), 3, "{signups:?}");
    assert_eq!(signups[0]["account"]["id"], newbie.id.as_str());
    assert!(signups[0].get("report").is_none());
    rookery::service::accounts::set_role(&a.state, "moddy", rookery::model::Role::User)
        .await
        .expect("demote");
    assert!(notifications_of(&a, &moddy, "admin.report")
        .await
        .is_empty());
    let (status, _) = a
        .get(
            "/api/v1/notifications?types[]=admin.nonsense",
            Some(&boss.token),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsuspending_a_local_account_brings_it_back_on_remote_servers() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let moddy = staff(&a, "moddy", rookery::model::Role::Moderator).await;
    let alice_on_b = resolve(&b, &bob, &format!("alice@{}", a.addr)).await;
    b.post(
        &format!("/api/v1/accounts/{alice_on_b}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "bob follows alice", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["followers_count"] == 1
    })
    .await;

    let (status, _) = a
        .post(
            &format!("/api/v1/admin/accounts/{}/action", alice.id),
            Some(&moddy.token),
            json!({ "type": "suspend" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(&a, &b, "the Delete of alice reaches B", async || {
        b.get(&format!("/api/v1/accounts/{alice_on_b}"), None)
            .await
            .0
            == StatusCode::NOT_FOUND
    })
    .await;
    let alice_uri = a.url("/users/alice");
    let known_on_b = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM accounts WHERE uri = $1")
            .bind(&alice_uri)
            .fetch_one(&b.state.db)
            .await
            .expect("count")
    };
    assert_eq!(known_on_b().await, 0, "B dropped alice on the Delete");

    let (status, restored) = a
        .post(
            &format!("/api/v1/admin/accounts/{}/unsuspend", alice.id),
            Some(&moddy.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["suspended"], false);
    // The Update of the actor reaches B, which fetches alice again and shows her.
    eventually(&a, &b, "B knows alice again", async || {
        known_on_b().await == 1
    })
    .await;
    let (_, found) = b
        .get(
            &format!(
                "/api/v2/search?q={}&type=accounts",
                crate::oauth::urlencode(&format!("alice@{}", a.addr))
            ),
            Some(&bob.token),
        )
        .await;
    let back = found["accounts"][0]["id"]
        .as_str()
        .expect("alice is found on B");
    let (status, account) = b.get(&format!("/api/v1/accounts/{back}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(account["acct"], format!("alice@{}", a.addr));
    // And she can be followed again.
    b.post(
        &format!("/api/v1/accounts/{back}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "bob follows alice again", async || {
        crate::follows::relationship(&b, &bob, back).await["following"] == true
    })
    .await;
}
