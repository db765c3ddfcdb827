//! `/admin/audit` (the audit log, newest first, paged) and `/admin/queue` (the job queue's
//! depth by kind and state, how far behind the workers are, and the hosts deliveries fail
//! to: in backoff or marked unavailable), what `rookery admin queue` prints.

use askama::Template;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{account_lines, page, when, AccountLine, Chrome, Page, Staff};
use crate::app::AppState;
use crate::model::Page as Window;
use crate::service::{delivery, moderation, queue};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(audit))
        .route("/admin/queue", get(jobs))
}

const PER_PAGE: i64 = 50;

struct Entry {
    created_at: String,
    by: String,
    action: String,
    target: String,
    /// Where the target is shown, for accounts and reports.
    link: Option<String>,
    text: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html", config = "src/web/askama.toml")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<Entry>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    max_id: Option<String>,
}

pub async fn audit(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Query(q): Query<AuditQuery>,
) -> Page {
    let window = Window {
        max_id: q.max_id.as_deref().and_then(crate::id::parse),
        since_id: None,
        min_id: None,
        limit: PER_PAGE,
    };
    let list = moderation::audit_log(&state, &window).await?;
    let mut ids: Vec<i64> = list.iter().filter_map(|e| e.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let lines = account_lines(&state, &ids).await?;
    let next = (list.len() as i64 == PER_PAGE)
        .then(|| list.last())
        .flatten()
        .map(|last| format!("/admin/audit?max_id={}", last.id));
    let entries = list
        .iter()
        .map(|e| Entry {
            created_at: when(e.created_at),
            by: match e.account_id {
                Some(id) => lines
                    .get(&id)
                    .map(|l| l.acct.clone())
                    .unwrap_or_else(|| AccountLine::gone(id).acct),
                None => "the command line".into(),
            },
            action: e.action.clone(),
            target: format!("{} {}", e.target_type, e.human_identifier),
            link: match (e.target_type.as_str(), e.target_id) {
                ("Account", Some(id)) => Some(format!("/admin/accounts/{id}")),
                ("Report", Some(id)) => Some(format!("/admin/reports/{id}")),
                _ => None,
            },
            text: e.text.clone(),
        })
        .collect();
    page(&state, &staff, "audit", |chrome| AuditPage {
        chrome,
        entries,
        next,
    })
    .await
}

struct DepthRow {
    kind: String,
    state: String,
    count: i64,
    oldest: String,
}

struct HostRow {
    host: String,
    unavailable_since: Option<String>,
    failing_since: String,
    failures: i64,
    last_error: String,
}

#[derive(Template)]
#[template(path = "admin/queue.html", config = "src/web/askama.toml")]
struct QueuePage {
    chrome: Chrome,
    depth: Vec<DepthRow>,
    oldest_due: Option<String>,
    failing: Vec<HostRow>,
    unavailable: Vec<HostRow>,
}

fn ago(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    let human = |s: i64| match s {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    };
    if secs >= 0 {
        format!("{} ago", human(secs))
    } else {
        format!("in {}", human(-secs))
    }
}

pub async fn jobs(State(state): State<AppState>, Staff(staff): Staff) -> Page {
    let now = Utc::now();
    let depth = queue::depth(&state.db)
        .await?
        .into_iter()
        .map(|d| DepthRow {
            kind: d.kind,
            state: d.state,
            count: d.count,
            oldest: d.oldest.map(|t| ago(now, t)).unwrap_or_default(),
        })
        .collect();
    let oldest_due = queue::oldest_due(&state.db).await?.map(|t| ago(now, t));
    let (unavailable, failing): (Vec<HostRow>, Vec<HostRow>) = delivery::failing_hosts(&state.db)
        .await?
        .into_iter()
        .map(|h| HostRow {
            host: h.host,
            unavailable_since: h.unavailable_since.map(when),
            failing_since: ago(now, h.failing_since),
            failures: h.failures,
            last_error: h.last_error,
        })
        .partition(|h| h.unavailable_since.is_some());
    page(&state, &staff, "queue", |chrome| QueuePage {
        chrome,
        depth,
        oldest_due,
        failing,
        unavailable,
    })
    .await
}
