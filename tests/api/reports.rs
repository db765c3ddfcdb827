//! Reports: which statuses local users may attach, reports forwarded to remote servers as
//! `Flag`, the rules they cite, and moderators told of reports and sign-ups (`admin.report`,
//! `admin.sign_up`) over the REST and streaming APIs.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, resolve, try_resolve};
use crate::helpers::{assert_shape, TestApp, TestUser, ACCOUNT_FIELDS};

/// Reporting a status one may not see answers exactly as reporting one that does not exist,
/// so reports cannot probe for direct or followers-only posts; nothing is stored.
#[tokio::test]
async fn reports_attach_only_statuses_the_reporter_can_see() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let secret = app
        .post_status(&bob, "@carol our secret", json!({ "visibility": "direct" }))
        .await;
    let private = app
        .post_status(&bob, "followers only", json!({ "visibility": "private" }))
        .await;
    let public = app.post_status(&bob, "hello world", json!({})).await;
    let app = &app;
    let report = |token: &str, status: &serde_json::Value| {
        let body = json!({ "account_id": bob.id, "status_ids": [status], "comment": "bad" });
        let token = token.to_string();
        async move { app.post("/api/v1/reports", Some(&token), body).await }
    };

    // A status id that never existed.
    let (status, not_found) = report(&alice.token, &json!("1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{not_found}");
    for hidden in [&secret["id"], &private["id"]] {
        let (status, body) = report(&alice.token, hidden).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{hidden}: {body}");
        assert_eq!(body, not_found, "indistinguishable from a missing status");
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM reports")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(stored, 0, "nothing stored");

    // What the reporter sees may be attached: a public post, or the direct message to carol.
    let (status, filed) = report(&alice.token, &public["id"]).await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    assert_eq!(filed["status_ids"], json!([public["id"]]));
    let (status, filed) = report(&carol.token, &secret["id"]).await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    assert_eq!(filed["status_ids"], json!([secret["id"]]));
}

/// People block, then report: the reporter's own block does not hide the statuses they
/// report. A block by the reported account does, as on Mastodon.
#[tokio::test]
async fn blocking_first_does_not_stop_a_report() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let abuse = app.post_status(&bob, "something abusive", json!({})).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/block", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, filed) = app
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": bob.id, "status_ids": [abuse["id"]], "comment": "abuse" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    assert_eq!(filed["status_ids"], json!([abuse["id"]]));

    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/block", carol.id),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post(
            "/api/v1/reports",
            Some(&carol.token),
            json!({ "account_id": bob.id, "status_ids": [abuse["id"]] }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
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

const ADMIN_REPORT_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("action_taken", "boolean"),
    ("action_taken_at", "string|null"),
    ("category", "string"),
    ("comment", "string"),
    ("forwarded", "boolean"),
    ("created_at", "string"),
    ("updated_at", "string"),
    ("account", "object"),
    ("target_account", "object"),
    ("assigned_account", "object|null"),
    ("action_taken_by_account", "object|null"),
    ("statuses", "array"),
    ("rules", "array"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_forwarded_as_flags_and_handled_by_moderators() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let b_mod = b.moderator().await;
    let a_mod = a.moderator().await;
    // Bob's post reaches A through alice's follow.
    a.get("/api/v1/timelines/home", Some(&alice.token)).await;
    let bob_on_a = try_resolve(&a, &alice, &format!("bob@{}", b.addr))
        .await
        .expect("resolved");
    a.post(
        &format!("/api/v1/accounts/{bob_on_a}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "alice follows bob", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["following_count"] == 1
    })
    .await;
    let post = b.post_status(&bob, "buy my pills", json!({})).await;
    let mut copy_id = String::new();
    eventually(&a, &b, "bob's post reaches alice", async || {
        let (_, home) = a.get("/api/v1/timelines/home", Some(&alice.token)).await;
        match home
            .as_array()
            .and_then(|l| l.iter().find(|s| s["uri"] == post["uri"]))
        {
            Some(s) => {
                copy_id = s["id"].as_str().expect("id").to_string();
                true
            }
            None => false,
        }
    })
    .await;

    // Bad reports: no account, unknown account, yourself, a status not by the target,
    // an unknown category, a comment too long, rules without the violation category.
    let own = a.post_status(&alice, "mine", json!({})).await;
    for (body, expected) in [
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "account_id": "999" }), StatusCode::NOT_FOUND),
        (
            json!({ "account_id": alice.id }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "account_id": bob_on_a, "status_ids": [own["id"]] }),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({ "account_id": bob_on_a, "category": "boring" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "account_id": bob_on_a, "comment": "x".repeat(1001) }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "account_id": bob_on_a, "category": "spam", "rule_ids": ["1"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, err) = a
            .post("/api/v1/reports", Some(&alice.token), body.clone())
            .await;
        assert_eq!(status, expected, "{body}: {err}");
        assert!(err["error"].is_string());
    }
    let (_, none) = a.get("/api/v1/admin/reports", Some(&a_mod.token)).await;
    assert_eq!(none, json!([]), "nothing stored");

    let (status, report) = a
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": bob_on_a, "status_ids": [copy_id], "comment": "spam!", "category": "spam", "forward": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_shape(&report, REPORT_FIELDS);
    assert_eq!(report["forwarded"], true);
    assert_eq!(report["status_ids"], json!([copy_id]));
    assert_eq!(report["target_account"]["id"], bob_on_a.as_str());

    // A's moderators see it with the status.
    let (_, local) = a.get("/api/v1/admin/reports", Some(&a_mod.token)).await;
    assert_shape(&local[0], ADMIN_REPORT_FIELDS);
    assert_eq!(local[0]["statuses"][0]["id"], copy_id.as_str());
    assert_eq!(local[0]["account"]["username"], "alice");

    // The Flag arrives on B as a report about bob, from A's instance actor, with the post.
    let mut on_b = Value::Null;
    eventually(&a, &b, "the Flag arrives on B", async || {
        let (_, list) = b.get("/api/v1/admin/reports", Some(&b_mod.token)).await;
        on_b = list[0].clone();
        !on_b.is_null()
    })
    .await;
    assert_shape(&on_b, ADMIN_REPORT_FIELDS);
    assert_eq!(on_b["target_account"]["username"], "bob");
    assert_eq!(on_b["comment"], "spam!");
    assert_eq!(on_b["account"]["domain"], a.addr.to_string());
    assert_eq!(on_b["statuses"][0]["uri"], post["uri"]);

    // B's moderator works the report.
    let rid = on_b["id"].as_str().expect("id").to_string();
    let path = |step: &str| format!("/api/v1/admin/reports/{rid}/{step}");
    let (status, r) = b
        .post(&path("assign_to_self"), Some(&b_mod.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["assigned_account"]["username"], "moddy");
    let (_, r) = b
        .post(&path("unassign"), Some(&b_mod.token), json!({}))
        .await;
    assert!(r["assigned_account"].is_null());
    let (_, r) = b
        .post(&path("resolve"), Some(&b_mod.token), json!({}))
        .await;
    assert_eq!(r["action_taken"], true);
    assert_eq!(r["action_taken_by_account"]["username"], "moddy");
    let (_, open) = b.get("/api/v1/admin/reports", Some(&b_mod.token)).await;
    assert_eq!(open, json!([]));
    let (_, resolved) = b
        .get("/api/v1/admin/reports?resolved=true", Some(&b_mod.token))
        .await;
    assert_eq!(resolved.as_array().map(Vec::len), Some(1));
    let (_, r) = b.post(&path("reopen"), Some(&b_mod.token), json!({})).await;
    assert_eq!(r["action_taken"], false);
    // Acting on the account with the report resolves it.
    let bob_id = r["target_account"]["id"].as_str().expect("id").to_string();
    let (status, _) = b
        .post(
            &format!("/api/v1/admin/accounts/{bob_id}/action"),
            Some(&b_mod.token),
            json!({ "type": "silence", "report_id": rid, "text": "no spam" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, r) = b
        .get(&format!("/api/v1/admin/reports/{rid}"), Some(&b_mod.token))
        .await;
    assert_eq!(r["action_taken"], true);
    assert_eq!(r["target_account"]["silenced"], true);
    let (status, _) = b.get("/api/v1/admin/reports/1", Some(&b_mod.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = b
        .get(&format!("/api/v1/admin/reports/{rid}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn rules_are_managed_by_admins_and_cited_by_reports() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let m = app.moderator().await;
    let boss = app.admin().await;
    let (_, none) = app.get("/api/v1/instance/rules", None).await;
    assert_eq!(none, json!([]));

    let (status, _) = app
        .post(
            "/api/v1/admin/rules",
            Some(&m.token),
            json!({ "text": "Be kind" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "rules are the admins'");
    let (status, err) = app
        .post(
            "/api/v1/admin/rules",
            Some(&boss.token),
            json!({ "text": " " }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, rule) = app
        .post(
            "/api/v1/admin/rules",
            Some(&boss.token),
            json!({ "text": "Be kind", "hint": "Really.", "priority": 2 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rule}");
    assert_shape(
        &rule,
        &[("id", "string"), ("text", "string"), ("hint", "string")],
    );
    app.post(
        "/api/v1/admin/rules",
        Some(&boss.token),
        json!({ "text": "No spam", "priority": 1 }),
    )
    .await;
    let (_, rules) = app.get("/api/v1/instance/rules", None).await;
    assert_eq!(rules[0]["text"], "No spam");
    assert_eq!(rules[1]["text"], "Be kind");

    // A report citing a rule is a violation report; moderators see the rule with it.
    let rule_id = rule["id"].as_str().expect("id");
    let (status, report) = app
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": bob.id, "rule_ids": [rule_id], "comment": "rude" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["category"], "violation");
    assert_eq!(report["rule_ids"], json!([rule_id]));
    assert_eq!(report["forwarded"], false);
    let (_, list) = app.get("/api/v1/admin/reports", Some(&m.token)).await;
    assert_eq!(list[0]["rules"][0]["text"], "Be kind");
    let (status, _) = app
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": bob.id, "rule_ids": ["123"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, changed) = app
        .request(
            Method::PUT,
            &format!("/api/v1/admin/rules/{rule_id}"),
            Some(&boss.token),
            Some(json!({ "text": "Be very kind" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(changed["hint"], "Really.");
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/admin/rules/{rule_id}"),
            Some(&boss.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, rules) = app.get("/api/v1/instance/rules", None).await;
    assert_eq!(rules.as_array().map(Vec::len), Some(1));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_are_notified_of_reports_and_sign_ups() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let moddy = a.moderator().await;
    let boss = a.admin().await;
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
    let old = list[0]["id"].as_str().expect("id");
    let (status, _) = a
        .get(&format!("/api/v1/notifications/{old}"), Some(&moddy.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A type Rookery does not know is ignored (as Mastodon ignores it): nothing is selected.
    let (status, body) = a
        .get(
            "/api/v1/notifications?types[]=admin.nonsense",
            Some(&boss.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, serde_json::json!([]));
}
