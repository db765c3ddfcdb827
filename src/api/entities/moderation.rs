//! Moderation shapes users see: Report, Rule, DomainBlock (the public list), and the admin
//! shapes Admin::Account, Admin::Report, Admin::DomainBlock, Admin::DomainAllow, and the audit
//! log's entries.

use std::collections::HashMap;

use serde::Serialize;

use super::account::{full_role, Role};
use super::{datetime, Account, Status};
use crate::model::moderation as m;
use crate::model::{self, User};

#[derive(Debug, Serialize)]
pub struct Report {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: &'static str,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub status_ids: Option<Vec<String>>,
    pub rule_ids: Option<Vec<String>>,
    pub target_account: Account,
}

fn ids(list: &[i64]) -> Option<Vec<String>> {
    (!list.is_empty()).then(|| list.iter().map(i64::to_string).collect())
}

impl Report {
    pub fn render(r: &m::Report, target: &model::Account, base_url: &str) -> Report {
        Report {
            id: r.id.to_string(),
            action_taken: r.action_taken_at.is_some(),
            action_taken_at: r.action_taken_at.as_ref().map(datetime),
            category: r.category.as_str(),
            comment: r.comment.clone(),
            forwarded: r.forwarded,
            created_at: datetime(&r.created_at),
            status_ids: ids(&r.status_ids),
            rule_ids: ids(&r.rule_ids),
            target_account: Account::render(target, base_url),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Rule {
    pub id: String,
    pub text: String,
    pub hint: String,
}

impl Rule {
    pub fn render(r: &m::Rule) -> Rule {
        Rule {
            id: r.id.to_string(),
            text: r.text.clone(),
            hint: r.hint.clone(),
        }
    }
}

/// An entry of `GET /api/v1/instance/domain_blocks`.
#[derive(Debug, Serialize)]
pub struct DomainBlock {
    pub domain: String,
    pub digest: String,
    pub severity: &'static str,
    pub comment: Option<String>,
}

impl DomainBlock {
    pub fn render(b: &m::DomainBlock) -> DomainBlock {
        DomainBlock {
            domain: b.public_domain(),
            digest: b.digest(),
            severity: b.severity.as_str(),
            comment: b.public_comment.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AdminIp {
    pub ip: String,
    pub used_at: String,
}

/// Admin::Account: local-only fields are `null` (or `false`) for remote accounts.
#[derive(Debug, Serialize)]
pub struct AdminAccount {
    pub id: String,
    pub username: String,
    pub domain: Option<String>,
    pub created_at: String,
    pub email: Option<String>,
    pub ip: Option<String>,
    pub ips: Vec<AdminIp>,
    pub locale: Option<String>,
    pub invite_request: Option<String>,
    pub role: Option<Role>,
    pub confirmed: bool,
    pub approved: bool,
    pub disabled: bool,
    pub silenced: bool,
    pub suspended: bool,
    pub sensitized: bool,
    pub account: Account,
    pub created_by_application_id: Option<String>,
    pub invited_by_account_id: Option<String>,
}

impl AdminAccount {
    pub fn render(a: &model::Account, user: Option<&User>, base_url: &str) -> AdminAccount {
        AdminAccount {
            id: a.id.to_string(),
            username: a.username.clone(),
            domain: a.domain.clone(),
            created_at: datetime(&a.created_at),
            email: user.map(|u| u.email.clone()),
            ip: None,
            ips: Vec::new(),
            locale: user.map(|u| u.locale.clone()),
            invite_request: user.and_then(|u| u.registration_reason.clone()),
            role: user.map(|u| full_role(u.role)),
            confirmed: user.is_some_and(|u| u.confirmed_at.is_some()),
            approved: user.is_none_or(|u| u.approved),
            disabled: user.is_some_and(|u| u.disabled),
            silenced: a.silenced_at.is_some(),
            suspended: a.is_suspended(),
            sensitized: a.sensitized_at.is_some(),
            account: Account::render(a, base_url),
            created_by_application_id: None,
            invited_by_account_id: None,
        }
    }
}

/// Accounts and users a page of admin entities refers to, loaded together.
pub struct AdminLookup {
    pub accounts: HashMap<i64, model::Account>,
    pub users: HashMap<i64, User>,
}

impl AdminLookup {
    pub fn account(&self, id: i64, base_url: &str) -> Option<AdminAccount> {
        let a = self.accounts.get(&id)?;
        Some(AdminAccount::render(a, self.users.get(&id), base_url))
    }
}

#[derive(Debug, Serialize)]
pub struct AdminReport {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: &'static str,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub updated_at: String,
    pub account: AdminAccount,
    pub target_account: AdminAccount,
    pub assigned_account: Option<AdminAccount>,
    pub action_taken_by_account: Option<AdminAccount>,
    pub statuses: Vec<Status>,
    pub rules: Vec<Rule>,
}

impl AdminReport {
    /// `None` when an account the report names is gone.
    pub fn render(
        r: &m::Report,
        lookup: &AdminLookup,
        statuses: Vec<Status>,
        rules: &[m::Rule],
        base_url: &str,
    ) -> Option<AdminReport> {
        Some(AdminReport {
            id: r.id.to_string(),
            action_taken: r.action_taken_at.is_some(),
            action_taken_at: r.action_taken_at.as_ref().map(datetime),
            category: r.category.as_str(),
            comment: r.comment.clone(),
            forwarded: r.forwarded,
            created_at: datetime(&r.created_at),
            updated_at: datetime(&r.updated_at),
            account: lookup.account(r.account_id, base_url)?,
            target_account: lookup.account(r.target_account_id, base_url)?,
            assigned_account: r
                .assigned_account_id
                .and_then(|id| lookup.account(id, base_url)),
            action_taken_by_account: r
                .action_taken_by_account_id
                .and_then(|id| lookup.account(id, base_url)),
            statuses,
            rules: rules
                .iter()
                .filter(|rule| r.rule_ids.contains(&rule.id))
                .map(Rule::render)
                .collect(),
        })
    }
}

#[derive(Debug, Serialize)]
pub struct AdminDomainBlock {
    pub id: String,
    pub domain: String,
    pub digest: String,
    pub created_at: String,
    pub severity: &'static str,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
}

impl AdminDomainBlock {
    pub fn render(b: &m::DomainBlock) -> AdminDomainBlock {
        AdminDomainBlock {
            id: b.id.to_string(),
            domain: b.domain.clone(),
            digest: b.digest(),
            created_at: datetime(&b.created_at),
            severity: b.severity.as_str(),
            reject_media: b.reject_media,
            reject_reports: b.reject_reports,
            private_comment: b.private_comment.clone(),
            public_comment: b.public_comment.clone(),
            obfuscate: b.obfuscate,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AdminDomainAllow {
    pub id: String,
    pub domain: String,
    pub created_at: String,
}

impl AdminDomainAllow {
    pub fn render(a: &m::DomainAllow) -> AdminDomainAllow {
        AdminDomainAllow {
            id: a.id.to_string(),
            domain: a.domain.clone(),
            created_at: datetime(&a.created_at),
        }
    }
}

/// A line of the audit log (Mastodon has no client API for it; the names follow its
/// `Admin::ActionLog`).
#[derive(Debug, Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub human_identifier: String,
    pub text: String,
    pub created_at: String,
    pub account: Option<Account>,
}

impl AuditEntry {
    pub fn render(e: &m::AuditEntry, actor: Option<&model::Account>, base_url: &str) -> AuditEntry {
        AuditEntry {
            id: e.id.to_string(),
            action: e.action.clone(),
            target_type: e.target_type.clone(),
            target_id: e.target_id.map(|i| i.to_string()),
            human_identifier: e.human_identifier.clone(),
            text: e.text.clone(),
            created_at: datetime(&e.created_at),
            account: actor.map(|a| Account::render(a, base_url)),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FilterKeyword {
    pub id: String,
    pub keyword: String,
    pub whole_word: bool,
}

impl FilterKeyword {
    pub fn render(k: &m::FilterKeyword) -> FilterKeyword {
        FilterKeyword {
            id: k.id.to_string(),
            keyword: k.keyword.clone(),
            whole_word: k.whole_word,
        }
    }
}

/// FilterStatus: a status a filter names.
#[derive(Debug, Serialize)]
pub struct FilterStatus {
    pub id: String,
    pub status_id: String,
}

impl FilterStatus {
    pub fn render(s: &m::FilterStatus) -> FilterStatus {
        FilterStatus {
            id: s.id.to_string(),
            status_id: s.status_id.to_string(),
        }
    }
}

/// Filter (v2).
#[derive(Debug, Serialize)]
pub struct Filter {
    pub id: String,
    pub title: String,
    pub context: Vec<String>,
    pub expires_at: Option<String>,
    pub filter_action: String,
    pub keywords: Vec<FilterKeyword>,
    pub statuses: Vec<FilterStatus>,
}

impl Filter {
    pub fn render(f: &m::Filter) -> Filter {
        Filter {
            id: f.id.to_string(),
            title: f.title.clone(),
            context: f.context.clone(),
            expires_at: f.expires_at.as_ref().map(datetime),
            filter_action: f.filter_action.clone(),
            keywords: f.keywords.iter().map(FilterKeyword::render).collect(),
            statuses: f.statuses.iter().map(FilterStatus::render).collect(),
        }
    }
}

/// FilterResult, as a status's `filtered` carries it.
#[derive(Debug, Serialize)]
pub struct FilterResult {
    pub filter: Filter,
    pub keyword_matches: Option<Vec<String>>,
    pub status_matches: Option<Vec<String>>,
}

/// A status's `filtered` list.
pub fn filter_results(matches: &[m::FilterMatch]) -> Vec<serde_json::Value> {
    matches
        .iter()
        .filter_map(|fm| {
            serde_json::to_value(FilterResult {
                filter: Filter::render(&fm.filter),
                keyword_matches: Some(fm.keyword_matches.clone()),
                status_matches: (!fm.status_matches.is_empty())
                    .then(|| fm.status_matches.iter().map(i64::to_string).collect()),
            })
            .ok()
        })
        .collect()
}

/// V1::Filter: one keyword of a filter, with that filter's context, expiry and action.
#[derive(Debug, Serialize)]
pub struct FilterV1 {
    pub id: String,
    pub phrase: String,
    pub context: Vec<String>,
    pub expires_at: Option<String>,
    pub irreversible: bool,
    pub whole_word: bool,
}

impl FilterV1 {
    pub fn render(f: &crate::service::moderation::filters_v1::FilterV1) -> FilterV1 {
        FilterV1 {
            id: f.keyword.id.to_string(),
            phrase: f.keyword.keyword.clone(),
            context: f.filter.context.clone(),
            expires_at: f.filter.expires_at.as_ref().map(datetime),
            irreversible: f.filter.filter_action == "hide",
            whole_word: f.keyword.whole_word,
        }
    }
}
