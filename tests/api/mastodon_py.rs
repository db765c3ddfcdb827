//! A real client library against Rookery: tests/clients/mastodon_py.py drives lists,
//! conversations, grouped notifications, account search, tags, suggestions and trends through
//! Mastodon.py's own methods (pinned below), so what it parses (entities, dates, Link-header
//! pagination) is what a Python client gets. Mastodon.py is installed from PyPI into a virtual
//! environment under the build's temporary folder on first use, as the S3 test installs moto;
//! the test needs `python3`.

use std::path::{Path, PathBuf};

use crate::helpers::TestApp;

/// The Mastodon.py release the script is written against.
const MASTODON_PY: &str = "Mastodon.py==2.3.3";

/// The `python3` of a virtual environment holding [`MASTODON_PY`]: ROOKERY_TEST_MASTODON_PY
/// if set (a python with Mastodon.py), else one made on first use (its folder is named after
/// the pinned version, so changing the pin makes a new one).
fn python() -> PathBuf {
    if let Ok(path) = std::env::var("ROOKERY_TEST_MASTODON_PY") {
        return PathBuf::from(path);
    }
    let version = MASTODON_PY.rsplit('=').next().unwrap_or("current");
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mastodon-py-{version}"));
    let python = venv.join("bin").join("python3");
    let ready = venv.join(".installed");
    if !ready.exists() {
        let run = |program: &Path, args: &[&str]| {
            let status = std::process::Command::new(program)
                .args(args)
                .status()
                .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
            assert!(status.success(), "{} {args:?} failed", program.display());
        };
        let venv_arg = venv.to_str().expect("UTF-8 path");
        run(Path::new("python3"), &["-m", "venv", venv_arg]);
        run(
            &venv.join("bin").join("pip"),
            &["install", "--quiet", MASTODON_PY],
        );
        std::fs::write(&ready, MASTODON_PY).expect("mark the environment ready");
    }
    python
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastodon_py_runs_against_rookery() {
    let python = tokio::task::spawn_blocking(python)
        .await
        .expect("installing Mastodon.py");
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    // Someone bob follows and alice does not: the friend of a friend the script expects
    // among alice's suggestions.
    app.follow(&bob, &dave).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/mastodon_py.py");
    let output = tokio::process::Command::new(&python)
        .arg(&script)
        .env("ROOKERY_BASE_URL", &app.base)
        .env("ROOKERY_ALICE_TOKEN", &alice.token)
        .env("ROOKERY_BOB_TOKEN", &bob.token)
        .env("ROOKERY_CAROL_TOKEN", &carol.token)
        .env("ROOKERY_DAVE_TOKEN", &dave.token)
        .kill_on_drop(true)
        .output()
        .await
        .expect("run the Mastodon.py script");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Mastodon.py script failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("all steps passed"), "{stdout}");
}
