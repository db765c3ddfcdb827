//! The command line: `serve` (the default), `migrate`, `config check`, and `admin` chores.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::app::{self, AppState};
use crate::config::Config;
use crate::model::Role;
use crate::{db, service};

#[derive(Parser, Debug)]
#[command(name = "rookery", version, about = "A federated microblogging server")]
pub struct Cli {
    /// A TOML file whose keys override the defaults (environment variables override both).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the instance (the default), with `jobs.workers` background workers.
    Serve,
    /// Run background workers only (as many as `jobs.workers`, at least one).
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Administer accounts and moderate.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the effective configuration (secrets redacted); fail on an invalid one.
    Check,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a local account, approved at once.
    CreateAccount(CreateAccount),
    /// Approve an account waiting for approval.
    Approve { username: String },
    /// Set a new random password (printed once) and sign the user out everywhere.
    ResetPassword { username: String },
    /// Give a user the role user, moderator or admin.
    SetRole { username: String, role: String },
    #[command(flatten)]
    Moderation(crate::moderation_cli::ModerationCommand),
    /// Show the job queue: depth by kind and state, the oldest due job, failing hosts.
    Queue,
    /// Manage custom emoji.
    #[command(subcommand)]
    Emoji(EmojiCommand),
    /// Manage announcements.
    #[command(subcommand)]
    Announcements(crate::announcements_cli::AnnouncementsCommand),
    /// Set the instance's texts (extended description, privacy policy, terms of service)
    /// from files, as the admin API's `PUT /api/v1/admin/instance` does; an empty file
    /// removes the description or the policy.
    InstanceTexts(InstanceTexts),
}

#[derive(Args, Debug)]
pub struct InstanceTexts {
    #[arg(long)]
    pub extended_description: Option<PathBuf>,
    #[arg(long)]
    pub privacy_policy: Option<PathBuf>,
    /// A new version of the terms of service.
    #[arg(long)]
    pub terms: Option<PathBuf>,
    /// The day the new terms take effect (YYYY-MM-DD; today by default).
    #[arg(long, requires = "terms")]
    pub terms_effective_date: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum EmojiCommand {
    /// Import custom emoji, as `tootctl emoji import`: one PNG, GIF or WebP image, or a
    /// .tar.gz/.tgz or .zip archive of images whose file names are their shortcodes.
    Import(EmojiImport),
}

#[derive(Args, Debug)]
pub struct EmojiImport {
    /// The image or archive.
    pub path: PathBuf,
    /// The shortcode of a single image (default: its file name without extension).
    #[arg(long)]
    pub shortcode: Option<String>,
    /// The category to put the emoji in.
    #[arg(long)]
    pub category: Option<String>,
    /// Replace the image of emoji that exist already (otherwise they are skipped).
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args, Debug)]
pub struct CreateAccount {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub email: String,
    /// user, moderator or admin.
    #[arg(long, default_value = "user")]
    pub role: String,
    /// Without it, a password is generated and printed once.
    #[arg(long)]
    pub password: Option<String>,
}

/// Runs the command line; the exit code is the process's.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rookery: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(Command::Config(ConfigCommand::Check)) = cli.command {
        print!("{}", config.redacted_toml());
        eprintln!("configuration is valid");
        return std::process::ExitCode::SUCCESS;
    }
    crate::init_tracing(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rookery: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rookery: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let database = db::open(&config).await?;
    let state = AppState::new(database.pool.clone(), config.clone())?;
    let kept = state.kept.clone();
    let outcome = match command {
        Command::Serve => serve(state, &config).await,
        Command::Worker => {
            let (tx, rx) = tokio::sync::watch::channel(false);
            let concurrency = crate::jobs::worker_concurrency(&config);
            log_capped(config.jobs.workers, concurrency);
            let workers = crate::jobs::spawn_workers(&state, concurrency, rx.clone());
            let metrics =
                tokio::spawn(crate::metrics::serve_separately(state.clone(), stopped(rx)));
            tracing::info!(concurrency, "Rookery worker is running");
            app::shutdown_signal().await;
            let _ = tx.send(true);
            report_metrics_server(metrics).await;
            for w in workers {
                let _ = w.await;
            }
            Ok(())
        }
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::Config(_) => Ok(()),
        Command::Admin(admin) => run_admin(&state, admin).await,
    };
    // Closing the pool waits for every connection taken from it.
    kept.release_all();
    db::release(database).await;
    outcome
}

async fn serve(state: AppState, config: &Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    // The Web Push key is made (once ever) or read now, so clients see it from the start.
    crate::service::push::vapid_key(&state)
        .await
        .map_err(|e| anyhow::anyhow!("the Web Push (VAPID) key: {e}"))?;
    tracing::info!(
        listen = %config.listen,
        url = %config.base_url(),
        "Rookery {} is serving",
        env!("CARGO_PKG_VERSION")
    );
    let (tx, rx) = tokio::sync::watch::channel(false);
    let concurrency = crate::jobs::fitting_the_pool(config.jobs.workers, config);
    log_capped(config.jobs.workers, concurrency);
    let workers = crate::jobs::spawn_workers(&state, concurrency, rx.clone());
    let metrics = tokio::spawn(crate::metrics::serve_separately(state.clone(), stopped(rx)));
    let served = app::serve(listener, state, app::shutdown_signal()).await;
    // Requests have finished; let workers finish their current job, then stop.
    let _ = tx.send(true);
    report_metrics_server(metrics).await;
    for w in workers {
        let _ = w.await;
    }
    served
}

/// Says so when the pool caps the jobs run at once below the `jobs.workers` asked for.
fn log_capped(workers: usize, concurrency: usize) {
    if concurrency < workers {
        tracing::info!(
            workers,
            concurrency,
            "jobs run at most half the pool's connections at once; raise \
             database.max_connections for more"
        );
    }
}

/// Resolves when `shutdown` turns true (or its sender is gone).
async fn stopped(mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

async fn report_metrics_server(handle: tokio::task::JoinHandle<anyhow::Result<()>>) {
    match handle.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "the metrics server failed"),
        Err(e) => tracing::error!(error = %e, "the metrics server panicked"),
    }
}

/// `rookery admin queue`: the queue and failing hosts, as a table for people.
async fn print_queue(state: &AppState) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let ago = |t: chrono::DateTime<chrono::Utc>| {
        let secs = (now - t).num_seconds();
        if secs >= 0 {
            format!("{} ago", human(secs))
        } else {
            format!("in {}", human(-secs))
        }
    };
    let depth = crate::service::queue::depth(&state.db).await?;
    println!("Jobs by kind and state:");
    if depth.is_empty() {
        println!("  (the queue is empty)");
    }
    println!(
        "  {:<16} {:<8} {:>9}  oldest run_at",
        "KIND", "STATE", "COUNT"
    );
    for row in &depth {
        println!(
            "  {:<16} {:<8} {:>9}  {}",
            row.kind,
            row.state,
            row.count,
            row.oldest.map(ago).unwrap_or_default()
        );
    }
    match crate::service::queue::oldest_due(&state.db).await? {
        Some(t) => println!("Oldest pending job due: {}", ago(t)),
        None => println!("Oldest pending job due: none"),
    }
    let hosts = crate::service::delivery::failing_hosts(&state.db).await?;
    println!("Hosts in backoff or unavailable: {}", hosts.len());
    for h in &hosts {
        let state = match h.unavailable_since {
            Some(t) => format!("unavailable since {}", ago(t)),
            None => "backoff".to_string(),
        };
        println!(
            "  {:<32} {:<28} failing since {}, {} failures, last: {}",
            h.host,
            state,
            ago(h.failing_since),
            h.failures,
            h.last_error
        );
    }
    Ok(())
}

fn human(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

async fn run_admin(state: &AppState, command: AdminCommand) -> anyhow::Result<()> {
    let parse_role = |raw: &str| {
        Role::parse(raw)
            .ok_or_else(|| anyhow::anyhow!("unknown role {raw:?}: use user, moderator or admin"))
    };
    match command {
        AdminCommand::CreateAccount(args) => {
            let role = parse_role(&args.role)?;
            let (account, generated) = service::accounts::create_by_admin(
                state,
                &args.username,
                &args.email,
                role,
                args.password,
            )
            .await
            .map_err(describe)?;
            println!(
                "created @{} ({}) with role {}",
                account.username,
                account.id,
                role.as_str()
            );
            if let Some(password) = generated {
                println!("password: {password}");
            }
        }
        AdminCommand::Approve { username } => {
            service::accounts::approve(state, &username)
                .await
                .map_err(describe)?;
            println!("approved @{username}");
        }
        AdminCommand::ResetPassword { username } => {
            let password = service::accounts::reset_password(state, &username)
                .await
                .map_err(describe)?;
            println!("new password for @{username}: {password}");
        }
        AdminCommand::SetRole { username, role } => {
            let role = parse_role(&role)?;
            service::accounts::set_role(state, &username, role)
                .await
                .map_err(describe)?;
            println!("@{username} is now {}", role.as_str());
        }
        AdminCommand::Moderation(command) => crate::moderation_cli::run(state, command).await?,
        AdminCommand::Queue => print_queue(state).await?,
        AdminCommand::Emoji(EmojiCommand::Import(args)) => import_emoji(state, args).await?,
        AdminCommand::Announcements(command) => {
            crate::announcements_cli::run(state, command).await?
        }
        AdminCommand::InstanceTexts(args) => instance_texts(state, args).await?,
    }
    Ok(())
}

/// `rookery admin emoji import`: one line per emoji imported, skipped or refused, then a
/// summary; fails when an archive cannot be read or a single image is refused.
async fn import_emoji(state: &AppState, args: EmojiImport) -> anyhow::Result<()> {
    use crate::service::emojis::import::{import, ImportOptions};
    let options = ImportOptions {
        shortcode: args.shortcode,
        category: args.category,
        overwrite: args.overwrite,
    };
    let report = import(state, &args.path, &options)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for code in &report.imported {
        println!("imported :{code}:");
    }
    for (name, why) in &report.skipped {
        println!("skipped {name}: {why}");
    }
    for (name, why) in &report.refused {
        println!("refused {name}: {why}");
    }
    println!(
        "imported {}, skipped {}, refused {}",
        report.imported.len(),
        report.skipped.len(),
        report.refused.len()
    );
    if report.imported.is_empty() && !report.refused.is_empty() && report.skipped.is_empty() {
        anyhow::bail!("nothing was imported");
    }
    Ok(())
}

/// `rookery admin instance-texts`: reads the files, then changes the texts in one go.
async fn instance_texts(state: &AppState, args: InstanceTexts) -> anyhow::Result<()> {
    use crate::service::instance_pages::{update_texts, TextsChange};
    let read = |path: Option<PathBuf>| -> anyhow::Result<Option<String>> {
        path.map(|p| {
            std::fs::read_to_string(&p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
        })
        .transpose()
    };
    let change = TextsChange {
        extended_description: read(args.extended_description)?,
        privacy_policy: read(args.privacy_policy)?,
        terms: read(args.terms)?,
        terms_effective_date: args
            .terms_effective_date
            .map(|d| {
                chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .map_err(|_| anyhow::anyhow!("--terms-effective-date: {d:?} is not YYYY-MM-DD"))
            })
            .transpose()?,
    };
    if change.extended_description.is_none()
        && change.privacy_policy.is_none()
        && change.terms.is_none()
    {
        anyhow::bail!(
            "nothing to change: give --extended-description, --privacy-policy or --terms"
        );
    }
    update_texts(state, None, &change)
        .await
        .map_err(|e| match e {
            crate::error::Error::Internal(cause) => cause,
            other => anyhow::anyhow!("{other}"),
        })?;
    println!("instance texts updated");
    Ok(())
}

/// A service error as one line for the terminal.
fn describe(e: crate::error::Error) -> anyhow::Error {
    match e {
        crate::error::Error::NotFound => anyhow::anyhow!("no such account"),
        crate::error::Error::Internal(cause) => cause,
        other => anyhow::anyhow!("{other}"),
    }
}
