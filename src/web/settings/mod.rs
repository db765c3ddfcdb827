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
use crate::web::session::{Nav, SignedIn};
use crate::web::site::Site;

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

/// How a settings page is shown: its status, and the outcome of the form before it.
pub struct Shown {
    pub status: StatusCode,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
}

impl Shown {
    /// A page asked for, with the notice its `?notice=` names.
    pub fn asked(q: &NoticeQuery) -> Shown {
        Shown {
            status: StatusCode::OK,
            notice: q.text(),
            error: None,
        }
    }

    /// A page shown after a form that worked, with no notice of its own.
    pub fn ok() -> Shown {
        Shown {
            status: StatusCode::OK,
            notice: None,
            error: None,
        }
    }

    /// A page shown again because its form was refused (with the refusal's status).
    pub fn refused(status: StatusCode, why: String) -> Shown {
        Shown {
            status,
            notice: None,
            error: Some(why),
        }
    }
}

/// What `settings/layout.html` draws around every settings page: the instance's texts as
/// admins set them, the navigation, and the notice or the refusal of the last form.
pub struct Chrome {
    pub site: Site,
    pub nav: Nav,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
}

impl Chrome {
    /// The chrome of the page `section` for `session`, as `shown` says.
    pub async fn new(
        state: &AppState,
        session: &SignedIn,
        section: &'static str,
        shown: &Shown,
    ) -> Chrome {
        Chrome {
            site: Site::load(state).await,
            nav: Nav::new(session, section),
            notice: shown.notice,
            error: shown.error.clone(),
        }
    }
}

/// The answer to a settings form: back to `path` with `notice` when `result` is a success;
/// when the service refused, the page again (drawn by `again`) with the reason; any other
/// failure is the error response itself.
pub async fn finish<T, F, Fut>(
    result: crate::error::Result<T>,
    path: &str,
    notice: &str,
    again: F,
) -> Response
where
    F: FnOnce(Shown) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    match result {
        Ok(_) => done(path, notice),
        Err(e) => match refusal(e) {
            Ok((status, why)) => again(Shown::refused(status, why)).await,
            Err(response) => response,
        },
    }
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
