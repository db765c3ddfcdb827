//! The settings pages over real HTTP: sign-in and sign-out, every page's status, CSRF
//! refusals that change nothing, escaping of hostile input, and each page's forms doing what
//! the API would.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::web::WebSession;
use crate::helpers::{TestApp, PASSWORD};

const PAGES: &[&str] = &[
    "/settings/profile",
    "/settings/preferences",
    "/settings/password",
    "/settings/two_factor",
    "/settings/sessions",
    "/settings/filters",
    "/settings/relationships",
    "/settings/account",
];

#[tokio::test]
async fn every_settings_page_needs_a_session_and_answers_with_one() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let visitor = WebSession::anonymous(&app);
    for path in PAGES {
        let page = visitor.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        let expected = format!(
            "/auth/sign_in?return_to={}",
            crate::helpers::urlencode(path)
        );
        assert_eq!(page.location.as_deref(), Some(expected.as_str()), "{path}");
    }
    let web = WebSession::sign_in(&app, "alice").await;
    for path in PAGES {
        let page = web.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(page.body.contains("@alice"), "{path}");
        assert!(page.body.contains("/assets/settings.css"), "{path}");
    }
    let css = web.get("/assets/settings.css").await;
    assert_eq!(css.status, StatusCode::OK);
    // Signed in, the sign-in page sends the browser on.
    let again = web.get("/auth/sign_in?return_to=/settings/filters").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location.as_deref(), Some("/settings/filters"));
}

#[tokio::test]
async fn sign_in_returns_only_to_this_site_and_sign_out_revokes_the_session() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let web = WebSession::anonymous(&app);
    let form = web.get("/auth/sign_in?return_to=//evil.example/").await;
    let token = crate::helpers::hidden(&form.body, "authenticity_token");
    let wrong = web
        .post_raw(
            "/auth/sign_in",
            &[
                ("authenticity_token", &token),
                ("login", "alice"),
                ("password", "nope"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Invalid e-mail address or password."));
    let signed_in = web
        .post_raw(
            "/auth/sign_in",
            &[
                ("authenticity_token", &token),
                ("login", "alice@example.com"),
                ("password", PASSWORD),
                ("return_to", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.location.as_deref(), Some("/settings/profile"));
    // The session is a token of the web app, listed with the person's sessions.
    let sessions = web.get("/settings/sessions").await;
    assert!(
        sessions.body.contains("(this browser)"),
        "{}",
        sessions.body
    );
    let out = web.submit("/settings/profile", "/auth/sign_out", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        web.get("/settings/profile").await.status,
        StatusCode::SEE_OTHER
    );
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM oauth_tokens WHERE app_id = 1 AND revoked_at IS NULL",
    )
    .fetch_one(&app.state.db)
    .await
    .expect("count");
    assert_eq!(live, 0, "signing out revokes the session's token");
}

#[tokio::test]
async fn forged_forms_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let web = WebSession::sign_in(&app, "alice").await;
    let token = web.token("/settings/preferences").await;
    let fields = |t: &'static str| {
        vec![
            ("authenticity_token", t),
            ("privacy", "private"),
            ("expand_media", "show_all"),
        ]
    };
    let missing = web
        .post_raw(
            "/settings/preferences",
            &[("privacy", "private"), ("expand_media", "show_all")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = web.post_raw("/settings/preferences", &fields("0000")).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // The right token from another site.
    let cross = web
        .client
        .post(app.url("/settings/preferences"))
        .header("origin", "http://evil.example")
        .form(&[
            ("authenticity_token", token.as_str()),
            ("privacy", "private"),
            ("expand_media", "show_all"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    // Another session's token.
    let other = WebSession::sign_in(&app, "alice").await;
    let theirs = other.token("/settings/preferences").await;
    assert_ne!(theirs, token, "tokens are per session");
    let swapped = web
        .post_raw(
            "/settings/preferences",
            &[
                ("authenticity_token", theirs.as_str()),
                ("privacy", "private"),
                ("expand_media", "show_all"),
            ],
        )
        .await;
    assert_eq!(swapped.status, StatusCode::FORBIDDEN);
    let page = web.get("/settings/preferences").await;
    assert!(
        page.body.contains(r#"<option value="public" selected>"#),
        "nothing changed"
    );
    // A form from this site with the right token goes through.
    let same_site = web
        .client
        .post(app.url("/settings/preferences"))
        .header("origin", app.base.as_str())
        .form(&[
            ("authenticity_token", token.as_str()),
            ("privacy", "private"),
            ("expand_media", "show_all"),
            ("expand_spoilers", "1"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(same_site.status(), StatusCode::SEE_OTHER);
    let (_, prefs) = app
        .get(
            "/api/v1/preferences",
            Some(&app.register("bob").await.token),
        )
        .await;
    assert_eq!(
        prefs["posting:default:visibility"], "public",
        "bob is untouched"
    );
    let page = web.get("/settings/preferences?notice=saved").await;
    assert!(page.body.contains(r#"<option value="private" selected>"#));
    assert!(page.body.contains(r#"<option value="show_all" selected>"#));
    assert!(page.body.contains("Your changes were saved."));
    // Visitors' forms: the sign-in form without its cookie's token.
    let visitor = WebSession::anonymous(&app);
    let forged = visitor
        .post_raw(
            "/auth/sign_in",
            &[("login", "alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_profile_form_saves_and_escapes_what_it_shows() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let web = WebSession::sign_in(&app, "alice").await;
    let token = web.token("/settings/profile").await;
    let hostile = "<script>alert(1)</script>\"'";
    let form = reqwest::multipart::Form::new()
        .text("authenticity_token", token.clone())
        .text("display_name", hostile)
        .text("note", "Bio with <b>tags</b>")
        .text("field_name_0", "Site <i>")
        .text("field_value_0", "https://example.com")
        .text("locked", "1")
        .text("hide_collections", "1");
    let res = web
        .client
        .post(app.url("/settings/profile"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["display_name"], hostile);
    assert_eq!(me["locked"], true);
    let page = web.get("/settings/profile").await;
    assert!(!page.body.contains("<script>alert(1)"), "{}", page.body);
    assert!(crate::helpers::web::escaped(
        &page.body,
        "<script>alert(1)</script>"
    ));
    assert!(
        crate::helpers::web::escaped(&page.body, "value=\"Site <i>\""),
        "the field name round-trips"
    );
    assert!(page.body.contains(r#"name="locked" value="1" checked"#));
    // A multipart form without the token changes nothing.
    let forged = reqwest::multipart::Form::new().text("display_name", "Forged");
    let res = web
        .client
        .post(app.url("/settings/profile"))
        .multipart(forged)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["display_name"], hostile);
    // Too long a name is shown as an error, and nothing changes.
    let token = web.token("/settings/profile").await;
    let long = reqwest::multipart::Form::new()
        .text("authenticity_token", token)
        .text("display_name", "x".repeat(500));
    let res = web
        .client
        .post(app.url("/settings/profile"))
        .multipart(long)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["display_name"], hostile);
}

#[tokio::test]
async fn avatar_upload_goes_through_the_media_pipeline() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let web = WebSession::sign_in(&app, "alice").await;
    let token = web.token("/settings/profile").await;
    let png = crate::helpers::media::png(64, 64);
    let form = reqwest::multipart::Form::new()
        .text("authenticity_token", token)
        .text("display_name", "Alice")
        .part(
            "avatar",
            reqwest::multipart::Part::bytes(png)
                .file_name("me.png")
                .mime_str("image/png")
                .expect("mime"),
        );
    let res = web
        .client
        .post(app.url("/settings/profile"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    let avatar = me["avatar"].as_str().expect("avatar");
    assert!(!avatar.contains("missing"), "{avatar}");
    let page = web.get("/settings/profile").await;
    assert!(page.body.contains("Your current avatar"));
}

#[tokio::test]
async fn changing_the_password_signs_out_everything_else() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let web = WebSession::sign_in(&app, "alice").await;
    let elsewhere = WebSession::sign_in(&app, "alice").await;
    let wrong = web
        .submit(
            "/settings/password",
            "/settings/password",
            &[
                ("current_password", "wrong password"),
                ("password", "a new password 1"),
                ("password_confirmation", "a new password 1"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        elsewhere.get("/settings/profile").await.status,
        StatusCode::OK
    );
    let changed = web
        .submit(
            "/settings/password",
            "/settings/password",
            &[
                ("current_password", PASSWORD),
                ("password", "a new password 1"),
                ("password_confirmation", "a new password 1"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(
        web.get("/settings/profile").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        elsewhere.get("/settings/profile").await.status,
        StatusCode::SEE_OTHER
    );
    let (status, _) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "app tokens are revoked");
    let fresh = WebSession::anonymous(&app);
    assert_eq!(
        fresh.sign_in_with("alice", "a new password 1").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn apps_and_sessions_can_be_revoked() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let web = WebSession::sign_in(&app, "alice").await;
    let other = WebSession::sign_in(&app, "alice").await;
    let page = web.get("/settings/sessions").await;
    assert!(page.body.contains("Test client"), "{}", page.body);
    let app_id: i64 =
        sqlx::query_scalar("SELECT id FROM oauth_apps WHERE name = 'Test client' LIMIT 1")
            .fetch_one(&app.state.db)
            .await
            .expect("app");
    let revoked = web
        .submit(
            "/settings/sessions",
            &format!("/settings/apps/{app_id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let (status, _) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The other browser's session, by its id.
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM oauth_tokens WHERE app_id = 1 AND revoked_at IS NULL ORDER BY id",
    )
    .fetch_all(&app.state.db)
    .await
    .expect("sessions");
    assert_eq!(ids.len(), 2);
    let revoked = web
        .submit(
            "/settings/sessions",
            &format!("/settings/sessions/{}/revoke", ids[1]),
            &[],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        other.get("/settings/profile").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(web.get("/settings/profile").await.status, StatusCode::OK);
    // Another person's session is not found, and stays.
    app.register("bob").await;
    let bobs = WebSession::sign_in(&app, "bob").await;
    let bob_session: i64 = sqlx::query_scalar(
        "SELECT max(id) FROM oauth_tokens WHERE app_id = 1 AND revoked_at IS NULL",
    )
    .fetch_one(&app.state.db)
    .await
    .expect("session");
    let refused = web
        .submit(
            "/settings/sessions",
            &format!("/settings/sessions/{bob_session}/revoke"),
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(bobs.get("/settings/profile").await.status, StatusCode::OK);
}

#[tokio::test]
async fn filters_are_created_edited_and_deleted() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let web = WebSession::sign_in(&app, "alice").await;
    let created = web
        .submit(
            "/settings/filters",
            "/settings/filters",
            &[
                ("title", "Spoilers <b>"),
                ("keywords", "finale\nending\n"),
                ("whole_word", "1"),
                ("context_home", "1"),
                ("filter_action", "warn"),
                ("expires_in", ""),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let (_, list) = app.get("/api/v2/filters", Some(&alice.token)).await;
    assert_eq!(list[0]["title"], "Spoilers <b>");
    assert_eq!(list[0]["keywords"].as_array().map(Vec::len), Some(2));
    let id = list[0]["id"].as_str().expect("id").to_string();
    let page = web.get("/settings/filters").await;
    assert!(crate::helpers::web::escaped(&page.body, "Spoilers <b>"));
    let invalid = web
        .submit(
            "/settings/filters",
            "/settings/filters",
            &[("title", ""), ("filter_action", "warn")],
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let edited = web
        .submit(
            &format!("/settings/filters/{id}"),
            &format!("/settings/filters/{id}"),
            &[
                ("title", "Spoilers"),
                ("keywords", "ending\nepilogue"),
                ("context_home", "1"),
                ("context_public", "1"),
                ("filter_action", "hide"),
                ("expires_in", ""),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let (_, filter) = app
        .get(&format!("/api/v2/filters/{id}"), Some(&alice.token))
        .await;
    assert_eq!(filter["filter_action"], "hide");
    let mut words: Vec<String> = filter["keywords"]
        .as_array()
        .expect("keywords")
        .iter()
        .map(|k| k["keyword"].as_str().unwrap_or("").to_string())
        .collect();
    words.sort();
    assert_eq!(words, ["ending", "epilogue"]);
    assert_eq!(filter["context"], json!(["home", "public"]));
    let deleted = web
        .submit(
            "/settings/filters",
            &format!("/settings/filters/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let (_, list) = app.get("/api/v2/filters", Some(&alice.token)).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn mutes_blocks_and_domain_blocks_are_listed_and_undone() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    app.post(
        &format!("/api/v1/accounts/{}/mute", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/v1/accounts/{}/block", carol.id),
        Some(&alice.token),
        json!({}),
    )
    .await;
    let web = WebSession::sign_in(&app, "alice").await;
    let blocked = web
        .submit(
            "/settings/relationships",
            "/settings/domain_blocks",
            &[("domain", "spam.example")],
        )
        .await;
    assert_eq!(blocked.status, StatusCode::SEE_OTHER);
    let page = web.get("/settings/relationships").await;
    assert!(
        page.body.contains("@bob")
            && page.body.contains("@carol")
            && page.body.contains("spam.example")
    );
    for action in [
        format!("/settings/mutes/{}/undo", bob.id),
        format!("/settings/blocks/{}/undo", carol.id),
    ] {
        let undone = web.submit("/settings/relationships", &action, &[]).await;
        assert_eq!(undone.status, StatusCode::SEE_OTHER, "{action}");
    }
    let undone = web
        .submit(
            "/settings/relationships",
            "/settings/domain_blocks/undo",
            &[("domain", "spam.example")],
        )
        .await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER);
    let (_, rel) = app
        .get(
            &format!(
                "/api/v1/accounts/relationships?id[]={}&id[]={}",
                bob.id, carol.id
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(rel[0]["muting"], false);
    assert_eq!(rel[1]["blocking"], false);
    let (_, domains) = app.get("/api/v1/domain_blocks", Some(&alice.token)).await;
    assert_eq!(domains, json!([]));
}
