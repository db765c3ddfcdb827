//! Browser sessions: access tokens of the built-in web app, started by a sign-in from a form
//! (with a second step when the account has two-factor sign-in), listed and revoked by their
//! owner.

use std::sync::Arc;

use chrono::{Duration, Utc};

use super::{authenticate, check_credentials, issue_token, Principal};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Scopes, User};
use crate::{crypto, store};

/// How long the sign-in page remembers a browser.
pub const SESSION_DAYS: i64 = 30;

/// The built-in "Web" application (created by a migration): a browser session is one of its
/// access tokens, so sessions are listed and revoked as apps are, and a password change or a
/// suspension ends them with every other token.
pub const WEB_APP_ID: i64 = 1;

/// The scopes of a browser session: the person's whole account, as in Mastodon's web app.
const WEB_SCOPES: &str = "read write follow push";

/// Starts a browser session for `user`; returns its token, for the cookie.
pub async fn start_session(state: &AppState, user: &User) -> Result<String> {
    let scopes = Scopes::parse(WEB_SCOPES)
        .map_err(|unknown| Error::Internal(anyhow::anyhow!("unknown web scope {unknown}")))?;
    Ok(issue_token(state, WEB_APP_ID, Some(user.id), scopes)
        .await?
        .access_token)
}

/// What a sign-in from a browser form came to.
pub enum SignIn {
    /// Signed in: the new session, for the cookie.
    Started { user: User, session: String },
    /// The password was right and the account asks for a second factor: the challenge to
    /// answer with [`answer_challenge`] (kept by the browser, a few minutes).
    NeedsCode { challenge: String },
    /// Unknown login or wrong password (which of the two is not said).
    Invalid,
    /// The credentials are right but the user may not sign in now; why, in words to show.
    Refused(&'static str),
}

/// How long the browser has to give the second factor after the password.
const CHALLENGE_MINUTES: i64 = 5;
/// Wrong codes a challenge survives before the sign-in starts over.
const CHALLENGE_ATTEMPTS: i32 = 5;

/// Signs a person in from a browser form (the OAuth consent page, remote interaction, the
/// sign-in page): checks the credentials and that the user may sign in now, then starts a
/// session, or a challenge when the account has two-factor sign-in.
pub async fn sign_in(state: &AppState, login: &str, password: &str) -> Result<SignIn> {
    let Some(user) = check_credentials(state, login, password).await? else {
        return Ok(SignIn::Invalid);
    };
    if let Some(why) = user.login_refusal() {
        return Ok(SignIn::Refused(why));
    }
    if crate::service::two_factor::enabled(state, user.id).await? {
        let challenge = crypto::random_token(32);
        store::oauth::insert_challenge(
            &state.db,
            &crypto::sha256_hex(&challenge),
            user.id,
            Utc::now() + Duration::minutes(CHALLENGE_MINUTES),
        )
        .await?;
        return Ok(SignIn::NeedsCode { challenge });
    }
    let session = start_session(state, &user).await?;
    Ok(SignIn::Started { user, session })
}

/// The second step of a sign-in with two factors: a TOTP code or an unused recovery code for
/// the challenge [`sign_in`] handed out. A wrong code counts against the challenge; an
/// expired or exhausted one is [`SignIn::Invalid`], and the sign-in starts over.
pub async fn answer_challenge(state: &AppState, challenge: &str, code: &str) -> Result<SignIn> {
    let hash = crypto::sha256_hex(challenge);
    let Some(user_id) = store::oauth::try_challenge(&state.db, &hash, CHALLENGE_ATTEMPTS).await?
    else {
        return Ok(SignIn::Invalid);
    };
    let Some(user) = store::users::by_id(&state.db, user_id).await? else {
        return Ok(SignIn::Invalid);
    };
    if let Some(why) = user.login_refusal() {
        return Ok(SignIn::Refused(why));
    }
    if !crate::service::two_factor::verify(state, user.id, code).await? {
        return Ok(SignIn::NeedsCode {
            challenge: challenge.to_string(),
        });
    }
    store::oauth::delete_challenge(&state.db, &hash).await?;
    let session = start_session(state, &user).await?;
    Ok(SignIn::Started { user, session })
}

/// Who a browser session cookie speaks for: a valid token of the web app whose user may sign
/// in now.
pub async fn session(state: &AppState, token: &str) -> Result<Option<Arc<Principal>>> {
    let principal = match authenticate(state, token).await {
        Ok(p) => p,
        Err(Error::Unauthorized(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let usable = principal.grant.app_id == WEB_APP_ID
        && principal
            .user
            .as_ref()
            .is_some_and(|u| u.login_refusal().is_none())
        && principal.account.is_some();
    Ok(usable.then_some(principal))
}

/// The user of a browser session cookie, if it is valid and the user may sign in.
pub async fn session_user(state: &AppState, token: &str) -> Result<Option<User>> {
    Ok(session(state, token).await?.and_then(|p| p.user.clone()))
}

/// Signs a browser out: its session's token is revoked.
pub async fn end_session(state: &AppState, token: &str) -> Result<()> {
    if let Some((token_id, app_id)) =
        store::oauth::token_owner(&state.db, &crypto::sha256_hex(token)).await?
    {
        if app_id == WEB_APP_ID {
            store::oauth::revoke_token(&state.db, token_id).await?;
        }
    }
    Ok(())
}

/// A person's apps and browser sessions (their unrevoked tokens), newest first.
pub async fn tokens_of(state: &AppState, user: &User) -> Result<Vec<store::oauth::UserToken>> {
    Ok(store::oauth::tokens_of_user(&state.db, user.id).await?)
}

/// Revokes one of a person's sessions (a token of the web app), or every token of an app they
/// authorized. `NotFound` when there is nothing of theirs to revoke.
pub async fn revoke_for_user(state: &AppState, user: &User, what: Revoke) -> Result<()> {
    let done = match what {
        Revoke::Token(id) => store::oauth::revoke_token_of_user(&state.db, user.id, id).await?,
        Revoke::App(app_id) => {
            store::oauth::revoke_app_of_user(&state.db, user.id, app_id).await? > 0
        }
    };
    if done {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// What [`revoke_for_user`] revokes.
pub enum Revoke {
    /// One token (a browser session).
    Token(i64),
    /// Every token of an app.
    App(i64),
}
