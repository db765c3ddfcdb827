//! `rookery admin` moderation commands, for instances run without a moderation app: suspend,
//! silence, restore and delete accounts, manage domain blocks (with Mastodon's CSV), list reports,
//! and read the audit log. Actions are recorded in the audit log as done from the CLI.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::app::AppState;
use crate::error::Error;
use crate::model::moderation::ReportQuery;
use crate::model::Page;
use crate::service;
use crate::service::moderation::{self, domains, reports, AccountAction, Reversal};

#[derive(Subcommand, Debug)]
pub enum ModerationCommand {
    /// Suspend an account (`user` or `user@domain`): signed out, hidden, deleted remotely.
    Suspend {
        acct: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Lift a suspension.
    Unsuspend { acct: String },
    /// Delete an account (`user` or `user@domain`) for good, as `tootctl accounts delete`:
    /// suspended first if it is not yet, then its data removed as
    /// `DELETE /api/v1/admin/accounts/:id` removes it (no grace period, no undoing).
    Delete { acct: String },
    /// Silence (limit) an account: out of public timelines, seen by followers only.
    Silence {
        acct: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Lift a silence.
    Unsilence { acct: String },
    /// Manage domain blocks.
    #[command(subcommand)]
    DomainBlocks(DomainBlocksCommand),
    /// List reports (unresolved unless --resolved).
    Reports {
        #[arg(long)]
        resolved: bool,
        #[arg(long, default_value_t = 40)]
        limit: i64,
    },
    /// Print the audit log, newest first.
    Audit {
        #[arg(long, default_value_t = 40)]
        limit: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum DomainBlocksCommand {
    /// List domain blocks.
    List,
    /// Block a domain.
    Add(AddBlock),
    /// Lift the block of a domain.
    Remove { domain: String },
    /// Import a blocklist in Mastodon's CSV format (existing blocks are kept).
    Import { file: PathBuf },
    /// Export every block in Mastodon's CSV format (`-` for standard output).
    Export { file: PathBuf },
}

#[derive(Args, Debug)]
pub struct AddBlock {
    pub domain: String,
    /// silence, suspend or noop.
    #[arg(long, default_value = "suspend")]
    pub severity: String,
    #[arg(long)]
    pub reject_media: bool,
    #[arg(long)]
    pub reject_reports: bool,
    #[arg(long)]
    pub private_comment: Option<String>,
    #[arg(long)]
    pub public_comment: Option<String>,
    #[arg(long)]
    pub obfuscate: bool,
}

fn describe(e: Error) -> anyhow::Error {
    match e {
        Error::NotFound => anyhow::anyhow!("not found"),
        Error::Internal(cause) => cause,
        other => anyhow::anyhow!("{other}"),
    }
}

pub async fn run(state: &AppState, command: ModerationCommand) -> anyhow::Result<()> {
    let target = |acct: String| async move {
        moderation::account_by_acct(state, &acct)
            .await
            .map_err(|_| anyhow::anyhow!("no such account: {acct}"))
    };
    match command {
        ModerationCommand::Suspend { acct, reason } => {
            let a = target(acct).await?;
            moderation::act(state, None, a.id, AccountAction::Suspend, None, &reason)
                .await
                .map_err(describe)?;
            println!("suspended {}", a.acct());
        }
        ModerationCommand::Delete { acct } => {
            let a = target(acct).await?;
            if !a.is_suspended() {
                moderation::act(state, None, a.id, AccountAction::Suspend, None, "")
                    .await
                    .map_err(describe)?;
            }
            service::account_deletion::delete_by_moderator(state, None, a.id)
                .await
                .map_err(describe)?;
            println!(
                "deleted {} (its data is removed by the job queue)",
                a.acct()
            );
        }
        ModerationCommand::Silence { acct, reason } => {
            let a = target(acct).await?;
            moderation::act(state, None, a.id, AccountAction::Silence, None, &reason)
                .await
                .map_err(describe)?;
            println!("silenced {}", a.acct());
        }
        ModerationCommand::Unsuspend { acct } => {
            let a = target(acct).await?;
            moderation::reverse(state, None, a.id, Reversal::Unsuspend)
                .await
                .map_err(describe)?;
            println!("unsuspended {}", a.acct());
        }
        ModerationCommand::Unsilence { acct } => {
            let a = target(acct).await?;
            moderation::reverse(state, None, a.id, Reversal::Unsilence)
                .await
                .map_err(describe)?;
            println!("unsilenced {}", a.acct());
        }
        ModerationCommand::DomainBlocks(cmd) => domain_blocks(state, cmd).await?,
        ModerationCommand::Reports { resolved, limit } => {
            let query = ReportQuery {
                resolved,
                ..Default::default()
            };
            let list = reports::reports(state, &query, &Page::first(limit.clamp(1, 1000)))
                .await
                .map_err(describe)?;
            let mut ids: Vec<i64> = list
                .iter()
                .flat_map(|r| [r.account_id, r.target_account_id])
                .collect();
            ids.dedup();
            let accounts = service::accounts::by_ids(state, &ids)
                .await
                .map_err(describe)?;
            let name = |id: i64| {
                accounts
                    .iter()
                    .find(|a| a.id == id)
                    .map(|a| a.acct())
                    .unwrap_or_else(|| id.to_string())
            };
            for r in &list {
                println!(
                    "{}\t{}\t{} reported {}\t{}\t{}",
                    r.id,
                    r.created_at.format("%Y-%m-%d %H:%M"),
                    name(r.account_id),
                    name(r.target_account_id),
                    r.category.as_str(),
                    r.comment.replace('\n', " ")
                );
            }
            if list.is_empty() {
                println!("no reports");
            }
        }
        ModerationCommand::Audit { limit } => {
            let entries = moderation::audit_log(state, &Page::first(limit.clamp(1, 1000)))
                .await
                .map_err(describe)?;
            let ids: Vec<i64> = entries.iter().filter_map(|e| e.account_id).collect();
            let accounts = service::accounts::by_ids(state, &ids)
                .await
                .map_err(describe)?;
            for e in &entries {
                let who = e
                    .account_id
                    .and_then(|id| accounts.iter().find(|a| a.id == id))
                    .map(|a| a.acct())
                    .unwrap_or_else(|| "(cli)".into());
                println!(
                    "{}\t{}\t{}\t{} {}\t{}",
                    e.created_at.format("%Y-%m-%d %H:%M:%S"),
                    who,
                    e.action,
                    e.target_type,
                    e.human_identifier,
                    e.text.replace('\n', " ")
                );
            }
        }
    }
    Ok(())
}

async fn domain_blocks(state: &AppState, cmd: DomainBlocksCommand) -> anyhow::Result<()> {
    match cmd {
        DomainBlocksCommand::List => {
            for b in domains::blocks(state).await.map_err(describe)? {
                println!(
                    "{}\t{}\treject_media={}\treject_reports={}\t{}",
                    b.domain,
                    b.severity.as_str(),
                    b.reject_media,
                    b.reject_reports,
                    b.public_comment.unwrap_or_default()
                );
            }
        }
        DomainBlocksCommand::Add(add) => {
            let block = domains::create_block(
                state,
                None,
                &domains::BlockInput {
                    domain: add.domain,
                    severity: Some(add.severity),
                    reject_media: Some(add.reject_media),
                    reject_reports: Some(add.reject_reports),
                    private_comment: add.private_comment,
                    public_comment: add.public_comment,
                    obfuscate: Some(add.obfuscate),
                },
            )
            .await
            .map_err(describe)?;
            println!("blocked {} ({})", block.domain, block.severity.as_str());
        }
        DomainBlocksCommand::Remove { domain } => {
            let normal = domains::normalize_domain(&domain)
                .ok_or_else(|| anyhow::anyhow!("{domain:?} is not a valid domain"))?;
            let block = domains::block_by_domain(state, &normal)
                .await
                .map_err(describe)?
                .ok_or_else(|| anyhow::anyhow!("{normal} is not blocked"))?;
            domains::delete_block(state, None, block.id)
                .await
                .map_err(describe)?;
            println!("unblocked {normal}");
        }
        DomainBlocksCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let report = domains::import_csv(state, None, &text)
                .await
                .map_err(describe)?;
            println!(
                "imported {} blocks, {} already blocked, {} rows refused",
                report.created.len(),
                report.existing.len(),
                report.errors.len()
            );
            for (line, why) in &report.errors {
                eprintln!("line {line}: {why}");
            }
        }
        DomainBlocksCommand::Export { file } => {
            let csv = domains::export_csv(state).await.map_err(describe)?;
            if file.as_os_str() == "-" {
                print!("{csv}");
            } else {
                std::fs::write(&file, csv)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
                println!("exported to {}", file.display());
            }
        }
    }
    Ok(())
}
