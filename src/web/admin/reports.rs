//! `/admin/reports` (the queue, unresolved first; `?resolved=1` for the others), a report
//! with its posts, the reporter's comment, where it was forwarded from and the target's
//! history, and the steps on it (assign, unassign, resolve, reopen).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{account_lines, chrome, done, id, page, show, when, AccountLine, Chrome, Page, Staff};
use super::{NoFields, SessionForm};
use crate::app::AppState;
use crate::error::Error;
use crate::model::moderation::ReportQuery;
use crate::model::Page as Window;
use crate::service::moderation::reports::{self, ReportStep};
use crate::service::{moderation, views};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/reports", get(index))
        .route("/admin/reports/{id}", get(detail))
        .route("/admin/reports/{id}/{step}", post(step))
}

/// Reports on one page of the queue.
const PER_PAGE: i64 = 40;

struct ReportRow {
    id: i64,
    target: String,
    reporter: String,
    category: &'static str,
    statuses: usize,
    created_at: String,
}

#[derive(Template)]
#[template(path = "admin/reports.html", config = "src/web/askama.toml")]
struct ReportsPage {
    chrome: Chrome,
    resolved: bool,
    reports: Vec<ReportRow>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct IndexQuery {
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default)]
    max_id: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Query(q): Query<IndexQuery>,
) -> Page {
    let resolved = q
        .resolved
        .as_deref()
        .is_some_and(|r| r == "1" || r == "true");
    let window = Window {
        max_id: q.max_id.as_deref().and_then(crate::id::parse),
        limit: PER_PAGE,
        since_id: None,
        min_id: None,
    };
    let query = ReportQuery {
        resolved,
        account_id: None,
        target_account_id: None,
    };
    let list = reports::reports(&state, &query, &window).await?;
    let mut ids: Vec<i64> = list
        .iter()
        .flat_map(|r| [r.account_id, r.target_account_id])
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let lines = account_lines(&state, &ids).await?;
    let acct = |id: i64| {
        lines
            .get(&id)
            .map(|l| l.acct.clone())
            .unwrap_or_else(|| AccountLine::gone(id).acct)
    };
    let next = (list.len() as i64 == PER_PAGE)
        .then(|| list.last())
        .flatten()
        .map(|last| {
            format!(
                "/admin/reports?max_id={}{}",
                last.id,
                if resolved { "&resolved=1" } else { "" }
            )
        });
    let reports = list
        .iter()
        .map(|r| ReportRow {
            id: r.id,
            target: acct(r.target_account_id),
            reporter: acct(r.account_id),
            category: r.category.as_str(),
            statuses: r.status_ids.len(),
            created_at: when(r.created_at),
        })
        .collect();
    page(&state, &staff, "reports", |chrome| ReportsPage {
        chrome,
        resolved,
        reports,
        next,
    })
    .await
}

struct StatusItem {
    content: String,
    spoiler_text: String,
    media: Vec<String>,
    url: String,
    created_at: String,
    visibility: &'static str,
}

struct EarlierReport {
    id: i64,
    reporter: String,
    created_at: String,
    state: &'static str,
}

struct ActionItem {
    created_at: String,
    action: String,
    by: String,
    text: String,
}

#[derive(Template)]
#[template(path = "admin/report.html", config = "src/web/askama.toml")]
struct ReportPage {
    chrome: Chrome,
    id: i64,
    target: AccountLine,
    reporter: AccountLine,
    /// The server a remote reporter's report came from.
    forwarded_from: Option<String>,
    /// Whether this (local) report was forwarded to the target's server.
    forwarded: bool,
    category: &'static str,
    comment: String,
    rules: Vec<String>,
    created_at: String,
    assigned: Option<String>,
    assigned_to_me: bool,
    resolved: Option<String>,
    statuses: Vec<StatusItem>,
    earlier: Vec<EarlierReport>,
    actions: Vec<ActionItem>,
}

pub async fn detail(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(raw): Path<String>,
) -> Page {
    let report = reports::report(&state, id(&raw)?).await?;
    let history = reports::history(&state, &report).await?;
    let mut ids: Vec<i64> = vec![report.account_id, report.target_account_id];
    ids.extend(report.assigned_account_id);
    ids.extend(report.action_taken_by_account_id);
    ids.extend(history.reports.iter().map(|r| r.account_id));
    ids.extend(history.actions.iter().filter_map(|a| a.account_id));
    ids.sort_unstable();
    ids.dedup();
    let mut lines = account_lines(&state, &ids).await?;
    let acct = |lines: &std::collections::HashMap<i64, AccountLine>, id: i64| {
        lines
            .get(&id)
            .map(|l| l.acct.clone())
            .unwrap_or_else(|| AccountLine::gone(id).acct)
    };
    let reporter_account = crate::service::accounts::by_ids(&state, &[report.account_id])
        .await?
        .pop();
    let forwarded_from = reporter_account.and_then(|a| a.domain.clone());
    let rules = moderation::rules::all(&state).await?;
    let views = views::hydrate(&state, Some(&staff.account), &report.status_ids).await?;
    let statuses = views
        .iter()
        .map(|v| StatusItem {
            content: v.status.content.clone(),
            spoiler_text: v.status.spoiler_text.clone(),
            media: v.media.iter().map(|m| m.description.clone()).collect(),
            url: v.status.url.clone().unwrap_or_else(|| v.status.uri.clone()),
            created_at: when(v.status.created_at),
            visibility: v.status.visibility.as_str(),
        })
        .collect();
    let earlier = history
        .reports
        .iter()
        .map(|r| EarlierReport {
            id: r.id,
            reporter: acct(&lines, r.account_id),
            created_at: when(r.created_at),
            state: if r.action_taken_at.is_some() {
                "resolved"
            } else {
                "unresolved"
            },
        })
        .collect();
    let actions = history
        .actions
        .iter()
        .map(|a| ActionItem {
            created_at: when(a.created_at),
            action: a.action.clone(),
            by: a
                .account_id
                .map(|id| acct(&lines, id))
                .unwrap_or_else(|| "the command line".into()),
            text: a.text.clone(),
        })
        .collect();
    let resolved = report.action_taken_at.map(|t| {
        let by = report
            .action_taken_by_account_id
            .map(|id| acct(&lines, id))
            .unwrap_or_else(|| "the command line".into());
        format!("resolved {} by {by}", when(t))
    });
    let assigned = report.assigned_account_id.map(|id| acct(&lines, id));
    let page = ReportPage {
        chrome: chrome(&state, &staff, "reports").await?,
        id: report.id,
        target: lines
            .remove(&report.target_account_id)
            .unwrap_or_else(|| AccountLine::gone(report.target_account_id)),
        reporter: lines
            .remove(&report.account_id)
            .unwrap_or_else(|| AccountLine::gone(report.account_id)),
        forwarded_from,
        forwarded: report.forwarded,
        category: report.category.as_str(),
        comment: report.comment.clone(),
        rules: rules
            .iter()
            .filter(|r| report.rule_ids.contains(&r.id))
            .map(|r| r.text.clone())
            .collect(),
        created_at: when(report.created_at),
        assigned,
        assigned_to_me: report.assigned_account_id == Some(staff.account.id),
        resolved,
        statuses,
        earlier,
        actions,
    };
    show(&page)
}

pub async fn step(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path((raw, what)): Path<(String, String)>,
    _form: SessionForm<NoFields>,
) -> Page {
    let id = id(&raw)?;
    let what = match what.as_str() {
        "assign_to_self" => ReportStep::AssignToSelf,
        "unassign" => ReportStep::Unassign,
        "resolve" => ReportStep::Resolve,
        "reopen" => ReportStep::Reopen,
        _ => return Err(Error::NotFound.into()),
    };
    reports::step(&state, &staff.account, id, what).await?;
    done(&format!("/admin/reports/{id}"))
}
