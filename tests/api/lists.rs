//! Lists: CRUD and validation, members (followed accounts only), the list timeline fed by
//! fan-out (local and from a second instance) with its replies policies, exclusive lists,
//! the `list` stream, and what unfollowing does.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::federation::{eventually, follow_remotely};
use crate::helpers::{assert_shape, TestApp, TestUser};

async fn create_list(app: &TestApp, owner: &TestUser, body: Value) -> String {
    let (status, list) = app.post("/api/v1/lists", Some(&owner.token), body).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["id"].as_str().expect("id").to_string()
}

async fn add(app: &TestApp, owner: &TestUser, list: &str, members: &[&TestUser]) {
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let (status, body) = app
        .post(
            &format!("/api/v1/lists/{list}/accounts"),
            Some(&owner.token),
            json!({ "account_ids": ids }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({}));
}

async fn timeline(app: &TestApp, owner: &TestUser, list: &str) -> Vec<String> {
    app.ids(
        &format!("/api/v1/timelines/list/{list}"),
        Some(&owner.token),
    )
    .await
}

async fn home(app: &TestApp, owner: &TestUser) -> Vec<String> {
    app.ids("/api/v1/timelines/home", Some(&owner.token)).await
}

fn id_of(status: &Value) -> String {
    status["id"].as_str().expect("id").to_string()
}

/// `GET path` with its `Link` header.
async fn get_with_link(
    app: &TestApp,
    path: &str,
    token: &str,
) -> (StatusCode, Value, Option<String>) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = res.status();
    let link = res
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, res.json().await.expect("json"), link)
}

/// The path and query of the link with this `rel`.
fn link_path(app: &TestApp, link: &str, rel: &str) -> String {
    link.split(", ")
        .find_map(|part| {
            let (url, params) = part.split_once(">; ")?;
            (params == format!("rel=\"{rel}\"")).then(|| {
                url.trim_start_matches('<')
                    .trim_start_matches(&app.base)
                    .to_string()
            })
        })
        .unwrap_or_else(|| panic!("no {rel} in {link}"))
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(id_of)
        .collect()
}

#[tokio::test]
async fn lists_are_created_read_changed_and_deleted_with_validation() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let mallory = app.register("mallory").await;

    // Defaults: replies to members, not exclusive. Forms work as JSON does.
    let (status, list) = app
        .post_form("/api/v1/lists", Some(&alice.token), &[("title", "Friends")])
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_shape(
        &list,
        &[
            ("id", "string"),
            ("title", "string"),
            ("replies_policy", "string"),
            ("exclusive", "boolean"),
        ],
    );
    assert_eq!(list["title"], "Friends");
    assert_eq!(list["replies_policy"], "list");
    assert_eq!(list["exclusive"], false);
    let first = id_of(&list);
    let (status, second) = app
        .post(
            "/api/v1/lists",
            Some(&alice.token),
            json!({ "title": "Work", "replies_policy": "none", "exclusive": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["replies_policy"], "none");
    assert_eq!(second["exclusive"], true);
    let second = id_of(&second);

    // Bad input: 422 with Mastodon's error, nothing stored.
    for body in [
        json!({}),
        json!({ "title": "   " }),
        json!({ "title": "x", "replies_policy": "everyone" }),
        json!({ "title": "x", "exclusive": "perhaps" }),
        json!({ "title": "x".repeat(300) }),
    ] {
        let (status, err) = app
            .post("/api/v1/lists", Some(&alice.token), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert!(err["error"].is_string(), "{err}");
    }
    let (status, all) = app.get("/api/v1/lists", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&all), vec![first.clone(), second.clone()]);
    assert_eq!(all[0]["title"], "Friends");

    // One list; a change; a bad change changes nothing.
    let (status, one) = app
        .get(&format!("/api/v1/lists/{first}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["title"], "Friends");
    let (status, changed) = app
        .request(
            Method::PUT,
            &format!("/api/v1/lists/{first}"),
            Some(&alice.token),
            Some(json!({ "title": "Close friends", "replies_policy": "followed" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["title"], "Close friends");
    assert_eq!(changed["replies_policy"], "followed");
    assert_eq!(changed["exclusive"], false);
    for body in [json!({ "title": "" }), json!({ "replies_policy": "all" })] {
        let (status, err) = app
            .request(
                Method::PUT,
                &format!("/api/v1/lists/{first}"),
                Some(&alice.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
    }
    let (_, one) = app
        .get(&format!("/api/v1/lists/{first}"), Some(&alice.token))
        .await;
    assert_eq!(one["title"], "Close friends");
    assert_eq!(one["replies_policy"], "followed");

    // Other users' lists are not found, whatever the method; nor are ids that are not ids.
    let cases = [
        (Method::GET, format!("/api/v1/lists/{first}")),
        (Method::PUT, format!("/api/v1/lists/{first}")),
        (Method::DELETE, format!("/api/v1/lists/{first}")),
        (Method::GET, format!("/api/v1/lists/{first}/accounts")),
        (Method::POST, format!("/api/v1/lists/{first}/accounts")),
        (Method::DELETE, format!("/api/v1/lists/{first}/accounts")),
        (Method::GET, format!("/api/v1/timelines/list/{first}")),
        (Method::GET, "/api/v1/lists/nonsense".to_string()),
        (Method::GET, "/api/v1/timelines/list/12345".to_string()),
    ];
    for (method, path) in cases {
        let (status, err) = app
            .request(
                method.clone(),
                &path,
                Some(&mallory.token),
                Some(json!({ "title": "mine now", "account_ids": [mallory.id] })),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {err}");
        assert_eq!(err["error"], "Record not found");
    }
    let (_, theirs) = app.get("/api/v1/lists", Some(&mallory.token)).await;
    assert_eq!(theirs, json!([]));

    // Scopes: read:lists to read, write:lists to write; no token at all is refused.
    let reader = app.register_with_scopes("reader", "read:lists").await;
    let (status, _) = app.get("/api/v1/lists", Some(&reader.token)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .post(
            "/api/v1/lists",
            Some(&reader.token),
            json!({ "title": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let statuses_only = app
        .register_with_scopes("statusreader", "read:statuses")
        .await;
    let (status, _) = app.get("/api/v1/lists", Some(&statuses_only.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("/api/v1/lists", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Deleting: an empty object, then gone.
    let (status, body) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/lists/{second}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({}));
    let (status, _) = app
        .get(&format!("/api/v1/lists/{second}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, all) = app.get("/api/v1/lists", Some(&alice.token)).await;
    assert_eq!(ids(&all), vec![first]);

    // At most fifty lists.
    for n in 1..50 {
        create_list(&app, &alice, json!({ "title": format!("list {n}") })).await;
    }
    let (status, err) = app
        .post(
            "/api/v1/lists",
            Some(&alice.token),
            json!({ "title": "one too many" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
}

#[tokio::test]
async fn only_followed_accounts_join_and_members_page() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let stranger = app.register("stranger").await;
    for who in [&bob, &carol, &dave] {
        app.follow(&alice, who).await;
    }
    let list = create_list(&app, &alice, json!({ "title": "Friends" })).await;
    let members_path = format!("/api/v1/lists/{list}/accounts");

    // Not followed (nor oneself): 422, and nothing is added, even beside a followed one.
    for ids in [
        vec![stranger.id.clone()],
        vec![bob.id.clone(), stranger.id.clone()],
        vec![alice.id.clone()],
    ] {
        let (status, err) = app
            .post(
                &members_path,
                Some(&alice.token),
                json!({ "account_ids": ids }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert!(
            err["error"].as_str().expect("error").contains("followed"),
            "{err}"
        );
    }
    // Unknown accounts: not found.
    let (status, _) = app
        .post(
            &members_path,
            Some(&alice.token),
            json!({ "account_ids": ["999999"] }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post(
            &members_path,
            Some(&alice.token),
            json!({ "account_ids": ["bob"] }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, none) = app.get(&members_path, Some(&alice.token)).await;
    assert_eq!(none, json!([]));

    // Form-style `account_ids[]`.
    let (status, body) = app
        .post_form(
            &members_path,
            Some(&alice.token),
            &[("account_ids[]", &bob.id), ("account_ids[]", &carol.id)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    add(&app, &alice, &list, &[&dave]).await;
    // Already a member: 422, as on Mastodon.
    let (status, err) = app
        .post(
            &members_path,
            Some(&alice.token),
            json!({ "account_ids": [bob.id] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");

    // Paged, newest account first, with Link headers; limit=0 gives all.
    let (status, all, link) =
        get_with_link(&app, &format!("{members_path}?limit=0"), &alice.token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(link.is_none(), "{link:?}");
    let mut expected = vec![bob.id.clone(), carol.id.clone(), dave.id.clone()];
    expected.sort_by_key(|id| std::cmp::Reverse(id.parse::<i64>().expect("id")));
    assert_eq!(ids(&all), expected);
    assert!(all[0]["acct"].is_string(), "{all}");
    let (_, page1, link) =
        get_with_link(&app, &format!("{members_path}?limit=2"), &alice.token).await;
    assert_eq!(ids(&page1), expected[..2].to_vec());
    let next = link_path(&app, &link.expect("link"), "next");
    let (_, page2, link) = get_with_link(&app, &next, &alice.token).await;
    assert_eq!(ids(&page2), expected[2..].to_vec());
    let prev = link_path(&app, &link.expect("link"), "prev");
    let (_, back, _) = get_with_link(&app, &prev, &alice.token).await;
    assert_eq!(ids(&back), expected[..2].to_vec());

    // The lists an account is in, for the viewer only.
    let other = create_list(&app, &alice, json!({ "title": "Other" })).await;
    add(&app, &alice, &other, &[&bob]).await;
    let (status, of_bob) = app
        .get(
            &format!("/api/v1/accounts/{}/lists", bob.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&of_bob), vec![list.clone(), other.clone()]);
    let (_, of_carol) = app
        .get(
            &format!("/api/v1/accounts/{}/lists", carol.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(ids(&of_carol), vec![list.clone()]);
    let (_, for_bob) = app
        .get(
            &format!("/api/v1/accounts/{}/lists", bob.id),
            Some(&bob.token),
        )
        .await;
    assert_eq!(for_bob, json!([]));
    let (status, _) = app
        .get("/api/v1/accounts/999999/lists", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Removing members (JSON or query string); non-members are ignored.
    let (status, body) = app
        .request(
            Method::DELETE,
            &format!(
                "{members_path}?account_ids[]={}&account_ids[]={}",
                carol.id, stranger.id
            ),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, left) = app
        .get(&format!("{members_path}?limit=0"), Some(&alice.token))
        .await;
    let mut left = ids(&left);
    left.sort();
    let mut want = vec![bob.id.clone(), dave.id.clone()];
    want.sort();
    assert_eq!(left, want);
    let (_, of_carol) = app
        .get(
            &format!("/api/v1/accounts/{}/lists", carol.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(of_carol, json!([]));
}

#[tokio::test]
async fn the_list_timeline_shows_members_posts_only_and_pages() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    app.follow(&alice, &bob).await;
    app.follow(&alice, &carol).await;
    // Posted before bob joins the list: copied in when he does.
    let earlier = id_of(&app.post_status(&bob, "before the list", json!({})).await);
    let list = create_list(&app, &alice, json!({ "title": "Bob" })).await;
    add(&app, &alice, &list, &[&bob]).await;
    assert_eq!(timeline(&app, &alice, &list).await, vec![earlier.clone()]);

    let mut posted = vec![earlier.clone()];
    for n in 0..4 {
        posted.push(id_of(
            &app.post_status(&bob, &format!("bob {n}"), json!({})).await,
        ));
    }
    let from_carol = id_of(&app.post_status(&carol, "carol here", json!({})).await);
    let private = id_of(
        &app.post_status(&bob, "followers only", json!({ "visibility": "private" }))
            .await,
    );
    posted.push(private);
    let direct = id_of(
        &app.post_status(&bob, "@carol secret", json!({ "visibility": "direct" }))
            .await,
    );
    app.drain_jobs().await;
    let shown = timeline(&app, &alice, &list).await;
    let mut newest_first = posted.clone();
    newest_first.reverse();
    assert_eq!(shown, newest_first);
    assert!(!shown.contains(&from_carol));
    assert!(!shown.contains(&direct));
    // Home still has both.
    let home_ids = home(&app, &alice).await;
    assert!(home_ids.contains(&from_carol) && home_ids.contains(&posted[1]));

    // Paging with Link headers: max_id, min_id, since_id, limit.
    let path = format!("/api/v1/timelines/list/{list}?limit=2");
    let (status, page1, link) = get_with_link(&app, &path, &alice.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&page1), newest_first[..2].to_vec());
    let link = link.expect("link");
    let (_, page2, _) = get_with_link(&app, &link_path(&app, &link, "next"), &alice.token).await;
    assert_eq!(ids(&page2), newest_first[2..4].to_vec());
    let (_, since, _) = get_with_link(
        &app,
        &format!("/api/v1/timelines/list/{list}?since_id={}", newest_first[2]),
        &alice.token,
    )
    .await;
    assert_eq!(ids(&since), newest_first[..2].to_vec());
    let (_, min, _) = get_with_link(
        &app,
        &format!(
            "/api/v1/timelines/list/{list}?min_id={}&limit=1",
            newest_first[2]
        ),
        &alice.token,
    )
    .await;
    assert_eq!(ids(&min), vec![newest_first[1].clone()]);

    // A deleted status leaves; a muted member's posts leave.
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", posted[1]),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!timeline(&app, &alice, &list).await.contains(&posted[1]));
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/mute", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(timeline(&app, &alice, &list).await, Vec::<String>::new());
    app.post_status(&bob, "while muted", json!({})).await;
    app.drain_jobs().await;
    assert_eq!(timeline(&app, &alice, &list).await, Vec::<String>::new());

    // Removing a member takes their posts out.
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/unmute", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let fresh = id_of(&app.post_status(&bob, "unmuted", json!({})).await);
    app.drain_jobs().await;
    assert_eq!(timeline(&app, &alice, &list).await, vec![fresh]);
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/lists/{list}/accounts"),
            Some(&alice.token),
            Some(json!({ "account_ids": [bob.id] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(timeline(&app, &alice, &list).await, Vec::<String>::new());
}

#[tokio::test]
async fn keyword_filters_in_the_home_context_apply_to_lists() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    let list = create_list(&app, &alice, json!({ "title": "Bob" })).await;
    add(&app, &alice, &list, &[&bob]).await;
    let (status, body) = app
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({ "title": "no spoilers", "context": ["home"], "filter_action": "hide",
                    "keywords_attributes": [{ "keyword": "spoiler" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hidden = id_of(&app.post_status(&bob, "a spoiler here", json!({})).await);
    let shown = id_of(&app.post_status(&bob, "nothing to hide", json!({})).await);
    app.drain_jobs().await;
    let ids = timeline(&app, &alice, &list).await;
    assert_eq!(ids, vec![shown]);
    assert!(!ids.contains(&hidden));
}

#[tokio::test]
async fn replies_policies_decide_which_replies_enter() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let erin = app.register("erin").await;
    for who in [&bob, &carol, &dave] {
        app.follow(&alice, who).await;
    }
    let mut lists = Vec::new();
    for policy in ["followed", "list", "none"] {
        let list = create_list(
            &app,
            &alice,
            json!({ "title": policy, "replies_policy": policy }),
        )
        .await;
        add(&app, &alice, &list, &[&bob, &carol]).await;
        lists.push(list);
    }
    let by_carol = id_of(&app.post_status(&carol, "carol's post", json!({})).await);
    let by_dave = id_of(&app.post_status(&dave, "dave's post", json!({})).await);
    let by_erin = id_of(&app.post_status(&erin, "erin's post", json!({})).await);
    let by_alice = id_of(&app.post_status(&alice, "alice's post", json!({})).await);
    let by_bob = id_of(&app.post_status(&bob, "bob's post", json!({})).await);
    let reply = async |to: &str, text: &str| {
        id_of(
            &app.post_status(&bob, text, json!({ "in_reply_to_id": to }))
                .await,
        )
    };
    let to_member = reply(&by_carol, "@carol yes").await;
    let to_followed = reply(&by_dave, "@dave yes").await;
    let to_stranger = reply(&by_erin, "@erin yes").await;
    let to_owner = reply(&by_alice, "@alice yes").await;
    let to_self = reply(&by_bob, "and more").await;
    app.drain_jobs().await;

    let expect = [
        // followed: replies to anyone alice follows (and to alice, and to oneself).
        vec![&to_member, &to_followed, &to_owner, &to_self],
        // list: replies to members.
        vec![&to_member, &to_owner, &to_self],
        // none: no replies to others (those to the owner still show, as on Mastodon).
        vec![&to_owner, &to_self],
    ];
    for (list, wanted) in lists.iter().zip(expect) {
        let shown = timeline(&app, &alice, list).await;
        for r in [&to_member, &to_followed, &to_stranger, &to_owner, &to_self] {
            assert_eq!(
                shown.contains(r),
                wanted.contains(&r),
                "list {list}: reply {r} in {shown:?}"
            );
        }
        assert!(shown.contains(&by_carol) && shown.contains(&by_bob));
        assert!(!shown.contains(&by_dave) && !shown.contains(&by_erin));
    }

    // The policy applies to the posts copied in when a member joins, too.
    let late = create_list(
        &app,
        &alice,
        json!({ "title": "late", "replies_policy": "none" }),
    )
    .await;
    add(&app, &alice, &late, &[&bob]).await;
    let shown = timeline(&app, &alice, &late).await;
    assert!(shown.contains(&by_bob) && shown.contains(&to_self) && shown.contains(&to_owner));
    assert!(!shown.contains(&to_member) && !shown.contains(&to_followed));
}

#[tokio::test]
async fn exclusive_lists_keep_their_members_out_of_home() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    app.follow(&alice, &bob).await;
    app.follow(&alice, &carol).await;
    let before = id_of(&app.post_status(&bob, "before", json!({})).await);
    app.drain_jobs().await;
    assert!(home(&app, &alice).await.contains(&before));

    // A plain list leaves home alone.
    let plain = create_list(&app, &alice, json!({ "title": "plain" })).await;
    add(&app, &alice, &plain, &[&carol]).await;
    let by_carol = id_of(&app.post_status(&carol, "carol", json!({})).await);

    let exclusive = create_list(
        &app,
        &alice,
        json!({ "title": "only here", "exclusive": true }),
    )
    .await;
    add(&app, &alice, &exclusive, &[&bob]).await;
    assert!(!home(&app, &alice).await.contains(&before));
    let after = id_of(&app.post_status(&bob, "after", json!({})).await);
    app.drain_jobs().await;
    let home_ids = home(&app, &alice).await;
    assert!(
        !home_ids.contains(&after) && !home_ids.contains(&before),
        "{home_ids:?}"
    );
    assert!(home_ids.contains(&by_carol));
    assert_eq!(
        timeline(&app, &alice, &exclusive).await,
        vec![after.clone(), before.clone()]
    );
    assert_eq!(timeline(&app, &alice, &plain).await, vec![by_carol]);

    // No longer exclusive: bob is back home.
    let (status, body) = app
        .request(
            Method::PUT,
            &format!("/api/v1/lists/{exclusive}"),
            Some(&alice.token),
            Some(json!({ "exclusive": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let home_ids = home(&app, &alice).await;
    assert!(
        home_ids.contains(&after) && home_ids.contains(&before),
        "{home_ids:?}"
    );
    let later = id_of(&app.post_status(&bob, "later", json!({})).await);
    app.drain_jobs().await;
    assert!(home(&app, &alice).await.contains(&later));
}

#[tokio::test]
async fn a_remote_member_posting_reaches_the_list() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let bob = a.register("bob").await;
    let alice = b.register("alice").await;
    let bob_there = follow_remotely(&a, &b, &alice, &format!("bob@{}", a.addr)).await;
    let (status, list) = b
        .post(
            "/api/v1/lists",
            Some(&alice.token),
            json!({ "title": "Remote" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = id_of(&list);
    let (status, body) = b
        .post(
            &format!("/api/v1/lists/{list}/accounts"),
            Some(&alice.token),
            json!({ "account_ids": [bob_there] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let posted = a.post_status(&bob, "hello from a", json!({})).await;
    let uri = posted["uri"].as_str().expect("uri").to_string();
    eventually(&a, &b, "bob's post reaches alice's list", async || {
        let (_, page) = b
            .get(
                &format!("/api/v1/timelines/list/{list}"),
                Some(&alice.token),
            )
            .await;
        page.as_array()
            .is_some_and(|p| p.iter().any(|s| s["uri"] == uri.as_str()))
    })
    .await;
}

type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn websocket(app: &TestApp, query: &str, token: &str) -> WsStream {
    let mut req = format!("ws://{}/api/v1/streaming{query}", app.addr)
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
    );
    let (ws, res) = tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade");
    assert_eq!(res.status(), 101);
    ws
}

/// The next JSON text message within `within`, pings skipped.
async fn next_message(ws: &mut WsStream, within: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        match msg.ok()? {
            Message::Text(t) => return Some(serde_json::from_str(t.as_str()).expect("JSON")),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

#[tokio::test]
async fn the_list_stream_carries_members_posts_to_the_owner_only() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let mallory = app.register("mallory").await;
    app.follow(&alice, &bob).await;
    app.follow(&alice, &carol).await;
    app.follow(&mallory, &bob).await;
    let list = create_list(&app, &alice, json!({ "title": "Bob" })).await;
    add(&app, &alice, &list, &[&bob]).await;

    // Someone else's list: refused, over WebSocket (at upgrade, or as a message) and SSE.
    match tokio_tungstenite::connect_async(format!(
        "ws://{}/api/v1/streaming?stream=list&list={list}&access_token={}",
        app.addr, mallory.token
    ))
    .await
    {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 404),
        other => panic!("{:?}", other.map(|(_, r)| r.status())),
    }
    let mut snoop = websocket(&app, "", &mallory.token).await;
    snoop
        .send(Message::Text(
            json!({ "type": "subscribe", "stream": "list", "list": list })
                .to_string()
                .into(),
        ))
        .await
        .expect("send");
    let err = next_message(&mut snoop, Duration::from_secs(10))
        .await
        .expect("error");
    assert_eq!(err["status"], 404, "{err}");
    let (status, _) = app
        .get(
            &format!("/api/v1/streaming/list?list={list}"),
            Some(&mallory.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mut ws = websocket(&app, &format!("?stream=list&list={list}"), &alice.token).await;
    // Subscribing by message works too, on a second socket.
    let mut by_message = websocket(&app, "", &alice.token).await;
    by_message
        .send(Message::Text(
            json!({ "type": "subscribe", "stream": "list", "list": list })
                .to_string()
                .into(),
        ))
        .await
        .expect("send");
    tokio::time::sleep(Duration::from_millis(300)).await;

    app.post_status(&carol, "not a member", json!({})).await;
    let posted = id_of(&app.post_status(&bob, "for the list", json!({})).await);
    app.drain_jobs().await;
    for socket in [&mut ws, &mut by_message] {
        let msg = next_message(socket, Duration::from_secs(10))
            .await
            .expect("an update");
        assert_eq!(msg["event"], "update", "{msg}");
        assert_eq!(msg["stream"], json!(["list", list]));
        let status: Value =
            serde_json::from_str(msg["payload"].as_str().expect("payload")).expect("status");
        assert_eq!(
            status["id"],
            posted.as_str(),
            "carol's post came first: {status}"
        );
    }
    // Mallory follows bob but owns no list: her socket hears nothing.
    assert!(next_message(&mut snoop, Duration::from_millis(1500))
        .await
        .is_none());

    // A deletion reaches the list stream.
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{posted}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let msg = next_message(&mut ws, Duration::from_secs(10))
        .await
        .expect("a delete");
    assert_eq!(msg["event"], "delete", "{msg}");
    assert_eq!(msg["payload"], posted.as_str());
}

#[tokio::test]
async fn the_list_stream_over_server_sent_events() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    let list = create_list(&app, &alice, json!({ "title": "Bob" })).await;
    add(&app, &alice, &list, &[&bob]).await;
    let mut res = app
        .client
        .get(app.url(&format!("/api/v1/streaming/list?list={list}")))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("connect");
    assert_eq!(res.status(), StatusCode::OK);
    let mut seen = String::new();
    // The hello comment (`: )`) first: the subscription is live.
    while !seen.replace(' ', "").contains(":)") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), res.chunk())
            .await
            .expect("hello")
            .expect("read")
            .expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let posted = id_of(&app.post_status(&bob, "over sse", json!({})).await);
    app.drain_jobs().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains("event: update") || !seen.contains(&posted) {
        let chunk = tokio::time::timeout_at(deadline, res.chunk())
            .await
            .expect("an update")
            .expect("read")
            .expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn unfollowing_takes_an_account_out_of_lists() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    let first = create_list(&app, &alice, json!({ "title": "one" })).await;
    let second = create_list(&app, &alice, json!({ "title": "two", "exclusive": true })).await;
    add(&app, &alice, &first, &[&bob]).await;
    add(&app, &alice, &second, &[&bob]).await;
    app.post_status(&bob, "hello", json!({})).await;
    app.drain_jobs().await;
    assert_eq!(timeline(&app, &alice, &first).await.len(), 1);

    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/unfollow", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, of_bob) = app
        .get(
            &format!("/api/v1/accounts/{}/lists", bob.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(of_bob, json!([]));
    for list in [&first, &second] {
        let (_, members) = app
            .get(
                &format!("/api/v1/lists/{list}/accounts"),
                Some(&alice.token),
            )
            .await;
        assert_eq!(members, json!([]));
        assert_eq!(timeline(&app, &alice, list).await, Vec::<String>::new());
    }
    // Following again does not put him back.
    app.follow(&alice, &bob).await;
    app.post_status(&bob, "again", json!({})).await;
    app.drain_jobs().await;
    assert_eq!(timeline(&app, &alice, &first).await, Vec::<String>::new());
    // Nor does a block leave him in one.
    add(&app, &alice, &first, &[&bob]).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/block", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, members) = app
        .get(
            &format!("/api/v1/lists/{first}/accounts"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(members, json!([]));
}
