//! OAuth 2 as Mastodon speaks it: client apps, sign-in, authorization codes (with PKCE),
//! token grants, revocation, and turning a bearer token back into who is calling. Browser
//! sessions (tokens of the built-in web app) and sign-in from a form are in [`sessions`].

mod sessions;
mod tentative;

pub use sessions::*;
pub use tentative::Tentative;

use std::sync::{Arc, OnceLock};

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::oauth::OOB_REDIRECT_URI;
use crate::model::{Account, App, Scopes, TokenGrant, User};
use crate::{crypto, id, store};

const CODE_LIFETIME_MINUTES: i64 = 10;

/// Why a grant or a revocation is refused, in the terms of RFC 6749 (§5.2) and RFC 7009; the
/// faces decide how each is answered.
#[derive(Debug)]
pub enum OAuthError {
    /// The client is unknown, or its secret is missing or wrong (`invalid_client`).
    InvalidClient,
    /// The code, refresh token or credentials are no good, and why (`invalid_grant`).
    InvalidGrant(String),
    /// A scope asked for is unknown or beyond the app's (`invalid_scope`).
    InvalidScope,
    /// A parameter the grant needs was not sent (`invalid_request`).
    MissingParameter(&'static str),
    /// The token to revoke belongs to another client (`unauthorized_client`).
    UnauthorizedClient,
    /// Not a refusal: the work itself failed (the database, for instance).
    Failed(Error),
}

impl From<Error> for OAuthError {
    fn from(e: Error) -> Self {
        OAuthError::Failed(e)
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        OAuthError::Failed(e.into())
    }
}

/// A new app and its secret (shown this once).
pub struct CreatedApp {
    pub app: App,
    pub client_secret: String,
}

/// Registers a client application (`POST /api/v1/apps`).
#[tracing::instrument(skip_all, fields(app.name = %name))]
pub async fn create_app(
    state: &AppState,
    name: &str,
    redirect_uris: Vec<String>,
    scopes: &str,
    website: Option<&str>,
) -> Result<CreatedApp> {
    let mut v = Validation::default();
    let name = name.trim();
    if name.is_empty() {
        v.add("client_name", "ERR_BLANK", "can't be blank");
    } else if name.chars().count() > 60 {
        v.add(
            "client_name",
            "ERR_TOO_LONG",
            "is too long (maximum is 60 characters)",
        );
    }
    let redirect_uris: Vec<String> = redirect_uris
        .iter()
        .flat_map(|r| r.split(['\n', ' ']))
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    if redirect_uris.is_empty() {
        v.add("redirect_uris", "ERR_BLANK", "can't be blank");
    }
    for uri in &redirect_uris {
        if uri != OOB_REDIRECT_URI && !is_valid_redirect_uri(uri) {
            v.add(
                "redirect_uris",
                "ERR_INVALID",
                "must be an absolute URI without a fragment",
            );
            break;
        }
    }
    let scopes = match Scopes::parse(scopes) {
        Ok(s) => s,
        Err(unknown) => {
            v.add(
                "scopes",
                "ERR_INVALID",
                format!("contains an unknown scope: {unknown}"),
            );
            Scopes::from_vec(vec![])
        }
    };
    let website = website.map(str::trim).filter(|w| !w.is_empty());
    if let Some(w) = website {
        if !matches!(url::Url::parse(w), Ok(u) if matches!(u.scheme(), "http" | "https")) {
            v.add("website", "ERR_INVALID", "is not a valid URL");
        }
    }
    v.finish()?;

    let client_id = crypto::random_token(32);
    let client_secret = crypto::random_token(32);
    let app = store::oauth::insert_app(
        &state.db,
        &store::oauth::NewApp {
            id: id::next(),
            name,
            website,
            redirect_uris: &redirect_uris,
            scopes: scopes.as_slice(),
            client_id: &client_id,
            client_secret_hash: &crypto::sha256_hex(&client_secret),
        },
    )
    .await?;
    Ok(CreatedApp { app, client_secret })
}

fn is_valid_redirect_uri(uri: &str) -> bool {
    // Native apps register custom schemes (`myapp://callback`); only schemes that would run
    // code in the browser are refused.
    match url::Url::parse(uri) {
        Ok(u) => {
            u.fragment().is_none()
                && !matches!(u.scheme(), "javascript" | "data" | "vbscript" | "file")
        }
        Err(_) => false,
    }
}

/// The app with this client id, for the authorize page (which must not redirect anywhere for
/// an unknown client).
pub async fn app_by_client_id(state: &AppState, client_id: &str) -> Result<Option<App>> {
    Ok(store::oauth::app_by_client_id(&state.db, client_id).await?)
}

pub async fn app_by_id(state: &AppState, id: i64) -> Result<App> {
    store::oauth::app_by_id(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}

fn invalid_client() -> OAuthError {
    OAuthError::InvalidClient
}

fn invalid_grant(why: &str) -> OAuthError {
    OAuthError::InvalidGrant(why.to_string())
}

/// The client calling the token or revoke endpoint. `secret` may be absent only where
/// `secret_optional` (a PKCE-protected code exchange).
pub async fn authenticate_client(
    state: &AppState,
    client_id: Option<&str>,
    secret: Option<&str>,
    secret_optional: bool,
) -> Result<App, OAuthError> {
    let client_id = client_id
        .filter(|c| !c.is_empty())
        .ok_or_else(invalid_client)?;
    let app = store::oauth::app_by_client_id(&state.db, client_id)
        .await?
        .ok_or_else(invalid_client)?;
    match secret.filter(|s| !s.is_empty()) {
        Some(secret) => {
            let hash = crypto::sha256_hex(secret);
            if !crypto::constant_time_eq(hash.as_bytes(), app.client_secret_hash.as_bytes()) {
                return Err(invalid_client());
            }
        }
        None if secret_optional => {}
        None => return Err(invalid_client()),
    }
    Ok(app)
}

/// A hash to compare against when the login is unknown, so that a wrong login and a wrong
/// password take the same time. Made at the configured cost, since users' hashes are: at
/// another cost an unknown login would answer measurably faster or slower than a known one.
/// Kept per cost, as one process may serve several configurations (tests).
fn dummy_hash(cost: crypto::PasswordCost) -> String {
    static HASHES: OnceLock<std::sync::Mutex<Vec<(crypto::PasswordCost, String)>>> =
        OnceLock::new();
    let hashes = HASHES.get_or_init(Default::default);
    let mut hashes = hashes
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, hash)) = hashes.iter().find(|(c, _)| *c == cost) {
        return hash.clone();
    }
    let hash = crypto::hash_password_with("rookery-timing-equaliser", cost).unwrap_or_default();
    hashes.push((cost, hash.clone()));
    hash
}

/// Checks a login (e-mail or username) and password. `None` when they do not match; the
/// caller decides what an unapproved or disabled user may do.
pub async fn check_credentials(
    state: &AppState,
    login: &str,
    password: &str,
) -> Result<Option<User>> {
    let user = store::users::by_login(&state.db, login.trim()).await?;
    let known = user.as_ref().map(|u| u.password_hash.clone());
    let cost = state.config.security.password_cost();
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || {
        let hash = known.unwrap_or_else(|| dummy_hash(cost));
        crypto::verify_password(&password, &hash)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
    let Some(user) = user.filter(|_| ok) else {
        return Ok(None);
    };
    if let Some(account) = store::accounts::by_id(&state.db, user.account_id).await? {
        if account.is_suspended() {
            return Ok(None);
        }
    }
    store::users::touch_sign_in(&state.db, user.id).await?;
    Ok(Some(user))
}

/// The request of an authorize page, checked against the app.
pub struct AuthorizeRequest {
    pub app: App,
    pub redirect_uri: String,
    /// The request named its redirect URI (rather than taking the app's only one): the code
    /// exchange must then name it too (RFC 6749 §4.1.3).
    pub redirect_uri_given: bool,
    pub scopes: Scopes,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// Why an authorize request cannot go on, before any redirect is safe.
pub fn check_authorize(
    app: App,
    redirect_uri: Option<&str>,
    scope: Option<&str>,
    response_type: Option<&str>,
    code_challenge: Option<&str>,
    code_challenge_method: Option<&str>,
) -> std::result::Result<AuthorizeRequest, String> {
    if let Some(rt) = response_type {
        if rt != "code" {
            return Err(format!(
                "The response type {rt:?} is not supported; use \"code\"."
            ));
        }
    }
    let redirect_uri_given = redirect_uri.is_some_and(|r| !r.is_empty());
    let redirect_uri = match redirect_uri.filter(|r| !r.is_empty()) {
        Some(r) => r.to_string(),
        None if app.redirect_uris.len() == 1 => app.redirect_uris[0].clone(),
        None => return Err("The redirect_uri parameter is missing.".into()),
    };
    if !app.redirect_uris.iter().any(|r| r == &redirect_uri) {
        return Err("The redirect URI included is not valid for this application.".into());
    }
    let registered = Scopes::from_vec(app.scopes.clone());
    let scopes = match scope.filter(|s| !s.trim().is_empty()) {
        None => registered.clone(),
        Some(raw) => {
            Scopes::parse(raw).map_err(|unknown| format!("The scope {unknown:?} is unknown."))?
        }
    };
    if !registered.contains_all(&scopes) {
        return Err("The requested scope is invalid, unknown, or malformed.".into());
    }
    // S256 only, as on Mastodon: "plain" puts the verifier itself in the browser's address
    // bar, where whoever sees the code sees it too. A challenge without a method would be
    // "plain" (RFC 7636 §4.3), so it is refused alike, with Doorkeeper's words.
    let method = match (
        code_challenge.filter(|c| !c.is_empty()),
        code_challenge_method,
    ) {
        (None, _) => None,
        (Some(_), Some("S256")) => Some("S256".to_string()),
        (Some(_), _) => return Err("The code_challenge_method must be S256.".into()),
    };
    if let Some(c) = code_challenge.filter(|c| !c.is_empty()) {
        if !(43..=128).contains(&c.len()) {
            return Err("The code challenge must be 43 to 128 characters long.".into());
        }
    }
    Ok(AuthorizeRequest {
        app,
        redirect_uri,
        redirect_uri_given,
        scopes,
        code_challenge: code_challenge.filter(|c| !c.is_empty()).map(str::to_string),
        code_challenge_method: method,
    })
}

/// Issues an authorization code for `user` (after they consented).
pub async fn issue_code(state: &AppState, req: &AuthorizeRequest, user: &User) -> Result<String> {
    let code = crypto::random_token(32);
    store::oauth::insert_code(
        &state.db,
        &store::oauth::NewCode {
            code_hash: &crypto::sha256_hex(&code),
            app_id: req.app.id,
            user_id: user.id,
            scopes: req.scopes.as_slice(),
            redirect_uri: &req.redirect_uri,
            redirect_uri_given: req.redirect_uri_given,
            code_challenge: req.code_challenge.as_deref(),
            code_challenge_method: req.code_challenge_method.as_deref(),
            expires_at: Utc::now() + Duration::minutes(CODE_LIFETIME_MINUTES),
        },
    )
    .await?;
    Ok(code)
}

/// A token as the token endpoint returns it.
pub struct IssuedToken {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub scopes: Scopes,
    pub created_at: DateTime<Utc>,
}

/// Stores and returns a new token. User tokens come with a refresh token.
pub async fn issue_token(
    state: &AppState,
    app_id: i64,
    user_id: Option<i64>,
    scopes: Scopes,
) -> Result<IssuedToken> {
    insert_token(&state.db, app_id, user_id, scopes, None, None).await
}

/// [`issue_token`] on `db`, remembering the code the token descends from: the one exchanged
/// for it, or that of the token it is refreshed from.
async fn insert_token(
    db: impl sqlx::PgExecutor<'_>,
    app_id: i64,
    user_id: Option<i64>,
    scopes: Scopes,
    authorization_code_hash: Option<&str>,
    refreshed_from: Option<i64>,
) -> Result<IssuedToken> {
    let access_token = crypto::random_token(32);
    let refresh_token = user_id.map(|_| crypto::random_token(32));
    let refresh_hash = refresh_token.as_deref().map(crypto::sha256_hex);
    let created_at = store::oauth::insert_token(
        db,
        &store::oauth::NewToken {
            id: id::next(),
            token_hash: &crypto::sha256_hex(&access_token),
            refresh_token_hash: refresh_hash.as_deref(),
            app_id,
            user_id,
            scopes: scopes.as_slice(),
            authorization_code_hash,
            refreshed_from,
        },
    )
    .await?;
    Ok(IssuedToken {
        access_token,
        refresh_token,
        scopes,
        created_at,
    })
}

const GRANT_INVALID: &str = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

/// The `authorization_code` grant. A code is spent by its first exchange, whatever the
/// outcome. A second exchange means the code leaked (RFC 6749 §4.1.2): when made as the client
/// the code was issued to, every token descended from the code is revoked as well.
pub async fn exchange_code(
    state: &AppState,
    client_id: Option<&str>,
    client_secret: Option<&str>,
    code: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> Result<IssuedToken, OAuthError> {
    let code_hash = crypto::sha256_hex(code);
    // The code's row stays locked until this transaction ends, so a concurrent second
    // exchange finds the first one's token when it revokes.
    let mut tx = state.db.begin().await?;
    let code_row = match store::oauth::claim_code(&mut tx, &code_hash).await? {
        store::oauth::CodeClaim::Fresh(row) => row,
        store::oauth::CodeClaim::Spent(row) => {
            // Only whoever could have redeemed the code may have its tokens revoked; anyone
            // else merely learns that the grant is invalid.
            let app = authenticate_client(
                state,
                client_id,
                client_secret,
                row.code_challenge.is_some(),
            )
            .await?;
            if app.id == row.app_id {
                let revoked = store::oauth::revoke_tokens_of_code(&mut *tx, &code_hash).await?;
                tx.commit().await?;
                tracing::warn!(
                    app.id = app.id,
                    revoked,
                    "authorization code redeemed again; the tokens issued from it are revoked"
                );
            }
            return Err(invalid_grant(GRANT_INVALID));
        }
        store::oauth::CodeClaim::Unknown => {
            drop(tx);
            // Still authenticate the client first, so a bad client hears about its credentials.
            authenticate_client(state, client_id, client_secret, true).await?;
            return Err(invalid_grant(GRANT_INVALID));
        }
    };
    let outcome = match authenticate_client(
        state,
        client_id,
        client_secret,
        code_row.code_challenge.is_some(),
    )
    .await
    {
        Ok(app) => {
            redeem(
                state,
                &mut tx,
                &app,
                code_row,
                &code_hash,
                redirect_uri,
                code_verifier,
            )
            .await
        }
        Err(e) => Err(e),
    };
    // Committed on failure too: the code is spent either way.
    let committed = tx.commit().await;
    let issued = outcome?;
    committed?;
    Ok(issued)
}

/// The checks of a code's first exchange by `app`, and its token, issued in `tx`.
async fn redeem(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    app: &App,
    code_row: crate::model::AuthCode,
    code_hash: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> Result<IssuedToken, OAuthError> {
    if code_row.app_id != app.id || code_row.expires_at < Utc::now() {
        return Err(invalid_grant(GRANT_INVALID));
    }
    match redirect_uri.filter(|r| !r.is_empty()) {
        Some(r) if r != code_row.redirect_uri => {
            return Err(invalid_grant(
                "The redirect URI does not match the one used in the authorization request.",
            ));
        }
        Some(_) => {}
        None if code_row.redirect_uri_given => {
            return Err(OAuthError::MissingParameter("redirect_uri"));
        }
        None => {}
    }
    if let Some(challenge) = &code_row.code_challenge {
        let verifier = code_verifier
            .filter(|v| !v.is_empty())
            .ok_or_else(|| invalid_grant("The code verifier is missing."))?;
        // Codes are issued with S256 only; any other method (a code from before) fails.
        let expected = (code_row.code_challenge_method.as_deref() == Some("S256")).then(|| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(verifier.as_bytes()))
        });
        if !expected.is_some_and(|e| crypto::constant_time_eq(e.as_bytes(), challenge.as_bytes())) {
            return Err(invalid_grant(
                "The code verifier does not match the code challenge.",
            ));
        }
    }
    let user = store::users::by_id(&state.db, code_row.user_id)
        .await?
        .ok_or_else(|| invalid_grant("The user no longer exists."))?;
    if let Some(why) = user.login_refusal() {
        return Err(invalid_grant(why));
    }
    insert_token(
        &mut *tx,
        app.id,
        Some(user.id),
        Scopes::from_vec(code_row.scopes),
        Some(code_hash),
        None,
    )
    .await
    .map_err(OAuthError::from)
}

/// The `password` grant.
pub async fn password_grant(
    state: &AppState,
    app: &App,
    login: &str,
    password: &str,
    scope: Option<&str>,
) -> Result<IssuedToken, OAuthError> {
    let scopes = requested_scopes(app, scope)?;
    let user = check_credentials(state, login, password)
        .await?
        .ok_or_else(|| invalid_grant("Invalid e-mail address or password."))?;
    if let Some(why) = user.login_refusal() {
        return Err(invalid_grant(why));
    }
    // A password alone cannot stand for two factors; Mastodon answers such an account's
    // password grant as it does a wrong password.
    if crate::service::two_factor::enabled(state, user.id).await? {
        return Err(invalid_grant(GRANT_INVALID));
    }
    Ok(issue_token(state, app.id, Some(user.id), scopes).await?)
}

/// The `client_credentials` grant: a token for the app itself, not for a person.
pub async fn client_credentials_grant(
    state: &AppState,
    app: &App,
    scope: Option<&str>,
) -> Result<IssuedToken, OAuthError> {
    let scopes = requested_scopes(app, scope)?;
    Ok(issue_token(state, app.id, None, scopes).await?)
}

/// The `refresh_token` grant: the old token is revoked and a new pair issued.
pub async fn refresh_grant(
    state: &AppState,
    app: &App,
    refresh_token: &str,
) -> Result<IssuedToken, OAuthError> {
    let grant = store::oauth::grant_by_refresh_hash(&state.db, &crypto::sha256_hex(refresh_token))
        .await?
        .filter(|g| g.app_id == app.id)
        .ok_or_else(|| invalid_grant("The refresh token is invalid."))?;
    if !store::oauth::revoke_token(&state.db, grant.token_id).await? {
        return Err(invalid_grant("The refresh token is invalid."));
    }
    insert_token(
        &state.db,
        app.id,
        grant.user_id,
        Scopes::from_vec(grant.scopes),
        None,
        Some(grant.token_id),
    )
    .await
    .map_err(OAuthError::from)
}

fn requested_scopes(app: &App, scope: Option<&str>) -> Result<Scopes, OAuthError> {
    let registered = Scopes::from_vec(app.scopes.clone());
    let asked = match scope.filter(|s| !s.trim().is_empty()) {
        None => return Ok(registered),
        Some(raw) => Scopes::parse(raw).map_err(|_| invalid_scope())?,
    };
    if !registered.contains_all(&asked) {
        return Err(invalid_scope());
    }
    Ok(asked)
}

fn invalid_scope() -> OAuthError {
    OAuthError::InvalidScope
}

/// Revokes an access or refresh token of `app` (RFC 7009: unknown tokens are not an error).
pub async fn revoke(state: &AppState, app: &App, token: &str) -> Result<(), OAuthError> {
    match store::oauth::token_owner(&state.db, &crypto::sha256_hex(token)).await? {
        Some((token_id, app_id)) if app_id == app.id => {
            store::oauth::revoke_token(&state.db, token_id).await?;
            Ok(())
        }
        Some(_) => Err(OAuthError::UnauthorizedClient),
        None => Ok(()),
    }
}

/// Who a bearer token speaks for.
#[derive(Clone, Debug)]
pub struct Principal {
    pub grant: TokenGrant,
    pub scopes: Scopes,
    /// `None` for an app token (client credentials).
    pub user: Option<User>,
    pub account: Option<Account>,
}

/// Resolves a bearer token; `Unauthorized` for an unknown or revoked one, or one whose user or
/// account is gone or suspended. A token seen before is usually answered from the cache, and
/// only once the cache is confirmed to have heard of every revocation and change to the user
/// or account committed so far ([`Cache::principal_now`]): whatever the caller then does
/// rests on the token as it is now, not as it was when cached.
///
/// [`Cache::principal_now`]: crate::service::cache::Cache::principal_now
pub async fn authenticate(state: &AppState, token: &str) -> Result<Arc<Principal>> {
    let invalid = || Error::unauthorized("The access token is invalid");
    let hash = crypto::sha256_hex(token);
    if let Some(principal) = state.cache.principal_now(&state.kept, &hash).await {
        return Ok(principal);
    }
    let usage = state.cache.begin(&state.db).await;
    // On a reader's connection: a burst of requests with a token not yet cached (a client's
    // first, or every client's after a restart) waits for the readers' connections rather
    // than opening a backend each.
    let mut conn = state.kept.acquire().await?;
    let owner = store::oauth::token_owner_by_hash(&mut *conn, &hash).await?;
    conn.keep();
    let owner = owner.ok_or_else(invalid)?;
    if owner.grant.user_id.is_some() && (owner.user.is_none() || owner.account.is_none()) {
        return Err(invalid());
    }
    if owner.account.as_ref().is_some_and(Account::is_suspended) {
        return Err(invalid());
    }
    let principal = Arc::new(Principal {
        scopes: Scopes::from_vec(owner.grant.scopes.clone()),
        grant: owner.grant,
        user: owner.user,
        account: owner.account,
    });
    state.cache.keep_principal(&usage, &hash, principal.clone());
    Ok(principal)
}

/// How long a code is kept after it expired: a replay within this time is recognised as a
/// second redemption (and revokes the code's tokens); after it, the code is simply unknown.
const SPENT_CODE_RETENTION: Duration = Duration::days(7);

/// Deletes the authorization codes that expired over [`SPENT_CODE_RETENTION`] ago; the
/// hourly housekeeping calls it. Returns how many went.
pub async fn purge_old_codes(state: &AppState) -> Result<u64> {
    let before = Utc::now() - SPENT_CODE_RETENTION;
    Ok(store::oauth::delete_codes_expired_before(&state.db, before).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_login_is_checked_at_the_configured_cost() {
        let cheap = crypto::PasswordCost {
            memory_kib: 64,
            passes: 1,
        };
        assert!(dummy_hash(cheap).contains("m=64,t=1,"));
        let default = crypto::PasswordCost::default();
        let expected = format!("m={},t={},", default.memory_kib, default.passes);
        assert!(dummy_hash(default).contains(&expected));
        // Made once per cost.
        assert_eq!(dummy_hash(cheap), dummy_hash(cheap));
    }
}
