//! The web side in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`) against a real instance signs up through the form, signs out and in,
//! turns on two-factor sign-in, signs in with a TOTP code computed from the secret the page
//! shows, edits the profile and finds it on the public profile. Screenshots of each step are
//! kept under `$CARGO_TARGET_DIR/browser-artifacts/sign_up_two_factor_and_profile/`.

use crate::helpers::browser::Browser;
use crate::helpers::TestApp;
use crate::web_two_factor::code;

const PASSWORD: &str = "a browser's password";

async fn sign_in(browser: &Browser, app: &TestApp, login: &str) {
    browser.goto(&app.url("/auth/sign_in")).await;
    browser.fill("#login", login).await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/auth/sign_in'] button[type=submit]")
        .await;
}

async fn sign_out(browser: &Browser) {
    browser.click(".sign-out button").await;
    browser
        .wait_for_path(|p| p.starts_with("/auth/sign_in"))
        .await;
}

#[tokio::test]
async fn sign_up_two_factor_and_profile_in_chromium() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::start("sign_up_two_factor_and_profile").await;

    // Sign up through the form: signed in at once.
    browser.goto(&app.url("/auth/sign_up")).await;
    browser.fill("#username", "birdwatcher").await;
    browser.fill("#email", "birdwatcher@example.com").await;
    browser.fill("#password", PASSWORD).await;
    browser.fill("#password_confirmation", PASSWORD).await;
    browser.click("input[name=agreement]").await;
    browser.screenshot("sign-up-form").await;
    browser
        .click("form[action='/auth/sign_up'] button[type=submit]")
        .await;
    browser.wait_for_path(|p| p == "/settings/profile").await;
    browser.screenshot("signed-up").await;

    // Out, and in again with the password.
    sign_out(&browser).await;
    sign_in(&browser, &app, "birdwatcher").await;
    browser.wait_for_path(|p| p == "/settings/profile").await;

    // Two-factor sign-in, with the secret the page shows.
    browser.goto(&app.url("/settings/two_factor")).await;
    let secret = browser.text("#totp-secret").await;
    browser.screenshot("two-factor-setup").await;
    browser.fill("#code", &code(secret.trim(), 0)).await;
    browser
        .click("form[action='/settings/two_factor'] button[type=submit]")
        .await;
    let codes = browser.text("#recovery-codes").await;
    assert_eq!(
        codes.lines().filter(|l| !l.trim().is_empty()).count(),
        10,
        "{codes}"
    );
    browser.screenshot("recovery-codes").await;
    sign_out(&browser).await;

    // The sign-in now asks for a code.
    sign_in(&browser, &app, "birdwatcher@example.com").await;
    browser.fill("#otp_attempt", &code(secret.trim(), 1)).await;
    browser.screenshot("code-step").await;
    browser
        .click("form[action='/auth/sign_in'] button[type=submit]")
        .await;
    browser.wait_for_path(|p| p == "/settings/profile").await;

    // The profile, edited here, shown on the public page.
    browser
        .fill("#display_name", "Birdwatcher in Chromium")
        .await;
    browser.fill("#note", "Seen through a real browser.").await;
    browser
        .click("form[action='/settings/profile'] button[type=submit]")
        .await;
    browser.wait_for_path(|p| p.contains("notice=saved")).await;
    browser.screenshot("profile-saved").await;
    browser.goto(&app.url("/@birdwatcher")).await;
    let public = browser.source().await;
    assert!(public.contains("Birdwatcher in Chromium"), "{public}");
    assert!(public.contains("Seen through a real browser."), "{public}");
    let shot = browser.screenshot("public-profile").await;
    println!("last screenshot: {}", shot.display());
    browser.close().await;
}
