//! Grouped notifications (`/api/v2/notifications…`): favourites and boosts of one status and
//! follows form groups, other types stand alone; paging by groups, filters, one group, its
//! accounts, dismissal, the unread count, and a favourite from another instance joining a
//! group.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, resolve};
use crate::helpers::{TestApp, TestUser};

pub(crate) async fn favourite(app: &TestApp, who: &TestUser, status: &str) {
    let (code, body) = app
        .post(
            &format!("/api/v1/statuses/{status}/favourite"),
            Some(&who.token),
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
}

async fn reblog(app: &TestApp, who: &TestUser, status: &str) {
    let (code, body) = app
        .post(
            &format!("/api/v1/statuses/{status}/reblog"),
            Some(&who.token),
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
}

/// `GET path` with `who`'s token: status, body and the `Link` header.
pub(crate) async fn get_linked(
    app: &TestApp,
    who: &TestUser,
    path: &str,
) -> (StatusCode, Value, String) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(&who.token)
        .send()
        .await
        .expect("request");
    let status = res.status();
    let link = res
        .headers()
        .get("link")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body, link)
}

pub(crate) fn groups(page: &Value) -> &Vec<Value> {
    page["notification_groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no notification_groups in {page}"))
}

fn group_of<'a>(page: &'a Value, kind: &str) -> Vec<&'a Value> {
    groups(page).iter().filter(|g| g["type"] == kind).collect()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().expect("id string").to_string())
        .collect()
}

/// The path (and query) of the `rel` link in a `Link` header.
pub(crate) fn link_path(link: &str, rel: &str) -> Option<String> {
    link.split(", ")
        .find(|l| l.ends_with(&format!("rel=\"{rel}\"")))
        .and_then(|l| l.split(['<', '>']).nth(1))
        .map(|url| {
            let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
            after_scheme[after_scheme.find('/').unwrap_or(0)..].to_string()
        })
}

/// Alice's post favourited by bob, carol and dave; boosted by bob and carol; bob and carol
/// follow her; erin mentions her twice.
struct Scene {
    app: TestApp,
    alice: TestUser,
    bob: TestUser,
    carol: TestUser,
    dave: TestUser,
    erin: TestUser,
    post: String,
}

async fn scene() -> Scene {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let erin = app.register("erin").await;
    let post = app.post_status(&alice, "notice me", json!({})).await;
    let post = post["id"].as_str().expect("id").to_string();
    for who in [&bob, &carol, &dave] {
        favourite(&app, who, &post).await;
    }
    for who in [&bob, &carol] {
        reblog(&app, who, &post).await;
    }
    app.follow(&bob, &alice).await;
    app.follow(&carol, &alice).await;
    app.post_status(&erin, "@alice one", json!({})).await;
    app.post_status(&erin, "@alice two", json!({})).await;
    app.drain_jobs().await;
    Scene {
        app,
        alice,
        bob,
        carol,
        dave,
        erin,
        post,
    }
}

#[tokio::test]
async fn favourites_boosts_and_follows_group_and_mentions_do_not() {
    let s = scene().await;
    let (status, page, link) = get_linked(&s.app, &s.alice, "/api/v2/notifications").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        link.contains("rel=\"next\"") && link.contains("rel=\"prev\""),
        "{link}"
    );
    let kinds: Vec<&str> = groups(&page)
        .iter()
        .map(|g| g["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        kinds,
        vec!["mention", "mention", "follow", "reblog", "favourite"]
    );

    let fav = group_of(&page, "favourite")[0];
    assert_eq!(fav["notifications_count"], 3);
    assert_eq!(
        ids(&fav["sample_account_ids"]),
        vec![s.dave.id.clone(), s.carol.id.clone(), s.bob.id.clone()]
    );
    assert_eq!(fav["status_id"], s.post.as_str());
    let key = fav["group_key"].as_str().expect("key");
    assert!(key.starts_with(&format!("favourite-{}-", s.post)), "{key}");
    for field in [
        "most_recent_notification_id",
        "page_min_id",
        "page_max_id",
        "latest_page_notification_at",
    ] {
        assert!(fav[field].is_string(), "{field} in {fav}");
    }
    assert_eq!(fav["page_max_id"], fav["most_recent_notification_id"]);
    assert!(fav.get("report").is_none());

    let boost = group_of(&page, "reblog")[0];
    assert_eq!(boost["notifications_count"], 2);
    assert_eq!(
        ids(&boost["sample_account_ids"]),
        vec![s.carol.id.clone(), s.bob.id.clone()]
    );
    let follow = group_of(&page, "follow")[0];
    assert_eq!(follow["notifications_count"], 2);
    assert!(follow["group_key"]
        .as_str()
        .expect("key")
        .starts_with("follow-"));
    assert!(follow.get("status_id").is_none(), "{follow}");

    for mention in group_of(&page, "mention") {
        assert_eq!(mention["notifications_count"], 1);
        assert_eq!(
            mention["group_key"],
            format!(
                "ungrouped-{}",
                mention["most_recent_notification_id"].as_str().expect("id")
            )
        );
        assert_eq!(ids(&mention["sample_account_ids"]), vec![s.erin.id.clone()]);
        assert_eq!(mention["page_min_id"], mention["page_max_id"]);
    }

    // Accounts and statuses are side-loaded once each.
    let mut accounts: Vec<String> = page["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["id"].as_str().expect("id").to_string())
        .collect();
    accounts.sort();
    let mut want = vec![
        s.bob.id.clone(),
        s.carol.id.clone(),
        s.dave.id.clone(),
        s.erin.id.clone(),
    ];
    want.sort();
    assert_eq!(accounts, want);
    assert!(page.get("partial_accounts").is_none());
    let statuses = page["statuses"].as_array().expect("statuses");
    assert_eq!(statuses.len(), 3, "the post and two mentions once each");
    assert_eq!(
        statuses
            .iter()
            .filter(|st| st["id"] == s.post.as_str())
            .count(),
        1
    );

    // v1 shows the same keys on single notifications.
    let (_, v1) = s
        .app
        .get(
            "/api/v1/notifications?types[]=favourite",
            Some(&s.alice.token),
        )
        .await;
    assert_eq!(v1.as_array().expect("list").len(), 3);
    for n in v1.as_array().expect("list") {
        assert_eq!(n["group_key"], key);
    }

    // Only the types asked for are grouped.
    let (_, page) = s
        .app
        .get(
            "/api/v2/notifications?grouped_types[]=follow&grouped_types[]=quote",
            Some(&s.alice.token),
        )
        .await;
    let favs = group_of(&page, "favourite");
    assert_eq!(favs.len(), 3);
    assert!(favs.iter().all(|g| g["notifications_count"] == 1
        && g["group_key"]
            .as_str()
            .expect("key")
            .starts_with("ungrouped-")));
    assert_eq!(group_of(&page, "follow").len(), 1);

    // Partial accounts: each group's first sender in full, the others as avatars.
    let (status, page) = s
        .app
        .get(
            "/api/v2/notifications?expand_accounts=partial_avatars",
            Some(&s.alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let full: Vec<&str> = page["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["id"].as_str().expect("id"))
        .collect();
    assert!(full.contains(&s.dave.id.as_str()) && full.contains(&s.carol.id.as_str()));
    assert!(!full.contains(&s.bob.id.as_str()), "{full:?}");
    let partial = page["partial_accounts"].as_array().expect("partial");
    assert_eq!(partial.len(), 1);
    assert_eq!(partial[0]["id"], s.bob.id.as_str());
    for field in ["acct", "url", "avatar", "avatar_static", "locked", "bot"] {
        assert!(partial[0].get(field).is_some(), "{field}");
    }
    assert!(partial[0].get("display_name").is_none());
    let (status, body) = s
        .app
        .get(
            "/api/v2/notifications?expand_accounts=everything",
            Some(&s.alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn pages_count_groups_and_link_to_the_next() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let mut keys = Vec::new();
    for text in ["a", "b", "c"] {
        let post = app.post_status(&alice, text, json!({})).await;
        let post = post["id"].as_str().expect("id").to_string();
        favourite(&app, &bob, &post).await;
        favourite(&app, &carol, &post).await;
        keys.push(post);
    }
    // Newest group first: c, b, then a.
    let (status, first, link) = get_linked(&app, &alice, "/api/v2/notifications?limit=2").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let first_groups = groups(&first);
    assert_eq!(first_groups.len(), 2);
    assert_eq!(first_groups[0]["status_id"], keys[2].as_str());
    assert_eq!(first_groups[1]["status_id"], keys[1].as_str());
    // The page reaches down to b's newest notification only: b has one notification in it.
    assert_eq!(first_groups[1]["notifications_count"], 2);
    assert_eq!(
        first_groups[1]["page_min_id"],
        first_groups[1]["page_max_id"]
    );
    assert_eq!(
        first_groups[0]["page_min_id"]
            .as_str()
            .map(|m| m < first_groups[0]["page_max_id"].as_str().unwrap_or("")),
        Some(true)
    );

    // Following `next` reaches every group; older notifications of b come back on its page.
    let mut seen = Vec::new();
    let mut next = link_path(&link, "next");
    let mut pages = 1;
    while let Some(path) = next {
        let (status, page, link) = get_linked(&app, &alice, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        if groups(&page).is_empty() {
            assert!(link.is_empty(), "no link on an empty page: {link}");
            break;
        }
        pages += 1;
        assert!(pages < 10, "paging does not end");
        for g in groups(&page) {
            seen.push(g["status_id"].as_str().expect("status").to_string());
        }
        next = link_path(&link, "next");
    }
    assert!(
        seen.contains(&keys[0]) && seen.contains(&keys[1]),
        "{seen:?}"
    );
    assert!(!seen.contains(&keys[2]), "{seen:?}");

    // `prev` from the second page leads back to the newest group; `since_id` too.
    let newest = first_groups[0]["most_recent_notification_id"]
        .as_str()
        .expect("id");
    let oldest = first_groups[1]["most_recent_notification_id"]
        .as_str()
        .expect("id");
    let (_, newer, _) = get_linked(
        &app,
        &alice,
        &format!("/api/v2/notifications?min_id={oldest}&limit=5"),
    )
    .await;
    assert_eq!(groups(&newer).len(), 1);
    assert_eq!(groups(&newer)[0]["most_recent_notification_id"], newest);
    let (_, none, link) = get_linked(
        &app,
        &alice,
        &format!("/api/v2/notifications?since_id={newest}"),
    )
    .await;
    assert!(groups(&none).is_empty());
    assert!(link.is_empty());

    // Limits clamp: 0 is one group, 500 is the maximum (all five here), junk is refused.
    let (status, page) = app
        .get("/api/v2/notifications?limit=0", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(groups(&page).len(), 1);
    let (status, page) = app
        .get("/api/v2/notifications?limit=500", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(groups(&page).len(), 3);
    let (status, _) = app
        .get("/api/v2/notifications?limit=many", Some(&alice.token))
        .await;
    assert!(status.is_client_error(), "{status}");
}

#[tokio::test]
async fn filters_by_type_and_sender_and_ignore_unknown_types() {
    let s = scene().await;
    let get = async |path: &str| {
        let (status, page) = s.app.get(path, Some(&s.alice.token)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        page
    };
    let kinds = |page: &Value| -> Vec<String> {
        groups(page)
            .iter()
            .map(|g| g["type"].as_str().expect("type").to_string())
            .collect()
    };
    let page = get("/api/v2/notifications?types[]=favourite&types[]=follow").await;
    assert_eq!(kinds(&page), vec!["follow", "favourite"]);
    let page = get("/api/v2/notifications?exclude_types[]=mention&exclude_types[]=reblog").await;
    assert_eq!(kinds(&page), vec!["follow", "favourite"]);
    let page = get(&format!("/api/v2/notifications?account_id={}", s.dave.id)).await;
    assert_eq!(kinds(&page), vec!["favourite"]);
    let page = get(&format!("/api/v2/notifications?account_id={}", s.erin.id)).await;
    assert_eq!(kinds(&page), vec!["mention", "mention"]);

    // Unknown types are ignored, as Mastodon ignores them (Phanpy asks for quotes).
    let page = get("/api/v2/notifications?types[]=quote").await;
    assert!(groups(&page).is_empty());
    let page = get("/api/v2/notifications?types[]=quote&types[]=mention").await;
    assert_eq!(kinds(&page), vec!["mention", "mention"]);
    let page = get("/api/v2/notifications?exclude_types[]=quote").await;
    assert_eq!(groups(&page).len(), 5);
    for (path, want) in [
        ("/api/v1/notifications?types[]=quote", 0),
        ("/api/v1/notifications?types[]=quote&types[]=mention", 2),
        ("/api/v1/notifications?exclude_types[]=quote", 9),
    ] {
        let (status, list) = s.app.get(path, Some(&s.alice.token)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {list}");
        assert_eq!(list.as_array().expect("list").len(), want, "{path}");
    }
    let (status, _) = s
        .app
        .get(
            "/api/v2/notifications?account_id=nobody",
            Some(&s.alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn one_group_its_accounts_and_dismissal() {
    let s = scene().await;
    let (_, page) = s
        .app
        .get("/api/v2/notifications", Some(&s.alice.token))
        .await;
    let key = group_of(&page, "favourite")[0]["group_key"]
        .as_str()
        .expect("key")
        .to_string();
    let mention_key = group_of(&page, "mention")[0]["group_key"]
        .as_str()
        .expect("key")
        .to_string();

    let (status, one) = s
        .app
        .get(
            &format!("/api/v2/notifications/{key}"),
            Some(&s.alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    let group = &groups(&one)[0];
    assert_eq!(groups(&one).len(), 1);
    assert_eq!(group["group_key"], key.as_str());
    assert_eq!(group["notifications_count"], 3);
    assert!(group.get("page_min_id").is_none(), "{group}");
    assert_eq!(one["statuses"][0]["id"], s.post.as_str());
    assert_eq!(one["accounts"].as_array().expect("accounts").len(), 3);
    let (status, one) = s
        .app
        .get(
            &format!("/api/v2/notifications/{mention_key}"),
            Some(&s.alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(groups(&one)[0]["type"], "mention");

    // Accounts, newest first, paged by notification.
    let (status, accounts, link) = get_linked(
        &s.app,
        &s.alice,
        &format!("/api/v2/notifications/{key}/accounts?limit=2"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{accounts}");
    let names: Vec<&str> = accounts
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["username"].as_str().expect("username"))
        .collect();
    assert_eq!(names, vec!["dave", "carol"]);
    let next = link_path(&link, "next").expect("next link");
    let (_, rest, _) = get_linked(&s.app, &s.alice, &next).await;
    assert_eq!(rest[0]["username"], "bob");
    assert_eq!(rest.as_array().expect("list").len(), 1);

    // Unknown keys and other people's groups are not found.
    for path in [
        "/api/v2/notifications/favourite-1-1".to_string(),
        "/api/v2/notifications/ungrouped-nonsense".to_string(),
        "/api/v2/notifications/ungrouped-1".to_string(),
        "/api/v2/notifications/favourite-1-1/accounts".to_string(),
    ] {
        let (status, body) = s.app.get(&path, Some(&s.alice.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"], "Record not found");
    }
    for path in [
        format!("/api/v2/notifications/{key}"),
        format!("/api/v2/notifications/{mention_key}"),
        format!("/api/v2/notifications/{key}/accounts"),
    ] {
        let (status, _) = s.app.get(&path, Some(&s.bob.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "bob reads {path}");
    }
    let (status, _) = s
        .app
        .post(
            &format!("/api/v2/notifications/{key}/dismiss"),
            Some(&s.bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A token that may only read cannot dismiss.
    let client = s
        .app
        .create_client("read:notifications", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let reader = s
        .app
        .password_token(&client, "alice", "read:notifications")
        .await;
    let (status, _) = s
        .app
        .post(
            &format!("/api/v2/notifications/{key}/dismiss"),
            Some(&reader),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.app.get("/api/v2/notifications", Some(&reader)).await;
    assert_eq!(status, StatusCode::OK);

    // Alice dismisses the group: all three favourites go, the rest stay.
    let (status, body) = s
        .app
        .post(
            &format!("/api/v2/notifications/{key}/dismiss"),
            Some(&s.alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({}));
    let (status, _) = s
        .app
        .get(
            &format!("/api/v2/notifications/{key}"),
            Some(&s.alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, v1) = s
        .app
        .get("/api/v1/notifications", Some(&s.alice.token))
        .await;
    let v1 = v1.as_array().expect("list");
    assert_eq!(v1.len(), 6);
    assert!(v1.iter().all(|n| n["type"] != "favourite"));
    let (status, _) = s
        .app
        .post(
            &format!("/api/v2/notifications/{mention_key}/dismiss"),
            Some(&s.alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, v1) = s
        .app
        .get("/api/v1/notifications", Some(&s.alice.token))
        .await;
    assert_eq!(v1.as_array().expect("list").len(), 5);
}

#[tokio::test]
async fn unread_count_counts_groups_after_the_marker() {
    let s = scene().await;
    let count = async |path: &str| {
        let (status, body) = s.app.get(path, Some(&s.alice.token)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body["count"].as_i64().expect("count")
    };
    assert_eq!(count("/api/v2/notifications/unread_count").await, 5);
    assert_eq!(count("/api/v1/notifications/unread_count").await, 9);
    assert_eq!(count("/api/v2/notifications/unread_count?limit=2").await, 2);
    assert_eq!(
        count("/api/v2/notifications/unread_count?types[]=favourite&types[]=quote").await,
        1
    );
    assert_eq!(
        count("/api/v2/notifications/unread_count?exclude_types[]=mention").await,
        3
    );
    assert_eq!(
        count(&format!(
            "/api/v2/notifications/unread_count?account_id={}",
            s.bob.id
        ))
        .await,
        3
    );
    assert_eq!(
        count("/api/v2/notifications/unread_count?grouped_types[]=follow").await,
        8
    );

    // After the marker: only what came later.
    let (_, page) = s
        .app
        .get("/api/v2/notifications?types[]=follow", Some(&s.alice.token))
        .await;
    let last_follow = groups(&page)[0]["most_recent_notification_id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, body) = s
        .app
        .post(
            "/api/v1/markers",
            Some(&s.alice.token),
            json!({"notifications": {"last_read_id": last_follow}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(count("/api/v2/notifications/unread_count").await, 2);
    favourite(&s.app, &s.erin, &s.post).await;
    assert_eq!(count("/api/v2/notifications/unread_count").await, 3);
    let (status, _) = s.app.get("/api/v2/notifications/unread_count", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_favourite_from_another_instance_joins_the_group() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let carol = a.register("carol").await;
    let bob = b.register("bob").await;
    let post = a.post_status(&alice, "federated", json!({})).await;
    let pid = post["id"].as_str().expect("id").to_string();
    favourite(&a, &carol, &pid).await;

    resolve(&b, &bob, &format!("alice@{}", a.addr)).await;
    let uri = post["uri"].as_str().expect("uri");
    let (status, found) = b
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=statuses",
                crate::helpers::urlencode(uri)
            ),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let copy = found["statuses"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not resolved: {found}"))
        .to_string();
    favourite(&b, &bob, &copy).await;
    eventually(&a, &b, "the Like reaches alice", async || {
        a.get(&format!("/api/v1/statuses/{pid}"), None).await.1["favourites_count"] == 2
    })
    .await;

    let (_, page) = a.get("/api/v2/notifications", Some(&alice.token)).await;
    let favs = group_of(&page, "favourite");
    assert_eq!(favs.len(), 1, "{page}");
    assert_eq!(favs[0]["notifications_count"], 2);
    let samples = ids(&favs[0]["sample_account_ids"]);
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[1], carol.id);
    let remote = page["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|acc| acc["id"] == samples[0].as_str())
        .expect("the remote sender side-loaded");
    assert_eq!(remote["acct"], format!("bob@{}", b.addr));
}
