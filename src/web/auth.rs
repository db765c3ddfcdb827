//! Signing in and out of the web pages: `/auth/sign_in` (login and password, then a
//! two-factor code when the account has one) and `/auth/sign_out`. The OAuth consent page
//! and the remote-interaction page send a sign-in that needs a code here too.

use std::time::Duration;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::session::{self, GuestForm, SessionForm, SignedIn, CHALLENGE_COOKIE, SESSION_COOKIE};
use crate::api::auth::ClientIp;
use crate::app::AppState;
use crate::error::Error;
use crate::service::oauth::{self, SignIn};
use crate::web::site::Site;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/sign_in", get(show).post(submit))
        .route("/auth/sign_out", post(sign_out))
}

#[derive(Template)]
#[template(path = "auth/sign_in.html", config = "src/web/askama.toml")]
struct SignInPage<'a> {
    site: Site,
    csrf: &'a str,
    return_to: &'a str,
    login: &'a str,
    /// The code step: the password was right, the second factor is asked.
    code_step: bool,
    error: Option<&'a str>,
}

#[derive(Deserialize, Default)]
pub struct ReturnTo {
    return_to: Option<String>,
}

async fn page(
    state: &AppState,
    status: StatusCode,
    csrf: &str,
    return_to: &str,
    login: &str,
    code_step: bool,
    error: Option<&str>,
) -> Response {
    super::render(
        status,
        &SignInPage {
            site: Site::load(state).await,
            csrf,
            return_to,
            login,
            code_step,
            error,
        },
    )
}

/// `GET /auth/sign_in`: the form, or the code step of a sign-in under way.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Query(q): Query<ReturnTo>,
) -> Response {
    let return_to = session::local_path(q.return_to.as_deref());
    if SignedIn::optional(&state, &headers).await.is_some() {
        return Redirect::to(&return_to).into_response();
    }
    let code_step = jar.get(CHALLENGE_COOKIE).is_some();
    let (jar, csrf) = session::guest_token(&state, jar);
    (
        jar,
        page(
            &state,
            StatusCode::OK,
            &csrf,
            &return_to,
            "",
            code_step,
            None,
        )
        .await,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct SignInForm {
    login: Option<String>,
    password: Option<String>,
    otp_attempt: Option<String>,
    return_to: Option<String>,
}

/// `POST /auth/sign_in`: the password step or the code step, rate-limited per address as the
/// API's sign-in is.
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    GuestForm { jar, csrf, form }: GuestForm<SignInForm>,
) -> Response {
    let return_to = session::local_path(form.return_to.as_deref());
    let login = form.login.as_deref().unwrap_or("").trim();
    let challenge = jar.get(CHALLENGE_COOKIE).map(|c| c.value().to_string());
    let code = form.otp_attempt.as_deref().filter(|c| !c.trim().is_empty());
    let limits = &state.config.rate_limits;
    if let Err(e) = state.limiter.hit(
        "sign_in",
        &ip.to_string(),
        limits.sign_ins_per_ip,
        Duration::from_secs(limits.sign_ins_window_secs),
    ) {
        let mut response = page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &csrf,
            &return_to,
            login,
            challenge.is_some() && code.is_some(),
            Some("Too many sign-in attempts. Wait a few minutes and try again."),
        )
        .await;
        if let Error::RateLimited(info) = e {
            info.apply(response.headers_mut());
        }
        return response;
    }
    let (outcome, code_step) = match (&challenge, code) {
        (Some(challenge), Some(code)) => {
            (oauth::answer_challenge(&state, challenge, code).await, true)
        }
        _ => (
            oauth::sign_in(&state, login, form.password.as_deref().unwrap_or("")).await,
            false,
        ),
    };
    match outcome {
        Ok(SignIn::Started { session: token, .. }) => {
            let jar = jar
                .remove(session::removal(CHALLENGE_COOKIE))
                .add(session::session_cookie(&state, token));
            (jar, Redirect::to(&return_to)).into_response()
        }
        Ok(SignIn::NeedsCode { challenge }) => {
            let (status, error) = if code_step {
                (StatusCode::UNAUTHORIZED, Some("Invalid two-factor code."))
            } else {
                (StatusCode::OK, None)
            };
            let jar = jar.add(session::challenge_cookie(&state, challenge));
            (
                jar,
                page(&state, status, &csrf, &return_to, "", true, error).await,
            )
                .into_response()
        }
        Ok(SignIn::Invalid) if code_step => {
            let jar = jar.remove(session::removal(CHALLENGE_COOKIE));
            let error = "The sign-in has expired or had too many wrong codes. Sign in again.";
            let response = page(
                &state,
                StatusCode::UNAUTHORIZED,
                &csrf,
                &return_to,
                "",
                false,
                Some(error),
            )
            .await;
            (jar, response).into_response()
        }
        Ok(SignIn::Invalid) => {
            page(
                &state,
                StatusCode::UNAUTHORIZED,
                &csrf,
                &return_to,
                login,
                false,
                Some("Invalid e-mail address or password."),
            )
            .await
        }
        Ok(SignIn::Refused(why)) => {
            page(
                &state,
                StatusCode::FORBIDDEN,
                &csrf,
                &return_to,
                login,
                false,
                Some(why),
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /auth/sign_out`: ends this browser's session (its token is revoked).
pub async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
    SessionForm { .. }: SessionForm<Empty>,
) -> Response {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        if let Err(e) = oauth::end_session(&state, &token).await {
            return e.into_response();
        }
    }
    let jar = jar.remove(session::removal(SESSION_COOKIE));
    (jar, Redirect::to("/auth/sign_in")).into_response()
}
