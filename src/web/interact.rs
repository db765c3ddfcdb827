//! `/authorize_interaction?uri=…`: where the WebFinger `subscribe` template sends people who
//! pressed "follow" or "interact" on another server. Signed in (the session cookie of the
//! OAuth pages), they see the account with a Follow button, or the post; otherwise they are
//! asked to sign in first. Forms carry the same double-submit CSRF token as the OAuth page.

use std::time::Duration;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::oauth::{cookie, session_user, CSRF_COOKIE, SESSION_COOKIE};
use crate::api::auth::ClientIp;
use crate::app::AppState;
use crate::crypto;
use crate::error::Error;
use crate::model::User;
use crate::service::oauth::SignIn;
use crate::service::remote::{self, Interaction};
use crate::service::{accounts, oauth, relationships, views};
use crate::web::site::Site;

pub fn routes() -> Router<AppState> {
    Router::new().route("/authorize_interaction", get(show).post(submit))
}

/// The query of the GET and the fields of its forms, all optional text.
#[derive(Deserialize, Default)]
pub struct InteractParams {
    uri: Option<String>,
    csrf_token: Option<String>,
    action: Option<String>,
    login: Option<String>,
    password: Option<String>,
    account_id: Option<String>,
}

#[derive(Template, Default)]
#[template(path = "interact.html", config = "src/web/askama.toml")]
struct InteractPage<'a> {
    site: Site,
    error: Option<&'a str>,
    notice: Option<String>,
    signed_in_as: Option<String>,
    csrf_token: &'a str,
    uri: &'a str,
    account_acct: Option<String>,
    account_name: Option<String>,
    account_id: String,
    status_author: Option<String>,
    status_html: String,
    status_link: Option<String>,
}

fn csrf_of(jar: &CookieJar) -> Option<String> {
    jar.get(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32)
}

/// `GET /authorize_interaction?uri=`
pub async fn show(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(p): Query<InteractParams>,
) -> Response {
    let csrf = csrf_of(&jar).unwrap_or_else(|| crypto::random_token(32));
    let jar = jar.add(cookie(&state, CSRF_COOKIE, csrf.clone(), 1));
    let uri = p.uri.as_deref().unwrap_or("").trim();
    let mut page = InteractPage {
        site: Site::load(&state).await,
        csrf_token: &csrf,
        uri,
        ..InteractPage::default()
    };
    if uri.is_empty() {
        page.error = Some("The link has no uri to interact with.");
        return (jar, super::render(StatusCode::BAD_REQUEST, &page)).into_response();
    }
    let Some(user) = session_user(&state, &jar).await else {
        return (jar, super::render(StatusCode::OK, &page)).into_response();
    };
    let status = match fill(&state, &user, uri, &mut page).await {
        Ok(()) => StatusCode::OK,
        Err(Error::NotFound) | Err(Error::Forbidden(_)) | Err(Error::Validation { .. }) => {
            page.error = Some("Nothing that can be followed or shown was found at this address.");
            StatusCode::NOT_FOUND
        }
        Err(Error::Unavailable(_)) => {
            page.error = Some("The other server could not be reached. Try again later.");
            StatusCode::BAD_GATEWAY
        }
        Err(e) => return e.into_response(),
    };
    (jar, super::render(status, &page)).into_response()
}

/// Resolves `uri` and puts the account or the post on the page.
async fn fill(
    state: &AppState,
    user: &User,
    uri: &str,
    page: &mut InteractPage<'_>,
) -> Result<(), Error> {
    let viewer = accounts::visible_account(state, user.account_id).await?;
    page.signed_in_as = Some(viewer.username.clone());
    match remote::resolve_interaction(state, uri).await? {
        Interaction::Account(account) => {
            page.account_acct = Some(match &account.domain {
                Some(domain) => format!("{}@{domain}", account.username),
                None => account.username.clone(),
            });
            page.account_name = Some(account.display_name.clone()).filter(|n| !n.is_empty());
            page.account_id = account.id.to_string();
        }
        Interaction::Status(id) => {
            let view = views::one(state, Some(&viewer), id).await?;
            page.status_author = Some(match &view.account.domain {
                Some(domain) => format!("{}@{domain}", view.account.username),
                None => view.account.username.clone(),
            });
            // Stored content is sanitised HTML (remote HTML is cleaned on arrival).
            page.status_html = view.status.content.clone();
            page.status_link = view.status.url.clone().or(Some(view.status.uri.clone()));
        }
    }
    Ok(())
}

/// `POST /authorize_interaction`: sign in, or follow.
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(p): Form<InteractParams>,
) -> Response {
    let cookie_token = csrf_of(&jar).unwrap_or_default();
    let form_token = p.csrf_token.clone().unwrap_or_default();
    let uri = p.uri.as_deref().unwrap_or("").trim();
    let mut page = InteractPage {
        site: Site::load(&state).await,
        csrf_token: &cookie_token,
        uri,
        ..InteractPage::default()
    };
    if cookie_token.is_empty()
        || !crypto::constant_time_eq(cookie_token.as_bytes(), form_token.as_bytes())
    {
        page.error = Some(
            "This form has expired or did not come from this site. Reload the page and try again.",
        );
        return super::render(StatusCode::FORBIDDEN, &page);
    }
    let back = format!(
        "/authorize_interaction?uri={}",
        url::form_urlencoded::byte_serialize(uri.as_bytes()).collect::<String>()
    );
    match p.action.as_deref() {
        Some("sign_in") => {
            let limits = &state.config.rate_limits;
            if state
                .limiter
                .hit(
                    "sign_in",
                    &ip.to_string(),
                    limits.sign_ins_per_ip,
                    Duration::from_secs(limits.sign_ins_window_secs),
                )
                .is_err()
            {
                page.error = Some("Too many sign-in attempts. Wait a few minutes and try again.");
                return super::render(StatusCode::TOO_MANY_REQUESTS, &page);
            }
            let login = p.login.as_deref().unwrap_or("");
            let password = p.password.as_deref().unwrap_or("");
            match oauth::sign_in(&state, login, password).await {
                Ok(SignIn::Started { session, .. }) => {
                    let jar = jar.add(cookie(&state, SESSION_COOKIE, session, oauth::SESSION_DAYS));
                    (jar, Redirect::to(&back)).into_response()
                }
                Ok(SignIn::NeedsCode { challenge }) => {
                    let jar = jar.add(super::session::challenge_cookie(&state, challenge));
                    (jar, super::session::sign_in_redirect(&back)).into_response()
                }
                Ok(SignIn::Invalid) => {
                    page.error = Some("Invalid e-mail address or password.");
                    super::render(StatusCode::UNAUTHORIZED, &page)
                }
                Ok(SignIn::Refused(why)) => {
                    page.error = Some(why);
                    super::render(StatusCode::FORBIDDEN, &page)
                }
                Err(e) => e.into_response(),
            }
        }
        Some("follow") => {
            let Some(user) = session_user(&state, &jar).await else {
                page.error = Some("Sign in to continue.");
                return super::render(StatusCode::UNAUTHORIZED, &page);
            };
            let Some(target) = p.account_id.as_deref().and_then(crate::id::parse) else {
                page.error = Some("There is no account to follow.");
                return super::render(StatusCode::BAD_REQUEST, &page);
            };
            let viewer = match accounts::visible_account(&state, user.account_id).await {
                Ok(v) => v,
                Err(e) => return e.into_response(),
            };
            match relationships::follow(&state, &viewer, target, Default::default()).await {
                Ok(rel) => {
                    page.signed_in_as = Some(viewer.username.clone());
                    page.notice = Some(if rel.following {
                        "You are following this account now.".into()
                    } else {
                        "Your follow request was sent; it is pending until accepted.".into()
                    });
                    super::render(StatusCode::OK, &page)
                }
                Err(Error::NotFound) => {
                    page.error = Some("That account cannot be followed.");
                    super::render(StatusCode::NOT_FOUND, &page)
                }
                Err(e) => e.into_response(),
            }
        }
        _ => {
            page.error = Some("Unknown action.");
            super::render(StatusCode::BAD_REQUEST, &page)
        }
    }
}
