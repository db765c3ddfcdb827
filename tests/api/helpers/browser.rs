//! A real browser for tests: Debian's headless Chromium driven over WebDriver (chromedriver,
//! through `fantoccini`). [`Browser::start`] fails the test, never skips it, when Chromium or
//! chromedriver is missing. Screenshots go to `$CARGO_TARGET_DIR/browser-artifacts/<test>/`
//! (or `target/` beside the crate), whose path is printed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// The flags every run uses: no sandbox (tests run as root in CI), nothing fetched from the
/// network but the instance under test.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
];

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Where a test's screenshots go.
fn artifacts_dir(test: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("browser-artifacts").join(test)
}

/// A headless Chromium with its chromedriver; both end when it is dropped.
pub struct Browser {
    pub client: Client,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
    artifacts: PathBuf,
    shots: usize,
}

impl Browser {
    /// Starts chromedriver and a Chromium session; `test` names the artifacts' folder.
    pub async fn start(test: &str) -> Browser {
        Browser::start_with(test, &[], None).await
    }

    /// As [`Browser::start`], with more Chromium flags (e.g.
    /// `--blink-settings=preferredColorScheme=0` for the dark colour scheme) and, given
    /// `phone_width`, a viewport that wide (chromedriver's mobile emulation: a headless
    /// window is never narrower than 500 px).
    pub async fn start_with(test: &str, extra: &[&str], phone_width: Option<u32>) -> Browser {
        let chromium = find_program(&["chromium", "chromium-browser"]).unwrap_or_else(|| {
            panic!(
                "the browser tests need Debian's Chromium: install it with \
                 `apt-get install -y chromium chromium-driver` (.ci/run does)"
            )
        });
        let chromedriver = find_program(&["chromedriver"]).unwrap_or_else(|| {
            panic!(
                "the browser tests need chromedriver: install it with \
                 `apt-get install -y chromium chromium-driver` (.ci/run does)"
            )
        });
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            l.local_addr().expect("address").port()
        };
        let driver = tokio::process::Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", chromedriver.display()));
        let profile = tempfile::tempdir().expect("a profile folder");
        let sized = extra.iter().any(|f| f.starts_with("--window-size="));
        let mut args: Vec<String> = FLAGS
            .iter()
            .filter(|f| !(sized && f.starts_with("--window-size=")))
            .chain(extra)
            .map(|f| f.to_string())
            .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            match phone_width {
                Some(width) => serde_json::json!({
                    "binary": chromium,
                    "args": args,
                    "mobileEmulation": {
                        "deviceMetrics": { "width": width, "height": 800, "pixelRatio": 1.0 }
                    },
                }),
                None => serde_json::json!({ "binary": chromium, "args": args }),
            },
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                // chromedriver takes a moment to listen.
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session from chromedriver: {e}"),
            }
        };
        let artifacts = artifacts_dir(test);
        std::fs::create_dir_all(&artifacts).expect("the artifacts folder");
        println!("browser screenshots: {}", artifacts.display());
        Browser {
            client,
            driver,
            _profile: profile,
            artifacts,
            shots: 0,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    /// The page's HTML as the browser has it now.
    pub async fn source(&self) -> String {
        self.client.source().await.expect("page source")
    }

    pub async fn current_path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Replaces the text of the field matching `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no field {css}: {e}"));
        field.clear().await.expect("clear");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Clicks the element matching `css` (a button submits its form).
    pub async fn click(&self, css: &str) {
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("nothing to click at {css}: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// The text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .text()
            .await
            .expect("element text")
    }

    /// Waits until the page's path (with its query) satisfies `ok`.
    pub async fn wait_for_path(&self, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let path = self.current_path().await;
            if ok(&path) {
                return path;
            }
            assert!(
                Instant::now() < deadline,
                "the browser stayed at {path}: {}",
                self.source().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page shows `text`, and returns its source: for a form that answers
    /// with the page it was sent from, whose path does not change.
    pub async fn wait_for_text(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let page = self.source().await;
            if page.contains(text) {
                return page;
            }
            assert!(
                Instant::now() < deadline,
                "the page never showed {text}: {page}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a screenshot of the page as `NN-name.png` among the artifacts.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        self.shots += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        let path = self.artifacts.join(format!("{:02}-{name}.png", self.shots));
        std::fs::write(&path, png).expect("writing a screenshot");
        path
    }

    /// Ends the WebDriver session and chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
}
