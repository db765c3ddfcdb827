//! Local accounts: sign-up, profile edits, and the administrator's account chores.

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::{Account, Role, User};
use crate::store;
use crate::{crypto, id};

mod profile;

pub(crate) use profile::federate_profile;
pub use profile::{
    attribution_domain, is_language_code, reading_preferences, update_credentials, update_profile,
    ProfileChanges, ProfileImages, MAX_ATTRIBUTION_DOMAINS,
};

/// Names nobody may register: they impersonate staff or collide with well-known mailboxes.
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "support",
    "help",
    "root",
    "webmaster",
    "mod",
    "moderator",
    "abuse",
    "postmaster",
    "hostmaster",
    "security",
    "staff",
    "system",
    "instance",
    "actor",
    "noreply",
];

const USERNAME_MAX: usize = 30;
const PASSWORD_MIN: usize = 8;
const PASSWORD_MAX: usize = 72;
const EMAIL_MAX: usize = 254;

/// What a sign-up asks for.
pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
    pub agreement: bool,
    pub locale: Option<String>,
    pub reason: Option<String>,
    pub ip: Option<String>,
}

/// Checks a local username against Mastodon's rules; adds errors to `v`.
pub fn check_username(v: &mut Validation, username: &str) {
    if username.is_empty() {
        v.add("username", "ERR_BLANK", "can't be blank");
    } else if username.chars().count() > USERNAME_MAX {
        v.add(
            "username",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {USERNAME_MAX} characters)"),
        );
    } else if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        v.add(
            "username",
            "ERR_INVALID",
            "must contain only letters, numbers and underscores",
        );
    } else if RESERVED_USERNAMES.contains(&username.to_ascii_lowercase().as_str()) {
        v.add("username", "ERR_RESERVED", "is reserved");
    }
}

fn check_email(v: &mut Validation, email: &str) {
    let valid = email.len() <= EMAIL_MAX
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if email.is_empty() {
        v.add("email", "ERR_BLANK", "can't be blank");
    } else if !valid {
        v.add("email", "ERR_INVALID", "is invalid");
    }
}

pub(crate) fn check_password(v: &mut Validation, password: &str) {
    let len = password.chars().count();
    if password.is_empty() {
        v.add("password", "ERR_BLANK", "can't be blank");
    } else if len < PASSWORD_MIN {
        v.add(
            "password",
            "ERR_TOO_SHORT",
            format!("is too short (minimum is {PASSWORD_MIN} characters)"),
        );
    } else if len > PASSWORD_MAX {
        v.add(
            "password",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {PASSWORD_MAX} characters)"),
        );
    }
}

/// Signs someone up through the API, as the registration mode allows. Returns the new user;
/// in approval mode the user waits, unapproved, for an administrator.
#[tracing::instrument(skip_all, fields(account.username = %reg.username))]
pub async fn register(state: &AppState, reg: Registration) -> Result<(User, Account)> {
    use crate::config::RegistrationMode;
    let mode = crate::service::instance_settings::config(state)
        .await?
        .registrations;
    if mode == RegistrationMode::Closed {
        return Err(Error::forbidden(
            "Registrations are closed on this instance",
        ));
    }
    let mut v = Validation::default();
    check_username(&mut v, &reg.username);
    check_email(&mut v, &reg.email);
    check_password(&mut v, &reg.password);
    if !reg.agreement {
        v.add("agreement", "ERR_ACCEPTED", "must be accepted");
    }
    let reason = reg
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if let Some(r) = reason {
        if r.chars().count() > 1_000 {
            v.add(
                "reason",
                "ERR_TOO_LONG",
                "is too long (maximum is 1000 characters)",
            );
        }
    }
    if let Some(locale) = &reg.locale {
        if !is_language_code(locale) {
            v.add("locale", "ERR_INCLUSION", "is not included in the list");
        }
    }
    v.finish()?;
    let (user, account) = create_local(
        state,
        NewLocal {
            username: &reg.username,
            email: &reg.email,
            password: &reg.password,
            role: Role::User,
            approved: mode == RegistrationMode::Open,
            locale: reg.locale.as_deref().unwrap_or("en"),
            reason,
            ip: reg.ip.as_deref(),
        },
    )
    .await?;
    // The account exists whatever happens here: a lost notification is not a failed sign-up.
    if let Err(e) = notify_staff_of_sign_up(state, account.id).await {
        tracing::warn!(error = %e, account.id = account.id, "moderators were not told of a sign-up");
    }
    Ok((user, account))
}

async fn notify_staff_of_sign_up(state: &AppState, account_id: i64) -> Result<()> {
    let conn = state.db.acquire().await?;
    crate::service::notifications::notify_staff(
        conn,
        account_id,
        crate::model::NotificationType::AdminSignUp,
        None,
    )
    .await
}

struct NewLocal<'a> {
    username: &'a str,
    email: &'a str,
    password: &'a str,
    role: Role,
    approved: bool,
    locale: &'a str,
    reason: Option<&'a str>,
    ip: Option<&'a str>,
}

/// Creates account and user in one transaction. Taken names and addresses are found before
/// the slow key generation, and again by the unique indexes for a racing sign-up.
async fn create_local(state: &AppState, new: NewLocal<'_>) -> Result<(User, Account)> {
    let mut v = Validation::default();
    if store::accounts::local_by_username(&state.db, new.username)
        .await?
        .is_some()
    {
        v.add("username", "ERR_TAKEN", "has already been taken");
    }
    if store::users::by_login(&state.db, new.email)
        .await?
        .is_some()
    {
        v.add("email", "ERR_TAKEN", "has already been taken");
    }
    v.finish()?;

    let password = new.password.to_string();
    let cost = state.config.security.password_cost();
    let key_pairs = state.key_pairs.clone();
    let (password_hash, (private_pem, public_pem)) = tokio::task::spawn_blocking(move || {
        Ok::<_, anyhow::Error>((
            crypto::hash_password_with(&password, cost)?,
            key_pairs.next()?,
        ))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;

    let base_url = state.base_url();
    let account_id = id::next();
    let user_id = id::next();
    let mut tx = state.db.begin().await?;
    let inserted = async {
        store::accounts::insert_local(
            &mut tx,
            &store::accounts::NewLocalAccount {
                id: account_id,
                username: new.username,
                base_url: &base_url,
                public_key_pem: &public_pem,
                private_key_pem: &private_pem,
            },
        )
        .await?;
        store::users::insert(
            &mut *tx,
            &store::users::NewUser {
                id: user_id,
                account_id,
                email: new.email,
                password_hash: &password_hash,
                role: new.role,
                approved: new.approved,
                locale: new.locale,
                reason: new.reason,
                sign_up_ip: new.ip,
            },
        )
        .await
    }
    .await;
    if let Err(e) = inserted {
        return Err(match store::unique_violation(&e).as_deref() {
            Some("accounts_local_username_key") => {
                Error::invalid("username", "ERR_TAKEN", "has already been taken")
            }
            Some("users_email_key") => {
                Error::invalid("email", "ERR_TAKEN", "has already been taken")
            }
            _ => e.into(),
        });
    }
    tx.commit().await?;
    tracing::info!(
        account.id = account_id,
        approved = new.approved,
        "account created"
    );
    let user = store::users::by_id(&state.db, user_id)
        .await?
        .ok_or_else(|| Error::internal("new user vanished"))?;
    let account = store::accounts::by_id(&state.db, account_id)
        .await?
        .ok_or_else(|| Error::internal("new account vanished"))?;
    Ok((user, account))
}

/// An account made by an administrator from the command line: approved at once, any role.
/// Without a password, one is generated and returned (to be shown once).
pub async fn create_by_admin(
    state: &AppState,
    username: &str,
    email: &str,
    role: Role,
    password: Option<String>,
) -> Result<(Account, Option<String>)> {
    let generated = password.is_none().then(|| crypto::random_token(18));
    let password = password.or_else(|| generated.clone()).unwrap_or_default();
    let mut v = Validation::default();
    check_username(&mut v, username);
    check_email(&mut v, email);
    check_password(&mut v, &password);
    v.finish()?;
    let (_, account) = create_local(
        state,
        NewLocal {
            username,
            email,
            password: &password,
            role,
            approved: true,
            locale: "en",
            reason: None,
            ip: None,
        },
    )
    .await?;
    Ok((account, generated))
}

/// The local user called `username`, or a 404.
pub async fn user_by_username(state: &AppState, username: &str) -> Result<User> {
    store::users::by_username(&state.db, username)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn approve(state: &AppState, username: &str) -> Result<User> {
    let user = user_by_username(state, username).await?;
    store::users::set_approved(&state.db, user.id, true).await?;
    Ok(User {
        approved: true,
        ..user
    })
}

pub async fn set_role(state: &AppState, username: &str, role: Role) -> Result<()> {
    let user = user_by_username(state, username).await?;
    store::users::set_role(&state.db, user.id, role).await?;
    Ok(())
}

/// Sets a new random password, signs the user out everywhere, and returns the password.
pub async fn reset_password(state: &AppState, username: &str) -> Result<String> {
    let user = user_by_username(state, username).await?;
    let password = crypto::random_token(18);
    let for_hash = password.clone();
    let cost = state.config.security.password_cost();
    let hash = tokio::task::spawn_blocking(move || crypto::hash_password_with(&for_hash, cost))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    let mut tx = state.db.begin().await?;
    store::users::set_password_hash(&mut *tx, user.id, &hash).await?;
    store::oauth::revoke_all_for_user(&mut *tx, user.id).await?;
    store::oauth::delete_sessions_of(&mut *tx, user.id).await?;
    tx.commit().await?;
    Ok(password)
}

/// An account by id, suspended or not (moderation, reports); `NotFound` when there is none.
pub async fn by_id(state: &AppState, id: i64) -> Result<Account> {
    store::accounts::by_id(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}

/// The accounts with these ids that exist, in no particular order.
pub async fn by_ids(state: &AppState, ids: &[i64]) -> Result<Vec<Account>> {
    Ok(store::accounts::by_ids(&state.db, ids).await?)
}

/// The accounts with these ids and the local users behind them (moderation views).
pub async fn with_users(state: &AppState, ids: &[i64]) -> Result<(Vec<Account>, Vec<User>)> {
    let accounts = store::accounts::by_ids(&state.db, ids).await?;
    let users = store::users::by_account_ids(&state.db, ids).await?;
    Ok((accounts, users))
}

/// The local account called `username` (any case), suspended or not.
pub async fn local(state: &AppState, username: &str) -> Result<Option<Account>> {
    Ok(store::accounts::local_by_username(&state.db, username).await?)
}

/// The local account whose public page is `/@username`: not suspended, and a person's (the
/// instance's own actor has no page).
pub async fn public_profile(state: &AppState, username: &str) -> Result<Account> {
    match local(state, username).await? {
        Some(a) if !a.is_suspended() && a.actor_type != "Application" => Ok(a),
        _ => Err(Error::NotFound),
    }
}

/// An account by id as a viewer may see it: suspended accounts are gone.
/// A moved account comes with the account it moved to (the entity's `moved`).
pub async fn visible_account(state: &AppState, id: i64) -> Result<Account> {
    match store::accounts::by_id(&state.db, id).await? {
        Some(a) if !a.is_suspended() => crate::service::moves::with_moved(state, a).await,
        _ => Err(Error::NotFound),
    }
}

/// `alice`, `@alice`, `alice@this.host` (local) or `bob@remote.example` (a known remote account).
pub async fn lookup(state: &AppState, acct: &str) -> Result<Account> {
    let acct = acct.trim().trim_start_matches('@');
    let (username, domain) = match acct.split_once('@') {
        Some((u, d)) => (u, Some(d)),
        None => (acct, None),
    };
    if username.is_empty() {
        return Err(Error::NotFound);
    }
    let local_domain = &state.config.domain;
    let found = match domain {
        None => store::accounts::local_by_username(&state.db, username).await?,
        Some(d) if d.eq_ignore_ascii_case(local_domain) => {
            store::accounts::local_by_username(&state.db, username).await?
        }
        Some(d) => store::accounts::remote_by_handle(&state.db, username, d).await?,
    };
    match found {
        Some(a) if !a.is_suspended() => crate::service::moves::with_moved(state, a).await,
        _ => Err(Error::NotFound),
    }
}

/// The most accounts `GET /api/v1/accounts?id[]=` returns at once (Mastodon's limit).
pub const MANY_MAX: usize = 40;

/// Several accounts by id, in the order asked, each once: unknown and suspended ones are
/// skipped; more than [`MANY_MAX`] ids are refused.
pub async fn many(state: &AppState, ids: &[i64]) -> Result<Vec<Account>> {
    let mut unique: Vec<i64> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    if unique.len() > MANY_MAX {
        return Err(Error::unprocessable(format!(
            "Validation failed: At most {MANY_MAX} ids at once"
        )));
    }
    let mut found: std::collections::HashMap<i64, Account> =
        store::accounts::by_ids(&state.db, &unique)
            .await?
            .into_iter()
            .filter(|a| !a.is_suspended())
            .map(|a| (a.id, a))
            .collect();
    let mut accounts = Vec::with_capacity(unique.len());
    for account in unique.iter().filter_map(|id| found.remove(id)) {
        accounts.push(crate::service::moves::with_moved(state, account).await?);
    }
    Ok(accounts)
}

/// An account search as a client asked for it (`GET /api/v1/accounts/search`).
pub struct AccountSearch {
    pub q: String,
    /// 40 unless asked, clamped to 1..=80.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// Look a `user@domain` handle up over WebFinger when it is not known here.
    pub resolve: bool,
    /// Only accounts the searcher follows.
    pub following: bool,
}

/// Accounts matching `search.q` for `viewer`, ranked as Mastodon roughly ranks them: the exact
/// handle first, then accounts the viewer follows, then the others. Resolving finds a remote
/// `user@domain` over WebFinger first (a handle that cannot be found is no error: the search
/// answers what it knows).
#[tracing::instrument(skip_all, fields(account.id = viewer.id))]
pub async fn search(
    state: &AppState,
    viewer: &Account,
    search: AccountSearch,
) -> Result<Vec<Account>> {
    // Clamped, as every list's limit is; a negative offset is a mistake worth telling.
    let limit = search.limit.unwrap_or(40).clamp(1, 80);
    let offset = search.offset.unwrap_or(0);
    if offset < 0 {
        return Err(Error::invalid(
            "offset",
            "ERR_INVALID",
            "must not be negative",
        ));
    }
    let mut q = search.q.trim().trim_start_matches('@').to_lowercase();
    if q.is_empty() {
        return Err(Error::bad_request(
            "param is missing or the value is empty: q",
        ));
    }
    let local_suffix = format!("@{}", state.config.domain.to_lowercase());
    if let Some(local) = q.strip_suffix(&local_suffix) {
        q = local.to_string();
    }
    let mut resolved = None;
    if let (true, 0, Some((user, domain))) = (search.resolve, offset, q.split_once('@')) {
        if !user.is_empty() && !domain.is_empty() && !domain.contains(['@', '/', ' ']) {
            match crate::service::remote::resolve_handle(state, user, domain).await {
                Ok(account) if !account.is_suspended() => resolved = Some(account),
                Ok(_)
                | Err(Error::NotFound)
                | Err(Error::Unavailable(_))
                | Err(Error::Validation { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let mut found = store::accounts::search_for(
        &state.db,
        &store::accounts::AccountSearch {
            viewer: viewer.id,
            q: &q,
            following: search.following,
            limit,
            offset,
        },
    )
    .await?;
    if let Some(account) = resolved {
        // The store ranks an exact handle first: the resolved account leads unless it is
        // already there, or filtered out (not followed, or blocked either way).
        if !found.iter().any(|a| a.id == account.id)
            && (!search.following || following(state, viewer.id, account.id).await?)
            && !store::relationships::blocked_either_way(&state.db, viewer.id, account.id).await?
        {
            found.insert(0, account);
            found.truncate(limit as usize);
        }
    }
    Ok(found)
}

async fn following(state: &AppState, viewer: i64, target: i64) -> Result<bool> {
    Ok(
        store::relationships::relationships(&state.db, viewer, &[target], true)
            .await?
            .first()
            .is_some_and(|r| r.following),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        let check = |u: &str| {
            let mut v = Validation::default();
            check_username(&mut v, u);
            v.is_empty()
        };
        assert!(check("alice_01"));
        assert!(check("Alice"));
        assert!(!check(""));
        assert!(!check("al ice"));
        assert!(!check("alice.b"));
        assert!(!check("ädmin"));
        assert!(!check("Admin"));
        assert!(!check(&"a".repeat(31)));
        assert!(check(&"a".repeat(30)));
    }

    #[test]
    fn languages() {
        assert!(is_language_code("en"));
        assert!(is_language_code("pt-BR"));
        assert!(is_language_code("fil"));
        assert!(!is_language_code("english"));
        assert!(!is_language_code("EN"));
        assert!(!is_language_code(""));
    }
}
