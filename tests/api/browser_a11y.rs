//! Accessibility measured in a real browser (headless Chromium): on the landing, profile,
//! status, about, a settings and an admin page, in the light and the dark colour scheme
//! (Blink's `preferredColorScheme` setting, which is what `prefers-color-scheme` reads), at a
//! phone's 360 px width:
//! - every visible text's WCAG contrast ratio against its effective background (the element's
//!   and its ancestors' backgrounds blended) is at least 4.5:1, or 3:1 for large text;
//! - nothing overflows the page sideways;
//! - Tab reaches the page's main links and buttons, each with a visible focus style.
//!
//! The lowest ratio of each page is printed (run with `--nocapture` to see them); screenshots
//! go to `$CARGO_TARGET_DIR/browser-artifacts/a11y-{light,dark}/`.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::Value;

use crate::helpers::browser::Browser;
use crate::helpers::TestApp;

/// Measures every visible text node's contrast; answers the lowest ratio, the failures and
/// whether the page is wider than the window.
const MEASURE: &str = r#"
function parse(c) {
  const m = c.match(/rgba?\(([^)]+)\)/);
  if (!m) return [0, 0, 0, 0];
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function over(top, bottom) {
  const a = top[3] + bottom[3] * (1 - top[3]);
  if (a === 0) return [0, 0, 0, 0];
  const mix = i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
  return [mix(0), mix(1), mix(2), a];
}
function background(el) {
  let layers = [];
  for (let e = el; e; e = e.parentElement) {
    const bg = parse(getComputedStyle(e).backgroundColor);
    if (bg[3] > 0) layers.push(bg);
    if (bg[3] >= 1) break;
  }
  // The canvas under everything: the page's own background, else white.
  let colour = [255, 255, 255, 1];
  for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
  return colour;
}
function luminance(c) {
  const ch = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}
function ratio(a, b) {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}
function visible(el) {
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0) return false;
  }
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1) return false;
  if (r.right < 0 || r.left > document.documentElement.scrollWidth) return false;
  return true;
}
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = new Set();
let lowest = 99, failures = [], count = 0;
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  if (!n.textContent.trim()) continue;
  const el = n.parentElement;
  if (!el || seen.has(el) || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'OPTION'].includes(el.tagName)) continue;
  seen.add(el);
  if (!visible(el)) continue;
  const s = getComputedStyle(el);
  const bg = background(el);
  const fg = over(parse(s.color), bg);
  const r = ratio(fg, bg);
  const size = parseFloat(s.fontSize), weight = parseInt(s.fontWeight, 10);
  const large = size >= 24 || (size >= 18.66 && weight >= 700);
  const need = large ? 3 : 4.5;
  count++;
  lowest = Math.min(lowest, r);
  if (r < need) failures.push(`${el.tagName}.${el.className} "${n.textContent.trim().slice(0, 40)}" ${r.toFixed(2)} < ${need} (${s.color} on rgb(${bg.slice(0, 3).map(Math.round)}))`);
}
const width = window.innerWidth;
const overflow = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - width;
return { lowest: lowest, count: count, failures: failures, width: width, overflow: overflow,
         dark: matchMedia('(prefers-color-scheme: dark)').matches };
"#;

/// What has the focus now, and whether it shows a focus ring.
const FOCUSED: &str = r#"
const e = document.activeElement;
if (!e || e === document.body) return null;
const s = getComputedStyle(e);
const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
return { tag: e.tagName, href: e.getAttribute('href') || '', text: (e.textContent || e.value || '').trim().slice(0, 40), ring: ring };
"#;

/// Tabs through the page (up to `presses` times) and returns what got the focus.
async fn tab_through(browser: &Browser, presses: usize) -> Vec<Value> {
    browser
        .client
        .execute(
            "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);",
            vec![],
        )
        .await
        .expect("blur");
    let mut reached = Vec::new();
    for _ in 0..presses {
        // A key press of the keyboard itself (not typed into an element: a file input would
        // take it for a file name).
        let tab = KeyActions::new("keyboard".into())
            .then(KeyAction::Down {
                value: Key::Tab.into(),
            })
            .then(KeyAction::Up {
                value: Key::Tab.into(),
            });
        browser.client.perform_actions(tab).await.expect("Tab");
        let focused = browser
            .client
            .execute(FOCUSED, vec![])
            .await
            .expect("focused");
        if focused.is_null() {
            continue;
        }
        reached.push(focused);
    }
    reached
}

async fn sign_in(browser: &Browser, app: &TestApp, login: &str) {
    browser.goto(&app.url("/auth/sign_in")).await;
    browser.fill("#login", login).await;
    browser.fill("#password", crate::helpers::PASSWORD).await;
    browser
        .click("form[action='/auth/sign_in'] button[type=submit]")
        .await;
    browser
        .wait_for_path(|p| !p.starts_with("/auth/sign_in"))
        .await;
}

async fn check_scheme(app: &TestApp, status_path: &str, scheme: &str) {
    let flag = if scheme == "dark" {
        "--blink-settings=preferredColorScheme=0"
    } else {
        "--blink-settings=preferredColorScheme=1"
    };
    let mut browser = Browser::start_with(&format!("a11y-{scheme}"), &[flag], Some(360)).await;
    sign_in(&browser, app, "boss").await;
    // Each page, and the links or buttons Tab must reach on it.
    let pages: [(&str, &[&str]); 6] = [
        ("/", &["/about"]),
        ("/@boss", &["/about"]),
        (status_path, &["/about"]),
        ("/about", &["/"]),
        (
            "/settings/profile",
            &["/settings/preferences", "/settings/two_factor"],
        ),
        ("/admin/domains", &["/admin/reports", "/admin/accounts"]),
    ];
    let mut problems = Vec::new();
    for (path, must_reach) in pages {
        browser.goto(&app.url(path)).await;
        let m = browser
            .client
            .execute(MEASURE, vec![])
            .await
            .expect("measure");
        let name = path.trim_matches('/').replace('/', "-");
        browser
            .screenshot(&format!(
                "{}-{scheme}",
                if name.is_empty() { "landing" } else { &name }
            ))
            .await;
        println!(
            "a11y {scheme:5} {path:28} width {} lowest contrast {:.2} over {} texts, overflow {}px",
            m["width"],
            m["lowest"].as_f64().unwrap_or(0.0),
            m["count"],
            m["overflow"]
        );
        assert_eq!(
            m["dark"],
            scheme == "dark",
            "{path}: the colour scheme is emulated"
        );
        assert!(
            m["width"].as_i64().unwrap_or(0) <= 380,
            "{path}: a phone-sized window: {m}"
        );
        for f in m["failures"].as_array().into_iter().flatten() {
            problems.push(format!("{scheme} {path}: contrast {f}"));
        }
        if m["overflow"].as_i64().unwrap_or(1) > 0 {
            problems.push(format!(
                "{scheme} {path}: {}px wider than the window",
                m["overflow"]
            ));
        }
        let reached = tab_through(&browser, 40).await;
        for r in &reached {
            if r["ring"] != true {
                problems.push(format!("{scheme} {path}: no visible focus on {r}"));
            }
        }
        for href in must_reach {
            if !reached.iter().any(|r| r["href"] == *href) {
                problems.push(format!(
                    "{scheme} {path}: Tab never reaches {href}: {reached:?}"
                ));
            }
        }
        if !reached.iter().any(|r| r["href"] == "#content") {
            problems.push(format!("{scheme} {path}: no skip link first"));
        }
    }
    browser.close().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn pages_meet_contrast_width_and_focus_in_both_schemes() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let (_, post) = app
        .post(
            "/api/v1/statuses",
            Some(&boss.token),
            serde_json::json!({ "status": "Contrast check: a post with a #tag and a https://example.com link", "spoiler_text": "" }),
        )
        .await;
    let status_path = format!("/@boss/{}", post["id"].as_str().expect("id"));
    for scheme in ["light", "dark"] {
        check_scheme(&app, &status_path, scheme).await;
    }
}
