//! The instance's texts on every page come from the settings admins change while it runs
//! (`service::instance_settings`), not from the configuration file alone.

use reqwest::StatusCode;

use crate::helpers::web::WebSession;
use crate::helpers::{urlencode, TestApp};
use rookery::service::instance_settings::{self, Change};

#[tokio::test]
async fn an_admins_new_title_and_texts_show_on_every_page() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    app.post_status(&alice, "hello #rooks", serde_json::json!({}))
        .await;
    // Before sign-ups close below.
    app.admin().await;
    let configured = app.state.config.instance.title.clone();
    instance_settings::update(
        &app.state,
        None,
        &Change {
            title: Some("Rook Hollow".into()),
            description: Some("A quiet place for corvid people.".into()),
            contact_email: Some("keeper@hollow.example".into()),
            registrations: Some("closed".into()),
        },
    )
    .await
    .expect("settings stored");
    let web = WebSession::anonymous(&app);
    let actor = format!("{}/users/alice", app.base);
    for path in [
        "/".to_string(),
        "/about".to_string(),
        "/@alice".to_string(),
        "/tags/rooks".to_string(),
        "/auth/sign_in".to_string(),
        "/@nobody-here".to_string(),
        format!("/remote_interaction?uri={}", urlencode(&actor)),
    ] {
        let page = web.get(&path).await;
        assert!(
            page.body.contains("Rook Hollow"),
            "{path} ({}) shows the stored title",
            page.status
        );
        assert!(
            !page.body.contains(&format!(">{configured}<")),
            "{path} still shows the configured title"
        );
    }
    let landing = web.get("/").await;
    assert!(landing.body.contains("A quiet place for corvid people."));
    assert!(
        landing.body.contains("not taking new accounts"),
        "closed at run time"
    );
    let about = web.get("/about").await;
    assert!(about.body.contains("keeper@hollow.example"));
    let sign_in = web.get("/auth/sign_in").await;
    assert!(
        !sign_in.body.contains("/auth/sign_up\">Sign up"),
        "no sign-up link when closed"
    );

    // The settings pages too, and an admin's page.
    let web = WebSession::sign_in(&app, "alice").await;
    for path in [
        "/settings/profile",
        "/settings/preferences",
        "/settings/filters",
    ] {
        let page = web.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains("Rook Hollow"), "{path}");
    }
    let admin = WebSession::sign_in(&app, "boss").await;
    let page = admin.get("/admin/domains").await;
    assert!(page.body.contains("Rook Hollow"));
}

/// The sources of `directive` in a Content-Security-Policy header.
fn csp_sources(csp: &str, directive: &str) -> Vec<String> {
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(&format!("{directive} ")))
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Whether `url` (as the page at `base` names it) is allowed by `sources`.
fn allowed(url: &str, base: &str, sources: &[String]) -> bool {
    let absolute = if url.starts_with('/') && !url.starts_with("//") {
        format!("{base}{url}")
    } else {
        url.to_string()
    };
    let Ok(parsed) = url::Url::parse(&absolute) else {
        return false;
    };
    let origin = parsed.origin().ascii_serialization();
    sources.iter().any(|s| match s.as_str() {
        "'self'" => origin == base,
        "data:" => parsed.scheme() == "data",
        "blob:" => parsed.scheme() == "blob",
        other => origin == other.trim_end_matches('/'),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_image_of_a_public_page_is_allowed_by_its_csp() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    // Bob, on another server, is seen on Alice's pages: his boosted post and his avatar.
    crate::helpers::federation::follow_remotely(&b, &a, &alice, &format!("bob@{}", b.addr)).await;
    let (_, post) = b
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            serde_json::json!({ "status": "hello from bob :blob:" }),
        )
        .await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    let mut local_id = None;
    crate::helpers::federation::eventually(&a, &b, "bob's post arrives", async || {
        let (_, found) = a
            .get(
                &format!(
                    "/api/v2/search?q={}&resolve=true&type=statuses",
                    urlencode(&uri)
                ),
                Some(&alice.token),
            )
            .await;
        local_id = found["statuses"][0]["id"].as_str().map(str::to_string);
        local_id.is_some()
    })
    .await;
    let id = local_id.expect("id");
    a.post(
        &format!("/api/v1/statuses/{id}/reblog"),
        Some(&alice.token),
        serde_json::json!({}),
    )
    .await;
    let (_, own) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            serde_json::json!({ "status": "mine" }),
        )
        .await;
    let own_id = own["id"].as_str().expect("id");
    let client = &a.client;
    for path in [
        "/".to_string(),
        "/about".to_string(),
        "/@alice".to_string(),
        format!("/@alice/{own_id}"),
    ] {
        let res = client.get(a.url(&path)).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .to_string();
        let sources = csp_sources(&csp, "img-src");
        assert!(sources.contains(&"'self'".to_string()), "{csp}");
        let body = res.text().await.expect("body");
        let images = image_sources(&body);
        for url in &images {
            assert!(
                allowed(url, &a.base, &sources),
                "{path}: {url} not allowed by {csp}"
            );
        }
        if path == "/@alice" {
            assert!(body.contains("hello from bob"), "the boost is shown");
            assert!(images.len() >= 2, "avatars are shown: {images:?}");
        }
    }
}

/// The `src` of every `<img>` of `html`, entities of `&` undone.
fn image_sources(html: &str) -> Vec<String> {
    html.split("<img")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            let start = tag.find(" src=\"")? + 6;
            let end = tag[start..].find('"')? + start;
            Some(tag[start..end].replace("&amp;", "&"))
        })
        .collect()
}
