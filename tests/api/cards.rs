//! Link preview cards (issue 20): pages served on loopback by a small web server of the test's
//! own, fetched by the `fetch_card` job; the card on statuses (local and federated), shared
//! between statuses, on streaming, at `/api/v1/statuses/:id/card` and in the link timeline;
//! bad pages, disabled cards and skipped domains giving none, never failing a post.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, StatusCode as WebStatus, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{arrived, follow_remotely};
use crate::helpers::media::{jpeg, png, spawn_media};
use crate::helpers::{TestApp, TestUser};

/// What the web server answers at a path (with its query).
#[derive(Clone)]
enum Answer {
    Page {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
        delay: Duration,
    },
    Redirect(String),
}

/// A web server on loopback answering what each test sets, counting what is asked.
#[derive(Clone, Default)]
struct Web {
    answers: Arc<Mutex<HashMap<String, Answer>>>,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Web {
    /// Starts serving; returns the server and its base URL (`http://127.0.0.1:port`).
    async fn start() -> (Web, String) {
        let web = Web::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let router = Router::new().fallback(answer).with_state(web.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        (web, base)
    }

    fn set(&self, path: &str, answer: Answer) {
        self.answers
            .lock()
            .expect("lock")
            .insert(path.to_string(), answer);
    }

    fn page(&self, path: &str, content_type: &'static str, body: impl Into<Vec<u8>>) {
        self.set(
            path,
            Answer::Page {
                status: 200,
                content_type,
                body: body.into(),
                delay: Duration::ZERO,
            },
        );
    }

    fn html(&self, path: &str, body: &str) {
        self.page(path, "text/html; charset=utf-8", body);
    }

    /// How often `path` was asked for.
    fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("lock")
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

async fn answer(State(web): State<Web>, uri: Uri) -> Response {
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    web.hits.lock().expect("lock").push(path.clone());
    let found = web.answers.lock().expect("lock").get(&path).cloned();
    match found {
        None => (WebStatus::NOT_FOUND, "not here").into_response(),
        Some(Answer::Redirect(to)) => (WebStatus::FOUND, [(header::LOCATION, to)]).into_response(),
        Some(Answer::Page {
            status,
            content_type,
            body,
            delay,
        }) => {
            tokio::time::sleep(delay).await;
            (
                WebStatus::from_u16(status).expect("status"),
                [(header::CONTENT_TYPE, content_type)],
                body,
            )
                .into_response()
        }
    }
}

/// An article with OpenGraph, authors, a language and an image.
fn article(base: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en-GB"><head>
        <title>Ignored title</title>
        <meta name="description" content="ignored description">
        <meta property="og:title" content="Herons of the Thames">
        <meta property="og:description" content="Where to see them &amp; when.">
        <meta property="og:type" content="article">
        <meta property="og:site_name" content="River News">
        <meta property="og:image" content="/img/heron.jpg">
        <meta property="og:image:alt" content="A grey heron">
        <meta property="article:published_time" content="2026-11-30T10:00:00Z">
        <meta name="author" content="Ada Lovelace">
        <link rel="author" href="{base}/people/ada">
        <meta name="fediverse:creator" content="@ada@127.0.0.1:9">
        </head><body><p>Text.</p></body></html>"#
    )
}

/// The status `id` as `user` sees it once its jobs ran and `done` holds (fifteen seconds at
/// most).
async fn status_when(
    app: &TestApp,
    user: &TestUser,
    id: &Value,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let id = id.as_str().expect("id");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        app.drain_jobs().await;
        let (status, body) = app
            .get(&format!("/api/v1/statuses/{id}"), Some(&user.token))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if done(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn with_card(app: &TestApp, user: &TestUser, id: &Value) -> Value {
    status_when(app, user, id, "a card", |s| s["card"].is_object()).await
}

/// The status once every job ran: no card is coming any more.
async fn settled(app: &TestApp, user: &TestUser, id: &Value) -> Value {
    status_when(app, user, id, "its jobs", |_| true).await
}

#[tokio::test]
async fn an_opengraph_page_gives_a_shared_card_everywhere_statuses_show() {
    let (web, base) = Web::start().await;
    web.html("/article", &article(&base));
    web.page("/img/heron.jpg", "image/jpeg", jpeg(1280, 800));
    let (app, _dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;

    let first = app
        .post_status(&alice, &format!("Look #birds {base}/article"), json!({}))
        .await;
    assert!(first["card"].is_null(), "the post does not wait: {first}");
    let shown = with_card(&app, &alice, &first["id"]).await;
    let card = &shown["card"];
    assert_eq!(card["url"], format!("{base}/article"));
    assert_eq!(card["type"], "link");
    assert_eq!(card["title"], "Herons of the Thames");
    assert_eq!(card["description"], "Where to see them & when.");
    assert_eq!(card["provider_name"], "River News");
    assert_eq!(card["provider_url"], "");
    assert_eq!(card["html"], "");
    assert_eq!(card["embed_url"], "");
    assert_eq!(card["language"], "en");
    assert_eq!(card["image_description"], "A grey heron");
    assert_eq!(card["published_at"], "2026-11-30T10:00:00.000Z");
    assert_eq!(card["author_name"], "Ada Lovelace");
    assert_eq!(card["author_url"], format!("{base}/people/ada"));
    assert_eq!(
        card["authors"],
        json!([{ "name": "Ada Lovelace", "url": format!("{base}/people/ada"), "account": null }])
    );
    // The image went through the media pipeline: stored here, at most 640 wide, blurhashed.
    let image = card["image"].as_str().expect("image");
    assert!(
        image.starts_with(&format!("{}/system/media/", app.base)),
        "{image}"
    );
    assert_eq!(
        (card["width"].clone(), card["height"].clone()),
        (json!(640), json!(400))
    );
    assert!(card["blurhash"].is_string(), "{card}");
    let bytes = reqwest::get(image)
        .await
        .expect("image")
        .bytes()
        .await
        .expect("bytes");
    let decoded = image::load_from_memory(&bytes).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (640, 400));

    // Another status linking the same page (spelt differently) shares the card: one fetch.
    let second = app
        .post_status(&bob, &format!("{base}/article#comments"), json!({}))
        .await;
    let shared = with_card(&app, &bob, &second["id"]).await;
    assert_eq!(shared["card"], *card);
    assert_eq!(web.hits("/article"), 1, "fetched once for both statuses");
    assert_eq!(web.hits("/img/heron.jpg"), 1);

    // A boost carries its original's card.
    let (status, boost) = app
        .post(
            &format!(
                "/api/v1/statuses/{}/reblog",
                first["id"].as_str().expect("id")
            ),
            Some(&carol.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{boost}");
    assert!(boost["card"].is_null());
    assert_eq!(boost["reblog"]["card"], *card);
    let (_, public) = app.get("/api/v1/timelines/public", None).await;
    let listed = public
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["id"] == first["id"])
        .expect("in the public timeline");
    assert_eq!(listed["card"], *card);

    // The old endpoint: the card, `{}` without one, 404 for what cannot be seen.
    let first_id = first["id"].as_str().expect("id");
    let (status, old) = app
        .get(&format!("/api/v1/statuses/{first_id}/card"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(old, *card);
    let (status, via_boost) = app
        .get(
            &format!(
                "/api/v1/statuses/{}/card",
                boost["id"].as_str().expect("id")
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!((status, via_boost), (StatusCode::OK, card.clone()));
    let plain = app.post_status(&alice, "no link here", json!({})).await;
    let (status, empty) = app
        .get(
            &format!(
                "/api/v1/statuses/{}/card",
                plain["id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    assert_eq!((status, empty), (StatusCode::OK, json!({})));
    let private = app
        .post_status(
            &alice,
            &format!("{base}/article"),
            json!({ "visibility": "private" }),
        )
        .await;
    with_card(&app, &alice, &private["id"]).await;
    let private_id = private["id"].as_str().expect("id");
    let (status, _) = app
        .get(
            &format!("/api/v1/statuses/{private_id}/card"),
            Some(&carol.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/v1/statuses/123456/card", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The link timeline: public statuses with the card, newest first, paged with Link.
    let url = crate::helpers::urlencode(&format!("{base}/article"));
    let ids = app
        .ids(&format!("/api/v1/timelines/link?url={url}"), None)
        .await;
    let id_of = |s: &Value| s["id"].as_str().expect("id").to_string();
    assert_eq!(ids, vec![id_of(&second), id_of(&first)]);
    let res = app
        .client
        .get(app.url(&format!("/api/v1/timelines/link?url={url}&limit=1")))
        .send()
        .await
        .expect("request");
    let link = res.headers()["link"].to_str().expect("link").to_string();
    let page: Value = res.json().await.expect("json");
    assert_eq!(page.as_array().map(Vec::len), Some(1));
    assert!(
        link.contains(&format!("max_id={}", second["id"].as_str().expect("id"))),
        "{link}"
    );
    let (status, body) = app.get("/api/v1/timelines/link", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].is_string());
    let (status, _) = app
        .get(
            "/api/v1/timelines/link?url=https%3A%2F%2Fnowhere.example%2F",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get("/api/v1/timelines/link?url=javascript%3Aalert(1)", None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // An edit that drops the link takes the card away.
    app.edit_status(&alice, first_id, "changed my mind").await;
    status_when(&app, &alice, &first["id"], "the card to go", |s| {
        s["card"].is_null()
    })
    .await;
    let ids = app
        .ids(&format!("/api/v1/timelines/link?url={url}"), None)
        .await;
    assert_eq!(ids, vec![id_of(&second)]);
}

#[tokio::test]
async fn twitter_title_only_and_oembed_pages_give_their_cards() {
    let (web, base) = Web::start().await;
    web.html(
        "/twitter",
        r#"<html><head><meta name="twitter:card" content="summary">
        <meta name="twitter:title" content="Tweeted title"><meta name="twitter:description" content="Tweeted words">
        </head></html>"#,
    );
    web.html(
        "/plain",
        "<html><head><title>  A plain\n page </title><meta name=description content=\"Plain words\"></head></html>",
    );
    web.html(
        "/photo",
        &format!(
            r#"<html><head><title>Photo page</title>
            <link rel="alternate" type="application/json+oembed" href="{base}/oembed/photo"></head></html>"#
        ),
    );
    web.page(
        "/oembed/photo",
        "application/json",
        json!({ "type": "photo", "version": "1.0", "title": "A kingfisher",
                "url": format!("{base}/img/kingfisher.png"), "width": 500, "height": "400",
                "author_name": "Bea", "author_url": format!("{base}/bea"),
                "provider_name": "Pics", "provider_url": format!("{base}/") })
        .to_string(),
    );
    web.page("/img/kingfisher.png", "image/png", png(500, 400));
    web.html(
        "/video",
        r#"<html><head><meta property="og:title" content="Video page">
        <link rel="alternate" type="application/json+oembed" href="/oembed/video"></head></html>"#,
    );
    web.page(
        "/oembed/video",
        "application/json; charset=utf-8",
        json!({ "type": "video", "title": "Wings in slow motion", "width": 640, "height": 360,
                "html": "<script>alert(1)</script><iframe src=\"https://player.example/embed/7\" width=\"640\" height=\"360\" onload=\"x()\" allowfullscreen></iframe>",
                "provider_name": "Tube", "thumbnail_url": "/img/thumb.jpg" })
        .to_string(),
    );
    web.page("/img/thumb.jpg", "image/jpeg", jpeg(320, 180));
    let (app, _dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;

    let post = |path: &str| format!("see {base}{path}");
    let twitter = app.post_status(&alice, &post("/twitter"), json!({})).await;
    let plain = app.post_status(&alice, &post("/plain"), json!({})).await;
    let photo = app.post_status(&alice, &post("/photo"), json!({})).await;
    let video = app.post_status(&alice, &post("/video"), json!({})).await;

    let card = with_card(&app, &alice, &twitter["id"]).await["card"].clone();
    assert_eq!(
        (
            card["type"].clone(),
            card["title"].clone(),
            card["description"].clone()
        ),
        (
            json!("link"),
            json!("Tweeted title"),
            json!("Tweeted words")
        )
    );
    assert!(
        card["image"].is_null() && card["blurhash"].is_null(),
        "{card}"
    );
    assert_eq!(card["authors"], json!([]));

    let card = with_card(&app, &alice, &plain["id"]).await["card"].clone();
    assert_eq!(card["title"], "A plain page");
    assert_eq!(card["description"], "Plain words");
    assert_eq!(
        (card["width"].clone(), card["height"].clone()),
        (json!(0), json!(0))
    );

    let card = with_card(&app, &alice, &photo["id"]).await["card"].clone();
    assert_eq!(card["type"], "photo");
    assert_eq!(card["title"], "A kingfisher");
    assert_eq!(card["embed_url"], format!("{base}/img/kingfisher.png"));
    assert_eq!(
        (card["width"].clone(), card["height"].clone()),
        (json!(500), json!(400))
    );
    assert_eq!(card["author_name"], "Bea");
    assert_eq!(card["author_url"], format!("{base}/bea"));
    assert_eq!(card["provider_name"], "Pics");
    assert_eq!(card["provider_url"], format!("{base}/"));
    assert!(card["image"]
        .as_str()
        .is_some_and(|i| i.starts_with(&format!("{}/system/media/", app.base))));

    let card = with_card(&app, &alice, &video["id"]).await["card"].clone();
    assert_eq!(card["type"], "video");
    assert_eq!(card["title"], "Wings in slow motion");
    assert_eq!(
        card["html"],
        "<iframe src=\"https://player.example/embed/7\" width=\"640\" height=\"360\" frameborder=\"0\" allowfullscreen=\"true\"></iframe>"
    );
    assert_eq!(
        (card["width"].clone(), card["height"].clone()),
        (json!(640), json!(360))
    );
    assert_eq!(card["provider_name"], "Tube");
    assert!(card["image"].is_string(), "{card}");
    assert_eq!(web.hits("/img/thumb.jpg"), 1);
}

#[tokio::test]
async fn streaming_hears_the_card_arrive() {
    let (web, base) = Web::start().await;
    web.html("/article", &article(&base));
    let app =
        TestApp::spawn_with(|c| c.media.remote_cache = rookery::config::RemoteCache::Off).await;
    let alice = app.register("alice").await;
    let mut res = app
        .client
        .get(app.url("/api/v1/streaming/public"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("stream");
    assert_eq!(res.status(), StatusCode::OK);
    // The subscription is live once its first comment arrives.
    tokio::time::timeout(Duration::from_secs(10), res.chunk())
        .await
        .expect("hello")
        .expect("read");
    let post = app
        .post_status(&alice, &format!("{base}/article"), json!({}))
        .await;
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let update = loop {
        let chunk = tokio::time::timeout_at(deadline, res.chunk())
            .await
            .expect("a status.update in time")
            .expect("read")
            .expect("open");
        buf.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        let found = buf.split("\n\n").find_map(|block| {
            if !block.lines().any(|l| l.trim() == "event: status.update") {
                return None;
            }
            let data: String = block
                .lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .collect();
            serde_json::from_str::<Value>(&data).ok()
        });
        if let Some(update) = found {
            break update;
        }
    };
    assert_eq!(update["id"], post["id"]);
    assert_eq!(update["card"]["title"], "Herons of the Thames");
    // With the remote media cache off the card shows the page's own image.
    assert_eq!(update["card"]["image"], format!("{base}/img/heron.jpg"));
    assert!(update["card"]["blurhash"].is_null());
}

#[tokio::test]
async fn a_remote_post_gets_its_card_on_the_receiving_instance() {
    let (web, base) = Web::start().await;
    web.html("/article", &article(&base));
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;
    let post = a
        .post_status(&alice, &format!("Read {base}/article please"), json!({}))
        .await;
    let copy = arrived(&a, &b, &bob, &post["uri"]).await;
    let copy = with_card(&b, &bob, &copy["id"]).await;
    assert_eq!(copy["card"]["title"], "Herons of the Thames");
    assert_eq!(copy["card"]["url"], format!("{base}/article"));
    let local = with_card(&a, &alice, &post["id"]).await;
    assert_eq!(local["card"]["title"], "Herons of the Thames");
    // Each instance fetched the page for itself.
    assert_eq!(web.hits("/article"), 2);
}

#[tokio::test]
async fn bad_pages_leave_no_card_and_never_fail_the_post() {
    let (web, base) = Web::start().await;
    let good = article(&base);
    web.html("/empty", "<html><body><p>nothing to say</p></body></html>");
    let mut huge = String::from("<html><head><title>Huge</title></head><body>");
    huge.push_str(&"x".repeat(2 * 1024 * 1024));
    web.html("/huge", &huge);
    web.set(
        "/slow",
        Answer::Page {
            status: 200,
            content_type: "text/html",
            body: good.clone().into_bytes(),
            delay: Duration::from_secs(4),
        },
    );
    let mut binary = vec![0u8, 159, 146, 150, 255];
    binary.extend_from_slice(good.as_bytes());
    web.page("/binary", "application/octet-stream", binary);
    web.set("/loop", Answer::Redirect("/loop".into()));
    for i in 0..4 {
        web.set(
            &format!("/hop{i}"),
            Answer::Redirect(format!("/hop{}", i + 1)),
        );
    }
    web.html("/hop4", &good);
    web.set(
        "/gone",
        Answer::Page {
            status: 500,
            content_type: "text/html",
            body: good.clone().into_bytes(),
            delay: Duration::ZERO,
        },
    );
    web.page(
        "/broken.png",
        "image/png",
        b"\x89PNG\r\n\x1a\nnot really".to_vec(),
    );
    web.html(
        "/broken-image",
        &format!(
            r#"<html><head><meta property="og:title" content="Broken picture">
            <meta property="og:image" content="{base}/broken.png"></head></html>"#
        ),
    );
    let (app, _dir) = spawn_media(|c| c.cards.timeout_secs = 1).await;
    let alice = app.register("alice").await;

    for path in [
        "/empty",
        "/huge",
        "/slow",
        "/binary",
        "/loop",
        "/hop0",
        "/gone",
        "/missing",
        "/broken.png",
    ] {
        let started = Instant::now();
        let post = app
            .post_status(&alice, &format!("bad {base}{path}"), json!({}))
            .await;
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "{path}: the post waited for the page"
        );
        let after = settled(&app, &alice, &post["id"]).await;
        assert!(after["card"].is_null(), "{path}: {after}");
        assert!(web.hits(path) >= 1, "{path} was never asked for");
        let (status, card) = app
            .get(
                &format!("/api/v1/statuses/{}/card", post["id"].as_str().expect("id")),
                None,
            )
            .await;
        assert_eq!((status, card), (StatusCode::OK, json!({})), "{path}");
    }
    // Three redirects at most: the fourth hop is never taken.
    assert_eq!(web.hits("/hop3"), 1);
    assert_eq!(web.hits("/hop4"), 0);

    // A page whose image is broken keeps its card, without the image.
    let post = app
        .post_status(&alice, &format!("{base}/broken-image"), json!({}))
        .await;
    let card = with_card(&app, &alice, &post["id"]).await["card"].clone();
    assert_eq!(card["title"], "Broken picture");
    assert!(
        card["image"].is_null() && card["blurhash"].is_null(),
        "{card}"
    );
    assert_eq!(web.hits("/broken.png"), 2);

    // Private addresses are refused where the configuration does not allow them.
    web.html("/article", &good);
    let strict = TestApp::spawn_with(|c| c.federation.allow_private_addresses = false).await;
    let erin = strict.register("erin").await;
    let post = strict
        .post_status(&erin, &format!("{base}/article"), json!({}))
        .await;
    let after = settled(&strict, &erin, &post["id"]).await;
    assert!(after["card"].is_null(), "{after}");
    assert_eq!(web.hits("/article"), 0);
}

#[tokio::test]
async fn disabled_cards_and_skipped_domains_fetch_nothing() {
    let (web, base) = Web::start().await;
    web.html("/article", &article(&base));
    let port = base.rsplit(':').next().expect("port").to_string();
    web.set(
        "/to-skipped",
        Answer::Redirect(format!("http://localhost:{port}/article")),
    );

    let off = TestApp::spawn_with(|c| c.cards.enabled = false).await;
    let alice = off.register("alice").await;
    let post = off
        .post_status(&alice, &format!("{base}/article"), json!({}))
        .await;
    assert!(settled(&off, &alice, &post["id"]).await["card"].is_null());
    assert_eq!(web.hits("/article"), 0);

    let skipping = TestApp::spawn_with(|c| c.cards.skip_domains = vec!["localhost".into()]).await;
    let bob = skipping.register("bob").await;
    let direct = skipping
        .post_status(&bob, &format!("http://localhost:{port}/article"), json!({}))
        .await;
    let hop = skipping
        .post_status(&bob, &format!("{base}/to-skipped"), json!({}))
        .await;
    assert!(settled(&skipping, &bob, &direct["id"]).await["card"].is_null());
    assert!(settled(&skipping, &bob, &hop["id"]).await["card"].is_null());
    assert_eq!(web.hits("/to-skipped"), 1, "the first hop is asked");
    assert_eq!(web.hits("/article"), 0, "no hop reaches a skipped domain");

    // The same instance still makes cards of other domains.
    let fine = skipping
        .post_status(&bob, &format!("{base}/article"), json!({}))
        .await;
    assert_eq!(
        with_card(&skipping, &bob, &fine["id"]).await["card"]["title"],
        "Herons of the Thames"
    );
}

async fn trending_links(app: &TestApp) -> Vec<String> {
    let (status, body) = app.get("/api/v1/trends/links", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .unwrap_or_else(|| panic!("not a list: {body}"))
        .iter()
        .map(|l| l["url"].as_str().expect("url").to_string())
        .collect()
}

#[tokio::test]
async fn links_shared_by_three_people_trend_until_a_moderator_rejects_them() {
    let (web, base) = Web::start().await;
    web.html("/article", &article(&base));
    web.html(
        "/quiet",
        "<html><head><title>Quiet page</title></head></html>",
    );
    web.page("/img/heron.jpg", "image/jpeg", jpeg(1280, 800));
    let (app, _dir) = spawn_media(|_| {}).await;
    let people = [
        app.register("ann").await,
        app.register("ben").await,
        app.register("cat").await,
    ];
    assert!(trending_links(&app).await.is_empty());

    // Three people share the article; three share the quiet page, one of them in private.
    for who in &people {
        let post = app
            .post_status(who, &format!("read {base}/article"), json!({}))
            .await;
        with_card(&app, who, &post["id"]).await;
    }
    for (i, who) in people.iter().enumerate() {
        let visibility = if i == 2 { "private" } else { "public" };
        let post = app
            .post_status(
                who,
                &format!("{base}/quiet"),
                json!({ "visibility": visibility }),
            )
            .await;
        with_card(&app, who, &post["id"]).await;
    }
    let article_url = format!("{base}/article");
    assert_eq!(trending_links(&app).await, vec![article_url.clone()]);
    let (_, links) = app.get("/api/v1/trends/links", None).await;
    let link = &links[0];
    assert_eq!(link["title"], "Herons of the Thames");
    assert_eq!(link["type"], "link");
    let history = link["history"].as_array().expect("history");
    assert_eq!(history.len(), 7);
    assert_eq!(history[0]["uses"], "3");
    assert_eq!(history[0]["accounts"], "3");
    assert_eq!(history[1]["uses"], "0");

    // Moderators see it with its card id; others may not review.
    let moddy = app.moderator().await;
    let (status, review) = app
        .get("/api/v1/admin/trends/links", Some(&moddy.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{review}");
    assert_eq!(review[0]["url"], article_url);
    assert_eq!(review[0]["trendable"], true);
    assert_eq!(review[0]["requires_review"], false);
    let id = review[0]["id"].as_str().expect("id").to_string();
    let (status, _) = app
        .get("/api/v1/admin/trends/links", Some(&people[0].token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/trends/links/{id}/reject"),
            Some(&people[0].token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .post(
            "/api/v1/admin/trends/links/999999/reject",
            Some(&moddy.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, rejected) = app
        .post(
            &format!("/api/v1/admin/trends/links/{id}/reject"),
            Some(&moddy.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    assert_eq!(rejected["trendable"], false);
    assert!(trending_links(&app).await.is_empty());
    let (status, approved) = app
        .post(
            &format!("/api/v1/admin/trends/links/{id}/approve"),
            Some(&moddy.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(trending_links(&app).await, vec![article_url]);
}

/// A page crediting `handle` (`fediverse:creator`) and naming no other author.
fn credited_page(handle: &str) -> String {
    format!(
        r#"<!doctype html><html><head>
        <meta property="og:title" content="Nesting season">
        <meta name="fediverse:creator" content="@{handle}">
        </head><body></body></html>"#
    )
}

/// The account a status's card credits, as `user` on `app` sees it once the card is there.
async fn credited(app: &TestApp, user: &TestUser, id: &Value) -> Value {
    let shown = with_card(app, user, id).await;
    assert_eq!(shown["card"]["authors"].as_array().map(Vec::len), Some(1));
    shown["card"]["authors"][0]["account"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_credits_its_creator_only_from_a_domain_they_allow() {
    let (web, base) = Web::start().await;
    let port = base.rsplit(':').next().expect("port").to_string();
    // The same server under a name (`localhost`) and an address (`127.0.0.1`).
    let named = format!("http://localhost:{port}");
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let handle = format!("bob@{}", b.addr);
    follow_remotely(&b, &a, &alice, &handle).await;
    web.html("/nests", &credited_page(&handle));
    web.html("/elsewhere", &credited_page(&handle));
    web.html("/later", &credited_page(&handle));
    web.html("/nobody", &credited_page("nobody@127.0.0.1:9"));

    // Bob allows no domain yet: the claim is not shown.
    let first = a
        .post_status(&alice, &format!("{named}/nests"), json!({}))
        .await;
    assert_eq!(credited(&a, &alice, &first["id"]).await, Value::Null);
    let elsewhere = a
        .post_status(&alice, &format!("{base}/elsewhere"), json!({}))
        .await;
    assert_eq!(credited(&a, &alice, &elsewhere["id"]).await, Value::Null);

    // Bob allows `localhost`: his profile's Update reaches alice's server, which grants the
    // card on `localhost` the credit, not the one on `127.0.0.1`.
    let (code, body) = b
        .request(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&bob.token),
            Some(json!({ "attribution_domains": ["localhost"] })),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let deadline = Instant::now() + Duration::from_secs(15);
    let account = loop {
        b.drain_jobs().await;
        let account = credited(&a, &alice, &first["id"]).await;
        if account.is_object() || Instant::now() > deadline {
            break account;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(account["acct"], json!(handle), "{account}");
    assert_eq!(account["username"], "bob");
    assert_eq!(credited(&a, &alice, &elsewhere["id"]).await, Value::Null);

    // A page fetched from then on is credited at once; a creator who cannot be found is not.
    let later = a
        .post_status(&alice, &format!("{named}/later"), json!({}))
        .await;
    assert_eq!(
        credited(&a, &alice, &later["id"]).await["acct"],
        json!(handle)
    );
    let nobody = a
        .post_status(&alice, &format!("{named}/nobody"), json!({}))
        .await;
    assert_eq!(credited(&a, &alice, &nobody["id"]).await, Value::Null);
    let (code, card) = a
        .get(
            &format!(
                "/api/v1/statuses/{}/card",
                later["id"].as_str().expect("id")
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(card["authors"][0]["account"]["acct"], json!(handle));
}
