//! The admin pages in a real browser (headless Chromium): an admin signs in, resolves a
//! report by suspending the reported account, and blocks a domain, with a screenshot of each
//! step saved among the test artifacts, on a desktop window and on a phone-sized one.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::browser::Browser;
use crate::helpers::{TestApp, PASSWORD};

#[tokio::test]
async fn an_admin_resolves_a_report_and_blocks_a_domain() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let alice = app.register("alice").await;
    let mallory = app.register("mallory").await;
    let post = app.post_status(&mallory, "buy my pills", json!({})).await;
    let (status, report) = app
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": mallory.id, "status_ids": [post["id"]], "comment": "spam" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let report_id = report["id"].as_str().expect("report id").to_string();

    let mut browser = Browser::start("browser_admin").await;
    // The admin pages send a visitor to sign in, and back after.
    browser.goto(&app.url("/admin/reports")).await;
    browser
        .wait_for_path(|p| p.starts_with("/auth/sign_in"))
        .await;
    browser.fill("#login", "boss").await;
    browser.fill("#password", PASSWORD).await;
    browser.screenshot("sign-in").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path(|p| p == "/admin/reports").await;
    assert!(browser.source().await.contains("mallory"));
    browser.screenshot("reports-queue").await;

    // The report, then suspend from it: the form resolves the report too.
    browser
        .click(&format!("a[href='/admin/reports/{report_id}']"))
        .await;
    browser
        .wait_for_path(|p| p == format!("/admin/reports/{report_id}"))
        .await;
    assert!(browser.source().await.contains("buy my pills"));
    browser.screenshot("report").await;
    browser
        .client
        .find(fantoccini::Locator::Css(
            "#action-type option[value=suspend]",
        ))
        .await
        .expect("the suspend option")
        .click()
        .await
        .expect("choose suspend");
    browser.fill("#action-text", "selling pills").await;
    browser.click("form.stacked button.danger").await;
    // The form answers with the report's page again: wait for what the action wrote.
    let page = browser.wait_for_text("suspend by boss").await;
    assert_eq!(
        browser.current_path().await,
        format!("/admin/reports/{report_id}")
    );
    assert!(!page.contains("<dd>unresolved"), "{page}");
    browser.screenshot("report-resolved").await;
    let (_, account) = app
        .get(
            &format!("/api/v1/admin/accounts/{}", mallory.id),
            Some(&boss.token),
        )
        .await;
    assert_eq!(account["suspended"], true);

    // Block a domain, on a phone-sized window.
    browser
        .client
        .set_window_size(360, 800)
        .await
        .expect("a phone-sized window");
    browser.goto(&app.url("/admin/domains")).await;
    browser.fill("#block-domain", "spam.example").await;
    browser
        .client
        .find(fantoccini::Locator::Css(
            "#block-severity option[value=suspend]",
        ))
        .await
        .expect("the suspend severity")
        .click()
        .await
        .expect("choose suspend");
    browser.fill("#block-public", "spam").await;
    browser.screenshot("domain-block-form-phone").await;
    browser
        .click("section[aria-labelledby=new-block] button.primary")
        .await;
    browser.wait_for_path(|p| p == "/admin/domains").await;
    assert!(browser.source().await.contains("spam.example"));
    browser.screenshot("domain-blocked-phone").await;
    let (_, blocks) = app
        .get("/api/v1/admin/domain_blocks", Some(&boss.token))
        .await;
    assert_eq!(blocks[0]["domain"], "spam.example", "{blocks}");
    assert_eq!(blocks[0]["severity"], "suspend");
    browser.close().await;
}
