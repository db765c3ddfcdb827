//! The browser session of the settings (and admin) pages, and the CSRF protection of every
//! form.
//!
//! A session is an access token of the built-in web app (`service::oauth::WEB_APP_ID`) kept
//! in an HttpOnly, SameSite=Lax cookie (Secure on https), so the person's list of sessions is
//! their list of tokens and revoking one signs that browser out.
//!
//! Forms of a signed-in person carry `authenticity_token`, an HMAC of the session's token: it
//! is per session, needs no storage, and a page that leaks it leaks nothing about the token.
//! Forms of a visitor (sign in, sign up) carry a double-submit token instead, the value of a
//! cookie. Both are compared in constant time, and every form POST must also come from this
//! site by its `Origin` (or, without one, its `Referer`). [`SessionForm`] and [`GuestForm`]
//! do all of it before a handler runs: a rejected form is answered 403 and changes nothing.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::app::AppState;
use crate::config::Protocol;
use crate::crypto;
use crate::model::{Account, Role, User};
use crate::service::oauth::{self, Principal};

/// The cookie holding a visitor's double-submit CSRF token.
pub use super::oauth::CSRF_COOKIE;
/// The cookie holding the session's token.
pub use super::oauth::SESSION_COOKIE;
/// The cookie holding a sign-in that waits for its second factor.
pub const CHALLENGE_COOKIE: &str = "rookery_sign_in";
/// The form field every form carries its CSRF token in.
pub const CSRF_FIELD: &str = "authenticity_token";

/// A signed-in person: their user, account and session. As an extractor, it sends a browser
/// without a valid session to the sign-in page, to come back here after.
#[derive(Clone)]
pub struct SignedIn {
    pub user: User,
    pub account: Account,
    /// The id of the session's token (the one a password change keeps).
    pub token_id: i64,
    csrf: String,
}

impl SignedIn {
    /// The token the forms of this session carry in `authenticity_token`.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// A moderator or an admin.
    pub fn is_staff(&self) -> bool {
        self.user.role >= Role::Moderator
    }

    pub fn is_admin(&self) -> bool {
        self.user.role >= Role::Admin
    }

    fn from_principal(principal: &Principal, token: &str) -> Option<SignedIn> {
        Some(SignedIn {
            user: principal.user.clone()?,
            account: principal.account.clone()?,
            token_id: principal.grant.token_id,
            csrf: csrf_of_session(token),
        })
    }

    /// The session of this request, if any (pages that show something else to visitors).
    pub async fn optional(state: &AppState, headers: &HeaderMap) -> Option<SignedIn> {
        let jar = CookieJar::from_headers(headers);
        let token = jar.get(SESSION_COOKIE)?.value().to_string();
        match oauth::session(state, &token).await {
            Ok(Some(p)) => SignedIn::from_principal(&p, &token),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "reading a browser session");
                None
            }
        }
    }
}

/// The CSRF token of a session: HMAC-SHA256 of a fixed label under the session's token.
fn csrf_of_session(token: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, token.as_bytes());
    hex::encode(ring::hmac::sign(&key, b"rookery authenticity token").as_ref())
}

/// Where a request came from, as the sign-in page's `return_to`: its path and query.
fn return_path(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".into())
}

/// The sign-in page, to come back to `path` after.
pub fn sign_in_redirect(path: &str) -> Response {
    let target = format!(
        "/auth/sign_in?return_to={}",
        url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
    );
    Redirect::to(&target).into_response()
}

/// `raw` if it is a path on this site (not `//elsewhere` or `/\elsewhere`), else `/settings/profile`.
pub fn local_path(raw: Option<&str>) -> String {
    match raw {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(char::is_control) =>
        {
            p.to_string()
        }
        _ => "/settings/profile".into(),
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(signed_in) = parts.extensions.get::<SignedIn>() {
            return Ok(signed_in.clone());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
            return Err(sign_in_redirect(&return_path(parts)));
        };
        let principal: Option<Arc<Principal>> = match oauth::session(state, &token).await {
            Ok(p) => p,
            Err(e) => return Err(e.into_response()),
        };
        let Some(signed_in) = principal
            .as_deref()
            .and_then(|p| SignedIn::from_principal(p, &token))
        else {
            return Err(sign_in_redirect(&return_path(parts)));
        };
        parts.extensions.insert(signed_in.clone());
        Ok(signed_in)
    }
}

/// A signed-in moderator or admin; anyone else signed in is answered 403. When the
/// configuration requires it (`security.require_two_factor_for_staff`), staff without
/// two-factor sign-in are sent to set it up first.
pub struct Staff(pub SignedIn);

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        if !signed_in.is_staff() {
            return Err(refused(
                state,
                StatusCode::FORBIDDEN,
                "Staff only",
                "This page is for the instance's moderators and administrators.",
            )
            .await);
        }
        if state.config.security.require_two_factor_for_staff {
            match crate::service::two_factor::enabled(state, signed_in.user.id).await {
                Ok(true) => {}
                Ok(false) => return Err(Redirect::to("/settings/two_factor").into_response()),
                Err(e) => return Err(e.into_response()),
            }
        }
        Ok(Staff(signed_in))
    }
}

/// A message page with `status` (a refused form, a page for staff only).
pub async fn refused(state: &AppState, status: StatusCode, heading: &str, text: &str) -> Response {
    super::oauth::message(state, status, heading, text, None).await
}

/// The 403 page of a refused form.
pub async fn bad_form(state: &AppState) -> Response {
    refused(
        state,
        StatusCode::FORBIDDEN,
        "Invalid form",
        "This form has expired or did not come from this site. Go back, reload the page and try again.",
    ).await
}

/// Whether a POST comes from a page of this site: its `Origin`, or without one its `Referer`,
/// is this instance's. Browsers send `Origin` with every form POST (pages set a referrer
/// policy that keeps it); a request with neither header is not from a browser page and is
/// left to the token.
pub fn same_origin(headers: &HeaderMap, state: &AppState) -> bool {
    let ours = state.config.base_url();
    let origin_of = |raw: &str| {
        url::Url::parse(raw)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    };
    let expected = origin_of(&ours);
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().ok().and_then(origin_of) == expected && expected.is_some();
    }
    if let Some(referer) = headers.get(header::REFERER) {
        return referer.to_str().ok().and_then(origin_of) == expected && expected.is_some();
    }
    true
}

#[derive(Deserialize)]
struct TokenField {
    authenticity_token: Option<String>,
}

fn form_token(body: &[u8]) -> String {
    serde_urlencoded::from_bytes::<TokenField>(body)
        .ok()
        .and_then(|f| f.authenticity_token)
        .unwrap_or_default()
}

// The error is the page a refused form is answered with, built once per request.
#[allow(clippy::result_large_err)]
async fn parse_form<T: DeserializeOwned>(state: &AppState, body: &[u8]) -> Result<T, Response> {
    let why = match serde_urlencoded::from_bytes::<T>(body) {
        Ok(form) => return Ok(form),
        Err(e) => format!("The form could not be read: {e}"),
    };
    Err(refused(
        state,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid form",
        &why,
    )
    .await)
}

/// A form posted by a signed-in person, its CSRF token and origin checked: the session and
/// the form's fields (`T` may ignore `authenticity_token`).
pub struct SessionForm<T> {
    pub session: SignedIn,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for SessionForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let session = SignedIn::from_request_parts(&mut parts, state).await?;
        if !same_origin(&parts.headers, state) {
            return Err(bad_form(state).await);
        }
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        session.check_token(state, &form_token(&bytes)).await?;
        let form = parse_form(state, &bytes).await?;
        Ok(SessionForm { session, form })
    }
}

impl SignedIn {
    /// Checks a submitted CSRF token (forms read by hand: file uploads); the 403 page when
    /// it is not this session's.
    // The error is the page a refused form is answered with, built once per request.
    #[allow(clippy::result_large_err)]
    pub async fn check_token(&self, state: &AppState, submitted: &str) -> Result<(), Response> {
        if crypto::constant_time_eq(self.csrf.as_bytes(), submitted.as_bytes()) {
            Ok(())
        } else {
            Err(bad_form(state).await)
        }
    }
}

/// A visitor's CSRF token (the cookie's, or a new one), and the jar that keeps it.
pub fn guest_token(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    let token = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32)
        .unwrap_or_else(|| crypto::random_token(32));
    let jar = jar.add(super::oauth::cookie(state, CSRF_COOKIE, token.clone(), 1));
    (jar, token)
}

/// A visitor's form (sign in, sign up), its double-submit token and origin checked: the
/// cookies, the token (to put in the page shown next) and the fields.
pub struct GuestForm<T> {
    pub jar: CookieJar,
    pub csrf: String,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for GuestForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let jar = CookieJar::from_headers(&parts.headers);
        if !same_origin(&parts.headers, state) {
            return Err(bad_form(state).await);
        }
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let cookie = jar
            .get(CSRF_COOKIE)
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        if cookie.len() < 32
            || !crypto::constant_time_eq(cookie.as_bytes(), form_token(&bytes).as_bytes())
        {
            return Err(bad_form(state).await);
        }
        let form = parse_form(state, &bytes).await?;
        Ok(GuestForm {
            jar,
            csrf: cookie,
            form,
        })
    }
}

/// The session cookie for a new session's token.
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    super::oauth::cookie(state, SESSION_COOKIE, token, oauth::SESSION_DAYS)
}

/// The cookie of a sign-in awaiting its second factor; it lives as long as the challenge.
pub fn challenge_cookie(state: &AppState, challenge: String) -> Cookie<'static> {
    Cookie::build((CHALLENGE_COOKIE, challenge))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.protocol == Protocol::Https)
        .max_age(time::Duration::minutes(5))
        .build()
}

/// A cookie's removal (same path as it was set with).
pub fn removal(name: &'static str) -> Cookie<'static> {
    Cookie::build((name, "")).path("/").build()
}

/// What the settings layout (`settings/layout.html`) shows around every settings page.
pub struct Nav {
    pub username: String,
    pub csrf: String,
    pub staff: bool,
    /// The page shown, marked in the navigation (`profile`, `two_factor`…).
    pub current: &'static str,
}

impl Nav {
    pub fn new(session: &SignedIn, current: &'static str) -> Nav {
        Nav {
            username: session.account.username.clone(),
            csrf: session.csrf.clone(),
            staff: session.is_staff(),
            current,
        }
    }

    /// Whether `section` is the page shown (for `aria-current`).
    pub fn is(&self, section: &str) -> bool {
        self.current == section
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(
            local_path(Some("/settings/filters?x=1")),
            "/settings/filters?x=1"
        );
        assert_eq!(local_path(Some("//evil.example/")), "/settings/profile");
        assert_eq!(local_path(Some("/\\evil.example/")), "/settings/profile");
        assert_eq!(
            local_path(Some("https://evil.example/")),
            "/settings/profile"
        );
        assert_eq!(local_path(None), "/settings/profile");
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_hide_the_token() {
        let a = csrf_of_session("token-a");
        assert_eq!(a, csrf_of_session("token-a"));
        assert_ne!(a, csrf_of_session("token-b"));
        assert!(!a.contains("token-a"));
        assert_eq!(a.len(), 64);
    }
}
