//! The remote media cache across two instances: remote attachments, avatars and headers
//! downloaded by a job and served locally, pruning and the size cap falling back to the remote
//! URLs, and domains blocked with reject_media never downloaded.

use std::path::Path;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::media::{
    contains, fetch_file, files_in, follow_across, jpeg, jpeg_with_gps_exif, local_to, noisy_jpeg,
    post_image, spawn_media, GPS_SECRET,
};
use crate::helpers::TestApp;

async fn account_on(b: &TestApp, id: &str, token: &str) -> Value {
    let (status, account) = b.get(&format!("/api/v1/accounts/{id}"), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    account
}

async fn age_cache(b: &TestApp, days: i32) {
    sqlx::query(
        "UPDATE media_attachments SET cached_at = now() - make_interval(days => $1) \
         WHERE cached_at IS NOT NULL",
    )
    .bind(days)
    .execute(&b.state.db)
    .await
    .expect("age attachments");
    sqlx::query("UPDATE profile_image_cache SET cached_at = now() - make_interval(days => $1)")
        .bind(days)
        .execute(&b.state.db)
        .await
        .expect("age profile images");
}

fn no_files(dir: &Path) -> bool {
    files_in(dir) == 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_media_are_cached_served_locally_and_pruned() {
    let (a, _da) = spawn_media(|_| {}).await;
    let (b, db) = spawn_media(|_| {}).await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let alice_on_b = follow_across(&a, &b, &alice, &bob).await;

    // The avatar was downloaded by a job, resized like a local one and served by B.
    let remote_avatar = {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["avatar"].clone()
    };
    let account = account_on(&b, &alice_on_b, &bob.token).await;
    assert!(local_to(&b, &account["avatar"]), "{account}");
    assert_eq!(account["avatar_static"], account["avatar"]);
    let (status, headers, bytes) =
        fetch_file(&b, account["avatar"].as_str().expect("avatar")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    let img = image::load_from_memory(&bytes).expect("decodes");
    assert_eq!((img.width(), img.height()), (400, 400));

    // The attachment: url and preview_url on B, remote_url the origin, metadata stripped.
    let (m, copy) = post_image(&a, &b, &alice, &bob, jpeg_with_gps_exif(800, 400)).await;
    let cached = &copy["media_attachments"][0];
    assert_eq!(cached["type"], "image", "{cached}");
    assert!(local_to(&b, &cached["url"]), "{cached}");
    assert!(local_to(&b, &cached["preview_url"]), "{cached}");
    assert_eq!(cached["remote_url"], m["url"]);
    assert_eq!(cached["description"], "A heron");
    assert_eq!(cached["meta"]["original"], m["meta"]["original"]);
    assert!(cached["meta"]["small"]["width"].as_u64().expect("small") <= 640);
    assert!(cached["blurhash"].is_string());
    let (status, headers, bytes) = fetch_file(&b, cached["url"].as_str().expect("url")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(!contains(&bytes, GPS_SECRET), "metadata must be stripped");
    assert!(files_in(db.path()) >= 3, "avatar, original and preview");

    // A refresh of alice that keeps her avatar keeps the local copy.
    rookery::service::remote::fetch_actor(&b.state, account["uri"].as_str().expect("uri"))
        .await
        .expect("refresh");
    let account = account_on(&b, &alice_on_b, &bob.token).await;
    assert!(local_to(&b, &account["avatar"]), "{account}");

    // Within the retention period nothing goes; after it, everything falls back to A.
    assert_eq!(
        rookery::service::media_cache::prune(&b.state)
            .await
            .expect("prune"),
        0
    );
    age_cache(&b, 8).await;
    // The attachment, the avatar, and the header (A publishes its default one).
    assert_eq!(
        rookery::service::media_cache::prune(&b.state)
            .await
            .expect("prune"),
        3
    );
    let (_, after) = b
        .get(
            &format!("/api/v1/statuses/{}", copy["id"].as_str().expect("id")),
            Some(&bob.token),
        )
        .await;
    let pruned = &after["media_attachments"][0];
    assert_eq!(pruned["url"], m["url"], "{pruned}");
    assert_eq!(pruned["remote_url"], m["url"]);
    assert_eq!(pruned["type"], "image");
    let account = account_on(&b, &alice_on_b, &bob.token).await;
    assert_eq!(account["avatar"], remote_avatar);
    assert!(no_files(db.path()), "pruned files are removed");
    let (status, _, _) = fetch_file(&b, cached["url"].as_str().expect("url")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_size_cap_removes_the_oldest_cached_files_first() {
    // Room for one noisy 250×250 image with its preview (about 190 kB), not two.
    let (a, _da) = spawn_media(|_| {}).await;
    let (b, _db) = spawn_media(|c| c.media.remote_cache_max_bytes = 300_000).await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let alice_on_b = follow_across(&a, &b, &alice, &bob).await;
    let (_, first) = post_image(&a, &b, &alice, &bob, noisy_jpeg(250, 250)).await;
    let (_, second) = post_image(&a, &b, &alice, &bob, noisy_jpeg(250, 249)).await;
    let total: i64 = rookery::store::media::cache_total(&b.state.db)
        .await
        .expect("total");
    assert!(total <= 300_000, "{total}");
    let (_, first) = b
        .get(
            &format!("/api/v1/statuses/{}", first["id"].as_str().expect("id")),
            Some(&bob.token),
        )
        .await;
    let first = &first["media_attachments"][0];
    assert_eq!(
        first["url"], first["remote_url"],
        "the oldest went: {first}"
    );
    assert!(
        local_to(&b, &second["media_attachments"][0]["url"]),
        "{total}: {second}"
    );
    // The small avatar is older still, so it went before the first image.
    let account = account_on(&b, &alice_on_b, &bob.token).await;
    assert!(!local_to(&b, &account["avatar"]), "{account}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_of_a_reject_media_domain_are_never_downloaded() {
    let (a, _da) = spawn_media(|_| {}).await;
    let (b, db) = spawn_media(|_| {}).await;
    let boss = b.admin().await;
    let (status, block) = b
        .post(
            "/api/v1/admin/domain_blocks",
            Some(&boss.token),
            json!({ "domain": a.addr.to_string(), "severity": "noop", "reject_media": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{block}");
    assert_eq!(block["reject_media"], true);

    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let alice_on_b = follow_across(&a, &b, &alice, &bob).await;
    // No avatar shown but the default, as Mastodon shows accounts of such domains.
    let account = account_on(&b, &alice_on_b, &bob.token).await;
    assert!(
        account["avatar"]
            .as_str()
            .is_some_and(|u| u.ends_with("/avatars/original/missing.png")),
        "{account}"
    );

    let (m, copy) = post_image(&a, &b, &alice, &bob, jpeg(320, 240)).await;
    let att = &copy["media_attachments"][0];
    assert_eq!(att["type"], "unknown", "{att}");
    assert_eq!(att["url"], m["url"]);
    assert_eq!(att["remote_url"], m["url"]);
    assert_eq!(att["preview_url"], Value::Null);
    assert_eq!(att["description"], "A heron");
    assert_eq!(att["meta"], json!({}));
    assert!(no_files(db.path()), "nothing was downloaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_reject_media_block_empties_the_cache_of_that_domain() {
    let (a, _da) = spawn_media(|_| {}).await;
    let (b, db) = spawn_media(|_| {}).await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let alice_on_b = follow_across(&a, &b, &alice, &bob).await;
    let (m, copy) = post_image(&a, &b, &alice, &bob, jpeg(320, 240)).await;
    assert!(local_to(&b, &copy["media_attachments"][0]["url"]), "{copy}");
    assert!(files_in(db.path()) > 0);

    let boss = b.admin().await;
    let (status, block) = b
        .post(
            "/api/v1/admin/domain_blocks",
            Some(&boss.token),
            json!({ "domain": a.addr.to_string(), "severity": "noop", "reject_media": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{block}");
    // The next pruning (hourly) removes what was cached: avatar, header and the attachment.
    assert_eq!(
        rookery::service::media_cache::prune(&b.state)
            .await
            .expect("prune"),
        3
    );
    assert!(no_files(db.path()));
    let (_, after) = b
        .get(
            &format!("/api/v1/statuses/{}", copy["id"].as_str().expect("id")),
            Some(&bob.token),
        )
        .await;
    let att = &after["media_attachments"][0];
    assert_eq!(att["type"], "unknown", "{att}");
    assert_eq!(att["url"], m["url"]);
    assert_eq!(att["meta"], json!({}));
    let account = account_on(&b, &alice_on_b, &bob.token).await;
    assert!(
        account["avatar"]
            .as_str()
            .is_some_and(|u| u.ends_with("/avatars/original/missing.png")),
        "{account}"
    );
}
