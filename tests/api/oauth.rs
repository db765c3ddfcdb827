//! OAuth 2: apps, the sign-in and consent page, every grant, revocation and scopes.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::{assert_shape, browser, hidden, urlencode, TestApp};

pub(crate) const REDIRECT: &str = "https://client.example/callback";

fn pkce_pair() -> (String, String) {
    let verifier = rookery::crypto::random_token(48);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

#[tokio::test]
async fn app_registration_and_verification() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .post_form(
            "/api/v1/apps",
            None,
            &[
                ("client_name", "My App"),
                ("redirect_uris", "https://a.example/cb\nmyapp://callback"),
                ("scopes", "read write:statuses"),
                ("website", "https://a.example"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_shape(
        &body,
        &[
            ("id", "string"),
            ("name", "string"),
            ("website", "string|null"),
            ("scopes", "array"),
            ("redirect_uris", "array"),
            ("redirect_uri", "string"),
            ("vapid_key", "string"),
            ("client_id", "string"),
            ("client_secret", "string"),
            ("client_secret_expires_at", "number"),
        ],
    );
    assert_eq!(
        body["redirect_uris"],
        json!(["https://a.example/cb", "myapp://callback"])
    );
    assert_eq!(body["scopes"], json!(["read", "write:statuses"]));

    // Its token verifies as that app, without the secret.
    let token = app.app_token("read").await;
    let (status, me) = app
        .get("/api/v1/apps/verify_credentials", Some(&token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(me.get("client_secret").is_none());
    assert_eq!(me["name"], "Test client");

    let (status, _) = app
        .get("/api/v1/apps/verify_credentials", Some("nope"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn app_registration_rejects_bad_input() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (json!({"redirect_uris": REDIRECT}), "client_name"),
        (json!({"client_name": "x"}), "redirect_uris"),
        (
            json!({"client_name": "x", "redirect_uris": "javascript:alert(1)"}),
            "redirect_uris",
        ),
        (
            json!({"client_name": "x", "redirect_uris": "https://a.example/#frag"}),
            "redirect_uris",
        ),
        (
            json!({"client_name": "x", "redirect_uris": REDIRECT, "scopes": "read destroy"}),
            "scopes",
        ),
        (
            json!({"client_name": "x".repeat(61), "redirect_uris": REDIRECT}),
            "client_name",
        ),
        (
            json!({"client_name": "x", "redirect_uris": REDIRECT, "website": "not a url"}),
            "website",
        ),
        (
            json!({"client_name": ["x"], "redirect_uris": REDIRECT}),
            "client_name",
        ),
    ] {
        let (status, res) = app.post("/api/v1/apps", None, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {res}");
        assert!(
            res["details"].get(field).is_some(),
            "{field} not named in {res}"
        );
        assert!(res["error"]
            .as_str()
            .expect("error")
            .starts_with("Validation failed"));
    }
    // Malformed JSON is a 400, an unsupported content type a 415.
    let res = app
        .client
        .post(app.url("/api/v1/apps"))
        .header("content-type", "application/json")
        .body("{\"client_name\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.json::<serde_json::Value>().await.expect("json")["error"].is_string());
    let res = app
        .client
        .post(app.url("/api/v1/apps"))
        .header("content-type", "text/csv")
        .body("a,b")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

/// The whole authorization-code flow as a browser and a client do it: the sign-in form with
/// its CSRF token, consent, the redirect with code and state, and the PKCE exchange.
#[tokio::test]
async fn authorization_code_flow_with_pkce() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let client = app.create_client("read write follow", REDIRECT).await;
    let (verifier, challenge) = pkce_pair();
    let browser = browser();

    let authorize_url = format!(
        "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&scope=read+write&state=xyz&code_challenge={}&code_challenge_method=S256&force_login=False&lang=None",
        app.base,
        client.client_id,
        urlencode(REDIRECT),
        challenge
    );
    let page = browser.get(&authorize_url).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.expect("html");
    assert!(html.contains("Authorize Test client"));
    assert!(html.contains("<form method=\"post\" action=\"/oauth/authorize\">"));
    let csrf = hidden(&html, "csrf_token");

    // Wrong password: the form again, with an error, and no redirect.
    let form = |login: &str, password: &str, decision: &str, csrf: &str| {
        vec![
            ("csrf_token".to_string(), csrf.to_string()),
            ("client_id".into(), client.client_id.clone()),
            ("redirect_uri".into(), REDIRECT.into()),
            ("scope".into(), "read write".into()),
            ("state".into(), "xyz".into()),
            ("code_challenge".into(), challenge.clone()),
            ("code_challenge_method".into(), "S256".into()),
            ("login".into(), login.into()),
            ("password".into(), password.into()),
            ("decision".into(), decision.into()),
        ]
    };
    let res = browser
        .post(app.url("/oauth/authorize"))
        .form(&form("alice", "wrong password", "approve", &csrf))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res
        .text()
        .await
        .expect("html")
        .contains("Invalid e-mail address or password"));

    // Right password (by e-mail address): redirected with a code and the state.
    let res = browser
        .post(app.url("/oauth/authorize"))
        .form(&form(
            "alice@example.com",
            "correct horse battery",
            "approve",
            &csrf,
        ))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FOUND);
    let location =
        url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    assert!(location.as_str().starts_with(REDIRECT));
    let params: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(params["state"], "xyz");
    let code = params["code"].clone();

    // A wrong verifier spends the code.
    let exchange = |code: &str, verifier: &str| {
        vec![
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("code".into(), code.into()),
            ("client_id".into(), client.client_id.clone()),
            ("redirect_uri".into(), REDIRECT.into()),
            ("code_verifier".into(), verifier.into()),
        ]
    };
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&exchange(
            &code,
            "not-the-verifier-at-all-not-the-verifier-at-all",
        ))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<serde_json::Value>().await.expect("json")["error"],
        "invalid_grant"
    );

    // A second authorization, now from the session (no password), then the right verifier.
    let html = browser
        .get(&authorize_url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Signed in as <strong>@alice</strong>"));
    let csrf = hidden(&html, "csrf_token");
    let res = browser
        .post(app.url("/oauth/authorize"))
        .form(&form("", "", "approve", &csrf))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FOUND);
    let location =
        url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    // A public client: no secret, the verifier proves it.
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&exchange(&code, &verifier))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::OK);
    let token: serde_json::Value = res.json().await.expect("json");
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], "read write");
    assert!(token["created_at"].is_number());
    let access = token["access_token"].as_str().expect("token");
    let (status, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(access))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "alice");

    // A code is good once.
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&exchange(&code, &verifier))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // force_login=true asks for the password again despite the session.
    let html = browser
        .get(authorize_url.replace("force_login=False", "force_login=true"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("name=\"password\""));
}

#[tokio::test]
async fn authorize_form_rejects_forged_requests() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let client = app.create_client("read", REDIRECT).await;
    let browser = browser();
    let url = format!(
        "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}",
        app.base,
        client.client_id,
        urlencode(REDIRECT)
    );
    let html = browser
        .get(&url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let csrf = hidden(&html, "csrf_token");
    let fields = |csrf: &str| {
        vec![
            ("csrf_token", csrf.to_string()),
            ("client_id", client.client_id.clone()),
            ("redirect_uri", REDIRECT.to_string()),
            ("login", "alice".to_string()),
            ("password", "correct horse battery".to_string()),
            ("decision", "approve".to_string()),
        ]
    };
    // A form posted from elsewhere carries no (or another) token.
    let res = browser
        .post(app.url("/oauth/authorize"))
        .form(&fields("forged"))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = browser
        .post(app.url("/oauth/authorize"))
        .form(&fields(""))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A browser without the cookie (the attacker's page) cannot reuse a seen token.
    let res = self::browser()
        .post(app.url("/oauth/authorize"))
        .form(&fields(&csrf))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Denying sends the person back with access_denied.
    let mut deny = fields(&csrf);
    deny.retain(|(k, _)| *k != "decision");
    deny.push(("decision", "deny".to_string()));
    deny.push(("state", "s1".to_string()));
    let res = browser
        .post(app.url("/oauth/authorize"))
        .form(&deny)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(
        location.contains("error=access_denied") && location.contains("state=s1"),
        "{location}"
    );

    // Unknown client or unregistered redirect URI: an error page, never a redirect.
    let res = browser
        .get(format!(
            "{}/oauth/authorize?response_type=code&client_id=nope&redirect_uri={}",
            app.base,
            urlencode(REDIRECT)
        ))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = browser
        .get(format!(
            "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}",
            app.base,
            client.client_id,
            urlencode("https://evil.example/steal")
        ))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("location").is_none());
    // A scope beyond the app's registration.
    let res = browser
        .get(format!("{url}&scope=write"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn out_of_band_code_is_shown() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let client = app.create_client("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let browser = browser();
    let url = format!(
        "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read&state=None",
        app.base, client.client_id
    );
    let html = browser
        .get(&url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let csrf = hidden(&html, "csrf_token");
    let res = browser
        .post(app.url("/oauth/authorize"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("client_id", &client.client_id),
            ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
            ("scope", "read"),
            ("login", "alice"),
            ("password", "correct horse battery"),
            ("decision", "approve"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    let start = html.find("id=\"authorization-code\">").expect("code shown")
        + "id=\"authorization-code\">".len();
    let code = &html[start..start + html[start..].find('<').expect("end")];
    let (status, token) = app
        .token_grant(
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{token}");
}

#[tokio::test]
async fn password_client_credentials_and_refresh_grants() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let client = app.create_client("read write", REDIRECT).await;
    let password_form = |password: &str| {
        vec![
            ("grant_type", "password".to_string()),
            ("client_id", client.client_id.clone()),
            ("client_secret", client.client_secret.clone()),
            ("username", "alice@example.com".to_string()),
            ("password", password.to_string()),
            ("scope", "read".to_string()),
        ]
    };
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&password_form("correct horse battery"))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::OK);
    let token: serde_json::Value = res.json().await.expect("json");
    assert_eq!(token["scope"], "read");
    let access = token["access_token"].as_str().expect("access").to_string();
    let refresh = token["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();

    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&password_form("wrong"))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<serde_json::Value>().await.expect("json")["error"],
        "invalid_grant"
    );

    // Client secret via HTTP Basic works too; a wrong one is invalid_client (401).
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(&client.client_id, Some(&client.client_secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "read")])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(&client.client_id, Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.json::<serde_json::Value>().await.expect("json")["error"],
        "invalid_client"
    );

    // Scopes beyond the app's are refused; unknown grant types too.
    let (status, body) = app
        .token_grant(
            &client,
            &[("grant_type", "client_credentials"), ("scope", "follow")],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scope"))
    );
    let (status, body) = app
        .post_form("/oauth/token", None, &[("grant_type", "implicit")])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let (status, body) = app
        .post_form("/oauth/token", None, &[("client_id", "x")])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );

    // Refresh: a new pair; the old access token and the old refresh token stop working.
    let (status, renewed) = app
        .token_grant(
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    let new_access = renewed["access_token"].as_str().expect("access");
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&access))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(new_access))
            .await
            .0,
        StatusCode::OK
    );
    let (status, _) = app
        .token_grant(
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn revoke_and_scope_enforcement() {
    let app = TestApp::spawn().await;
    let alice = app.register_with_scopes("alice", "read:accounts").await;
    // A read-only token cannot write.
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .json(&json!({"display_name": "Alice"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        res.json::<serde_json::Value>().await.expect("json")["error"],
        "This action is outside the authorized scopes"
    );
    // `profile` alone may verify credentials.
    let bob = app.register_with_scopes("bob", "profile").await;
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&bob.token))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/preferences", Some(&bob.token)).await.0,
        StatusCode::FORBIDDEN
    );

    // Missing and bad tokens: 401 with WWW-Authenticate.
    let res = app
        .client
        .get(app.url("/api/v1/accounts/verify_credentials"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get("www-authenticate").is_some());
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some("garbage"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    // An app token on an endpoint for people.
    let app_token = app.app_token("read").await;
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&app_token))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // The access_token query parameter is accepted like the header.
    assert_eq!(
        app.get(
            &format!(
                "/api/v1/accounts/verify_credentials?access_token={}",
                alice.token
            ),
            None
        )
        .await
        .0,
        StatusCode::OK
    );

    // Revoke: only the app that owns a token may revoke it; unknown tokens are fine.
    let client = app.create_client("read", REDIRECT).await;
    let (_, token) = app
        .token_grant(
            &client,
            &[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    let access = token["access_token"].as_str().expect("token");
    let other = app.create_client("read", REDIRECT).await;
    let (status, _) = app
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &other.client_id),
                ("client_secret", &other.client_secret),
                ("token", access),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &client.client_id),
                ("client_secret", "wrong"),
                ("token", access),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(access))
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = app
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
                ("token", access),
            ],
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(access))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
                ("token", "unknown"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn authorization_server_metadata() {
    let app = TestApp::spawn().await;
    let (status, meta) = app
        .get("/.well-known/oauth-authorization-server", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        meta["authorization_endpoint"],
        format!("{}/oauth/authorize", app.base)
    );
    assert_eq!(meta["token_endpoint"], format!("{}/oauth/token", app.base));
    let grants: Vec<&str> = meta["grant_types_supported"]
        .as_array()
        .expect("grants")
        .iter()
        .filter_map(|g| g.as_str())
        .collect();
    for g in [
        "authorization_code",
        "password",
        "client_credentials",
        "refresh_token",
    ] {
        assert!(grants.contains(&g), "{g} missing");
    }
    let scopes = meta["scopes_supported"].as_array().expect("scopes");
    for s in [
        "read",
        "write",
        "follow",
        "push",
        "profile",
        "read:statuses",
        "admin:read",
    ] {
        assert!(scopes.contains(&json!(s)), "{s} missing");
    }
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
}

/// The authorize page opened with `query` (after the client id), its form posted back as a
/// browser does (its own hidden fields) with alice's sign-in and consent: the response.
async fn submit_authorize(app: &TestApp, client_id: &str, query: &str) -> reqwest::Response {
    let browser = browser();
    let page = browser
        .get(format!(
            "{}/oauth/authorize?response_type=code&client_id={client_id}{query}",
            app.base
        ))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    let mut form: Vec<(String, String)> = [
        "csrf_token",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
        "response_type",
    ]
    .iter()
    .map(|name| {
        let value = hidden(&html, name)
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        (name.to_string(), value)
    })
    .collect();
    for (name, value) in [
        ("login", "alice"),
        ("password", "correct horse battery"),
        ("decision", "approve"),
    ] {
        form.push((name.into(), value.into()));
    }
    browser
        .post(app.url("/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .expect("post")
}

/// The code alice's approval (as [`submit_authorize`]) redirects with.
pub(crate) async fn approved_code(app: &TestApp, client_id: &str, query: &str) -> String {
    let res = submit_authorize(app, client_id, query).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let location =
        url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned()
}

/// RFC 6749 §4.1.3: the exchange must repeat a redirect URI the authorization request named;
/// one that named none (the app's only one applies) needs none at the exchange either.
#[tokio::test]
async fn code_exchange_repeats_the_redirect_uri_the_authorization_named() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let client = app.create_client("read", REDIRECT).await;
    let named = format!("&redirect_uri={}", urlencode(REDIRECT));

    let code = approved_code(&app, &client.client_id, &named).await;
    let (status, body) = app
        .token_grant(
            &client,
            &[("grant_type", "authorization_code"), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_request");
    assert!(body["error_description"]
        .as_str()
        .is_some_and(|d| d.contains("redirect_uri")));
    // The code is spent all the same.
    let (status, body) = app
        .token_grant(
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    let code = approved_code(&app, &client.client_id, &named).await;
    let (status, body) = app
        .token_grant(
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let code = approved_code(&app, &client.client_id, "").await;
    let (status, body) = app
        .token_grant(
            &client,
            &[("grant_type", "authorization_code"), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// PKCE with S256 only, as on Mastodon: "plain", or a challenge without a method (which
/// would mean plain), is refused on the page, before any code is issued.
#[tokio::test]
async fn authorize_accepts_only_s256_challenges() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let client = app.create_client("read", REDIRECT).await;
    let (_, challenge) = pkce_pair();
    let browser = browser();
    let page = |method: &str| {
        browser
            .get(format!(
                "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&code_challenge={challenge}{method}",
                app.base,
                client.client_id,
                urlencode(REDIRECT),
            ))
            .send()
    };
    for method in [
        "&code_challenge_method=plain",
        "",
        "&code_challenge_method=",
    ] {
        let res = page(method).await.expect("page");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{method:?}");
        let html = res.text().await.expect("html");
        assert!(
            html.contains("The code_challenge_method must be S256."),
            "{html}"
        );
        assert!(
            !html.contains("<form method=\"post\""),
            "no form to approve"
        );
    }
    assert_eq!(
        page("&code_challenge_method=S256")
            .await
            .expect("page")
            .status(),
        StatusCode::OK
    );

    // A form posted with "plain" all the same issues no code.
    let html = page("&code_challenge_method=S256")
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let res = browser
        .post(app.url("/oauth/authorize"))
        .form(&[
            ("csrf_token", hidden(&html, "csrf_token").as_str()),
            ("client_id", client.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "plain"),
            ("login", "alice"),
            ("password", "correct horse battery"),
            ("decision", "approve"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("location").is_none());
}

/// RFC 6749 §4.1.2: a code redeemed twice has leaked, and every token issued from it is
/// revoked, refreshed ones included; only the client the code was issued to can set that off.
#[tokio::test]
async fn a_code_redeemed_twice_revokes_its_tokens() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let client = app.create_client("read", REDIRECT).await;
    let other = app.create_client("read", REDIRECT).await;
    let named = format!("&redirect_uri={}", urlencode(REDIRECT));
    let exchange = |code: String| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code),
            ("redirect_uri", REDIRECT.to_string()),
        ]
    };
    let grant = |client: &crate::helpers::TestClient, fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, String)> = fields;
        let client = client.clone();
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.token_grant(&client, &fields).await
        }
    };
    let me = |token: String| {
        let app = &app;
        async move {
            app.get("/api/v1/accounts/verify_credentials", Some(&token))
                .await
                .0
        }
    };

    let code = approved_code(&app, &client.client_id, &named).await;
    let (status, first) = grant(&client, exchange(code.clone())).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let access = first["access_token"].as_str().expect("token").to_string();
    assert_eq!(me(access.clone()).await, StatusCode::OK);
    let (status, refreshed) = grant(
        &client,
        vec![
            ("grant_type", "refresh_token".into()),
            (
                "refresh_token",
                first["refresh_token"].as_str().expect("refresh").into(),
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let refreshed_access = refreshed["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_eq!(me(refreshed_access.clone()).await, StatusCode::OK);

    // Another client replaying the code is told the grant is invalid, and revokes nothing.
    let (status, body) = grant(&other, exchange(code.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(me(refreshed_access.clone()).await, StatusCode::OK);

    // The client itself redeeming it again: refused, and the code's tokens are revoked.
    let (status, body) = grant(&client, exchange(code.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(me(refreshed_access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(access).await, StatusCode::UNAUTHORIZED);
    let (status, _) = grant(
        &client,
        vec![
            ("grant_type", "refresh_token".into()),
            (
                "refresh_token",
                refreshed["refresh_token"].as_str().expect("refresh").into(),
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Tokens of other codes are not touched.
    let code = approved_code(&app, &client.client_id, &named).await;
    let (status, other_grant) = grant(&client, exchange(code)).await;
    assert_eq!(status, StatusCode::OK, "{other_grant}");
    assert_eq!(
        me(other_grant["access_token"].as_str().expect("token").into()).await,
        StatusCode::OK
    );
}
