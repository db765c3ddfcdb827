//! The staff's web pages (`/admin/…`): who may see them, the CSRF check of every form, what
//! each form does (through the same services as the admin API) and the audit line it
//! leaves, escaping of hostile names, and the domain blocklist's CSV round trip.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::web::{Page, WebSession};
use crate::helpers::{hidden, TestApp, TestUser, PASSWORD};

/// A browser session (the foundation's [`WebSession`]) with its CSRF token read once.
pub struct Signed {
    pub web: WebSession,
    pub csrf: String,
}

impl Signed {
    /// A visitor with no session.
    pub fn anonymous(app: &TestApp) -> Signed {
        Signed {
            web: WebSession::anonymous(app),
            csrf: String::new(),
        }
    }

    /// Signs `login` in with the password form and reads the session's CSRF token from the
    /// domains page (none for someone who may not see it).
    pub async fn sign_in(app: &TestApp, login: &str) -> Signed {
        let web = WebSession::sign_in(app, login).await;
        let page = web.get("/admin/domains").await;
        let csrf = if page.status == StatusCode::OK {
            hidden(&page.body, "authenticity_token")
        } else {
            String::new()
        };
        Signed { web, csrf }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.web.get(path).await
    }

    /// A form POST as given (no token added).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.web.post_raw(path, form).await
    }

    /// A form POST with this session's CSRF token added.
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let mut fields = vec![("authenticity_token", self.csrf.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }
}

trait Done {
    fn done(&self);
    fn location(&self) -> &str;
}

impl Done for Page {
    /// A form that worked: 303 back to a page.
    #[track_caller]
    fn done(&self) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.body);
    }

    fn location(&self) -> &str {
        self.location.as_deref().unwrap_or_default()
    }
}

/// The audit log's actions, newest first, through the admin API.
async fn audit(app: &TestApp, admin: &TestUser) -> Vec<(String, String)> {
    let (status, log) = app
        .get("/api/v1/admin/action_logs?limit=80", Some(&admin.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    log.as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_string(),
                e["target_type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[track_caller]
fn assert_audited(log: &[(String, String)], action: &str, target_type: &str) {
    assert!(
        log.iter().any(|(a, t)| a == action && t == target_type),
        "no {action} of a {target_type} in {log:?}"
    );
}

/// The pages every moderator sees, and those for admins only.
const STAFF_PAGES: &[&str] = &[
    "/admin/reports",
    "/admin/reports?resolved=1",
    "/admin/accounts",
    "/admin/domains",
    "/admin/trends",
    "/admin/audit",
    "/admin/queue",
];
const ADMIN_PAGES: &[&str] = &["/admin/settings", "/admin/emojis", "/admin/announcements"];

/// Visitors are sent to sign in (and back after), users get 403, moderators see the
/// moderators' pages and 403 on the admins', admins see all.
#[tokio::test]
async fn every_page_requires_staff() {
    let app = TestApp::spawn().await;
    app.admin().await;
    app.moderator().await;
    app.register("plain").await;
    let visitor = Signed::anonymous(&app);
    let user = Signed::sign_in(&app, "plain").await;
    let moderator = Signed::sign_in(&app, "moddy").await;
    let admin = Signed::sign_in(&app, "boss").await;
    for page in STAFF_PAGES.iter().chain(ADMIN_PAGES) {
        let a = visitor.get(page).await;
        assert!(a.status.is_redirection(), "{page}: {}", a.status);
        assert!(
            a.location().starts_with("/auth/sign_in"),
            "{page}: {}",
            a.location()
        );
        assert_eq!(user.get(page).await.status, StatusCode::FORBIDDEN, "{page}");
        let seen = admin.get(page).await;
        assert_eq!(seen.status, StatusCode::OK, "{page}: {}", seen.body);
        assert!(seen.body.contains("/assets/admin.css"), "{page}");
        assert!(!seen.body.contains("style="), "{page}: inline style");
        assert!(!seen.body.contains("<script>"), "{page}: inline script");
    }
    for page in STAFF_PAGES {
        assert_eq!(moderator.get(page).await.status, StatusCode::OK, "{page}");
    }
    for page in ADMIN_PAGES {
        assert_eq!(
            moderator.get(page).await.status,
            StatusCode::FORBIDDEN,
            "{page}"
        );
    }
    // Forms too: a user's POST is refused before anything happens.
    let refused = user
        .submit("/admin/domain_blocks", &[("domain", "spam.example")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let css = visitor.get("/assets/admin.css").await;
    assert_eq!(css.status, StatusCode::OK);
}

/// Every form refuses a POST without this session's token, or from another site, and
/// changes nothing.
#[tokio::test]
async fn forms_refuse_a_missing_or_foreign_token() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let target = app.register("target").await;
    let admin = Signed::sign_in(&app, "boss").await;
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/admin/domain_blocks".into(),
            vec![("domain", "spam.example")],
        ),
        (
            "/admin/domain_blocks/import".into(),
            vec![("data", "spam.example")],
        ),
        (
            "/admin/domain_allows".into(),
            vec![("domain", "ok.example")],
        ),
        (
            format!("/admin/accounts/{}/action", target.id),
            vec![("type", "suspend")],
        ),
        (
            format!("/admin/accounts/{}/undo/unsuspend", target.id),
            vec![],
        ),
        (format!("/admin/accounts/{}/delete", target.id), vec![]),
        ("/admin/reports/1/resolve".into(), vec![]),
        ("/admin/settings".into(), vec![("title", "Hijacked")]),
        ("/admin/rules".into(), vec![("text", "No fun")]),
        ("/admin/announcements".into(), vec![("text", "Hello")]),
        ("/admin/emojis/1".into(), vec![("action", "disable")]),
        ("/admin/emojis/1/delete".into(), vec![]),
        ("/admin/trends/tags/1/approve".into(), vec![]),
    ];
    for (path, fields) in &forms {
        let missing = admin.post(path, fields).await;
        assert_eq!(
            missing.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            missing.body
        );
        let mut wrong = vec![("authenticity_token", "0123456789abcdef")];
        wrong.extend_from_slice(fields);
        assert_eq!(
            admin.post(path, &wrong).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        // The right token from another site's page.
        let mut right = vec![("authenticity_token", admin.csrf.as_str())];
        right.extend_from_slice(fields);
        let foreign = admin
            .web
            .client
            .post(format!("{}{path}", admin.web.base))
            .header("origin", "https://evil.example")
            .form(&right)
            .send()
            .await
            .expect("POST");
        assert_eq!(foreign.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // A multipart upload checks the token as well.
    let form = reqwest::multipart::Form::new()
        .text("authenticity_token", "wrong")
        .text("shortcode", "blob")
        .part(
            "image",
            reqwest::multipart::Part::bytes(crate::helpers::media::png(16, 16))
                .file_name("blob.png")
                .mime_str("image/png")
                .expect("mime"),
        );
    let upload = admin
        .web
        .client
        .post(format!("{}/admin/emojis", admin.web.base))
        .header("origin", &admin.web.base)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(upload.status(), StatusCode::FORBIDDEN);
    // Nothing happened.
    assert!(audit(&app, &boss).await.is_empty());
    let (_, instance) = app.get("/api/v1/instance", None).await;
    assert_ne!(instance["title"], "Hijacked");
    let (_, account) = app
        .get(
            &format!("/api/v1/admin/accounts/{}", target.id),
            Some(&boss.token),
        )
        .await;
    assert_eq!(account["suspended"], false);
}

/// A user's report reaches the queue with its posts, comment and the target's history; the
/// moderator suspends the account from the report, which resolves it, then lifts the
/// suspension from the account's page. Each step is in the audit log.
#[tokio::test]
async fn a_report_is_resolved_by_an_action_and_undone() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let alice = app.register("alice").await;
    let mallory = app.register("mallory").await;
    let post = app.post_status(&mallory, "buy my pills", json!({})).await;
    let report = |comment: &'static str| {
        let app = &app;
        let alice = &alice;
        let body =
            json!({ "account_id": mallory.id, "status_ids": [post["id"]], "comment": comment });
        async move {
            let (status, r) = app.post("/api/v1/reports", Some(&alice.token), body).await;
            assert_eq!(status, StatusCode::OK, "{r}");
            r["id"].as_str().expect("id").to_string()
        }
    };
    let earlier = report("first time").await;
    let id = report("spam again").await;
    let admin = Signed::sign_in(&app, "boss").await;

    let queue = admin.get("/admin/reports").await;
    assert!(
        queue.body.contains(&format!("/admin/reports/{id}")),
        "{}",
        queue.body
    );
    assert!(queue.body.contains("mallory"));
    let page = admin.get(&format!("/admin/reports/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("spam again"), "the comment");
    assert!(page.body.contains("buy my pills"), "the reported post");
    assert!(
        page.body.contains(&format!("/admin/reports/{earlier}")),
        "the earlier report in the history"
    );

    admin
        .submit(&format!("/admin/reports/{id}/assign_to_self"), &[])
        .await
        .done();
    let acted = admin
        .submit(
            &format!("/admin/accounts/{}/action", mallory.id),
            &[
                ("type", "suspend"),
                ("text", "spam"),
                ("report_id", id.as_str()),
            ],
        )
        .await;
    acted.done();
    assert_eq!(acted.location(), format!("/admin/reports/{id}"));
    let (_, account) = app
        .get(
            &format!("/api/v1/admin/accounts/{}", mallory.id),
            Some(&boss.token),
        )
        .await;
    assert_eq!(account["suspended"], true, "{account}");
    let (_, resolved) = app
        .get(&format!("/api/v1/admin/reports/{id}"), Some(&boss.token))
        .await;
    assert_eq!(resolved["action_taken"], true, "{resolved}");
    // The other report's page now shows the action in the target's history.
    let history = admin.get(&format!("/admin/reports/{earlier}")).await;
    assert!(history.body.contains("suspend by boss"), "{}", history.body);

    let account_page = admin.get(&format!("/admin/accounts/{}", mallory.id)).await;
    assert!(account_page.body.contains("/undo/unsuspend"));
    admin
        .submit(
            &format!("/admin/accounts/{}/undo/unsuspend", mallory.id),
            &[],
        )
        .await
        .done();
    let (_, account) = app
        .get(
            &format!("/api/v1/admin/accounts/{}", mallory.id),
            Some(&boss.token),
        )
        .await;
    assert_eq!(account["suspended"], false);
    // Warn, sensitive and silence, then their reverses.
    for (kind, undo) in [
        ("none", None),
        ("sensitive", Some("unsensitive")),
        ("silence", Some("unsilence")),
    ] {
        admin
            .submit(
                &format!("/admin/accounts/{}/action", mallory.id),
                &[("type", kind), ("text", "")],
            )
            .await
            .done();
        if let Some(undo) = undo {
            admin
                .submit(&format!("/admin/accounts/{}/undo/{undo}", mallory.id), &[])
                .await
                .done();
        }
    }
    // An unknown action is refused with a page, not applied.
    let bad = admin
        .submit(
            &format!("/admin/accounts/{}/action", mallory.id),
            &[("type", "banish")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Deleting needs a suspension first.
    let refused = admin
        .submit(&format!("/admin/accounts/{}/delete", mallory.id), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let log = audit(&app, &boss).await;
    for action in [
        "assigned_to_self_report",
        "suspend",
        "unsuspend",
        "warn",
        "sensitive",
        "unsensitive",
        "silence",
        "unsilence",
    ] {
        let target = if action.ends_with("_report") {
            "Report"
        } else {
            "Account"
        };
        assert_audited(&log, action, target);
    }
    let audit_page = admin.get("/admin/audit").await;
    assert!(audit_page.body.contains("unsuspend"));
}

/// Display names, bios, comments and domains written to hurt are shown as text.
#[tokio::test]
async fn hostile_names_are_escaped() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let alice = app.register("alice").await;
    let mallory = app.register("mallory").await;
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let (status, _) = app
        .request(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&mallory.token),
            Some(json!({ "display_name": "<b>Evil</b>\"'&", "note": hostile })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, r) = app
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": mallory.id, "comment": hostile }),
        )
        .await;
    let id = r["id"].as_str().expect("id");
    let admin = Signed::sign_in(&app, "boss").await;
    admin
        .submit(
            "/admin/domain_blocks",
            &[("domain", "evil.example"), ("public_comment", hostile)],
        )
        .await
        .done();
    for page in [
        format!("/admin/reports/{id}"),
        format!("/admin/accounts/{}", mallory.id),
        "/admin/accounts?username=mallory".to_string(),
        "/admin/domains".to_string(),
    ] {
        let a = admin.get(&page).await;
        assert_eq!(a.status, StatusCode::OK, "{page}");
        assert!(!a.body.contains("<script>alert"), "{page}: {}", a.body);
        assert!(!a.body.contains("<img src=x"), "{page}");
        assert!(!a.body.contains("<b>Evil"), "{page}");
    }
    let report = admin.get(&format!("/admin/reports/{id}")).await;
    assert!(report
        .body
        .contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    let account = admin.get(&format!("/admin/accounts/{}", mallory.id)).await;
    assert!(
        account.body.contains("&#60;b&#62;Evil&#60;/b&#62;"),
        "{}",
        account.body
    );
}

/// Blocks made in the form export in Mastodon's format and import back the same; bad lines
/// are listed with their numbers and the good ones still imported.
#[tokio::test]
async fn domain_blocks_round_trip_through_csv() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let admin = Signed::sign_in(&app, "boss").await;
    admin
        .submit(
            "/admin/domain_blocks",
            &[
                ("domain", "Spam.Example"),
                ("severity", "suspend"),
                ("reject_media", "1"),
                ("public_comment", "spam, \"lots\""),
                ("obfuscate", "1"),
            ],
        )
        .await
        .done();
    admin
        .submit(
            "/admin/domain_blocks",
            &[
                ("domain", "loud.example"),
                ("severity", "silence"),
                ("reject_reports", "1"),
            ],
        )
        .await
        .done();
    let twice = admin
        .submit("/admin/domain_blocks", &[("domain", "spam.example")])
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);

    let export = admin.get("/admin/domain_blocks/export.csv").await;
    assert_eq!(export.status, StatusCode::OK);
    let mut lines = export.body.lines();
    assert_eq!(
        lines.next(),
        Some("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate")
    );
    assert!(
        export
            .body
            .contains("spam.example,suspend,true,false,\"spam, \"\"lots\"\"\",true"),
        "{}",
        export.body
    );
    assert!(export
        .body
        .contains("loud.example,silence,false,true,,false"));

    // Lift both, then import the export with bad lines mixed in.
    let (_, blocks) = app
        .get("/api/v1/admin/domain_blocks", Some(&boss.token))
        .await;
    for b in blocks.as_array().expect("blocks") {
        let id = b["id"].as_str().expect("id");
        admin
            .submit(&format!("/admin/domain_blocks/{id}/delete"), &[])
            .await
            .done();
    }
    let data = format!(
        "{}not a domain!,suspend\n,silence\nfresh.example,noop,true\n",
        export.body
    );
    let imported = admin
        .submit("/admin/domain_blocks/import", &[("data", data.as_str())])
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert!(
        imported.body.contains("Blocked now (3)"),
        "{}",
        imported.body
    );
    assert!(imported.body.contains("Line 4:"), "{}", imported.body);
    assert!(
        imported.body.contains("Line 5: no domain"),
        "{}",
        imported.body
    );
    let again = admin.get("/admin/domain_blocks/export.csv").await;
    for line in export.body.lines() {
        assert!(again.body.contains(line), "{line} lost in {}", again.body);
    }
    let (_, blocks) = app
        .get("/api/v1/admin/domain_blocks", Some(&boss.token))
        .await;
    let spam = blocks
        .as_array()
        .expect("blocks")
        .iter()
        .find(|b| b["domain"] == "spam.example")
        .expect("spam.example back")
        .clone();
    assert_eq!(spam["severity"], "suspend");
    assert_eq!(spam["reject_media"], true);
    assert_eq!(spam["obfuscate"], true);
    assert_eq!(spam["public_comment"], "spam, \"lots\"");

    // Allows.
    admin
        .submit("/admin/domain_allows", &[("domain", "friends.example")])
        .await
        .done();
    let page = admin.get("/admin/domains").await;
    assert!(page.body.contains("friends.example"));
    let log = audit(&app, &boss).await;
    assert_audited(&log, "create_domain_block", "DomainBlock");
    assert_audited(&log, "destroy_domain_block", "DomainBlock");
    assert_audited(&log, "create_domain_allow", "DomainAllow");
}

/// Settings saved in the page are stored, win over the configuration in the API and in
/// sign-ups, and are in the audit log; a bad one is refused and nothing is stored.
#[tokio::test]
async fn instance_settings_persist_and_win_over_the_configuration() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let admin = Signed::sign_in(&app, "boss").await;
    let settings = [
        ("title", "Rookery <Dev>"),
        ("description", "A small place"),
        ("contact_email", "admin@rookery.example"),
        ("registrations", "closed"),
        ("extended_description", "Longer words"),
        ("privacy_policy", "We keep little"),
        ("terms", "Be kind"),
        ("terms_effective_date", ""),
    ];
    admin.submit("/admin/settings", &settings).await.done();
    let (_, v1) = app.get("/api/v1/instance", None).await;
    assert_eq!(v1["title"], "Rookery <Dev>");
    assert_eq!(v1["short_description"], "A small place");
    assert_eq!(v1["email"], "admin@rookery.example");
    assert_eq!(v1["registrations"], false);
    let (_, v2) = app.get("/api/v2/instance", None).await;
    assert_eq!(v2["title"], "Rookery <Dev>");
    assert_eq!(v2["registrations"]["enabled"], false);
    let (_, nodeinfo) = app.get("/nodeinfo/2.0", None).await;
    assert_eq!(nodeinfo["openRegistrations"], false);
    let (_, policy) = app.get("/api/v1/instance/privacy_policy", None).await;
    assert!(policy["content"]
        .as_str()
        .unwrap_or_default()
        .contains("We keep little"));
    let (status, _) = app
        .post_form(
            "/api/v1/accounts",
            Some(&app.app_token("read write").await),
            &[
                ("username", "late"),
                ("email", "late@example.com"),
                ("password", PASSWORD),
                ("agreement", "true"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "sign-ups are closed now");
    let page = admin.get("/admin/settings").await;
    assert!(
        page.body.contains("value=\"Rookery &#60;Dev&#62;\""),
        "{}",
        page.body
    );

    // Nothing changed, nothing audited; a bad value is refused whole.
    let before = audit(&app, &boss).await.len();
    admin.submit("/admin/settings", &settings[..6]).await.done();
    assert_eq!(audit(&app, &boss).await.len(), before);
    let bad = admin
        .submit(
            "/admin/settings",
            &[("title", "  "), ("registrations", "sometimes")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let (_, v1) = app.get("/api/v1/instance", None).await;
    assert_eq!(v1["title"], "Rookery <Dev>");

    // Rules.
    admin
        .submit(
            "/admin/rules",
            &[("text", "No spam"), ("hint", "none at all")],
        )
        .await
        .done();
    let (_, rules) = app.get("/api/v1/instance/rules", None).await;
    assert_eq!(rules[0]["text"], "No spam");
    let log = audit(&app, &boss).await;
    assert_audited(&log, "update_instance", "Instance");
    assert_audited(&log, "create_rule", "Rule");
}

/// The queue page shows pending jobs by kind and the hosts deliveries fail to.
#[tokio::test]
async fn the_queue_page_shows_pending_jobs_and_failing_hosts() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let admin = Signed::sign_in(&app, "boss").await;
    let empty = admin.get("/admin/queue").await;
    assert!(empty.body.contains("The queue is empty"), "{}", empty.body);
    let mut conn = app.state.db.acquire().await.expect("a connection");
    rookery::service::queue::enqueue(
        &mut conn,
        &rookery::service::queue::Job::FetchRemote(rookery::service::queue::FetchRemote::Actor {
            url: "https://far.example/users/x".into(),
        }),
    )
    .await
    .expect("enqueue");
    rookery::store::delivery_hosts::record_failure(
        &mut *conn,
        "down.example",
        "connection refused",
        chrono::Utc::now(),
        chrono::Utc::now() - chrono::Duration::days(30),
    )
    .await
    .expect("a failure");
    let page = admin.get("/admin/queue").await;
    assert!(page.body.contains("fetch_remote"), "{}", page.body);
    assert!(page.body.contains("down.example"), "{}", page.body);
    assert!(page.body.contains("connection refused"));
}

/// An emoji uploaded, changed, disabled and deleted in the page; every step (and the same
/// steps through the admin API) is in the audit log.
#[tokio::test]
async fn emoji_actions_are_audited() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let admin = Signed::sign_in(&app, "boss").await;
    let form = reqwest::multipart::Form::new()
        .text("authenticity_token", admin.csrf.clone())
        .text("shortcode", "blob")
        .text("category", "Blobs")
        .part(
            "image",
            reqwest::multipart::Part::bytes(crate::helpers::media::png(16, 16))
                .file_name("blob.png")
                .mime_str("image/png")
                .expect("mime"),
        );
    let upload = admin
        .web
        .client
        .post(format!("{}/admin/emojis", admin.web.base))
        .header("origin", &admin.web.base)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(upload.status(), StatusCode::SEE_OTHER);
    let (_, list) = app
        .get("/api/v1/admin/custom_emojis", Some(&boss.token))
        .await;
    let id = list[0]["id"].as_str().expect("an emoji").to_string();
    let page = admin.get("/admin/emojis").await;
    assert!(page.body.contains(":blob:"));
    admin
        .submit(
            &format!("/admin/emojis/{id}"),
            &[("action", "modify"), ("category", "Faces")],
        )
        .await
        .done();
    admin
        .submit(&format!("/admin/emojis/{id}"), &[("action", "disable")])
        .await
        .done();
    let (_, one) = app
        .get(
            &format!("/api/v1/admin/custom_emojis/{id}"),
            Some(&boss.token),
        )
        .await;
    assert_eq!(one["disabled"], true, "{one}");
    assert_eq!(one["category"], "Faces");
    // Through the API, the same audit.
    let (status, _) = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/custom_emojis/{id}"),
            Some(&boss.token),
            Some(json!({ "type": "enable" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    admin
        .submit(&format!("/admin/emojis/{id}/delete"), &[])
        .await
        .done();
    let log = audit(&app, &boss).await;
    for action in [
        "create_custom_emoji",
        "update_custom_emoji",
        "disable_custom_emoji",
        "enable_custom_emoji",
        "destroy_custom_emoji",
    ] {
        assert_audited(&log, action, "CustomEmoji");
    }
}

/// Announcements written, scheduled and deleted in the page, as clients then see them; a
/// trending tag approved; both audited.
#[tokio::test]
async fn announcements_and_trend_reviews() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let admin = Signed::sign_in(&app, "boss").await;
    admin
        .submit("/admin/announcements", &[("text", "Maintenance tonight")])
        .await
        .done();
    admin
        .submit(
            "/admin/announcements",
            &[("text", "Later news"), ("scheduled_at", "2099-01-01T10:00")],
        )
        .await
        .done();
    let (_, seen) = app.get("/api/v1/announcements", Some(&boss.token)).await;
    let seen = seen.as_array().expect("a list").clone();
    assert_eq!(seen.len(), 1, "the scheduled one waits: {seen:?}");
    let id = seen[0]["id"].as_str().expect("id").to_string();
    let edit = admin.get(&format!("/admin/announcements/{id}")).await;
    assert!(edit.body.contains("Maintenance tonight"));
    admin
        .submit(
            &format!("/admin/announcements/{id}"),
            &[("text", "Maintenance tomorrow")],
        )
        .await
        .done();
    let (_, seen) = app.get("/api/v1/announcements", Some(&boss.token)).await;
    assert!(seen[0]["content"]
        .as_str()
        .unwrap_or_default()
        .contains("tomorrow"));
    let bad = admin
        .submit(
            "/admin/announcements",
            &[("text", "x"), ("scheduled_at", "soon")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    admin
        .submit(&format!("/admin/announcements/{id}/delete"), &[])
        .await
        .done();
    let (_, seen) = app.get("/api/v1/announcements", Some(&boss.token)).await;
    assert_eq!(seen, Value::Array(Vec::new()));

    let poster = app.register("poster").await;
    app.post_status(&poster, "#rookery is here", json!({}))
        .await;
    let (_, tag) = app.get("/api/v1/tags/rookery", Some(&poster.token)).await;
    let tag_id = tag["id"].as_str().expect("tag id").to_string();
    admin
        .submit(&format!("/admin/trends/tags/{tag_id}/approve"), &[])
        .await
        .done();
    let unknown = admin.submit("/admin/trends/tags/1/approve", &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let log = audit(&app, &boss).await;
    assert_audited(&log, "create_announcement", "Announcement");
    assert_audited(&log, "update_announcement", "Announcement");
    assert_audited(&log, "destroy_announcement", "Announcement");
    assert_audited(&log, "approve_tag", "Tag");
}
