//! `/auth/sign_up`: the sign-up form, with the checks, rate limit and registration mode of
//! `POST /api/v1/accounts` (one service, `service::accounts::register`). Where sign-ups are
//! open the new person is signed in at once; where they need approval they are told to wait.

use std::time::Duration;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::session::{self, GuestForm, SignedIn};
use crate::api::auth::ClientIp;
use crate::app::AppState;
use crate::error::Error;
use crate::service::accounts::{self, Registration};
use crate::service::oauth;
use crate::web::site::Site;

pub fn routes() -> Router<AppState> {
    Router::new().route("/auth/sign_up", get(show).post(submit))
}

#[derive(Template)]
#[template(path = "auth/sign_up.html", config = "src/web/askama.toml")]
struct SignUpPage<'a> {
    site: Site,
    csrf: &'a str,
    mode: &'static str,
    username: &'a str,
    email: &'a str,
    reason: &'a str,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    status: StatusCode,
    csrf: &str,
    form: Option<&SignUpForm>,
    error: Option<String>,
) -> Response {
    let site = Site::load(state).await;
    super::render(
        status,
        &SignUpPage {
            csrf,
            mode: site.registrations,
            site,
            username: form.map_or("", |f| f.username.as_str()),
            email: form.map_or("", |f| f.email.as_str()),
            reason: form.map_or("", |f| f.reason.as_str()),
            error,
        },
    )
}

/// `GET /auth/sign_up`
pub async fn show(State(state): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Response {
    if SignedIn::optional(&state, &headers).await.is_some() {
        return Redirect::to("/settings/profile").into_response();
    }
    let (jar, csrf) = session::guest_token(&state, jar);
    (jar, page(&state, StatusCode::OK, &csrf, None, None).await).into_response()
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    agreement: Option<String>,
    #[serde(default)]
    reason: String,
}

/// `POST /auth/sign_up`
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    GuestForm { jar, csrf, form }: GuestForm<SignUpForm>,
) -> Response {
    let limits = &state.config.rate_limits;
    if let Err(e) = state.limiter.hit(
        "registrations",
        &ip.to_string(),
        limits.registrations_per_ip,
        Duration::from_secs(limits.registrations_window_secs),
    ) {
        let why = "Too many sign-ups from your address. Try again later.".to_string();
        let mut response = page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &csrf,
            Some(&form),
            Some(why),
        )
        .await;
        if let Error::RateLimited(info) = e {
            info.apply(response.headers_mut());
        }
        return response;
    }
    if form.password != form.password_confirmation {
        let why = "The password and its confirmation differ.".to_string();
        return page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &csrf,
            Some(&form),
            Some(why),
        )
        .await;
    }
    let registered = accounts::register(
        &state,
        Registration {
            username: form.username.trim().to_string(),
            email: form.email.trim().to_string(),
            password: form.password.clone(),
            agreement: form.agreement.is_some(),
            locale: None,
            reason: Some(form.reason.clone()),
            ip: Some(ip.to_string()),
        },
    )
    .await;
    let user = match registered {
        Ok((user, _)) => user,
        Err(e) => {
            return match crate::web::settings::refusal(e) {
                Ok((status, why)) => page(&state, status, &csrf, Some(&form), Some(why)).await,
                Err(response) => response,
            }
        }
    };
    if let Some(why) = user.login_refusal() {
        // Approval mode: the account waits for an administrator.
        let text = format!(
            "Your account was created. {why}: you can sign in once a moderator has approved it."
        );
        return session::refused(&state, StatusCode::OK, "Almost there", &text).await;
    }
    match oauth::start_session(&state, &user).await {
        Ok(token) => {
            let jar = jar.add(session::session_cookie(&state, token));
            (jar, Redirect::to("/settings/profile")).into_response()
        }
        Err(e) => e.into_response(),
    }
}
