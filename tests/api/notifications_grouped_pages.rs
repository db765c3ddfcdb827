//! Grouped notifications page by page: what a group counts on each page (as Mastodon's
//! `NotificationGroup.from_notifications` counts over a page's range), pages read a window
//! of notifications at a time, and senders and samples read through the caches shown as
//! they are now.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestUser};
use crate::notifications_grouped::{favourite, get_linked, groups, link_path};

/// The one group of a page asked for with `limit=1`, and the page's `next` path.
async fn single(app: &TestApp, who: &TestUser, path: &str) -> (Value, Option<String>) {
    let (status, page, link) = get_linked(app, who, path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(groups(&page).len(), 1, "{page}");
    (groups(&page)[0].clone(), link_path(&link, "next"))
}

/// A group counts its notifications up to the newest of the page it is on, down to its
/// oldest (not only those within the page), as Mastodon does; met again on an older page, it
/// counts only what lies below that page's top; read alone, all of them.
#[tokio::test]
async fn a_group_counts_its_notifications_up_to_the_page() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let first = app.post_status(&alice, "first", json!({})).await;
    let first = first["id"].as_str().expect("id").to_string();
    let second = app.post_status(&alice, "second", json!({})).await;
    let second = second["id"].as_str().expect("id").to_string();
    // Notifications, oldest first: bob on `first`, carol on `second`, dave on `first`.
    favourite(&app, &bob, &first).await;
    favourite(&app, &carol, &second).await;
    favourite(&app, &dave, &first).await;
    app.drain_jobs().await;

    // Page 1 holds dave's favourite alone, yet counts bob's below it too.
    let (top, next) = single(&app, &alice, "/api/v2/notifications?limit=1").await;
    assert_eq!(top["status_id"], first.as_str());
    assert_eq!(top["notifications_count"], 2, "{top}");
    assert_eq!(top["page_min_id"], top["page_max_id"]);
    assert_eq!(top["page_max_id"], top["most_recent_notification_id"]);
    assert_eq!(top["sample_account_ids"], json!([dave.id, bob.id]));
    let key = top["group_key"].as_str().expect("key").to_string();

    let (middle, next) = single(&app, &alice, &next.expect("next")).await;
    assert_eq!(middle["status_id"], second.as_str());
    assert_eq!(middle["notifications_count"], 1, "{middle}");

    // Page 3 meets `first`'s group again at bob's favourite: dave's, newer than the page,
    // is neither counted nor sampled.
    let (again, _) = single(&app, &alice, &next.expect("next")).await;
    assert_eq!(again["group_key"], key.as_str());
    assert_eq!(again["notifications_count"], 1, "{again}");
    assert_eq!(again["sample_account_ids"], json!([bob.id]));
    assert_eq!(again["most_recent_notification_id"], again["page_max_id"]);
    assert_ne!(
        again["most_recent_notification_id"],
        top["most_recent_notification_id"]
    );

    // The group alone counts every notification in it.
    let (status, alone) = app
        .get(&format!("/api/v2/notifications/{key}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{alone}");
    assert_eq!(groups(&alone)[0]["notifications_count"], 2, "{alone}");
    assert_eq!(
        groups(&alone)[0]["most_recent_notification_id"],
        top["most_recent_notification_id"]
    );
}

/// Senders and sample accounts come through the account cache: a page read right after a
/// sender renames themselves shows the new name, and one read right after a sender is
/// suspended neither counts nor shows them.
#[tokio::test]
async fn senders_are_shown_as_they_are_now() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let post = app.post_status(&alice, "hello", json!({})).await;
    let post = post["id"].as_str().expect("id").to_string();
    favourite(&app, &bob, &post).await;
    favourite(&app, &carol, &post).await;
    app.drain_jobs().await;
    let read = || async {
        let (status, page) = app.get("/api/v2/notifications", Some(&alice.token)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page
    };
    let name_of = |page: &Value, id: &str| -> Option<String> {
        page["accounts"]
            .as_array()?
            .iter()
            .find(|a| a["id"] == id)
            .and_then(|a| a["display_name"].as_str().map(str::to_string))
    };
    // Twice, so the second is served from the warm caches.
    read().await;
    let page = read().await;
    assert_eq!(groups(&page)[0]["notifications_count"], 2, "{page}");
    assert!(
        name_of(&page, &bob.id).is_some_and(|n| n != "Bob Renamed"),
        "{page}"
    );

    let (status, body) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&bob.token),
            Some(json!({ "display_name": "Bob Renamed" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = read().await;
    assert_eq!(
        name_of(&page, &bob.id).as_deref(),
        Some("Bob Renamed"),
        "{page}"
    );

    let moderator = app.moderator().await;
    let (status, body) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/action", carol.id),
            Some(&moderator.token),
            json!({ "type": "suspend", "text": "testing" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = read().await;
    let group = &groups(&page)[0];
    assert_eq!(group["notifications_count"], 1, "{page}");
    assert_eq!(group["sample_account_ids"], json!([bob.id]));
    assert!(name_of(&page, &carol.id).is_none(), "{page}");
}

/// A page of groups is found by reading notifications a window at a time (four per group
/// asked for, eight at least): a group with more notifications than a window must not hide
/// the groups below it.
#[tokio::test]
async fn a_group_longer_than_a_window_does_not_hide_older_groups() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let erin = app.register("erin").await;
    let post = app.post_status(&alice, "popular", json!({})).await;
    let post = post["id"].as_str().expect("id").to_string();
    app.post_status(&erin, "@alice first", json!({})).await;
    app.drain_jobs().await;
    for i in 0..10 {
        let fan = app.register(&format!("fan{i}")).await;
        favourite(&app, &fan, &post).await;
    }
    app.drain_jobs().await;

    let (status, page, link) = get_linked(&app, &alice, "/api/v2/notifications?limit=2").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let found = groups(&page);
    assert_eq!(found.len(), 2, "{page}");
    assert_eq!(found[0]["type"], "favourite");
    assert_eq!(found[0]["notifications_count"], 10);
    assert_eq!(
        found[0]["sample_account_ids"].as_array().map(Vec::len),
        Some(8)
    );
    assert_eq!(found[1]["type"], "mention");
    assert!(link_path(&link, "next").is_some(), "{link}");
}
