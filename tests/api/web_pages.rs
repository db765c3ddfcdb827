//! The public web pages: profiles with their tabs, paging and feeds, threads, hashtags, the
//! landing and about pages and robots.txt; what anonymous visitors may see on each, escaping
//! of what people write, `noindex`, and ActivityPub content negotiation on the same URLs.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::media::{jpeg, upload};
use crate::helpers::{TestApp, TestUser};

const AP: &str = "application/activity+json";

/// A page: status, headers and body.
async fn page(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let res = app
        .client
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .expect("get");
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.text().await.expect("body"))
}

async fn html(app: &TestApp, path: &str) -> String {
    let (status, headers, body) = page(app, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert!(headers["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/html"));
    body
}

async fn patch_profile(app: &TestApp, user: &TestUser, body: Value) {
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&user.token)
        .json(&body)
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::OK);
}

/// Whether `body` shows `raw` escaped, as the templates (`&#60;`) or the text renderer
/// (`&lt;`) escape it, and never raw.
fn shows_escaped(body: &str, raw: &str) -> bool {
    let named = raw
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let numeric = raw
        .replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;");
    (body.contains(&named) || body.contains(&numeric)) && (raw == named || !body.contains(raw))
}

fn id_of(status: &Value) -> String {
    status["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn a_profile_shows_what_anyone_may_see_escaped() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    patch_profile(
        &app,
        &alice,
        json!({
            "display_name": "<script>alert(1)</script>Al",
            "note": "I write <b>bold</b> things",
            "fields_attributes": [
                {"name": "<script>field()</script>", "value": "https://alice.example"},
                {"name": "Pronouns", "value": "she/her"}
            ],
        }),
    )
    .await;
    let public = app.post_status(&alice, "a public hello", json!({})).await;
    app.post_status(
        &alice,
        "an unlisted hello",
        json!({"visibility": "unlisted"}),
    )
    .await;
    app.post_status(
        &alice,
        "a followers-only secret",
        json!({"visibility": "private"}),
    )
    .await;
    app.post_status(
        &alice,
        "@bob a direct secret",
        json!({"visibility": "direct"}),
    )
    .await;
    app.post_status(
        &alice,
        "behind a warning",
        json!({"spoiler_text": "<script>cw()</script> spoilers"}),
    )
    .await;
    let bobs = app.post_status(&bob, "bob speaks", json!({})).await;
    app.post_status(
        &alice,
        "@bob a reply to bob",
        json!({"in_reply_to_id": bobs["id"]}),
    )
    .await;
    let (status, _) = app
        .post(
            &format!("/api/v1/statuses/{}/pin", id_of(&public)),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, headers, body) = page(&app, "/@alice").await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    // Escaped everywhere: the name, the field name, the warning.
    assert!(!body.contains("<script>"), "{body}");
    assert!(shows_escaped(&body, "<script>alert("), "{body}");
    assert!(shows_escaped(&body, "<script>field()"), "{body}");
    assert!(shows_escaped(&body, "<script>cw()"), "{body}");
    assert!(body.contains("<details class=\"cw\">"), "{body}");
    assert!(
        body.contains("I write &lt;b&gt;bold&lt;/b&gt; things"),
        "{body}"
    );
    // Field links vouch for their pages.
    assert!(body.contains("rel=\"me"), "{body}");
    // Public and unlisted posts, never followers-only or direct ones; no replies on this tab.
    assert!(body.contains("a public hello"));
    assert!(body.contains("an unlisted hello"));
    assert!(!body.contains("followers-only secret"));
    assert!(!body.contains("direct secret"));
    assert!(!body.contains("a reply to bob"));
    assert!(
        body.contains("id=\"pinned-heading\""),
        "the pinned post is shown"
    );
    // Link previews and feeds.
    assert!(body.contains("<meta property=\"og:title\""));
    assert!(body.contains("<meta property=\"og:image\""));
    assert!(body.contains("application/rss+xml"));
    assert!(
        body.contains("href=\"/remote_interaction\"")
            || body.contains("action=\"/remote_interaction\"")
    );
    // Counts, shown until the owner hides their social graph; indexing as the owner chose.
    assert!(body.contains("following"), "{body}");
    assert!(
        body.contains("<meta name=\"robots\" content=\"noindex"),
        "not indexable by default"
    );
    patch_profile(
        &app,
        &alice,
        json!({"hide_collections": true, "indexable": true}),
    )
    .await;
    let body = html(&app, "/@alice").await;
    assert!(!body.contains("following</li>"), "{body}");
    assert!(!body.contains("noindex"), "{body}");

    // The other tabs.
    let replies = html(&app, "/@alice/with_replies").await;
    assert!(replies.contains("a reply to bob"));
    assert!(!replies.contains("followers-only secret"));
    let media = html(&app, "/@alice/media").await;
    assert!(!media.contains("a public hello"));

    // ActivityPub clients get the actor at the same address.
    let res = app
        .client
        .get(app.url("/@alice"))
        .header("accept", AP)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    let actor: Value = res.json().await.expect("json");
    assert_eq!(actor["type"], "Person");

    // Unknown people and odd paths are not found, as a page.
    for path in [
        "/@nobody",
        "/@alice@elsewhere.example",
        "/@nobody.rss",
        "/@alice/notanid",
    ] {
        let (status, _, body) = page(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(body.contains("Not found"), "{path}: {body}");
    }
}

#[tokio::test]
async fn profile_tabs_page_with_max_id_and_show_media_with_alt_text() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (status, m) = upload(
        &app,
        &alice,
        jpeg(64, 48),
        &[("description", "A heron <by the lake>")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let with_image = app
        .post_status(
            &alice,
            "look at this",
            json!({"media_ids": [m["id"]], "sensitive": true}),
        )
        .await;
    for n in 0..24 {
        app.post_status(&alice, &format!("post number {n}"), json!({}))
            .await;
    }
    let first = html(&app, "/@alice").await;
    assert!(first.contains("post number 23"));
    assert!(!first.contains("post number 3<"), "only a page's worth");
    let marker = "rel=\"next\" href=\"";
    let at = first.find(marker).expect("a link to older posts") + marker.len();
    let next = &first[at..at + first[at..].find('"').expect("quote")];
    assert!(next.starts_with("/@alice?max_id="), "{next}");
    let second = html(&app, next).await;
    assert!(
        second.contains("post number 3<")
            || second.contains("post number 3\n")
            || second.contains("post number 3</p>"),
        "{second}"
    );
    assert!(second.contains("look at this"));
    assert!(!second.contains("rel=\"next\""), "the last page");
    assert!(second.contains("Newest posts"));

    let media = html(&app, "/@alice/media").await;
    assert!(media.contains("look at this"));
    assert!(!media.contains("post number"));
    assert!(shows_escaped(&media, "A heron <by the lake>"), "{media}");
    assert!(media.contains("data-blurhash=\""), "{media}");
    assert!(media.contains("<details class=\"sensitive\">"), "{media}");
    let status_page = html(&app, &format!("/@alice/{}", id_of(&with_image))).await;
    assert!(status_page.contains("<meta property=\"og:image\""));
}

#[tokio::test]
async fn a_status_page_shows_its_thread_as_an_anonymous_visitor_may_see_it() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let root = app.post_status(&bob, "the root of it", json!({})).await;
    let middle = app
        .post_status(
            &alice,
            "@bob my answer",
            json!({"in_reply_to_id": root["id"]}),
        )
        .await;
    app.post_status(
        &bob,
        "@alice a public reply",
        json!({"in_reply_to_id": middle["id"]}),
    )
    .await;
    app.post_status(
        &bob,
        "@alice a private reply",
        json!({"in_reply_to_id": middle["id"], "visibility": "private"}),
    )
    .await;
    let poll = app
        .post_status(
            &alice,
            "pick one",
            json!({"poll": {"options": ["<b>tea</b>", "coffee"], "expires_in": 3600}}),
        )
        .await;
    let private = app
        .post_status(&alice, "only followers", json!({"visibility": "private"}))
        .await;
    let direct = app
        .post_status(&alice, "@bob only bob", json!({"visibility": "direct"}))
        .await;

    let body = html(&app, &format!("/@alice/{}", id_of(&middle))).await;
    assert!(body.contains("the root of it"), "the ancestor");
    assert!(body.contains("my answer"));
    assert!(body.contains("a public reply"), "the reply");
    assert!(!body.contains("a private reply"), "{body}");
    assert!(body.contains("<time datetime=\""), "{body}");
    assert!(body.contains(" UTC</time>"), "readable without the script");
    assert!(body.contains("<meta property=\"og:type\" content=\"article\">"));

    let body = html(&app, &format!("/@alice/{}", id_of(&poll))).await;
    assert!(body.contains("&lt;b&gt;tea&lt;/b&gt;"), "{body}");
    assert!(body.contains("class=\"poll\""), "{body}");

    // Not public: not found, as if it did not exist. Nor under another author's name.
    for id in [id_of(&private), id_of(&direct)] {
        let (status, _, body) = page(&app, &format!("/@alice/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!body.contains("only"), "{body}");
    }
    let (status, _, _) = page(&app, &format!("/@bob/{}", id_of(&middle))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // ActivityPub clients get the Note.
    let res = app
        .client
        .get(app.url(&format!("/@alice/{}", id_of(&middle))))
        .header("accept", AP)
        .send()
        .await
        .expect("get");
    let note: Value = res.json().await.expect("json");
    assert_eq!(note["type"], "Note");
}

#[tokio::test]
async fn a_suspended_account_has_no_pages_nor_feeds() {
    let app = TestApp::spawn().await;
    let moddy = app.moderator().await;
    let alice = app.register("alice").await;
    let post = app.post_status(&alice, "before the fall", json!({})).await;
    let bob = app.register("bob").await;
    let reply = app
        .post_status(
            &bob,
            "@alice answering",
            json!({"in_reply_to_id": post["id"]}),
        )
        .await;
    assert!(html(&app, "/@alice").await.contains("before the fall"));
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/action", alice.id),
            Some(&moddy.token),
            json!({"type": "suspend"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/@alice".to_string(),
        format!("/@alice/{}", id_of(&post)),
        "/@alice.rss".to_string(),
        "/@alice.atom".to_string(),
    ] {
        let (status, _, body) = page(&app, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("before the fall"), "{path}");
    }
    // Bob's reply stands, without the suspended ancestor.
    let body = html(&app, &format!("/@bob/{}", id_of(&reply))).await;
    assert!(body.contains("answering"));
    assert!(!body.contains("before the fall"), "{body}");
}

#[tokio::test]
async fn feeds_are_valid_rss_and_atom_of_public_posts() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    patch_profile(&app, &alice, json!({"display_name": "Alice & <Co>"})).await;
    app.post_status(&alice, "first <post> & #rookery", json!({}))
        .await;
    app.post_status(
        &alice,
        "with a warning",
        json!({"spoiler_text": "cw & <more>"}),
    )
    .await;
    app.post_status(
        &alice,
        "hidden from feeds",
        json!({"visibility": "unlisted"}),
    )
    .await;
    app.post_status(&alice, "private to feeds", json!({"visibility": "private"}))
        .await;

    let res = app
        .client
        .get(app.url("/@alice.rss"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("application/rss+xml"));
    let channel: rss::Channel = res.text().await.expect("xml").parse().expect("RSS");
    assert_eq!(channel.title, "Alice & <Co>");
    assert_eq!(channel.items.len(), 2, "public posts only");
    let descriptions: Vec<&str> = channel
        .items
        .iter()
        .filter_map(|i| i.description.as_deref())
        .collect();
    assert!(
        descriptions
            .iter()
            .any(|d| d.contains("first &lt;post&gt; &amp;")),
        "{descriptions:?}"
    );
    assert!(
        descriptions
            .iter()
            .any(|d| d.contains("cw &amp; &lt;more&gt;")),
        "{descriptions:?}"
    );
    assert!(channel.items.iter().all(|i| i
        .link
        .as_deref()
        .is_some_and(|l| l.starts_with(&app.url("/@alice/")))));

    let res = app
        .client
        .get(app.url("/@alice.atom"))
        .send()
        .await
        .expect("get");
    assert!(res.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("application/atom+xml"));
    let feed: atom_syndication::Feed = res.text().await.expect("xml").parse().expect("Atom");
    assert_eq!(feed.entries.len(), 2);
    assert!(feed.entries.iter().any(|e| e.title.value == "cw & <more>"));

    // Hashtags too; unknown ones are not found.
    let tag: rss::Channel = app
        .client
        .get(app.url("/tags/rookery.rss"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("xml")
        .parse()
        .expect("RSS");
    assert_eq!(tag.items.len(), 1);
    let atom: atom_syndication::Feed = app
        .client
        .get(app.url("/tags/Rookery.atom"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("xml")
        .parse()
        .expect("Atom");
    assert_eq!(atom.entries.len(), 1);
    let (status, _, _) = page(&app, "/tags/nothingtagged.rss").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hashtag_pages_for_browsers_and_activitypub_clients() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let public = app.post_status(&alice, "hello #Birds", json!({})).await;
    app.post_status(&alice, "secret #birds", json!({"visibility": "private"}))
        .await;
    app.post_status(&alice, "quiet #birds", json!({"visibility": "unlisted"}))
        .await;

    let body = html(&app, "/tags/birds").await;
    assert!(body.contains("hello"));
    assert!(!body.contains("secret"));
    assert!(
        !body.contains("quiet"),
        "unlisted posts stay off hashtag pages"
    );
    assert!(body.contains("<h1>#Birds</h1>"), "{body}");
    let (status, _, _) = page(&app, "/tags/neverused").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = page(&app, "/tags/%3Cscript%3E").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let res = app
        .client
        .get(app.url("/tags/birds"))
        .header("accept", AP)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("application/activity+json"));
    let doc: Value = res.json().await.expect("json");
    assert_eq!(doc["type"], "OrderedCollection");
    assert_eq!(doc["id"], app.url("/tags/birds"));
    assert_eq!(doc["totalItems"], 1);
    assert_eq!(doc["orderedItems"], json!([public["uri"]]));
}

#[tokio::test]
async fn landing_about_and_robots_pages() {
    let app = TestApp::spawn_with(|c| {
        c.instance.contact_email = "admin@example.com".into();
        c.instance.description = "Birds & <friends>".into();
        c.moderation.domain_blocks_visibility = rookery::config::DomainBlocksVisibility::Public;
    })
    .await;
    let boss = app.admin().await;
    patch_profile(&app, &boss, json!({"display_name": "<i>The Boss</i>"})).await;
    let (status, _) = app
        .post(
            "/api/v1/admin/rules",
            Some(&boss.token),
            json!({"text": "No <spam>"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .post(
            "/api/v1/admin/domain_blocks",
            Some(&boss.token),
            json!({"domain": "spam.example", "severity": "suspend", "public_comment": "spam & abuse"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let landing = html(&app, "/").await;
    assert!(shows_escaped(&landing, "Birds & <friends>"), "{landing}");
    assert!(
        landing.contains("href=\"/auth/sign_up\""),
        "open registrations link the form"
    );

    let about = html(&app, "/about").await;
    assert!(shows_escaped(&about, "No <spam>"), "{about}");
    assert!(about.contains("admin@example.com"));
    assert!(about.contains("&lt;i&gt;The Boss&lt;/i&gt;"), "{about}");
    assert!(about.contains("spam.example"));
    assert!(shows_escaped(&about, "spam & abuse"), "{about}");
    assert!(!about.contains("Privacy policy"), "none was written");
    let (status, body) = app
        .request(
            Method::PATCH,
            "/api/v1/instance",
            Some(&boss.token),
            Some(json!({"privacy_policy": "We keep <nothing>.", "terms": "Be <nice>."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let about = html(&app, "/about").await;
    assert!(about.contains("We keep &lt;nothing&gt;."), "{about}");
    assert!(about.contains("Be &lt;nice&gt;."), "{about}");

    let (status, headers, robots) = page(&app, "/robots.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/plain"));
    assert!(
        robots.contains("User-agent: *\nDisallow: /api/"),
        "{robots}"
    );

    let script = app
        .client
        .get(app.url("/assets/rookery.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/javascript"));
}

#[tokio::test]
async fn closed_servers_say_so_and_keep_their_block_list_to_users() {
    let app = TestApp::spawn_with(|c| {
        c.registrations = rookery::config::RegistrationMode::Closed;
        c.moderation.domain_blocks_visibility = rookery::config::DomainBlocksVisibility::Users;
    })
    .await;
    // Nobody can sign up here: the block is the service's work, as the admin API would ask.
    rookery::service::moderation::domains::create_block(
        &app.state,
        None,
        &rookery::service::moderation::domains::BlockInput {
            domain: "hidden.example".into(),
            severity: Some("silence".into()),
            reject_media: None,
            reject_reports: None,
            private_comment: None,
            public_comment: None,
            obfuscate: None,
        },
    )
    .await
    .expect("block");
    let landing = html(&app, "/").await;
    assert!(!landing.contains("/auth/sign_up"));
    assert!(landing.contains("not taking new accounts"));
    let about = html(&app, "/about").await;
    assert!(!about.contains("hidden.example"));
    assert!(about.contains("Sign in to see"));
}
