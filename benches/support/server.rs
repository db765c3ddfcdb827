//! The release `rookery` server as its own process, with its private PostgreSQL in a temporary
//! data folder: started with rate limits that never trigger (the benches seed and load it from
//! one address), restarted on the same data, and stopped with its cluster and its folder
//! removed when dropped, whatever happened (a bench owns it inside the future it gives
//! `runner::main`, which drops that future at Ctrl-C). Shared by the end-to-end benches through `#[path]`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use nix::sys::signal::Signal;

/// The server binary Cargo built (in the bench profile) for the bench including this file.
const SERVER_BIN: &str = env!("CARGO_BIN_EXE_rookery");
/// A limit high enough never to trigger, so the limiter still does its per-request work.
pub const NEVER: u32 = 1_000_000_000;

/// The server binary measured: Cargo's build for this bench, or the one named by the
/// variable `var` (an older build, for before-and-after figures).
pub fn server_bin(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| SERVER_BIN.to_string())
}

pub struct Instance {
    pub dir: PathBuf,
    pub port: u16,
    pub base: String,
    bin: String,
    child: Child,
}

impl Instance {
    /// Starts `bin` serving on a free port with its data in `<tmp>/rookery-<name>-<pid>`; the
    /// caller waits for it with [`Instance::wait_until_up`].
    pub fn start(name: &str, bin: String) -> Result<Instance> {
        let dir = std::env::temp_dir().join(format!("rookery-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        // As root the server runs PostgreSQL as `postgres`, which must be able to enter here.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = spawn(&bin, &dir, port, &[])?;
        Ok(Instance {
            base: format!("http://127.0.0.1:{port}"),
            dir,
            port,
            bin,
            child,
        })
    }

    /// Polls `GET /api/v1/instance` until it answers; on a timeout the error carries the end
    /// of the server's log.
    pub async fn wait_until_up(&self, client: &reqwest::Client, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        loop {
            let r = client
                .get(format!("{}/api/v1/instance", self.base))
                .send()
                .await;
            if matches!(&r, Ok(r) if r.status().is_success()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the server did not answer within {} s; the end of its log:\n{}",
                    within.as_secs(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stops the server cleanly (which stops its private cluster) and starts it again on the
    /// same data, port and configuration, with `env` added; the caller waits until it is up.
    #[allow(dead_code)]
    pub fn restart(&mut self, env: &[(&str, &str)]) -> Result<()> {
        self.stop_server();
        self.child = spawn(&self.bin, &self.dir, self.port, env)?;
        Ok(())
    }

    /// SIGTERM, then waits up to 30 s for the server (and so its cluster) to stop.
    fn stop_server(&mut self) {
        signal(self.pid(), Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn cluster_dir(&self) -> PathBuf {
        self.dir.join("data").join("postgres")
    }

    /// The private cluster's postmaster, from the `postmaster.pid` PostgreSQL writes.
    pub fn postmaster(&self) -> Result<i32> {
        let file = self.cluster_dir().join("postmaster.pid");
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        text.lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .ok_or_else(|| anyhow!("no pid in {}", file.display()))
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let postmaster = self.postmaster().ok();
        // A clean shutdown stops the private cluster too (the server is its last user).
        self.stop_server();
        if let Some(pid) = postmaster {
            if alive(pid) {
                signal(pid, Signal::SIGINT);
                let deadline = Instant::now() + Duration::from_secs(30);
                while alive(pid) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(50));
                }
                if alive(pid) {
                    signal(pid, Signal::SIGKILL);
                }
            }
        }
        // A root server may keep the cluster elsewhere and link it here.
        if let Ok(target) = std::fs::read_link(self.cluster_dir()) {
            let _ = std::fs::remove_dir_all(target);
        }
        match std::fs::remove_dir_all(&self.dir) {
            Ok(()) => println!("stopped the server and removed {}", self.dir.display()),
            Err(e) => eprintln!("could not remove {}: {e}", self.dir.display()),
        }
    }
}

/// Writes the configuration (the defaults but for the address, the data folder and the rate
/// limits) and starts the server with its output appended to `server.log`.
fn spawn(bin: &str, dir: &Path, port: u16, env: &[(&str, &str)]) -> Result<Child> {
    let config = format!(
        "domain = \"127.0.0.1:{port}\"\n\
         listen = \"127.0.0.1:{port}\"\n\
         data_dir = \"{data}\"\n\
         [rate_limits]\n\
         registrations_per_ip = {NEVER}\n\
         sign_ins_per_ip = {NEVER}\n\
         api_per_ip = {NEVER}\n\
         api_per_token = {NEVER}\n\
         statuses_per_token = {NEVER}\n",
        data = dir.join("data").display()
    );
    let config_path = dir.join("rookery.toml");
    std::fs::write(&config_path, config)?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))?;
    let mut command = Command::new(bin);
    command
        .arg("--config")
        .arg(&config_path)
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Only the configuration file speaks: no variables from the caller's shell.
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG");
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("ROOKERY_")) {
        command.env_remove(key);
    }
    command.envs(env.iter().copied());
    command.spawn().with_context(|| format!("starting {bin}"))
}

fn signal(pid: i32, signal: Signal) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal);
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}
