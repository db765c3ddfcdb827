//! The private PostgreSQL cluster Rookery runs when no database URL is configured, and that the
//! test harness runs as its throwaway database.
//!
//! The cluster lives in one folder (`<data_dir>/postgres`), listens only on a Unix socket, and
//! trusts local connections (the folder is private to its owner). Any number of Rookery
//! processes share it: the first one starts it, the others find it through `postmaster.pid`,
//! which PostgreSQL itself writes with the socket folder and the port. A cluster left behind
//! by a crash is either still running (and reused) or recovered by PostgreSQL on the next start.
//!
//! PostgreSQL refuses to run as root, so a root process runs `initdb` and `postgres` as the
//! `postgres` system user, which owns the folder.
//!
//! This is plain blocking code: it runs once at start-up, before the async runtime matters.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use nix::sys::signal::{kill, Signal};
use nix::unistd::{Pid, Uid, User};
use sha2::{Digest, Sha256};

/// The role that owns the private cluster's databases.
pub const SUPERUSER: &str = "rookery";
const PORT: u16 = 5432;
/// `sun_path` holds 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH: usize = 100;

/// Whether the cluster outlives the process that started it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifetime {
    /// A server's cluster: survives a crash of Rookery and is stopped on a clean shutdown by
    /// the last Rookery process using it.
    Detached,
    /// A test run's cluster: tuned for speed over durability and killed by the kernel when
    /// the process that started it exits, however it exits.
    TiedToProcess,
}

/// A running cluster Rookery can connect to.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub dir: PathBuf,
    pub socket_dir: PathBuf,
    pub port: u16,
    pub pid: i32,
    /// True when this process started the postmaster.
    pub started_here: bool,
}

/// How much memory and how many connections a server's cluster is started with
/// (`[database.private]`). A test run's cluster has its own settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizing {
    pub shared_buffers_mib: u32,
    pub max_connections: u32,
    pub work_mem_kib: u32,
    pub maintenance_work_mem_mib: u32,
    pub autovacuum_workers: u32,
}

impl Sizing {
    /// The `-c` settings the postmaster is started with. Besides the configured sizes: no
    /// parallel query workers (each would be a whole backend for a query that takes
    /// milliseconds) and no logical replication launcher (a process nobody here uses).
    fn args(&self) -> Vec<String> {
        [
            format!("shared_buffers={}MB", self.shared_buffers_mib),
            format!("max_connections={}", self.max_connections),
            format!("work_mem={}kB", self.work_mem_kib),
            format!("maintenance_work_mem={}MB", self.maintenance_work_mem_mib),
            format!("autovacuum_max_workers={}", self.autovacuum_workers),
            "max_parallel_workers_per_gather=0".to_string(),
            "max_parallel_maintenance_workers=0".to_string(),
            "max_logical_replication_workers=0".to_string(),
        ]
        .into_iter()
        .flat_map(|setting| ["-c".to_string(), setting])
        .collect()
    }
}

impl Cluster {
    /// Finds the cluster in `dir` running, or initialises and starts it with PostgreSQL's
    /// own defaults (or a test run's settings).
    pub fn ensure_running(dir: &Path, lifetime: Lifetime) -> anyhow::Result<Cluster> {
        Self::ensure_running_sized(dir, lifetime, None)
    }

    /// Finds the cluster in `dir` running, or initialises and starts it with `sizing`. A
    /// cluster already running keeps the settings it was started with.
    pub fn ensure_running_sized(
        dir: &Path,
        lifetime: Lifetime,
        sizing: Option<Sizing>,
    ) -> anyhow::Result<Cluster> {
        let dir = absolute(dir)?;
        let owner = ClusterOwner::for_this_process()?;
        let dir = owner.reachable_location(&dir)?;
        let bin = find_binaries(&dir)?;

        if !dir.join("PG_VERSION").exists() {
            initdb(&bin, &dir, &owner, lifetime)?;
        }
        // Another process may be starting the same cluster at this moment: its postmaster
        // wins the lock file, ours exits, and we find its postmaster on the next round.
        let mut last_error = None;
        for _ in 0..5 {
            if let Some(running) = Self::find_running(&dir)? {
                wait_until_ready(&dir, running.pid, Duration::from_secs(60))?;
                return Ok(running);
            }
            match start(&bin, &dir, &owner, lifetime, sizing) {
                Ok(cluster) => return Ok(cluster),
                Err(e) => last_error = Some(e),
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        Err(last_error
            .unwrap_or_else(|| anyhow!("could not start PostgreSQL in {}", dir.display())))
    }

    /// The postmaster recorded in `postmaster.pid`, if it is alive.
    fn find_running(dir: &Path) -> anyhow::Result<Option<Cluster>> {
        let Some(info) = PidFile::read(dir) else {
            return Ok(None);
        };
        if !process_is_postgres(info.pid) {
            return Ok(None);
        }
        Ok(Some(Cluster {
            dir: dir.to_path_buf(),
            socket_dir: info.socket_dir,
            port: info.port,
            pid: info.pid,
            started_here: false,
        }))
    }

    /// Fast shutdown: open transactions are rolled back, clients disconnected, the data
    /// checkpointed. Waits until the postmaster is gone.
    pub fn stop(&self) -> anyhow::Result<()> {
        let pid = Pid::from_raw(self.pid);
        if kill(pid, Signal::SIGINT).is_err() {
            return Ok(()); // already gone
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if !process_is_postgres(self.pid) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("PostgreSQL (pid {}) did not stop within 60 s", self.pid)
    }
}

/// Who runs the cluster: this process's user, or `postgres` when this process is root.
struct ClusterOwner {
    run_as: Option<User>,
}

impl ClusterOwner {
    fn for_this_process() -> anyhow::Result<ClusterOwner> {
        if !Uid::effective().is_root() {
            return Ok(ClusterOwner { run_as: None });
        }
        match User::from_name("postgres") {
            Ok(Some(user)) => Ok(ClusterOwner { run_as: Some(user) }),
            _ => bail!(
                "Rookery is running as root and PostgreSQL refuses to run as root, but there is \
                 no `postgres` system user to run it as. Install PostgreSQL from your package \
                 manager (it creates that user), run Rookery as an ordinary user, or set \
                 ROOKERY_DATABASE__URL to an existing database."
            ),
        }
    }

    fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        if let Some(user) = &self.run_as {
            cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
            cmd.env("HOME", &user.dir).env("USER", &user.name);
        }
        cmd
    }

    /// Makes `dir` (and its parents) exist, owned by the cluster's user where it is new.
    fn create_private_dir(&self, dir: &Path) -> anyhow::Result<()> {
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        if !dir.exists() {
            fs::DirBuilder::new()
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        if let Some(user) = &self.run_as {
            std::os::unix::fs::chown(dir, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
                .with_context(|| format!("cannot give {} to the postgres user", dir.display()))?;
        }
        Ok(())
    }

    /// As root, the cluster's user must be able to reach the cluster folder. When a parent
    /// folder is closed to it (a checkout under `/root`), the cluster lives under
    /// `/var/lib/rookery` instead and `dir` becomes a link to it, so the layout stays the same
    /// and no folder's permissions are changed behind the operator's back.
    fn reachable_location(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        let Some(user) = &self.run_as else {
            return Ok(dir.to_path_buf());
        };
        if let Ok(target) = fs::read_link(dir) {
            return Ok(target);
        }
        let parent = dir.parent().unwrap_or(Path::new("/"));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        if can_enter(user, parent) {
            return Ok(dir.to_path_buf());
        }
        let digest = Sha256::digest(dir.as_os_str().as_encoded_bytes());
        let target = PathBuf::from("/var/lib/rookery")
            .join(format!("postgres-{}", &hex::encode(digest)[..16]));
        tracing::info!(
            cluster = %target.display(),
            link = %dir.display(),
            "the postgres user cannot reach the data folder; keeping the cluster in /var/lib/rookery"
        );
        fs::create_dir_all(target.parent().unwrap_or(Path::new("/var/lib")))?;
        self.create_private_dir(&target)?;
        std::os::unix::fs::symlink(&target, dir)
            .with_context(|| format!("cannot link {} to {}", dir.display(), target.display()))?;
        Ok(target)
    }
}

fn can_enter(user: &User, dir: &Path) -> bool {
    Command::new("/bin/sh")
        .arg("-c")
        .arg("cd \"$1\"")
        .arg("sh")
        .arg(dir)
        .uid(user.uid.as_raw())
        .gid(user.gid.as_raw())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn absolute(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.is_absolute() {
        Ok(dir.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(dir))
    }
}

/// The folder holding `initdb` and `postgres`: from `PATH`, `pg_config --bindir`, or the
/// versioned folders distributions use. With an existing cluster, binaries of its major
/// version are preferred (a cluster cannot be opened by another major version).
fn find_binaries(cluster_dir: &Path) -> anyhow::Result<PathBuf> {
    let wanted = fs::read_to_string(cluster_dir.join("PG_VERSION"))
        .ok()
        .map(|v| v.trim().to_string());
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        if out.status.success() {
            candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
        }
    }
    let mut versioned: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .map(|rd| rd.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versioned.sort_by_key(|p| {
        std::cmp::Reverse(
            p.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0),
        )
    });
    candidates.extend(versioned);
    candidates.push(PathBuf::from("/usr/local/pgsql/bin"));

    let usable: Vec<PathBuf> = candidates
        .into_iter()
        .filter(|d| d.join("initdb").is_file() && d.join("postgres").is_file())
        .collect();
    if let Some(version) = &wanted {
        if let Some(dir) = usable
            .iter()
            .find(|d| major_version(d).as_deref() == Some(version.as_str()))
        {
            return Ok(dir.clone());
        }
        if let Some(first) = usable.first() {
            bail!(
                "the database in {} was made by PostgreSQL {version}, but only PostgreSQL {} \
                 binaries were found ({}); install PostgreSQL {version} or upgrade the cluster",
                cluster_dir.display(),
                major_version(first).unwrap_or_else(|| "?".into()),
                first.display()
            );
        }
    }
    usable.into_iter().next().ok_or_else(|| {
        anyhow!(
            "PostgreSQL's server programs (initdb, postgres) were not found on PATH, through \
             pg_config, or under /usr/lib/postgresql: install PostgreSQL (e.g. `apt-get install \
             postgresql`) or set ROOKERY_DATABASE__URL to an existing database"
        )
    })
}

fn major_version(bin: &Path) -> Option<String> {
    let out = Command::new(bin.join("postgres"))
        .arg("--version")
        .output()
        .ok()?;
    // "postgres (PostgreSQL) 15.18 (Debian …)"
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().nth(2)?;
    Some(version.split('.').next()?.to_string())
}

fn initdb(bin: &Path, dir: &Path, owner: &ClusterOwner, lifetime: Lifetime) -> anyhow::Result<()> {
    owner.create_private_dir(dir)?;
    let mut cmd = owner.command(&bin.join("initdb"));
    cmd.arg("-D")
        .arg(dir)
        .args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ])
        .current_dir(dir)
        .stdin(Stdio::null());
    if lifetime == Lifetime::TiedToProcess {
        cmd.arg("--no-sync");
    }
    tracing::info!(dir = %dir.display(), "creating the private PostgreSQL cluster");
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", bin.join("initdb").display()))?;
    if !out.status.success() {
        bail!(
            "initdb failed for {}: {}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim(),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
    Ok(())
}

fn socket_dir_for(dir: &Path) -> PathBuf {
    let inside = dir.to_path_buf();
    let socket_file = inside.join(format!(".s.PGSQL.{PORT}"));
    if socket_file.as_os_str().len() <= MAX_SOCKET_PATH {
        return inside;
    }
    // Too long for a socket path: a short, stable folder in /tmp named after the cluster.
    let digest = Sha256::digest(dir.as_os_str().as_encoded_bytes());
    std::env::temp_dir().join(format!("rookery-pg-{}", &hex::encode(digest)[..16]))
}

fn start(
    bin: &Path,
    dir: &Path,
    owner: &ClusterOwner,
    lifetime: Lifetime,
    sizing: Option<Sizing>,
) -> anyhow::Result<Cluster> {
    let socket_dir = socket_dir_for(dir);
    if socket_dir != dir {
        owner.create_private_dir(&socket_dir)?;
    }
    // A postmaster.pid naming a live process that is not PostgreSQL (the pid was reused after
    // a reboot or a kill -9) would stop PostgreSQL from starting: it is stale.
    // The same holds for the socket's lock file, which PostgreSQL checks by "is that pid
    // alive" and so trips over a zombie left where nothing reaps orphans (containers).
    if let Some(info) = PidFile::read(dir) {
        if !process_is_postgres(info.pid) {
            let _ = fs::remove_file(dir.join("postmaster.pid"));
        }
    }
    let socket_lock = socket_dir.join(format!(".s.PGSQL.{PORT}.lock"));
    if let Some(pid) = fs::read_to_string(&socket_lock)
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<i32>().ok()))
    {
        if !process_is_postgres(pid) {
            let _ = fs::remove_file(&socket_lock);
        }
    }
    let log_path = dir.join("postgres.log");
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let _ = fs::set_permissions(&log_path, fs::Permissions::from_mode(0o600));
    let log_err = log.try_clone()?;

    let mut cmd = owner.command(&bin.join("postgres"));
    cmd.arg("-D")
        .arg(dir)
        .arg("-k")
        .arg(&socket_dir)
        .arg("-p")
        .arg(PORT.to_string())
        .args([
            "-c",
            "listen_addresses=",
            "-c",
            "unix_socket_permissions=0700",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        // Its own process group: Ctrl-C in a terminal reaches Rookery, which shuts down in
        // order, and not PostgreSQL under its feet.
        .process_group(0);
    if let Some(sizing) = sizing {
        cmd.args(sizing.args());
    }
    if lifetime == Lifetime::TiedToProcess {
        cmd.args([
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=300",
        ]);
        // SAFETY: prctl is async-signal-safe and touches nothing of the parent's state.
        unsafe {
            cmd.pre_exec(|| {
                // Fast shutdown of the throwaway cluster when the thread that started it (a
                // thread that lives as long as the process) goes away.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }

    // The child is spawned and reaped by a thread of its own, which lives as long as the
    // postmaster does: the parent-death signal follows that thread, not the process.
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("rookery-postgres".into())
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(child.id()));
                let status = child.wait();
                let _ = tx.send(Err(format!("{status:?}")));
            }
            Err(e) => {
                let _ = tx.send(Err(e.to_string()));
            }
        })?;
    let pid = match rx.recv() {
        Ok(Ok(pid)) => pid as i32,
        Ok(Err(e)) => bail!("cannot start {}: {e}", bin.join("postgres").display()),
        Err(_) => bail!("cannot start {}", bin.join("postgres").display()),
    };

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Err(status)) = rx.try_recv() {
            bail!(
                "PostgreSQL exited during start-up ({status}); its log {} ends with:\n{}",
                log_path.display(),
                tail(&log_path, 15)
            );
        }
        if let Some(info) = PidFile::read(dir) {
            if info.pid == pid && info.ready {
                return Ok(Cluster {
                    dir: dir.to_path_buf(),
                    socket_dir: info.socket_dir,
                    port: info.port,
                    pid,
                    started_here: true,
                });
            }
        }
        if Instant::now() > deadline {
            bail!(
                "PostgreSQL did not become ready within 60 s; see {}",
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn wait_until_ready(dir: &Path, pid: i32, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        match PidFile::read(dir) {
            Some(info) if info.pid == pid && info.ready => return Ok(()),
            Some(info) if info.pid == pid => {}
            _ => bail!("PostgreSQL (pid {pid}) went away while starting"),
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    bail!("PostgreSQL (pid {pid}) did not become ready in time")
}

fn tail(path: &Path, lines: usize) -> String {
    let mut text = String::new();
    if let Ok(mut f) = fs::File::open(path) {
        let _ = f.read_to_string(&mut text);
    }
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A live process whose name says it is PostgreSQL.
fn process_is_postgres(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // "<pid> (<comm>) <state> …": a zombie has exited already.
        Ok(stat) => {
            let comm = stat
                .split_once('(')
                .and_then(|(_, rest)| rest.rsplit_once(')'));
            match comm {
                Some((name, rest)) => {
                    name == "postgres"
                        && !matches!(rest.trim_start().chars().next(), Some('Z' | 'X'))
                }
                None => false,
            }
        }
        // No /proc: fall back to "is it alive".
        Err(_) => kill(Pid::from_raw(pid), None).is_ok(),
    }
}

/// What PostgreSQL writes in `postmaster.pid`: pid, data folder, start time, port, socket
/// folder, listen address, shared memory key, status.
struct PidFile {
    pid: i32,
    port: u16,
    socket_dir: PathBuf,
    ready: bool,
}

impl PidFile {
    fn read(dir: &Path) -> Option<PidFile> {
        let text = fs::read_to_string(dir.join("postmaster.pid")).ok()?;
        let lines: Vec<&str> = text.lines().collect();
        let pid = lines.first()?.trim().parse().ok()?;
        let port = lines
            .get(3)
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(PORT);
        let socket_dir = lines
            .get(4)
            .map(|l| PathBuf::from(l.trim()))
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| dir.to_path_buf());
        let ready = lines.get(7).map(|l| l.trim() == "ready").unwrap_or(false);
        Some(PidFile {
            pid,
            port,
            socket_dir,
            ready,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Sizing;

    #[test]
    fn sizing_becomes_postgres_settings() {
        let args = Sizing {
            shared_buffers_mib: 16,
            max_connections: 30,
            work_mem_kib: 4096,
            maintenance_work_mem_mib: 32,
            autovacuum_workers: 1,
        }
        .args();
        let settings: Vec<&str> = args.iter().skip(1).step_by(2).map(String::as_str).collect();
        assert!(args.iter().step_by(2).all(|a| a == "-c"), "{args:?}");
        for wanted in [
            "shared_buffers=16MB",
            "max_connections=30",
            "work_mem=4096kB",
            "maintenance_work_mem=32MB",
            "autovacuum_max_workers=1",
            "max_logical_replication_workers=0",
        ] {
            assert!(
                settings.contains(&wanted),
                "{wanted} missing from {settings:?}"
            );
        }
    }
}
