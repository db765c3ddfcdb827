//! Two-factor sign-in over real HTTP: setting it up from the settings page, the code step of
//! `/auth/sign_in` and of the OAuth consent page, recovery codes good once, and the password
//! grant refused for such an account.

use reqwest::StatusCode;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::web::WebSession;
use crate::helpers::{hidden, TestApp, PASSWORD};

/// The code an authenticator app shows for `secret`, `steps` time steps from now.
pub fn code(secret: &str, steps: i64) -> String {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .expect("base32 secret");
    let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "test".into()).expect("totp");
    let now = chrono::Utc::now().timestamp() + steps * 30;
    totp.generate(u64::try_from(now).expect("time"))
}

/// The secret the set-up page shows.
pub fn secret_in(html: &str) -> String {
    let marker = r#"id="totp-secret">"#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no secret in {html}"))
        + marker.len();
    let end = html[start..].find('<').expect("end of secret") + start;
    html[start..end].to_string()
}

/// Turns two-factor sign-in on for the signed-in `web`; returns the secret and recovery codes.
async fn enable(web: &WebSession) -> (String, Vec<String>) {
    let setup = web.get("/settings/two_factor").await;
    assert!(setup.body.contains("<svg"), "a QR code is shown");
    assert!(!setup.body.contains("<?xml"));
    let secret = secret_in(&setup.body);
    let wrong = web
        .submit(
            "/settings/two_factor",
            "/settings/two_factor",
            &[("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let on = web
        .submit(
            "/settings/two_factor",
            "/settings/two_factor",
            &[("code", &code(&secret, 0))],
        )
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    let start = on
        .body
        .find(r#"id="recovery-codes">"#)
        .expect("recovery codes");
    let list = &on.body[start..on.body[start..].find("</ul>").expect("list end") + start];
    let codes: Vec<String> = list
        .split("<li>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap_or("").trim().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// Posts the code step of a sign-in under way in `web`.
async fn answer(web: &WebSession, code: &str) -> crate::helpers::web::Page {
    answer_at(web, "/auth/sign_in", code).await
}

/// The code step as the browser finds it at `path` (with its `return_to`).
async fn answer_at(web: &WebSession, path: &str, code: &str) -> crate::helpers::web::Page {
    let form = web.get(path).await;
    assert!(
        form.body.contains("otp_attempt"),
        "the code is asked: {}",
        form.body
    );
    let token = hidden(&form.body, "authenticity_token");
    // As a browser reads the attribute.
    let return_to = hidden(&form.body, "return_to")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    web.post_raw(
        "/auth/sign_in",
        &[
            ("authenticity_token", token.as_str()),
            ("otp_attempt", code),
            ("return_to", return_to.as_str()),
        ],
    )
    .await
}

#[tokio::test]
async fn two_factor_sign_in_asks_for_a_code_and_takes_recovery_codes_once() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let web = WebSession::sign_in(&app, "alice").await;
    let (secret, codes) = enable(&web).await;
    let page = web.get("/settings/two_factor").await;
    assert!(page.body.contains("Two-factor sign-in is on"));
    assert!(
        !page.body.contains(&secret),
        "the secret is not shown again"
    );

    let browser = WebSession::anonymous(&app);
    let first = browser.sign_in_with("alice", PASSWORD).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("otp_attempt"));
    assert_eq!(
        browser.get("/settings/profile").await.status,
        StatusCode::SEE_OTHER,
        "no session yet"
    );
    let wrong = answer(&browser, "123456").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        browser.get("/settings/profile").await.status,
        StatusCode::SEE_OTHER
    );
    // The code of the next step: the current one was spent turning it on.
    let right = answer(&browser, &code(&secret, 1)).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    assert_eq!(
        browser.get("/settings/profile").await.status,
        StatusCode::OK
    );

    // A code is good once.
    let replay = WebSession::anonymous(&app);
    replay.sign_in_with("alice", PASSWORD).await;
    assert_eq!(
        answer(&replay, &code(&secret, 1)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A recovery code signs in once.
    for (expected, who) in [
        (StatusCode::SEE_OTHER, "first"),
        (StatusCode::UNAUTHORIZED, "second"),
    ] {
        let b = WebSession::anonymous(&app);
        b.sign_in_with("alice", PASSWORD).await;
        assert_eq!(
            answer(&b, &codes[0].to_uppercase()).await.status,
            expected,
            "{who} use"
        );
    }
    let left = web.get("/settings/two_factor").await;
    assert!(
        left.body.contains("Unused recovery codes: 9."),
        "{}",
        left.body
    );

    // Five wrong codes end the sign-in.
    let stubborn = WebSession::anonymous(&app);
    stubborn.sign_in_with("alice", PASSWORD).await;
    for _ in 0..5 {
        answer(&stubborn, "111111").await;
    }
    let late = answer(&stubborn, &codes[1]).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert!(late.body.contains("Sign in again"), "{}", late.body);

    // Turning it off needs a valid code.
    let refused = web
        .submit(
            "/settings/two_factor",
            "/settings/two_factor/disable",
            &[("code", "999999")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let off = web
        .submit(
            "/settings/two_factor",
            "/settings/two_factor/disable",
            &[("code", &codes[2])],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    let plain = WebSession::anonymous(&app);
    assert_eq!(
        plain.sign_in_with("alice", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_password_grant_is_refused_for_two_factor_accounts() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let client = app.create_client("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let grant = [
        ("grant_type", "password"),
        ("username", "alice@example.com"),
        ("password", PASSWORD),
        ("scope", "read"),
    ];
    let (status, _) = app.token_grant(&client, &grant).await;
    assert_eq!(status, StatusCode::OK);
    let web = WebSession::sign_in(&app, "alice").await;
    enable(&web).await;
    let (status, body) = app.token_grant(&client, &grant).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn the_oauth_consent_page_asks_for_the_code() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let web = WebSession::sign_in(&app, "alice").await;
    let (secret, _) = enable(&web).await;
    let client = app.create_client("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let browser = WebSession::anonymous(&app);
    let authorize = format!(
        "/oauth/authorize?client_id={}&redirect_uri=urn:ietf:wg:oauth:2.0:oob&response_type=code&scope=read",
        client.client_id
    );
    let form = browser.get(&authorize).await;
    let csrf = hidden(&form.body, "csrf_token");
    let submitted = browser
        .post_raw(
            "/oauth/authorize",
            &[
                ("csrf_token", csrf.as_str()),
                ("client_id", client.client_id.as_str()),
                ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
                ("response_type", "code"),
                ("scope", "read"),
                ("login", "alice"),
                ("password", PASSWORD),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );
    let to = submitted.location.expect("to the code step");
    assert!(
        to.starts_with("/auth/sign_in?return_to=%2Foauth%2Fauthorize"),
        "{to}"
    );
    let answered = answer_at(&browser, &to, &code(&secret, 1)).await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER);
    let back = answered.location.expect("back to the consent page");
    assert!(back.starts_with("/oauth/authorize?client_id="), "{back}");
    let consent = browser.get(&back).await;
    assert!(consent.body.contains("Signed in as"), "{}", consent.body);
}
