//! Reports: filed by local users (and forwarded as a `Flag` from the instance actor when the
//! reported account is remote), received as `Flag`s from other servers, and handled by
//! moderators (assign, resolve, reopen), every step in the audit log. Every new report is
//! an `admin.report` notification for the moderators and admins.

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::federation::moderation::{self as activities, InboundFlag};
use crate::federation::outbox;
use crate::model::moderation::{Report, ReportCategory};
use crate::model::{Account, NotificationType, Page, Status};
use crate::service::{delivery, instance_actor, notifications, visibility};
use crate::{id, store};

/// Longest comment accepted, as on Mastodon.
pub const MAX_COMMENT: usize = 1000;

/// What a user reports.
#[derive(Debug, Default)]
pub struct NewReport {
    pub account_id: i64,
    pub status_ids: Vec<i64>,
    pub comment: String,
    pub category: Option<String>,
    pub rule_ids: Vec<i64>,
    pub forward: bool,
}

/// The statuses of `target` with these ids that `reporter` may attach to a report: those the
/// reporter may see (as on Mastodon), so that one hidden from them answers exactly as a
/// missing one and a report cannot probe for a direct or followers-only status. The
/// reporter's own block of the target does not hide them: people block, then report.
async fn reportable(
    state: &AppState,
    reporter: &Account,
    target: &Account,
    ids: &[i64],
) -> Result<Vec<Status>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let statuses = store::statuses::by_ids(&state.db, ids).await?;
    let viewer = visibility::Viewer {
        account_id: Some(reporter.id),
        follows: store::relationships::followed_among(&state.db, reporter.id, &[target.id])
            .await?
            .into_iter()
            .collect(),
        blocked: store::relationships::is_blocking(&state.db, target.id, reporter.id)
            .await?
            .then_some(target.id)
            .into_iter()
            .collect(),
        mentioned_in: store::statuses::mentions_of(&state.db, ids)
            .await?
            .into_iter()
            .filter(|(_, account)| *account == reporter.id)
            .map(|(status, _)| status)
            .collect(),
        suspended: Default::default(),
        silenced: target
            .silenced_at
            .is_some()
            .then_some(target.id)
            .into_iter()
            .collect(),
    };
    Ok(statuses
        .into_iter()
        .filter(|s| s.account_id == target.id && visibility::may_see(&viewer, s))
        .collect())
}

/// Files a report by `reporter`. Statuses must be the reported account's and visible to the
/// reporter (else 404, as for an unknown id); rules must exist and go with the `violation`
/// category (which they imply when no category is given).
#[tracing::instrument(skip_all, fields(account.id = reporter.id, target.id = input.account_id))]
pub async fn file(state: &AppState, reporter: &Account, input: NewReport) -> Result<Report> {
    let target = store::accounts::by_id(&state.db, input.account_id)
        .await?
        .filter(|a| !a.is_suspended())
        .ok_or(Error::NotFound)?;
    if target.id == reporter.id {
        return Err(Error::unprocessable("You cannot report yourself"));
    }
    let mut v = Validation::default();
    if input.comment.chars().count() > MAX_COMMENT {
        v.add(
            "comment",
            "ERR_TOO_LONG",
            "is too long (maximum is 1000 characters)",
        );
    }
    let category = match input.category.as_deref().filter(|c| !c.is_empty()) {
        Some(raw) => ReportCategory::parse(raw),
        None if !input.rule_ids.is_empty() => Some(ReportCategory::Violation),
        None => Some(ReportCategory::Other),
    };
    match category {
        None => v.add("category", "ERR_INCLUSION", "is not included in the list"),
        Some(c) if c != ReportCategory::Violation && !input.rule_ids.is_empty() => v.add(
            "rule_ids",
            "ERR_INVALID",
            "can only be given with the violation category",
        ),
        _ => {}
    }
    if !input.rule_ids.is_empty() {
        let known = store::rules::existing(&state.db, &input.rule_ids).await?;
        if input.rule_ids.iter().any(|r| !known.contains(r)) {
            v.add("rule_ids", "ERR_INVALID", "contains an unknown rule");
        }
    }
    v.finish()?;
    let category = category.unwrap_or(ReportCategory::Other);
    let mut status_ids = input.status_ids.clone();
    status_ids.sort_unstable();
    status_ids.dedup();
    let statuses = reportable(state, reporter, &target, &status_ids).await?;
    if statuses.len() != status_ids.len() || statuses.iter().any(|s| s.account_id != target.id) {
        // Mastodon answers 404 for a status that is not the reported account's.
        return Err(Error::NotFound);
    }
    let forward = input.forward && !target.is_local();
    let mut tx = state.db.begin().await?;
    let report_id = id::next();
    let actor = if forward {
        Some(instance_actor::get(state).await?)
    } else {
        None
    };
    let uri = actor
        .as_ref()
        .map(|a| format!("{}#flags/{report_id}", a.uri));
    let report = store::moderation::insert_report(
        &mut *tx,
        &store::moderation::NewReport {
            id: report_id,
            account_id: reporter.id,
            target_account_id: target.id,
            status_ids: &status_ids,
            rule_ids: &input.rule_ids,
            comment: &input.comment,
            category: category.as_str(),
            forwarded: forward,
            uri: uri.as_deref(),
        },
    )
    .await?;
    if let Some(actor) = actor {
        let uris: Vec<String> = statuses.iter().map(|s| s.uri.clone()).collect();
        let flag = outbox::with_context(activities::flag(
            &actor,
            report.id,
            &target,
            &uris,
            &input.comment,
        ))?;
        delivery::deliver(&mut tx, &actor, &flag, &[delivery::inbox_of(&target)]).await?;
    }
    notifications::notify_staff(
        &mut *tx,
        reporter.id,
        NotificationType::AdminReport,
        Some(report.id),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// A `Flag` from a remote server: the first local account among its objects is the one
/// reported, local statuses of that account among them are attached. Reports from domains
/// whose reports are rejected are dropped, and each Flag id is taken once.
#[tracing::instrument(skip_all, fields(signer = %signer.uri))]
pub async fn receive_flag(state: &AppState, signer: &Account, flag: &InboundFlag) -> Result<()> {
    if let Some(domain) = &signer.domain {
        if super::domains::rejects_reports(state, domain).await? {
            tracing::info!("dropping a report from a domain whose reports are rejected");
            return Ok(());
        }
    }
    if let Some(uri) = &flag.id {
        if store::moderation::report_uri_exists(&state.db, uri).await? {
            return Ok(());
        }
    }
    let mut target: Option<Account> = None;
    let mut status_ids = Vec::new();
    for object in &flag.objects {
        if let Some(a) = store::accounts::by_uri(&state.db, object).await? {
            if a.is_local() && target.is_none() {
                target = Some(a);
            }
            continue;
        }
        if let Some(id) = store::statuses::id_by_uri(&state.db, object).await? {
            status_ids.push(id);
        }
    }
    let target = target.ok_or(Error::NotFound)?;
    let statuses = store::statuses::by_ids(&state.db, &status_ids).await?;
    let status_ids: Vec<i64> = statuses
        .iter()
        .filter(|s| s.account_id == target.id && s.local)
        .map(|s| s.id)
        .collect();
    let mut tx = state.db.begin().await?;
    let report = store::moderation::insert_report(
        &mut *tx,
        &store::moderation::NewReport {
            id: id::next(),
            account_id: signer.id,
            target_account_id: target.id,
            status_ids: &status_ids,
            rule_ids: &[],
            comment: &flag.comment,
            category: ReportCategory::Other.as_str(),
            forwarded: false,
            uri: flag.id.as_deref(),
        },
    )
    .await?;
    notifications::notify_staff(
        &mut *tx,
        signer.id,
        NotificationType::AdminReport,
        Some(report.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn report(state: &AppState, id: i64) -> Result<Report> {
    store::moderation::report(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn reports(
    state: &AppState,
    query: &crate::model::moderation::ReportQuery,
    page: &Page,
) -> Result<Vec<Report>> {
    Ok(store::moderation::reports_page(&state.db, query, page).await?)
}

/// What a moderator does with a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportStep {
    AssignToSelf,
    Unassign,
    Resolve,
    Reopen,
}

impl ReportStep {
    fn audit_name(self) -> &'static str {
        match self {
            ReportStep::AssignToSelf => "assigned_to_self_report",
            ReportStep::Unassign => "unassigned_report",
            ReportStep::Resolve => "resolve_report",
            ReportStep::Reopen => "reopen_report",
        }
    }
}

pub async fn step(
    state: &AppState,
    moderator: &Account,
    id: i64,
    step: ReportStep,
) -> Result<Report> {
    let mut tx = state.db.begin().await?;
    let updated = match step {
        ReportStep::AssignToSelf => {
            store::moderation::set_report_assignee(&mut *tx, id, Some(moderator.id)).await?
        }
        ReportStep::Unassign => store::moderation::set_report_assignee(&mut *tx, id, None).await?,
        ReportStep::Resolve => {
            store::moderation::set_report_resolved(&mut *tx, id, Some(moderator.id)).await?
        }
        ReportStep::Reopen => store::moderation::set_report_resolved(&mut *tx, id, None).await?,
    }
    .ok_or(Error::NotFound)?;
    super::audit(
        &mut *tx,
        Some(moderator),
        step.audit_name(),
        "Report",
        Some(id),
        &id.to_string(),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// What moderators know of a report's target beyond the report itself.
#[derive(Debug, Default)]
pub struct TargetHistory {
    /// The other reports against the same account, newest first.
    pub reports: Vec<Report>,
    /// What moderators did to the account, newest first.
    pub actions: Vec<crate::model::AuditEntry>,
}

/// How much of a target's history a report page shows.
const HISTORY_LIMIT: i64 = 40;

/// The earlier (and later) reports against `report`'s target and the actions taken on it.
pub async fn history(state: &AppState, report: &Report) -> Result<TargetHistory> {
    Ok(TargetHistory {
        reports: store::moderation::reports_against(
            &state.db,
            report.target_account_id,
            report.id,
            HISTORY_LIMIT,
        )
        .await?,
        actions: store::moderation::audit_of(
            &state.db,
            "Account",
            report.target_account_id,
            HISTORY_LIMIT,
        )
        .await?,
    })
}
