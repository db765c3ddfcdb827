//! `/oauth/authorize`: the page where a person signs in and lets an app use their account.
//!
//! CSRF protection is a double-submit token: a random value in an HttpOnly, SameSite=Lax
//! cookie that the form repeats in a hidden field; a cross-site form cannot know it. The
//! page is never framed, so it cannot be clicked through invisibly.

use std::time::Duration;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use crate::api::auth::ClientIp;
use crate::app::AppState;
use crate::config::Protocol;
use crate::crypto;
use crate::error::Error;
use crate::model::oauth::OOB_REDIRECT_URI;
use crate::model::User;
use crate::service::oauth::{self, AuthorizeRequest, SignIn};
use crate::web::site::Site;

pub fn routes() -> Router<AppState> {
    Router::new().route("/oauth/authorize", get(show).post(submit))
}

pub const CSRF_COOKIE: &str = "rookery_csrf";
pub const SESSION_COOKIE: &str = "rookery_session";

/// The query of `GET /oauth/authorize`, and the fields of its form. Every field is optional
/// text: clients send odd values (`state=None`, `force_login=False`) that must not break it.
#[derive(Deserialize, Default)]
pub struct AuthorizeParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    force_login: Option<String>,
    // Form only.
    csrf_token: Option<String>,
    login: Option<String>,
    password: Option<String>,
    decision: Option<String>,
}

#[derive(Template)]
#[template(path = "authorize.html", config = "src/web/askama.toml")]
struct AuthorizePage<'a> {
    site: Site,
    app_name: &'a str,
    scopes: &'a [String],
    scope: String,
    client_id: &'a str,
    redirect_uri: &'a str,
    /// What the form sends back: the redirect URI only if the request named it, so that the
    /// code remembers whether its exchange must name it.
    redirect_uri_param: &'a str,
    state: &'a str,
    code_challenge: &'a str,
    code_challenge_method: &'a str,
    csrf_token: &'a str,
    signed_in_as: Option<String>,
    login: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "message.html", config = "src/web/askama.toml")]
struct MessagePage<'a> {
    site: Site,
    heading: &'a str,
    message: &'a str,
    code: Option<&'a str>,
}

pub(crate) async fn message(
    state: &AppState,
    status: StatusCode,
    heading: &str,
    text: &str,
    code: Option<&str>,
) -> Response {
    super::render(
        status,
        &MessagePage {
            site: Site::load(state).await,
            heading,
            message: text,
            code,
        },
    )
}

fn is_true(raw: Option<&str>) -> bool {
    matches!(
        raw.map(|s| s.trim().to_ascii_lowercase()).as_deref(),
        Some("true" | "1" | "yes" | "on")
    )
}

pub(crate) fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age_days: i64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.protocol == Protocol::Https)
        .max_age(time_days(max_age_days))
        .build()
}

fn time_days(days: i64) -> time::Duration {
    time::Duration::days(days)
}

/// Checks the client and redirect URI; an error here is shown, never redirected.
async fn check(state: &AppState, p: &AuthorizeParams) -> Result<AuthorizeRequest, Response> {
    let client_id = p.client_id.as_deref().unwrap_or("");
    let app = match oauth::app_by_client_id(state, client_id).await {
        Ok(Some(app)) => app,
        Ok(None) => {
            return Err(message(
                state,
                StatusCode::BAD_REQUEST,
                "Unknown application",
                "Client authentication failed due to unknown client. Ask the application's developer to register it again.",
                None,
            ).await)
        }
        Err(e) => return Err(e.into_response()),
    };
    let checked = oauth::check_authorize(
        app,
        p.redirect_uri.as_deref(),
        p.scope.as_deref(),
        p.response_type.as_deref(),
        p.code_challenge.as_deref(),
        p.code_challenge_method.as_deref(),
    );
    match checked {
        Ok(req) => Ok(req),
        Err(why) => Err(message(
            state,
            StatusCode::BAD_REQUEST,
            "Invalid authorization request",
            &why,
            None,
        )
        .await),
    }
}

pub(crate) async fn session_user(state: &AppState, jar: &CookieJar) -> Option<User> {
    let session = jar.get(SESSION_COOKIE)?.value().to_string();
    oauth::session_user(state, &session).await.ok().flatten()
}

async fn username_of(state: &AppState, user: &User) -> String {
    crate::service::accounts::visible_account(state, user.account_id)
        .await
        .map(|a| a.username)
        .unwrap_or_default()
}

async fn form_page(
    state: &AppState,
    status: StatusCode,
    req: &AuthorizeRequest,
    p: &AuthorizeParams,
    csrf: &str,
    signed_in_as: Option<String>,
    error: Option<&str>,
) -> Response {
    super::render(
        status,
        &AuthorizePage {
            site: Site::load(state).await,
            app_name: &req.app.name,
            scopes: req.scopes.as_slice(),
            scope: req.scopes.joined(),
            client_id: &req.app.client_id,
            redirect_uri: &req.redirect_uri,
            redirect_uri_param: if req.redirect_uri_given {
                &req.redirect_uri
            } else {
                ""
            },
            state: p.state.as_deref().unwrap_or(""),
            code_challenge: req.code_challenge.as_deref().unwrap_or(""),
            code_challenge_method: req.code_challenge_method.as_deref().unwrap_or(""),
            csrf_token: csrf,
            signed_in_as,
            login: p.login.as_deref().unwrap_or(""),
            error,
        },
    )
}

/// `GET /oauth/authorize`
pub async fn show(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    let req = match check(&state, &p).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let csrf = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32)
        .unwrap_or_else(|| crypto::random_token(32));
    let user = if is_true(p.force_login.as_deref()) {
        None
    } else {
        session_user(&state, &jar).await
    };
    let signed_in_as = match &user {
        Some(u) => Some(username_of(&state, u).await),
        None => None,
    };
    let jar = jar.add(cookie(&state, CSRF_COOKIE, csrf.clone(), 1));
    (
        jar,
        form_page(&state, StatusCode::OK, &req, &p, &csrf, signed_in_as, None).await,
    )
        .into_response()
}

/// `POST /oauth/authorize`: sign-in (if needed) and the person's decision.
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(p): Form<AuthorizeParams>,
) -> Response {
    let req = match check(&state, &p).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let cookie_token = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let form_token = p.csrf_token.clone().unwrap_or_default();
    if cookie_token.len() < 32
        || !crypto::constant_time_eq(cookie_token.as_bytes(), form_token.as_bytes())
    {
        return message(
            &state,
            StatusCode::FORBIDDEN,
            "Invalid form",
            "This form has expired or did not come from this site. Go back, reload the page and try again.",
            None,
        ).await;
    }
    let csrf = cookie_token;

    if p.decision.as_deref() != Some("approve") {
        return finish(&state, &req, p.state.as_deref(), Err("access_denied")).await;
    }

    let mut jar = jar;
    let user = match p.login.as_deref().filter(|l| !l.trim().is_empty()) {
        Some(login) => {
            let limits = &state.config.rate_limits;
            if let Err(e) = state.limiter.hit(
                "sign_in",
                &ip.to_string(),
                limits.sign_ins_per_ip,
                Duration::from_secs(limits.sign_ins_window_secs),
            ) {
                let mut response = form_page(
                    &state,
                    StatusCode::TOO_MANY_REQUESTS,
                    &req,
                    &p,
                    &csrf,
                    None,
                    Some("Too many sign-in attempts. Wait a few minutes and try again."),
                )
                .await;
                if let Error::RateLimited(info) = e {
                    info.apply(response.headers_mut());
                }
                return response;
            }
            let password = p.password.as_deref().unwrap_or("");
            match oauth::sign_in(&state, login, password).await {
                Ok(SignIn::Started { user, session }) => {
                    jar = jar.add(cookie(&state, SESSION_COOKIE, session, oauth::SESSION_DAYS));
                    user
                }
                Ok(SignIn::NeedsCode { challenge }) => {
                    // The code is asked on the sign-in page, which then comes back here with
                    // the session.
                    let jar = jar.add(super::session::challenge_cookie(&state, challenge));
                    let back = authorize_url(&req, &p);
                    return (jar, super::session::sign_in_redirect(&back)).into_response();
                }
                Ok(SignIn::Refused(why)) => {
                    return form_page(
                        &state,
                        StatusCode::FORBIDDEN,
                        &req,
                        &p,
                        &csrf,
                        None,
                        Some(why),
                    )
                    .await;
                }
                Ok(SignIn::Invalid) => {
                    return form_page(
                        &state,
                        StatusCode::UNAUTHORIZED,
                        &req,
                        &p,
                        &csrf,
                        None,
                        Some("Invalid e-mail address or password."),
                    )
                    .await
                }
                Err(e) => return e.into_response(),
            }
        }
        None => match session_user(&state, &jar).await {
            Some(user) => user,
            None => {
                return form_page(
                    &state,
                    StatusCode::UNAUTHORIZED,
                    &req,
                    &p,
                    &csrf,
                    None,
                    Some("Sign in to continue."),
                )
                .await
            }
        },
    };

    let code = match oauth::issue_code(&state, &req, &user).await {
        Ok(code) => code,
        Err(e) => return e.into_response(),
    };
    (
        jar,
        finish(&state, &req, p.state.as_deref(), Ok(&code)).await,
    )
        .into_response()
}

/// `GET /oauth/authorize` with this request's parameters: where a sign-in that needed a
/// second factor resumes.
fn authorize_url(req: &AuthorizeRequest, p: &AuthorizeParams) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("client_id", &req.app.client_id);
    if req.redirect_uri_given {
        query.append_pair("redirect_uri", &req.redirect_uri);
    }
    query.append_pair("response_type", "code");
    query.append_pair("scope", &req.scopes.joined());
    for (key, value) in [
        ("state", &p.state),
        ("code_challenge", &p.code_challenge),
        ("code_challenge_method", &p.code_challenge_method),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            query.append_pair(key, v);
        }
    }
    format!("/oauth/authorize?{}", query.finish())
}

/// Sends the person back to the app with a code or an error, or shows the code (out of band).
async fn finish(
    state: &AppState,
    req: &AuthorizeRequest,
    client_state: Option<&str>,
    outcome: Result<&str, &str>,
) -> Response {
    if req.redirect_uri == OOB_REDIRECT_URI {
        return match outcome {
            Ok(code) => {
                message(
                    state,
                    StatusCode::OK,
                    "Authorization code",
                    &format!("{} may now use your account.", req.app.name),
                    Some(code),
                )
                .await
            }
            Err(_) => {
                message(
                    state,
                    StatusCode::OK,
                    "Authorization denied",
                    &format!("{} was not given access to your account.", req.app.name),
                    None,
                )
                .await
            }
        };
    }
    let mut target = match url::Url::parse(&req.redirect_uri) {
        Ok(u) => u,
        Err(_) => {
            return message(
                state,
                StatusCode::BAD_REQUEST,
                "Invalid redirect URI",
                "The application's redirect URI is invalid.",
                None,
            )
            .await
        }
    };
    {
        let mut query = target.query_pairs_mut();
        match outcome {
            Ok(code) => {
                query.append_pair("code", code);
            }
            Err(error) => {
                query.append_pair("error", error);
                query.append_pair(
                    "error_description",
                    "The resource owner or authorization server denied the request.",
                );
            }
        }
        if let Some(s) = client_state.filter(|s| !s.is_empty()) {
            query.append_pair("state", s);
        }
    }
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(target.as_str()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
