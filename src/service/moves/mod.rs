//! Account moves (issue 21): aliases (`alsoKnownAs`), moving a local account out, moving
//! followers in when a `Move` arrives, and FEP-7628's pull mode for when the old server is
//! gone. docs/moving.md says, for users, what each step trusts and why.
//!
//! Every move, whichever way it comes, ends in [`migrate`]: the old account is marked moved
//! and a `move_followers` job moves its local followers (with their lists, options and
//! notifications) and carries local blocks and mutes over, in [`move_followers`]. A local move
//! between two accounts here, a `Move` from a peer and a pull-mode `Move` all go through it.

mod carry;

use chrono::{Duration, Utc};
use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::vocab::inbound::{Object, Reference};
use crate::federation::{convert, outbox};
use crate::model::{Account, NotificationType, User};
use crate::service::queue::{self, Job, MoveOf, PullMove};
use crate::service::relationships::{self, FollowOptions};
use crate::service::{delivery, notifications, remote};
use crate::{crypto, id, store};

/// The shortest time between two moves of one account (Mastodon's cooldown).
pub const MOVE_COOLDOWN_DAYS: i64 = 30;

/// The most aliases an account may have.
pub const MAX_ALIASES: usize = 20;

/// The most follower addresses one pull-mode upload may carry.
pub const MAX_PULL_FOLLOWERS: usize = 10_000;

/// How many follows one `move_followers` job moves (the rest go to the next job).
const FOLLOWERS_BATCH: i64 = 100;

/// How many follower addresses one `pull_move` job looks up and sends the `Move` to.
const PULL_BATCH: usize = 200;

/// Whether `raw` is an absolute http(s) URL.
fn is_actor_url(raw: &str) -> bool {
    url::Url::parse(raw).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

/// The account an alias or a move target names: an actor URL or a `user@domain` handle,
/// local or remote. A remote one is fetched again now (`alsoKnownAs` may have just changed),
/// never read from what is stored. Anything that cannot be resolved is a 422.
async fn resolve_fresh(state: &AppState, raw: &str) -> Result<Account> {
    let raw = raw.trim();
    let unresolvable = |e: Error| match e {
        Error::Internal(e) => Error::Internal(e),
        e => Error::unprocessable(format!("{raw} could not be resolved: {e}")),
    };
    if raw.starts_with("http://") || raw.starts_with("https://") {
        if !is_actor_url(raw) {
            return Err(Error::unprocessable(format!("{raw} is not an actor URL")));
        }
        if let Some(known) = store::accounts::by_uri(&state.db, raw).await? {
            if known.is_local() {
                return Ok(known);
            }
        }
        return remote::fetch_actor(state, raw).await.map_err(unresolvable);
    }
    let handle = raw
        .strip_prefix("acct:")
        .unwrap_or(raw)
        .trim_start_matches('@');
    let Some((username, domain)) = handle.split_once('@') else {
        return Err(Error::unprocessable(format!(
            "{raw} is neither an actor URL nor a user@domain address"
        )));
    };
    if username.is_empty() || domain.is_empty() {
        return Err(Error::unprocessable(format!("{raw} is not an address")));
    }
    let found = remote::resolve_handle(state, username, domain)
        .await
        .map_err(unresolvable)?;
    if found.is_local() {
        return Ok(found);
    }
    remote::fetch_actor(state, &found.uri)
        .await
        .map_err(unresolvable)
}

/// The remote account `raw` (an actor URL or an address) names, as stored here.
async fn known(state: &AppState, raw: &str) -> Result<Option<Account>> {
    let raw = raw.trim();
    let found = if raw.starts_with("http://") || raw.starts_with("https://") {
        store::accounts::by_uri(&state.db, raw).await?
    } else {
        let handle = raw
            .strip_prefix("acct:")
            .unwrap_or(raw)
            .trim_start_matches('@');
        match handle.split_once('@') {
            Some((username, domain)) => {
                store::accounts::remote_by_handle(&state.db, username, domain).await?
            }
            None => None,
        }
    };
    Ok(found.filter(|a| !a.is_local()))
}

/// `account` with the account it moved to loaded for display (the `moved` of the entity).
pub async fn with_moved(state: &AppState, mut account: Account) -> Result<Account> {
    if let Some(id) = account.moved_to_account_id {
        account.moved_to = store::accounts::by_id(&state.db, id).await?.map(Box::new);
    }
    Ok(account)
}

/// A local account that moved away can still be read, but no longer posts, boosts or
/// follows (as on Mastodon and GoToSocial).
pub fn ensure_not_moved(account: &Account) -> Result<()> {
    if account.is_local() && account.has_moved() {
        let to = account.moved_to_uri.as_deref().unwrap_or("another account");
        return Err(Error::unprocessable(format!(
            "This account has moved to {to}; it can no longer post, boost or follow"
        )));
    }
    Ok(())
}

/// Sets `account`'s aliases (`alsoKnownAs`) to the accounts `raw` names (actor URLs or
/// `user@domain` handles), each resolved now; an empty list clears them. Its remote
/// followers get the changed actor. Naming itself is skipped, as GoToSocial skips it.
#[tracing::instrument(skip_all, fields(account.id = account.id))]
pub async fn set_aliases(state: &AppState, account: &Account, raw: &[String]) -> Result<Account> {
    let wanted: Vec<&str> = raw
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .collect();
    if wanted.len() > MAX_ALIASES {
        return Err(Error::unprocessable(format!(
            "Validation failed: At most {MAX_ALIASES} aliases"
        )));
    }
    let mut aliases: Vec<String> = Vec::new();
    for alias in wanted {
        let found = match resolve_fresh(state, alias).await {
            Ok(found) => found,
            // An old server that is gone can still be named by what was stored of it (the
            // pull mode needs the alias when nothing answers any more).
            Err(e @ Error::Validation { .. }) => known(state, alias).await?.ok_or(e)?,
            Err(e) => return Err(e),
        };
        if found.id == account.id {
            continue;
        }
        if found.is_suspended() {
            return Err(Error::unprocessable(format!(
                "{alias} is suspended here and cannot be an alias"
            )));
        }
        if !aliases.contains(&found.uri) {
            aliases.push(found.uri);
        }
    }
    store::moves::set_aliases(&state.db, account.id, &aliases).await?;
    let account = store::accounts::by_id(&state.db, account.id)
        .await?
        .ok_or(Error::NotFound)?;
    crate::service::accounts::federate_profile(state, &account).await?;
    tracing::info!(aliases = aliases.len(), "aliases set");
    Ok(account)
}

/// Moves the local `account` (whose user is `user`) to the account `target_raw` names, as
/// `POST /api/v1/accounts/move` asks: the password must be right (400), the target must list
/// this account in its `alsoKnownAs` as fetched now (422), and the account must not have moved
/// in the last [`MOVE_COOLDOWN_DAYS`] days (422). The account is marked moved, its remote
/// followers get an `Update` of the actor (with `movedTo`) and a `Move`, and its local
/// followers move through [`migrate`].
#[tracing::instrument(skip_all, fields(account.id = account.id))]
pub async fn move_out(
    state: &AppState,
    user: &User,
    account: &Account,
    password: &str,
    target_raw: &str,
) -> Result<()> {
    if password.is_empty() {
        return Err(Error::bad_request(
            "password is required to move an account",
        ));
    }
    let hash = user.password_hash.clone();
    let given = password.to_string();
    let right = tokio::task::spawn_blocking(move || crypto::verify_password(&given, &hash))
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    if !right {
        return Err(Error::bad_request(
            "Invalid password provided in account Move request",
        ));
    }
    let target_raw = target_raw.trim();
    if target_raw.is_empty() {
        return Err(Error::bad_request("moved_to_uri is required"));
    }
    if let Some(at) = store::moves::last_move_at(&state.db, account.id).await? {
        if at > Utc::now() - Duration::days(MOVE_COOLDOWN_DAYS) {
            return Err(Error::unprocessable(format!(
                "This account moved on {}; an account can move only once every {MOVE_COOLDOWN_DAYS} days",
                at.format("%Y-%m-%d")
            )));
        }
    }
    let target = resolve_fresh(state, target_raw).await?;
    if target.id == account.id {
        return Err(Error::unprocessable("An account cannot move to itself"));
    }
    if target.is_suspended() {
        return Err(Error::unprocessable(format!(
            "{} is suspended here; this account cannot move to it",
            target.uri
        )));
    }
    if !target.also_known_as.contains(&account.uri) {
        return Err(Error::unprocessable(format!(
            "{} does not list this account ({}) in its aliases (alsoKnownAs); \
             add the alias on the new account first",
            target.uri, account.uri
        )));
    }
    if target.has_moved() {
        return Err(Error::unprocessable(format!(
            "{} has itself moved elsewhere",
            target.uri
        )));
    }
    let mut moved = account.clone();
    moved.moved_to_account_id = Some(target.id);
    moved.moved_to_uri = Some(target.uri.clone());
    let base = state.base_url();
    let mut tx = state.db.begin().await?;
    store::moves::insert_move(
        &mut *tx,
        id::next(),
        account.id,
        &target.uri,
        Some(target.id),
    )
    .await?;
    migrate(&mut tx, account, &target, false).await?;
    let inboxes = store::accounts::remote_follower_inboxes(&mut *tx, account.id).await?;
    let update = outbox::with_context(convert::update_actor(&moved, &base))?;
    delivery::deliver(&mut tx, account, &update, &inboxes).await?;
    let announce = outbox::with_context(convert::move_actor(account, &account.uri, &target.uri))?;
    delivery::deliver(&mut tx, account, &announce, &inboxes).await?;
    tx.commit().await?;
    tracing::info!(target = %target.uri, followers_inboxes = inboxes.len(), "account moved out");
    Ok(())
}

/// The one step of every move: `origin` is marked moved to `target`, and a `move_followers`
/// job moves its local followers and carries local blocks and mutes over (in the caller's
/// transaction, so the job exists exactly when the mark does).
/// `origin_gone` says the old account's server no longer answers (pull mode).
pub async fn migrate(
    db: &mut PgConnection,
    origin: &Account,
    target: &Account,
    origin_gone: bool,
) -> Result<()> {
    store::moves::set_moved_to(&mut *db, origin.id, Some(target.id)).await?;
    queue::enqueue(
        db,
        &Job::MoveFollowers(MoveOf {
            origin_id: origin.id,
            target_id: target.id,
            origin_gone,
            after: None,
        }),
    )
    .await
}

/// A `Move` from a peer, signed by `signer` (the inbox checked that the signer is the
/// activity's `actor`). Two kinds are accepted (FEP-7628):
/// - sent by the old actor (`actor` = `object`, Mastodon's and GoToSocial's): the target is
///   fetched again and must list the old actor in its `alsoKnownAs`;
/// - sent by the new actor (`actor` = `target`, Mitra's pull mode): see [`check_pull`].
///
/// Anything else (a third party moving someone) is refused.
#[tracing::instrument(skip_all, fields(account.id = signer.id))]
pub async fn receive_move(state: &AppState, signer: &Account, activity: &Object) -> Result<()> {
    let origin_uri = activity
        .object_id()
        .ok_or_else(|| Error::unprocessable("A Move names no object"))?;
    let target_uri = activity
        .target
        .as_ref()
        .and_then(Reference::id)
        .ok_or_else(|| Error::unprocessable("A Move names no target"))?;
    if origin_uri == target_uri {
        return Err(Error::unprocessable("A Move to the same actor"));
    }
    let (origin, target, origin_gone) = if signer.uri == origin_uri {
        // Never the activity's embedded copy, nor what is stored: the target as it is now.
        let target = fetch_target(state, target_uri).await?;
        if !target.also_known_as.iter().any(|a| a == origin_uri) {
            tracing::info!(
                origin = origin_uri,
                target = target_uri,
                "Move refused: no alias"
            );
            return Err(Error::forbidden(
                "The target of the Move does not list its origin in alsoKnownAs",
            ));
        }
        (signer.clone(), target, false)
    } else if signer.uri == target_uri {
        let target = fetch_target(state, target_uri).await?;
        let origin = check_pull(state, origin_uri, &target).await?;
        (origin, target, true)
    } else {
        tracing::info!(actor = %signer.uri, origin = origin_uri, "Move refused: a third party");
        return Err(Error::forbidden(
            "Only the old or the new actor may send its Move",
        ));
    };
    if origin.is_local() {
        return Err(Error::forbidden("A peer cannot move a local account"));
    }
    if target.is_suspended() || target.has_moved() {
        return Err(Error::forbidden(
            "The target of the Move cannot be followed",
        ));
    }
    let mut tx = state.db.begin().await?;
    migrate(&mut tx, &origin, &target, origin_gone).await?;
    tx.commit().await?;
    tracing::info!(origin = %origin.uri, target = %target.uri, "Move accepted");
    Ok(())
}

/// The target of a `Move` as it is now: a local account, or a remote one fetched again.
async fn fetch_target(state: &AppState, uri: &str) -> Result<Account> {
    match store::accounts::by_uri(&state.db, uri).await? {
        Some(local) if local.is_local() => Ok(local),
        _ => remote::fetch_actor(state, uri).await,
    }
}

/// FEP-7628's pull mode, as a receiver: the new actor `target` (already fetched again, or
/// local) moves the old actor `origin_uri`, whose server is no longer there to say so. It
/// is accepted only when
/// 1. the old actor is known here, and the copy stored before it went away listed `target`
///    in `alsoKnownAs` (what the old server last said; nothing new can be claimed for it);
/// 2. `target` lists the old actor in its own `alsoKnownAs` (the actors are linked both ways);
/// 3. the old actor cannot be fetched any more (gone, or its server unreachable): while it
///    answers, its own server must send the Move.
///
/// FEP-7628 also links actors by FEP-c390 identity proofs (the new actor proving control of
/// the old key); Rookery verifies no such proofs, so that path is not taken (docs/moving.md).
pub async fn check_pull(state: &AppState, origin_uri: &str, target: &Account) -> Result<Account> {
    let origin = store::accounts::by_uri(&state.db, origin_uri)
        .await?
        .filter(|o| !o.is_local())
        .ok_or_else(|| Error::forbidden("The old actor of the Move is not known here"))?;
    if !origin.also_known_as.contains(&target.uri) {
        return Err(Error::forbidden(
            "The stored old actor does not list the new one in alsoKnownAs",
        ));
    }
    if !target.also_known_as.contains(&origin.uri) {
        return Err(Error::forbidden(
            "The new actor does not list the old one in alsoKnownAs",
        ));
    }
    match remote::fetch_signed(state, &origin.uri).await {
        Ok(_) => Err(Error::forbidden(
            "The old actor still answers: its own server must send the Move",
        )),
        Err(Error::NotFound | Error::Unavailable(_)) => Ok(origin),
        Err(e) => Err(e),
    }
}

/// The `move_followers` job: every local follower of `origin_id` follows `target_id` instead
/// (auto-accepted where the target allows it, a request otherwise), keeping the follow's
/// options and their lists, and gets a `move` notification; local accounts that block or
/// mute the origin block or mute the target too (first batch only). One job does up to 100
/// followers and queues the next batch after the last follow it did; each follower is done
/// on its own and the old follow ends last, so a retry picks up where a crash left off.
/// Nothing happens when the origin has since moved elsewhere.
#[tracing::instrument(skip_all, fields(origin.id = job.origin_id, target.id = job.target_id))]
pub async fn move_followers(state: &AppState, job: MoveOf) -> Result<()> {
    let MoveOf {
        origin_id,
        target_id,
        origin_gone,
        after,
    } = job;
    let origin = store::accounts::by_id(&state.db, origin_id)
        .await?
        .ok_or(Error::NotFound)?;
    let target = store::accounts::by_id(&state.db, target_id)
        .await?
        .ok_or(Error::NotFound)?;
    if origin.moved_to_account_id != Some(target.id) {
        return Ok(());
    }
    if after.is_none() {
        carry::notes(state, &origin, &target).await?;
        carry::blocks_and_mutes(state, &origin, &target).await?;
    }
    let follows =
        store::moves::local_follows_of(&state.db, origin.id, after, FOLLOWERS_BATCH).await?;
    let mut moved = 0usize;
    for follow in &follows {
        if move_follower(state, &origin, &target, follow, origin_gone).await? {
            moved += 1;
        }
    }
    tracing::info!(followers = moved, "local followers moved");
    // A full batch: the rest in another job, so no attempt outlives its lease.
    if let (Some(last), true) = (follows.last(), follows.len() as i64 == FOLLOWERS_BATCH) {
        let mut conn = state.db.acquire().await?;
        let next = MoveOf {
            after: Some(last.id),
            ..job
        };
        queue::enqueue(&mut conn, &Job::MoveFollowers(next)).await?;
    }
    Ok(())
}

/// Moves one local follower of `origin` to `target`; whether they follow (or asked to follow)
/// the target now. Lists first, the new follow next, the notification, the old follow last.
async fn move_follower(
    state: &AppState,
    origin: &Account,
    target: &Account,
    follow: &crate::model::relationship::Follow,
    origin_gone: bool,
) -> Result<bool> {
    let Some(follower) = store::accounts::by_id(&state.db, follow.account_id).await? else {
        return Ok(false);
    };
    if follower.id == target.id {
        return Ok(false);
    }
    let mut tx = state.db.begin().await?;
    store::moves::copy_list_memberships(&mut tx, follower.id, origin.id, target.id).await?;
    tx.commit().await?;
    let options = FollowOptions {
        reblogs: Some(follow.show_reblogs),
        notify: Some(follow.notify),
        languages: Some(follow.languages.clone().unwrap_or_default()),
        uri: None,
    };
    match relationships::follow(state, &follower, target.id, options).await {
        Ok(_) => {}
        // Blocked either way, or the follower cannot follow: the old follow stays.
        Err(e @ (Error::Forbidden(_) | Error::NotFound | Error::Validation { .. })) => {
            tracing::info!(error = %e, follower.id = follower.id, "a follower could not follow the new account");
            return Ok(false);
        }
        Err(e) => return Err(e),
    }
    let mut tx = state.db.begin().await?;
    notifications::notify(
        &mut *tx,
        follower.id,
        origin.id,
        NotificationType::Move,
        None,
    )
    .await?;
    tx.commit().await?;
    if origin_gone {
        relationships::forget_follow(state, &follower, origin.id).await?;
    } else {
        relationships::unfollow(state, &follower, origin.id).await?;
    }
    Ok(true)
}

/// What a pull-mode upload came to: how many addresses will be sent the `Move`, and the lines
/// that were not addresses (1-based, with why).
#[derive(Debug, Default)]
pub struct PullMoveReport {
    pub followers: usize,
    pub invalid: Vec<(usize, String)>,
}

/// Reads a followers export: Mastodon's (one `user@domain` address per line, or its CSV with
/// the address in the first column and a header line), `@` and `acct:` prefixes allowed.
/// Returns the distinct addresses and the lines that are not addresses.
pub fn parse_followers_csv(text: &str) -> (Vec<String>, Vec<(usize, String)>) {
    let mut addresses: Vec<String> = Vec::new();
    let mut invalid = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let first = line
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if n == 0 && first.eq_ignore_ascii_case("account address") {
            continue;
        }
        let address = first
            .strip_prefix("acct:")
            .unwrap_or(first)
            .trim_start_matches('@');
        let valid = address.split_once('@').and_then(|(user, domain)| {
            let domain = crate::service::moderation::domains::normalize_domain(domain)?;
            let user_ok = !user.is_empty() && !user.contains(['@', ' ', '/']) && user.len() <= 100;
            user_ok.then(|| format!("{user}@{domain}"))
        });
        match valid {
            Some(a) => {
                if !addresses.iter().any(|known| known.eq_ignore_ascii_case(&a)) {
                    addresses.push(a);
                }
            }
            None => invalid.push((n + 1, format!("not an account address: {first:?}"))),
        }
    }
    (addresses, invalid)
}

/// FEP-7628's pull mode, as the new home: `account` lists the old actor `from_actor` in its
/// aliases and uploads the old followers list; a `pull_move` job sends each follower's server
/// a `Move` (actor = this account, object = the old actor, target = this account), signed by
/// this account. Local followers among them are moved here by the same rules a receiver
/// applies ([`check_pull`]).
#[tracing::instrument(skip_all, fields(account.id = account.id))]
pub async fn pull_move(
    state: &AppState,
    account: &Account,
    from_actor: &str,
    followers_csv: &str,
) -> Result<PullMoveReport> {
    ensure_not_moved(account)?;
    let from_actor = from_actor.trim();
    if !is_actor_url(from_actor) {
        return Err(Error::invalid(
            "from_actor_id",
            "ERR_INVALID",
            "must be the old actor's id (an http(s) URL)",
        ));
    }
    if !account.also_known_as.iter().any(|a| a == from_actor) {
        return Err(Error::unprocessable(format!(
            "{from_actor} is not among this account's aliases; add it with POST /api/v1/accounts/alias first"
        )));
    }
    if let Some(known) = store::accounts::by_uri(&state.db, from_actor).await? {
        if known.is_local() {
            return Err(Error::unprocessable(
                "A local account moves with POST /api/v1/accounts/move",
            ));
        }
    }
    let (addresses, invalid) = parse_followers_csv(followers_csv);
    if addresses.len() > MAX_PULL_FOLLOWERS {
        return Err(Error::unprocessable(format!(
            "Validation failed: At most {MAX_PULL_FOLLOWERS} followers at once"
        )));
    }
    if addresses.is_empty() {
        return Err(Error::invalid(
            "followers_csv",
            "ERR_BLANK",
            "holds no account address",
        ));
    }
    let report = PullMoveReport {
        followers: addresses.len(),
        invalid,
    };
    // Batches, so no attempt outlives its lease; the first also moves local followers.
    let mut tx = state.db.begin().await?;
    for (n, batch) in addresses.chunks(PULL_BATCH).enumerate() {
        let job = Job::PullMove(PullMove {
            account_id: account.id,
            origin_uri: from_actor.to_string(),
            addresses: batch.to_vec(),
            move_local: n == 0,
        });
        queue::enqueue(&mut tx, &job).await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// The `pull_move` job: each follower address is resolved (remote ones over WebFinger, a
/// failure skips that one) and the `Move` goes once to each of their inboxes, as durable
/// deliveries; then the local followers of the old actor move as a receiver would move them.
#[tracing::instrument(skip_all, fields(account.id = job.account_id))]
pub async fn send_pull_move(state: &AppState, job: &PullMove) -> Result<()> {
    let account = store::accounts::by_id(&state.db, job.account_id)
        .await?
        .filter(|a| a.is_local())
        .ok_or(Error::NotFound)?;
    if !account.also_known_as.contains(&job.origin_uri) || account.has_moved() {
        return Ok(());
    }
    let mut inboxes = Vec::new();
    for address in &job.addresses {
        let Some((username, domain)) = address.split_once('@') else {
            continue;
        };
        if domain.eq_ignore_ascii_case(&state.config.domain) {
            continue;
        }
        match remote::resolve_handle(state, username, domain).await {
            Ok(follower) if !follower.is_local() => inboxes.push(delivery::inbox_of(&follower)),
            Ok(_) => {}
            Err(Error::Internal(e)) => return Err(Error::Internal(e)),
            Err(e) => tracing::info!(error = %e, address, "a follower could not be resolved"),
        }
    }
    let activity =
        outbox::with_context(convert::move_actor(&account, &job.origin_uri, &account.uri))?;
    let mut tx = state.db.begin().await?;
    delivery::deliver(&mut tx, &account, &activity, &inboxes).await?;
    tx.commit().await?;
    tracing::info!(inboxes = inboxes.len(), "pull-mode Move sent");
    if !job.move_local {
        return Ok(());
    }
    match check_pull(state, &job.origin_uri, &account).await {
        Ok(origin) => {
            let mut tx = state.db.begin().await?;
            migrate(&mut tx, &origin, &account, true).await?;
            tx.commit().await?;
        }
        Err(Error::Internal(e)) => return Err(Error::Internal(e)),
        Err(e) => tracing::info!(error = %e, "local followers of the old actor stay"),
    }
    Ok(())
}

/// The account a moved local account moved to, for its profile page's redirect.
pub async fn moved_target(state: &AppState, account: &Account) -> Result<Option<Account>> {
    match account.moved_to_account_id {
        Some(id) => Ok(store::accounts::by_id(&state.db, id).await?),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_followers_csv;

    #[test]
    fn followers_exports_are_read_line_by_line() {
        let (found, invalid) = parse_followers_csv(
            "Account address,Show boosts\n@alice@one.example,true\nbob@Two.Example\n\nnot an address\nacct:carol@three.example:8080\nalice@one.example\n",
        );
        assert_eq!(
            found,
            vec![
                "alice@one.example".to_string(),
                "bob@two.example".to_string(),
                "carol@three.example:8080".to_string()
            ]
        );
        assert_eq!(invalid.len(), 1);
        assert_eq!(invalid[0].0, 5);
        let (bare, none) = parse_followers_csv("dave@four.example");
        assert_eq!(bare, vec!["dave@four.example".to_string()]);
        assert!(none.is_empty());
    }
}
