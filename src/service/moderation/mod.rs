//! Moderation: what moderators do to accounts (suspend, silence, disable, mark sensitive,
//! approve and reject sign-ups, and the reverses), every action written to the audit log.
//! Domains, reports, user-level tools and the instance's rules live in the submodules.
//!
//! Who may call these is decided at the edges (the admin API checks the role and scopes;
//! the CLI is trusted). `moderator` is `None` when the CLI acts.

pub mod domains;
pub mod filters;
pub mod filters_v1;
pub mod reports;
pub mod rules;

use chrono::Utc;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::moderation as activities;
use crate::federation::outbox;
use crate::model::{Account, AuditEntry, Page, Role};
use crate::service::delivery;
use crate::store::moderation::AccountMark;
use crate::{id, store};

/// Writes one line of the audit log.
pub async fn audit(
    db: impl sqlx::PgExecutor<'_>,
    moderator: Option<&Account>,
    action: &str,
    target_type: &str,
    target_id: Option<i64>,
    human_identifier: &str,
    text: &str,
) -> Result<()> {
    store::moderation::insert_audit(
        db,
        &store::moderation::NewAudit {
            id: id::next(),
            account_id: moderator.map(|m| m.id),
            action,
            target_type,
            target_id,
            human_identifier,
            text,
        },
    )
    .await?;
    tracing::info!(
        moderator = moderator.map(|m| m.acct()).unwrap_or_else(|| "cli".into()),
        action,
        target = human_identifier,
        "moderation action"
    );
    Ok(())
}

/// A page of the audit log, newest first.
pub async fn audit_log(state: &AppState, page: &Page) -> Result<Vec<AuditEntry>> {
    Ok(store::moderation::audit_page(&state.db, page).await?)
}

/// What `POST /api/v1/admin/accounts/:id/action` may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountAction {
    /// Only a warning (or resolving a report).
    None,
    Sensitive,
    Disable,
    Silence,
    Suspend,
}

impl AccountAction {
    pub fn parse(raw: &str) -> Option<AccountAction> {
        match raw {
            "none" => Some(AccountAction::None),
            "sensitive" => Some(AccountAction::Sensitive),
            "disable" => Some(AccountAction::Disable),
            "silence" => Some(AccountAction::Silence),
            "suspend" => Some(AccountAction::Suspend),
            _ => None,
        }
    }

    fn audit_name(self) -> &'static str {
        match self {
            AccountAction::None => "warn",
            AccountAction::Sensitive => "sensitive",
            AccountAction::Disable => "disable",
            AccountAction::Silence => "silence",
            AccountAction::Suspend => "suspend",
        }
    }
}

/// The reverses and sign-up decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reversal {
    Enable,
    Unsilence,
    Unsuspend,
    Unsensitive,
    Approve,
    Reject,
}

impl Reversal {
    fn audit_name(self) -> &'static str {
        match self {
            Reversal::Enable => "enable",
            Reversal::Unsilence => "unsilence",
            Reversal::Unsuspend => "unsuspend",
            Reversal::Unsensitive => "unsensitive",
            Reversal::Approve => "approve",
            Reversal::Reject => "reject",
        }
    }
}

/// Any account by id, suspended ones included (moderators see everything).
pub async fn account(state: &AppState, id: i64) -> Result<Account> {
    store::accounts::by_id(&state.db, id)
        .await?
        .filter(|a| a.actor_type != "Application" || !a.is_local())
        .ok_or(Error::NotFound)
}

/// Moderators may not act on themselves, nor on staff of a higher or equal role unless they
/// are admins (Mastodon's rule: only admins act on moderators, nobody on other admins).
pub(crate) fn may_act_on(moderator: Option<&Account>, target: &Account) -> Result<()> {
    let Some(m) = moderator else { return Ok(()) };
    if m.id == target.id {
        return Err(Error::forbidden("You cannot moderate your own account"));
    }
    match (m.role(), target.role()) {
        (_, Some(Role::Admin)) => Err(Error::forbidden("Administrators cannot be moderated")),
        (Some(Role::Admin), _) => Ok(()),
        (_, Some(Role::Moderator)) => Err(Error::forbidden(
            "Only administrators can moderate moderators",
        )),
        _ => Ok(()),
    }
}

/// Takes `action` against an account, with an optional warning `text` (5,000 characters at
/// most) for the audit log; a given `report_id` is resolved by it.
#[tracing::instrument(skip_all, fields(account.id = target_id, action = ?action))]
pub async fn act(
    state: &AppState,
    moderator: Option<&Account>,
    target_id: i64,
    action: AccountAction,
    report_id: Option<i64>,
    text: &str,
) -> Result<Account> {
    if text.chars().count() > 5000 {
        return Err(Error::invalid(
            "text",
            "ERR_TOO_LONG",
            "is too long (maximum is 5000 characters)",
        ));
    }
    let target = account(state, target_id).await?;
    may_act_on(moderator, &target)?;
    let report = match report_id {
        Some(r) => Some(
            store::moderation::report(&state.db, r)
                .await?
                .filter(|r| r.target_account_id == target.id)
                .ok_or(Error::NotFound)?,
        ),
        None => None,
    };
    if action == AccountAction::Disable && !target.is_local() {
        return Err(Error::unprocessable("Only local accounts can be disabled"));
    }
    let mut tx = state.db.begin().await?;
    let now = Some(Utc::now());
    match action {
        AccountAction::None => {}
        AccountAction::Sensitive => {
            store::moderation::set_mark(&mut *tx, target.id, AccountMark::Sensitized, now).await?
        }
        AccountAction::Silence => {
            store::moderation::set_mark(&mut *tx, target.id, AccountMark::Silenced, now).await?
        }
        AccountAction::Disable => {
            store::moderation::set_disabled(&mut *tx, target.id, true).await?;
            sign_out_everywhere(&mut tx, &target).await?;
        }
        AccountAction::Suspend => {
            if !target.is_suspended() {
                store::moderation::set_mark(&mut *tx, target.id, AccountMark::Suspended, now)
                    .await?;
                if target.is_local() {
                    sign_out_everywhere(&mut tx, &target).await?;
                    // Remote servers drop the actor and its posts; the followers' servers
                    // are the ones that hold copies.
                    let inboxes =
                        store::accounts::remote_follower_inboxes(&mut *tx, target.id).await?;
                    delivery::deliver(
                        &mut tx,
                        &target,
                        &outbox::with_context(activities::delete_actor(&target))?,
                        &inboxes,
                    )
                    .await?;
                }
            }
        }
    }
    if let Some(r) = &report {
        store::moderation::set_report_resolved(&mut *tx, r.id, Some(moderator_id(moderator)?))
            .await?;
    }
    audit(
        &mut *tx,
        moderator,
        action.audit_name(),
        "Account",
        Some(target.id),
        &target.acct(),
        text,
    )
    .await?;
    tx.commit().await?;
    account(state, target.id).await
}

fn moderator_id(moderator: Option<&Account>) -> Result<i64> {
    moderator
        .map(|m| m.id)
        .ok_or_else(|| Error::unprocessable("Resolving a report needs a moderator account"))
}

async fn sign_out_everywhere(tx: &mut sqlx::PgConnection, target: &Account) -> Result<()> {
    if let Some(user) = store::users::by_account_id(&mut *tx, target.id).await? {
        store::oauth::revoke_all_for_user(&mut *tx, user.id).await?;
        store::oauth::delete_sessions_of(&mut *tx, user.id).await?;
    }
    Ok(())
}

/// Undoes a limit, or decides a pending sign-up. `Reject` deletes the sign-up and returns
/// `None`.
#[tracing::instrument(skip_all, fields(account.id = target_id, action = ?what))]
pub async fn reverse(
    state: &AppState,
    moderator: Option<&Account>,
    target_id: i64,
    what: Reversal,
) -> Result<Option<Account>> {
    let target = account(state, target_id).await?;
    may_act_on(moderator, &target)?;
    let user = store::users::by_account_id(&state.db, target.id).await?;
    let mut tx = state.db.begin().await?;
    match what {
        Reversal::Unsuspend => {
            crate::service::account_deletion::undo(&mut tx, target.id).await?;
            store::moderation::set_mark(&mut *tx, target.id, AccountMark::Suspended, None).await?
        }
        Reversal::Unsilence => {
            store::moderation::set_mark(&mut *tx, target.id, AccountMark::Silenced, None).await?
        }
        Reversal::Unsensitive => {
            store::moderation::set_mark(&mut *tx, target.id, AccountMark::Sensitized, None).await?
        }
        Reversal::Enable => {
            if user.is_none() {
                return Err(Error::unprocessable("Only local accounts can be enabled"));
            }
            store::moderation::set_disabled(&mut *tx, target.id, false).await?
        }
        Reversal::Approve | Reversal::Reject => {
            let Some(user) = user.as_ref() else {
                return Err(Error::unprocessable("Only local sign-ups can be approved"));
            };
            if user.approved {
                return Err(Error::forbidden("This account is not pending approval"));
            }
            if what == Reversal::Approve {
                store::users::set_approved(&mut *tx, user.id, true).await?;
            } else {
                store::moderation::delete_pending(&mut *tx, target.id).await?;
            }
        }
    }
    audit(
        &mut *tx,
        moderator,
        what.audit_name(),
        "Account",
        Some(target.id),
        &target.acct(),
        "",
    )
    .await?;
    tx.commit().await?;
    if what == Reversal::Reject {
        return Ok(None);
    }
    let restored = account(state, target.id).await?;
    if what == Reversal::Unsuspend && target.is_suspended() && restored.is_local() {
        // The servers that were sent the actor's Delete learn it is back, as Mastodon
        // re-federates an unsuspended account: they fetch it again on this Update.
        crate::service::accounts::federate_profile(state, &restored).await?;
    }
    Ok(Some(restored))
}

/// A page of accounts for moderators.
pub async fn accounts(
    state: &AppState,
    query: &crate::model::moderation::AccountQuery,
    page: &Page,
) -> Result<Vec<Account>> {
    Ok(store::moderation::accounts_page(&state.db, query, page).await?)
}

/// A local account by username (for the CLI).
pub async fn local_account(state: &AppState, username: &str) -> Result<Account> {
    store::accounts::local_by_username(&state.db, username.trim_start_matches('@'))
        .await?
        .ok_or(Error::NotFound)
}

/// An account by `user` or `user@domain` (for the CLI).
pub async fn account_by_acct(state: &AppState, acct: &str) -> Result<Account> {
    let acct = acct.trim_start_matches('@');
    match acct.split_once('@') {
        Some((user, domain)) if !domain.eq_ignore_ascii_case(&state.config.domain) => {
            store::accounts::remote_by_handle(&state.db, user, domain)
                .await?
                .ok_or(Error::NotFound)
        }
        Some((user, _)) => local_account(state, user).await,
        None => local_account(state, acct).await,
    }
}

/// What moderators did to one account, newest first (the last 40 actions).
pub async fn audit_of_account(state: &AppState, account_id: i64) -> Result<Vec<AuditEntry>> {
    Ok(store::moderation::audit_of(&state.db, "Account", account_id, 40).await?)
}
