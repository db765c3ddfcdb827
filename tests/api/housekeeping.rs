//! The hourly housekeeping's tasks, called directly: home feeds trimmed to their cap, old
//! authorization codes deleted.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{urlencode, TestApp};
use crate::oauth::{approved_code, REDIRECT};

/// A feed over the cap keeps its newest entries; a feed under it is left alone.
#[tokio::test]
async fn feeds_over_the_cap_are_trimmed_to_their_newest_entries() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let light = app.register("light").await;
    let first = app.post_status(&author, "the first", json!({})).await;
    let first: i64 = first["id"].as_str().expect("id").parse().expect("number");
    let cap = rookery::store::feeds::FEED_CAP;
    // Copies of the status, newer ids, straight into the table: the trim reads only the
    // feed, and posting this many through the API would only slow the suite.
    sqlx::query(
        "INSERT INTO statuses SELECT (jsonb_populate_record(NULL::statuses, to_jsonb(s) \
           || jsonb_build_object('id', s.id + g, 'uri', s.uri || '/' || g, 'url', NULL))).* \
         FROM statuses s, generate_series(1, $2) g WHERE s.id = $1",
    )
    .bind(first)
    .bind(cap + 9)
    .execute(&app.state.db)
    .await
    .expect("copies");
    let reader_id: i64 = reader.id.parse().expect("id");
    let light_id: i64 = light.id.parse().expect("id");
    sqlx::query(
        "INSERT INTO home_feed (account_id, status_id, author_id) \
         SELECT $1, id, account_id FROM statuses WHERE id >= $2 \
         UNION ALL SELECT $3, id, account_id FROM statuses WHERE id >= $2 AND id < $2 + 10 \
         ON CONFLICT DO NOTHING",
    )
    .bind(reader_id)
    .bind(first)
    .bind(light_id)
    .execute(&app.state.db)
    .await
    .expect("feed");

    let trimmed = rookery::service::feeds::trim_all(&app.state)
        .await
        .expect("trim");
    assert_eq!(trimmed, 10, "the ten oldest of cap + 10 entries go");
    let kept: Vec<i64> = sqlx::query_scalar(
        "SELECT status_id FROM home_feed WHERE account_id = $1 ORDER BY status_id",
    )
    .bind(reader_id)
    .fetch_all(&app.state.db)
    .await
    .expect("kept");
    assert_eq!(kept.len() as i64, cap);
    assert_eq!(
        kept[0],
        first + 10,
        "the oldest entries went, the newest stayed"
    );
    let light_count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM home_feed WHERE account_id = $1")
            .bind(light_id)
            .fetch_one(&app.state.db)
            .await
            .expect("count");
    assert_eq!(light_count, 10, "a feed under the cap is untouched");
    let again = rookery::service::feeds::trim_all(&app.state)
        .await
        .expect("trim");
    assert_eq!(again, 0);
}

/// Codes that expired over a week ago go; a purged code is then simply unknown to the token
/// endpoint, while a recent one still works.
#[tokio::test]
async fn authorization_codes_are_deleted_a_week_after_they_expired() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let client = app.create_client("read", REDIRECT).await;
    let named = format!("&redirect_uri={}", urlencode(REDIRECT));
    let old = approved_code(&app, &client.client_id, &named).await;
    let recent = approved_code(&app, &client.client_id, &named).await;
    let old_hash = rookery::crypto::sha256_hex(&old);
    let aged = sqlx::query(
        "UPDATE oauth_authorization_codes SET expires_at = now() - interval '8 days' \
         WHERE code_hash = $1",
    )
    .bind(&old_hash)
    .execute(&app.state.db)
    .await
    .expect("age");
    assert_eq!(
        aged.rows_affected(),
        1,
        "codes are stored by their SHA-256, hex"
    );

    let purged = rookery::service::oauth::purge_old_codes(&app.state)
        .await
        .expect("purge");
    assert_eq!(purged, 1);
    let exchange = |code: &str| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", REDIRECT.to_string()),
        ]
    };
    let fields = exchange(&old);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = app.token_grant(&client, &fields).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    let fields = exchange(&recent);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = app.token_grant(&client, &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        rookery::service::oauth::purge_old_codes(&app.state)
            .await
            .expect("purge"),
        0
    );
}
