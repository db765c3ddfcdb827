//! `/settings/…`: a signed-in person's own account, page by page (profile, preferences,
//! password, two-factor sign-in, apps and sessions, filters, muted and blocked, moving and
//! data). Every page extends `settings/layout.html`; every form is a [`SessionForm`] (or,
//! for file uploads, checks its token by hand), so a forged form is refused before anything
//! changes. Handlers are thin: read the form, call the service, redirect with a notice or
//! show the page again with the error.
//!
//! [`SessionForm`]: super::session::SessionForm

pub mod account;
pub mod filters;
pub mod password;
pub mod preferences;
pub mod profile;
pub mod relationships;
pub mod sessions;
pub mod two_factor;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::Error;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/settings",
            get(|| async { Redirect::to("/settings/profile") }),
        )
        .merge(profile::routes())
        .merge(preferences::routes())
        .merge(password::routes())
        .merge(two_factor::routes())
        .merge(sessions::routes())
        .merge(filters::routes())
        .merge(relationships::routes())
        .merge(account::routes())
}

/// `?notice=` of a page shown after a change: a key, never text from the request.
#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

impl NoticeQuery {
    /// The sentence for the notice key, if it is one of ours.
    pub fn text(&self) -> Option<&'static str> {
        Some(match self.notice.as_deref()? {
            "saved" => "Your changes were saved.",
            "password" => {
                "Your password was changed. Your other sessions and apps were signed out."
            }
            "two_factor_off" => "Two-factor sign-in is off.",
            "revoked" => "Access was revoked.",
            "deleted" => "Deleted.",
            "undone" => "Undone.",
            "created" => "Created.",
            "imported" => "The import has started; it runs in the background.",
            "moved" => "Your account has moved. Your followers are being moved to the new account.",
            _ => return None,
        })
    }
}

/// After a change: back to `path` with a notice.
pub fn done(path: &str, notice: &str) -> Response {
    Redirect::to(&format!("{path}?notice={notice}")).into_response()
}

/// A service's refusal as the page shows it (status and sentence), or, for a failure that is
/// not the person's doing, the error response itself.
// The error is the page a refused form is answered with, built once per request.
#[allow(clippy::result_large_err)]
pub fn refusal(e: Error) -> Result<(StatusCode, String), Response> {
    let status = match &e {
        Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::BadRequest(_) => StatusCode::BAD_REQUEST,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Error::Unavailable(_) => StatusCode::BAD_GATEWAY,
        _ => return Err(e.into_response()),
    };
    Ok((status, e.to_string()))
}

/// A checkbox's value in a form: present (any value) means checked.
pub fn checked(raw: &Option<String>) -> bool {
    raw.is_some()
}
