//! The account pages that reach beyond settings, over real HTTP: the sign-up form under each
//! registration mode and its rate limit, CSV exports and imports, and deleting the account.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::web::WebSession;
use crate::helpers::{TestApp, PASSWORD};

#[tokio::test]
async fn exports_download_and_imports_start() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    let web = WebSession::sign_in(&app, "alice").await;
    let csv = web.get("/settings/exports/following.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("Account address,"), "{}", csv.body);
    assert!(csv
        .body
        .contains(&format!("bob@{}", app.state.config.domain)));
    assert_eq!(
        web.get("/settings/exports/secrets.csv").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        WebSession::anonymous(&app)
            .get("/settings/exports/following.csv")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let token = web.token("/settings/account").await;
    let form = reqwest::multipart::Form::new()
        .text("authenticity_token", token)
        .text("type", "domain_blocks")
        .text("mode", "merge")
        .part(
            "data",
            reqwest::multipart::Part::bytes(b"blocked.example\n".to_vec()).file_name("d.csv"),
        );
    let res = web
        .client
        .post(app.url("/settings/imports"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    app.drain_jobs().await;
    let (_, domains) = app.get("/api/v1/domain_blocks", Some(&alice.token)).await;
    assert_eq!(domains, json!(["blocked.example"]));
    let forged = reqwest::multipart::Form::new()
        .text("type", "domain_blocks")
        .part(
            "data",
            reqwest::multipart::Part::bytes(b"other.example\n".to_vec()).file_name("d.csv"),
        );
    let res = web
        .client
        .post(app.url("/settings/imports"))
        .multipart(forged)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_signs_out() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let web = WebSession::sign_in(&app, "alice").await;
    let wrong = web
        .submit(
            "/settings/account",
            "/settings/delete",
            &[("password", "nope")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(web.get("/settings/profile").await.status, StatusCode::OK);
    let gone = web
        .submit(
            "/settings/account",
            "/settings/delete",
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    assert_eq!(
        web.get("/settings/profile").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn sign_up_through_the_form_follows_the_registration_mode() {
    let app = TestApp::spawn().await;
    let web = WebSession::anonymous(&app);
    let short = web
        .submit(
            "/auth/sign_up",
            "/auth/sign_up",
            &[
                ("username", "newbie"),
                ("email", "newbie@example.com"),
                ("password", "short"),
                ("password_confirmation", "short"),
                ("agreement", "1"),
            ],
        )
        .await;
    assert_eq!(
        short.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        short.body
    );
    assert!(
        short.body.contains(r#"value="newbie""#),
        "the form keeps what was typed"
    );
    let hostile = web
        .submit(
            "/auth/sign_up",
            "/auth/sign_up",
            &[
                ("username", "<b>x</b>"),
                ("email", "x@example.com"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
                ("agreement", "1"),
            ],
        )
        .await;
    assert_eq!(hostile.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !hostile.body.contains("<b>x</b>")
            && crate::helpers::web::escaped(&hostile.body, "<b>x</b>")
    );
    let joined = web
        .submit(
            "/auth/sign_up",
            "/auth/sign_up",
            &[
                ("username", "newbie"),
                ("email", "newbie@example.com"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
                ("agreement", "1"),
            ],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    assert_eq!(
        web.get("/settings/profile").await.status,
        StatusCode::OK,
        "signed in at once"
    );
    let taken = WebSession::anonymous(&app)
        .submit(
            "/auth/sign_up",
            "/auth/sign_up",
            &[
                ("username", "newbie"),
                ("email", "other@example.com"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
                ("agreement", "1"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);

    let approval =
        TestApp::spawn_with(|c| c.registrations = rookery::config::RegistrationMode::Approval)
            .await;
    let web = WebSession::anonymous(&approval);
    let waiting = web
        .submit(
            "/auth/sign_up",
            "/auth/sign_up",
            &[
                ("username", "hopeful"),
                ("email", "hopeful@example.com"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
                ("agreement", "1"),
                ("reason", "I like birds"),
            ],
        )
        .await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(waiting.body.contains("approved"), "{}", waiting.body);
    assert_eq!(
        web.get("/settings/profile").await.status,
        StatusCode::SEE_OTHER
    );

    let closed = TestApp::spawn_with(|c| {
        c.registrations = rookery::config::RegistrationMode::Closed;
    })
    .await;
    let web = WebSession::anonymous(&closed);
    let page = web.get("/auth/sign_up").await;
    assert!(page.body.contains("Registrations are closed"));
    let token = crate::helpers::hidden(&web.get("/auth/sign_in").await.body, "authenticity_token");
    let refused = web
        .post_raw(
            "/auth/sign_up",
            &[
                ("authenticity_token", &token),
                ("username", "late"),
                ("email", "late@example.com"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
                ("agreement", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let limited = TestApp::spawn_with(|c| {
        c.rate_limits.registrations_per_ip = 1;
    })
    .await;
    for (i, expected) in [StatusCode::SEE_OTHER, StatusCode::TOO_MANY_REQUESTS]
        .into_iter()
        .enumerate()
    {
        let name = format!("user{i}");
        let email = format!("user{i}@example.com");
        let res = WebSession::anonymous(&limited)
            .submit(
                "/auth/sign_up",
                "/auth/sign_up",
                &[
                    ("username", &name),
                    ("email", &email),
                    ("password", PASSWORD),
                    ("password_confirmation", PASSWORD),
                    ("agreement", "1"),
                ],
            )
            .await;
        assert_eq!(res.status, expected, "sign-up {i}");
    }
}
