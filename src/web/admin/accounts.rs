//! `/admin/accounts` (a search by username, domain or state), an account with its marks,
//! reports and audit history, and what moderators do to it: warn, mark sensitive, disable,
//! silence, suspend (each optionally resolving a report), the reverses, sign-up decisions,
//! and deleting a suspended account's data (admins).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{
    account_lines, done, id, page, when, AccountLine, Admin, Chrome, NoFields, Page, SessionForm,
    Staff,
};
use crate::app::AppState;
use crate::error::Error;
use crate::model::moderation::{AccountQuery, ReportQuery};
use crate::model::Page as Window;
use crate::service::moderation::{self, reports, AccountAction, Reversal};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(index))
        .route("/admin/accounts/{id}", get(detail))
        .route("/admin/accounts/{id}/action", post(action))
        .route("/admin/accounts/{id}/undo/{what}", post(undo))
        .route("/admin/accounts/{id}/delete", post(delete))
}

const PER_PAGE: i64 = 40;

#[derive(Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    domain: Option<String>,
    /// `local`, `remote`, `pending`, `silenced`, `suspended`, `disabled`, `staff`.
    #[serde(default)]
    show: Option<String>,
    #[serde(default)]
    max_id: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/accounts.html", config = "src/web/askama.toml")]
struct AccountsPage {
    chrome: Chrome,
    username: String,
    domain: String,
    shows: Vec<super::Choice>,
    accounts: Vec<AccountLine>,
    next: Option<String>,
}

fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub async fn index(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Query(q): Query<Search>,
) -> Page {
    let show_what = filled(&q.show).unwrap_or_default();
    let query = AccountQuery {
        local: show_what == "local",
        remote: show_what == "remote",
        by_domain: filled(&q.domain),
        active: false,
        pending: show_what == "pending",
        disabled: show_what == "disabled",
        silenced: show_what == "silenced",
        suspended: show_what == "suspended",
        staff: show_what == "staff",
        username: filled(&q.username),
        display_name: None,
        email: None,
    };
    let window = Window {
        max_id: q.max_id.as_deref().and_then(crate::id::parse),
        since_id: None,
        min_id: None,
        limit: PER_PAGE,
    };
    let list = moderation::accounts(&state, &query, &window).await?;
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let mut lines = account_lines(&state, &ids).await?;
    let next = (list.len() as i64 == PER_PAGE)
        .then(|| list.last())
        .flatten()
        .map(|last| {
            let mut url = url::form_urlencoded::Serializer::new(String::new());
            url.append_pair("username", query.username.as_deref().unwrap_or_default());
            url.append_pair("domain", query.by_domain.as_deref().unwrap_or_default());
            url.append_pair("show", &show_what);
            url.append_pair("max_id", &last.id.to_string());
            format!("/admin/accounts?{}", url.finish())
        });
    page(&state, &staff, "accounts", |chrome| AccountsPage {
        chrome,
        username: query.username.clone().unwrap_or_default(),
        domain: query.by_domain.clone().unwrap_or_default(),
        shows: super::Choice::list(
            &[
                ("", "All"),
                ("local", "Local"),
                ("remote", "Remote"),
                ("pending", "Pending approval"),
                ("silenced", "Limited"),
                ("suspended", "Suspended"),
                ("disabled", "Disabled"),
                ("staff", "Staff"),
            ],
            &show_what,
        ),
        accounts: ids.iter().filter_map(|id| lines.remove(id)).collect(),
        next,
    })
    .await
}

struct ReportLine {
    id: i64,
    created_at: String,
    state: &'static str,
    comment: String,
}

struct ActionLine {
    created_at: String,
    action: String,
    by: String,
    text: String,
}

#[derive(Template)]
#[template(path = "admin/account.html", config = "src/web/askama.toml")]
struct AccountPage {
    chrome: Chrome,
    account: AccountLine,
    local: bool,
    url: String,
    created_at: String,
    email: Option<String>,
    /// The reverses that apply now, as `(path, label)`.
    undo: Vec<(&'static str, &'static str)>,
    suspended: bool,
    reports: Vec<ReportLine>,
    actions: Vec<ActionLine>,
}

pub async fn detail(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(raw): Path<String>,
) -> Page {
    let account = moderation::account(&state, id(&raw)?).await?;
    let (_, users) = crate::service::accounts::with_users(&state, &[account.id]).await?;
    let user = users.into_iter().next();
    let line = AccountLine::new(&account, user.as_ref());
    let mut undo = Vec::new();
    if account.suspended_at.is_some() {
        undo.push(("unsuspend", "Lift the suspension"));
    }
    if account.silenced_at.is_some() {
        undo.push(("unsilence", "Lift the limit"));
    }
    if account.sensitized_at.is_some() {
        undo.push(("unsensitive", "Stop marking media sensitive"));
    }
    if let Some(u) = &user {
        if u.disabled {
            undo.push(("enable", "Enable sign-in"));
        }
        if !u.approved {
            undo.push(("approve", "Approve the sign-up"));
            undo.push(("reject", "Reject the sign-up"));
        }
    }
    let window = Window::first(PER_PAGE);
    let mut reports_list = Vec::new();
    for resolved in [false, true] {
        let query = ReportQuery {
            resolved,
            account_id: None,
            target_account_id: Some(account.id),
        };
        reports_list.extend(reports::reports(&state, &query, &window).await?);
    }
    let actions = moderation::audit_of_account(&state, account.id).await?;
    let mut ids: Vec<i64> = actions.iter().filter_map(|a| a.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let by = account_lines(&state, &ids).await?;
    page(&state, &staff, "accounts", |chrome| AccountPage {
        chrome,
        local: account.is_local(),
        url: account.profile_url().to_string(),
        created_at: when(account.created_at),
        email: user.as_ref().map(|u| u.email.clone()),
        undo,
        suspended: account.is_suspended(),
        reports: reports_list
            .iter()
            .map(|r| ReportLine {
                id: r.id,
                created_at: when(r.created_at),
                state: if r.action_taken_at.is_some() {
                    "resolved"
                } else {
                    "unresolved"
                },
                comment: r.comment.clone(),
            })
            .collect(),
        actions: actions
            .iter()
            .map(|a| ActionLine {
                created_at: when(a.created_at),
                action: a.action.clone(),
                by: a
                    .account_id
                    .map(|id| {
                        by.get(&id)
                            .map(|l| l.acct.clone())
                            .unwrap_or_else(|| AccountLine::gone(id).acct)
                    })
                    .unwrap_or_else(|| "the command line".into()),
                text: a.text.clone(),
            })
            .collect(),
        account: line,
    })
    .await
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    report_id: Option<String>,
}

/// `POST /admin/accounts/:id/action`: back to the report it resolved, else the account.
pub async fn action(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(raw): Path<String>,
    SessionForm { form, .. }: SessionForm<ActionForm>,
) -> Page {
    let target = id(&raw)?;
    let action = AccountAction::parse(&form.kind)
        .ok_or_else(|| Error::invalid("type", "ERR_INCLUSION", "is not included in the list"))?;
    let report_id = match form.report_id.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => Some(id(r)?),
        None => None,
    };
    moderation::act(
        &state,
        Some(&staff.account),
        target,
        action,
        report_id,
        &form.text,
    )
    .await?;
    match report_id {
        Some(r) => done(&format!("/admin/reports/{r}")),
        None => done(&format!("/admin/accounts/{target}")),
    }
}

/// `POST /admin/accounts/:id/undo/:what`
pub async fn undo(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path((raw, what)): Path<(String, String)>,
    _form: SessionForm<NoFields>,
) -> Page {
    let target = id(&raw)?;
    let what = match what.as_str() {
        "enable" => Reversal::Enable,
        "unsilence" => Reversal::Unsilence,
        "unsuspend" => Reversal::Unsuspend,
        "unsensitive" => Reversal::Unsensitive,
        "approve" => Reversal::Approve,
        "reject" => Reversal::Reject,
        _ => return Err(Error::NotFound.into()),
    };
    match moderation::reverse(&state, Some(&staff.account), target, what).await? {
        Some(_) => done(&format!("/admin/accounts/{target}")),
        None => done("/admin/accounts?show=pending"),
    }
}

/// `POST /admin/accounts/:id/delete`: an admin removes a suspended account's data for good.
pub async fn delete(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(raw): Path<String>,
    _form: SessionForm<NoFields>,
) -> Page {
    let target = id(&raw)?;
    crate::service::account_deletion::delete_by_moderator(&state, Some(&staff.account), target)
        .await?;
    done(&format!("/admin/accounts/{target}"))
}
