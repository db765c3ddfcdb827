//! Domain moderation: blocks (silence, suspend, noop, with reject_media / reject_reports),
//! allows for allowlist mode, their enforcement (inbox, fetches, deliveries, accounts,
//! follows), and Mastodon's CSV format for sharing blocklists.
//!
//! Domains are hosts as accounts store them, with a port when there is one
//! (`127.0.0.1:8443`); a block of a host without a port covers all its ports, and a block of
//! `example.com` covers `sub.example.com`.

mod blocklist;

pub use blocklist::{export_csv, import_csv, ImportReport, CSV_HEADER};

use crate::app::AppState;
use crate::config::DomainBlocksVisibility;
use crate::error::{Error, Result, Validation};
use crate::model::moderation::{DomainAllow, DomainBlock, Severity};
use crate::model::{Account, Host, Role, User};
use crate::store::moderation::AccountMark;
use crate::{id, store};

/// `host[:port]` of a URL as accounts record their domain ([`Host::domain`]).
pub fn host_of(url: &str) -> Option<String> {
    Host::parse_url(url).map(|h| h.domain())
}

/// Why this instance will not federate with `host`, if it will not: a suspending block, or
/// allowlist mode without an allow.
pub async fn refusal(state: &AppState, host: &str) -> Result<Option<&'static str>> {
    if host.eq_ignore_ascii_case(&state.config.domain) {
        return Ok(None);
    }
    let blocks = store::moderation::blocks_covering(&state.db, host).await?;
    if blocks.iter().any(|b| b.severity == Severity::Suspend) {
        return Ok(Some("this domain is blocked by this instance"));
    }
    if state.config.moderation.allowlist_mode
        && !store::moderation::is_allowed(&state.db, host).await?
    {
        return Ok(Some("this instance federates only with allowed domains"));
    }
    Ok(None)
}

/// As [`refusal`], for a URL (an actor, a key id, an inbox); URLs without a host are refused.
pub async fn refusal_for_url(state: &AppState, url: &str) -> Result<Option<&'static str>> {
    match host_of(url) {
        Some(host) => refusal(state, &host).await,
        None => Ok(Some("the URL has no host")),
    }
}

/// A 403 for fetching from a domain this instance does not federate with.
pub async fn check_fetch(state: &AppState, url: &str) -> Result<()> {
    match refusal_for_url(state, url).await? {
        Some(why) => Err(Error::forbidden(why)),
        None => Ok(()),
    }
}

/// The inboxes of `inboxes` that may receive deliveries: none on a suspended domain.
/// (Allowlist mode keeps non-allowed actors from becoming known, so it needs no check here.)
pub async fn deliverable(db: &mut sqlx::PgConnection, inboxes: &[String]) -> Result<Vec<String>> {
    let hosts: Vec<String> = inboxes.iter().filter_map(|i| host_of(i)).collect();
    let refused = store::moderation::suspended_hosts(&mut *db, &hosts).await?;
    Ok(inboxes
        .iter()
        .filter(|inbox| host_of(inbox).is_some_and(|h| !refused.contains(&h)))
        .cloned()
        .collect())
}

/// Whether reports (`Flag`s) from `host` are to be dropped.
pub async fn rejects_reports(state: &AppState, host: &str) -> Result<bool> {
    Ok(store::moderation::blocks_covering(&state.db, host)
        .await?
        .iter()
        .any(|b| b.reject_reports || b.severity == Severity::Suspend))
}

/// Whether media (attachments, avatars, headers) from `host` must never be downloaded.
pub async fn rejects_media(state: &AppState, host: &str) -> Result<bool> {
    Ok(store::moderation::blocks_covering(&state.db, host)
        .await?
        .iter()
        .any(|b| b.reject_media || b.severity == Severity::Suspend))
}

/// The values of a domain block as a moderator gives them.
#[derive(Clone, Debug, Default)]
pub struct BlockInput {
    pub domain: String,
    pub severity: Option<String>,
    pub reject_media: Option<bool>,
    pub reject_reports: Option<bool>,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: Option<bool>,
}

/// A domain as typed (`https://Spam.Example/`, `*.spam.example`, `spam.example.`) made plain
/// ([`Host::parse_domain`]).
pub fn normalize_domain(raw: &str) -> Option<String> {
    Host::parse_domain(raw).map(|h| h.domain())
}

/// A racing second block or allow of the same domain, caught by its unique index.
fn taken(e: sqlx::Error) -> Error {
    match store::unique_violation(&e) {
        Some(_) => Error::invalid("domain", "ERR_TAKEN", "has already been taken"),
        None => e.into(),
    }
}

fn check_comment(v: &mut Validation, field: &str, value: &Option<String>) {
    if value.as_ref().is_some_and(|c| c.chars().count() > 1000) {
        v.add(
            field,
            "ERR_TOO_LONG",
            "is too long (maximum is 1000 characters)",
        );
    }
}

/// Creates a domain block and enforces it at once. A second block of the same domain is a
/// 422 naming the existing one, as Mastodon answers.
#[tracing::instrument(skip_all, fields(domain = %input.domain))]
pub async fn create_block(
    state: &AppState,
    moderator: Option<&Account>,
    input: &BlockInput,
) -> Result<DomainBlock> {
    let mut v = Validation::default();
    let domain = normalize_domain(&input.domain);
    if domain.is_none() {
        v.add("domain", "ERR_INVALID", "is not a valid domain");
    }
    let severity = match input.severity.as_deref() {
        None | Some("") => Some(Severity::Silence),
        Some(s) => Severity::parse(s),
    };
    if severity.is_none() {
        v.add("severity", "ERR_INCLUSION", "is not included in the list");
    }
    check_comment(&mut v, "private_comment", &input.private_comment);
    check_comment(&mut v, "public_comment", &input.public_comment);
    v.finish()?;
    let (Some(domain), Some(severity)) = (domain, severity) else {
        return Err(Error::unprocessable("Invalid domain block"));
    };
    if domain.eq_ignore_ascii_case(&state.config.domain) {
        return Err(Error::invalid(
            "domain",
            "ERR_INVALID",
            "cannot be this instance",
        ));
    }
    if let Some(existing) = store::moderation::domain_block_by_domain(&state.db, &domain).await? {
        return Err(Error::Validation {
            message: format!(
                "Validation failed: Domain has already been taken (existing block {})",
                existing.id
            ),
            details: Some(serde_json::Map::from_iter([(
                "domain".to_string(),
                serde_json::json!([{ "error": "ERR_TAKEN", "description": "has already been taken" }]),
            )])),
        });
    }
    let mut tx = state.db.begin().await?;
    let block = store::moderation::insert_domain_block(
        &mut *tx,
        id::next(),
        &store::moderation::BlockValues {
            domain: &domain,
            severity: severity.as_str(),
            reject_media: input.reject_media.unwrap_or(false),
            reject_reports: input.reject_reports.unwrap_or(false),
            private_comment: input.private_comment.as_deref(),
            public_comment: input.public_comment.as_deref(),
            obfuscate: input.obfuscate.unwrap_or(false),
        },
    )
    .await
    .map_err(taken)?;
    enforce(&mut tx, &block).await?;
    super::audit(
        &mut *tx,
        moderator,
        "create_domain_block",
        "DomainBlock",
        Some(block.id),
        &block.domain,
        block.private_comment.as_deref().unwrap_or(""),
    )
    .await?;
    tx.commit().await?;
    Ok(block)
}

/// Applies a block to what is known of its domain: suspension hides the accounts and severs
/// every follow with them (nothing is sent: the domain receives nothing any more); silence
/// limits the accounts.
async fn enforce(tx: &mut sqlx::PgConnection, block: &DomainBlock) -> Result<()> {
    match block.severity {
        Severity::Noop => {}
        Severity::Silence => {
            store::moderation::limit_domain_accounts(&mut *tx, block, AccountMark::Silenced)
                .await?;
        }
        Severity::Suspend => {
            store::moderation::limit_domain_accounts(&mut *tx, block, AccountMark::Suspended)
                .await?;
            let ids = store::moderation::accounts_of_domain(&mut *tx, &block.domain).await?;
            for (follower, followed) in store::moderation::follows_involving(&mut *tx, &ids).await?
            {
                store::relationships::delete_follow(&mut *tx, follower, followed).await?;
            }
            store::moderation::purge_traces(&mut *tx, &ids).await?;
        }
    }
    Ok(())
}

/// Changes a block's severity and options (its domain stays), re-applying it.
pub async fn update_block(
    state: &AppState,
    moderator: Option<&Account>,
    id: i64,
    input: &BlockInput,
) -> Result<DomainBlock> {
    let old = store::moderation::domain_block(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut v = Validation::default();
    let severity = match input.severity.as_deref() {
        None | Some("") => Some(old.severity),
        Some(s) => Severity::parse(s),
    };
    if severity.is_none() {
        v.add("severity", "ERR_INCLUSION", "is not included in the list");
    }
    check_comment(&mut v, "private_comment", &input.private_comment);
    check_comment(&mut v, "public_comment", &input.public_comment);
    v.finish()?;
    let severity = severity.unwrap_or(old.severity);
    let mut tx = state.db.begin().await?;
    store::moderation::lift_domain_accounts(&mut *tx, &old).await?;
    let block = store::moderation::update_domain_block(
        &mut *tx,
        id,
        &store::moderation::BlockValues {
            domain: &old.domain,
            severity: severity.as_str(),
            reject_media: input.reject_media.unwrap_or(old.reject_media),
            reject_reports: input.reject_reports.unwrap_or(old.reject_reports),
            private_comment: input
                .private_comment
                .as_deref()
                .or(old.private_comment.as_deref()),
            public_comment: input
                .public_comment
                .as_deref()
                .or(old.public_comment.as_deref()),
            obfuscate: input.obfuscate.unwrap_or(old.obfuscate),
        },
    )
    .await?
    .ok_or(Error::NotFound)?;
    enforce(&mut tx, &block).await?;
    super::audit(
        &mut *tx,
        moderator,
        "update_domain_block",
        "DomainBlock",
        Some(block.id),
        &block.domain,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(block)
}

/// Lifts a block: the accounts it limited are restored (severed follows stay severed).
pub async fn delete_block(state: &AppState, moderator: Option<&Account>, id: i64) -> Result<()> {
    let block = store::moderation::domain_block(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut tx = state.db.begin().await?;
    store::moderation::lift_domain_accounts(&mut *tx, &block).await?;
    store::moderation::delete_domain_block(&mut *tx, id).await?;
    super::audit(
        &mut *tx,
        moderator,
        "destroy_domain_block",
        "DomainBlock",
        Some(id),
        &block.domain,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn block(state: &AppState, id: i64) -> Result<DomainBlock> {
    store::moderation::domain_block(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn blocks(state: &AppState) -> Result<Vec<DomainBlock>> {
    Ok(store::moderation::domain_blocks(&state.db).await?)
}

/// The block of exactly `domain` (normalised), if there is one.
pub async fn block_by_domain(state: &AppState, domain: &str) -> Result<Option<DomainBlock>> {
    Ok(store::moderation::domain_block_by_domain(&state.db, domain).await?)
}

/// The blocks as the instance publishes them (`moderation.domain_blocks_visibility`): to
/// everyone, to signed-in users, or to moderators only. Whoever may not see them is told the
/// list does not exist, as on Mastodon, except that an anonymous caller where users may see it
/// is asked to sign in.
pub async fn published_blocks(state: &AppState, reader: Option<&User>) -> Result<Vec<DomainBlock>> {
    let visibility = state.config.moderation.domain_blocks_visibility;
    let allowed = match visibility {
        DomainBlocksVisibility::Public => true,
        DomainBlocksVisibility::Users => reader.is_some(),
        DomainBlocksVisibility::None => reader.is_some_and(|u| u.role >= Role::Moderator),
    };
    if !allowed {
        return Err(match reader {
            None if visibility == DomainBlocksVisibility::Users => {
                Error::unauthorized("This API requires an authenticated user")
            }
            _ => Error::NotFound,
        });
    }
    blocks(state).await
}

/// Allows a domain (allowlist mode).
pub async fn create_allow(
    state: &AppState,
    moderator: Option<&Account>,
    raw: &str,
) -> Result<DomainAllow> {
    let domain = normalize_domain(raw)
        .ok_or_else(|| Error::invalid("domain", "ERR_INVALID", "is not a valid domain"))?;
    let mut tx = state.db.begin().await?;
    let allow = store::moderation::insert_domain_allow(&mut *tx, id::next(), &domain)
        .await
        .map_err(taken)?;
    super::audit(
        &mut *tx,
        moderator,
        "create_domain_allow",
        "DomainAllow",
        Some(allow.id),
        &allow.domain,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(allow)
}

pub async fn delete_allow(state: &AppState, moderator: Option<&Account>, id: i64) -> Result<()> {
    let allow = store::moderation::domain_allow(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut tx = state.db.begin().await?;
    store::moderation::delete_domain_allow(&mut *tx, id).await?;
    super::audit(
        &mut *tx,
        moderator,
        "destroy_domain_allow",
        "DomainAllow",
        Some(id),
        &allow.domain,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn allow(state: &AppState, id: i64) -> Result<DomainAllow> {
    store::moderation::domain_allow(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn allows(state: &AppState) -> Result<Vec<DomainAllow>> {
    Ok(store::moderation::domain_allows(&state.db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalized() {
        assert_eq!(
            normalize_domain(" Spam.Example. ").as_deref(),
            Some("spam.example")
        );
        assert_eq!(
            normalize_domain("https://a.example/x").as_deref(),
            Some("a.example")
        );
        assert_eq!(
            normalize_domain("*.b.example").as_deref(),
            Some("b.example")
        );
        assert_eq!(
            normalize_domain("127.0.0.1:8080").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(normalize_domain("bad domain"), None);
        assert_eq!(normalize_domain(""), None);
    }
}
