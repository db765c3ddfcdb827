//! `rookery admin announcements`: list, create (now, as a draft, or scheduled), update and
//! delete announcements from the command line, through the same service functions as
//! `/api/v1/admin/announcements`; each action is recorded in the audit log as done from the
//! CLI.

use clap::{Args, Subcommand};

use crate::app::AppState;
use crate::error::Error;
use crate::service::announcements::{self, AnnouncementInput, AnnouncementView};

#[derive(Subcommand, Debug)]
pub enum AnnouncementsCommand {
    /// List every announcement, drafts and scheduled ones included.
    List,
    /// Create an announcement: published now unless --draft or --scheduled-at.
    Create(Fields),
    /// Change an announcement; what is not given stays.
    Update {
        id: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// Delete an announcement.
    Delete { id: String },
}

#[derive(Args, Debug)]
pub struct Fields {
    /// The text (mentions, hashtags, links and `:custom_emoji:` are recognised).
    #[arg(long)]
    pub text: Option<String>,
    /// When the event it announces starts (RFC 3339 or YYYY-MM-DD; empty clears it).
    #[arg(long)]
    pub starts_at: Option<String>,
    /// When the event ends (RFC 3339 or YYYY-MM-DD; empty clears it).
    #[arg(long)]
    pub ends_at: Option<String>,
    /// Whether the event lasts whole days.
    #[arg(long)]
    pub all_day: Option<bool>,
    /// Publish it at this time (RFC 3339) rather than now.
    #[arg(long)]
    pub scheduled_at: Option<String>,
    /// Keep it (or put it back) as a draft nobody sees.
    #[arg(long, conflicts_with_all = ["publish", "scheduled_at"])]
    pub draft: bool,
    /// Publish a draft now.
    #[arg(long)]
    pub publish: bool,
}

fn time(flag: &str, raw: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    announcements::parse_time(raw)
        .ok_or_else(|| anyhow::anyhow!("--{flag}: {raw:?} is not a time (RFC 3339 or YYYY-MM-DD)"))
}

fn optional_time(
    flag: &str,
    raw: Option<&str>,
) -> anyhow::Result<Option<Option<chrono::DateTime<chrono::Utc>>>> {
    match raw {
        None => Ok(None),
        Some(r) if r.trim().is_empty() => Ok(Some(None)),
        Some(r) => Ok(Some(Some(time(flag, r)?))),
    }
}

impl Fields {
    fn input(self) -> anyhow::Result<AnnouncementInput> {
        Ok(AnnouncementInput {
            text: self.text,
            starts_at: optional_time("starts-at", self.starts_at.as_deref())?,
            ends_at: optional_time("ends-at", self.ends_at.as_deref())?,
            all_day: self.all_day,
            published: if self.draft {
                Some(false)
            } else if self.publish || self.scheduled_at.is_some() {
                Some(true)
            } else {
                None
            },
            scheduled_at: self
                .scheduled_at
                .as_deref()
                .map(|r| time("scheduled-at", r))
                .transpose()?,
        })
    }
}

fn describe(e: Error) -> anyhow::Error {
    match e {
        Error::NotFound => anyhow::anyhow!("no such announcement"),
        Error::Internal(cause) => cause,
        other => anyhow::anyhow!("{other}"),
    }
}

fn parse_id(raw: &str) -> anyhow::Result<i64> {
    crate::id::parse(raw).ok_or_else(|| anyhow::anyhow!("{raw:?} is not an announcement id"))
}

/// One line: id, state, the event's time span, and the start of the text.
fn line(view: &AnnouncementView) -> String {
    let a = &view.announcement;
    let now = chrono::Utc::now();
    let state = match a.published_at {
        None => "draft".to_string(),
        Some(at) if at > now => format!("scheduled {}", at.to_rfc3339()),
        Some(at) => format!("published {}", at.to_rfc3339()),
    };
    let span = match (a.starts_at, a.ends_at) {
        (Some(s), Some(e)) => format!(" ({} to {})", s.to_rfc3339(), e.to_rfc3339()),
        _ => String::new(),
    };
    let text: String = a.text.chars().take(60).collect();
    format!("{}  {state}{span}  {text}", a.id)
}

pub async fn run(state: &AppState, command: AnnouncementsCommand) -> anyhow::Result<()> {
    match command {
        AnnouncementsCommand::List => {
            for view in announcements::all(state).await.map_err(describe)? {
                println!("{}", line(&view));
            }
        }
        AnnouncementsCommand::Create(fields) => {
            let input = fields.input()?;
            let view = announcements::create(state, None, &input)
                .await
                .map_err(describe)?;
            println!("created {}", line(&view));
        }
        AnnouncementsCommand::Update { id, fields } => {
            let id = parse_id(&id)?;
            let input = fields.input()?;
            let view = announcements::update(state, None, id, &input)
                .await
                .map_err(describe)?;
            println!("updated {}", line(&view));
        }
        AnnouncementsCommand::Delete { id } => {
            let id = parse_id(&id)?;
            announcements::delete(state, None, id)
                .await
                .map_err(describe)?;
            println!("deleted {id}");
        }
    }
    Ok(())
}
