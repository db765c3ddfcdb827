//! The staff's pages (`/admin/…`): reports, accounts, domain blocks and allows, instance
//! settings and rules, the audit log, the job queue, custom emoji, announcements and trends
//! review. Every page needs a signed-in moderator or admin (anonymous visitors are sent to
//! sign in, other users get 403); the parts the admin API keeps for admins (settings,
//! rules, emoji, announcements, deleting accounts) are admins' here too. Every form carries
//! the session's CSRF token and every action calls the same service function as the admin
//! API, which writes the audit log. A successful form answers 303 back to its page; a
//! refused one renders the reason with the error's status.

pub mod accounts;
pub mod announcements;
pub mod domains;
pub mod emojis;
pub mod instance;
pub mod log;
pub mod reports;
pub mod trends;

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::error::Error;
use crate::model::{Account, Role, User};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/reports") }))
        .merge(reports::routes())
        .merge(accounts::routes())
        .merge(domains::routes())
        .merge(instance::routes())
        .merge(log::routes())
        .merge(emojis::routes())
        .merge(announcements::routes())
        .merge(trends::routes())
}

pub use crate::web::session::{SessionForm, SignedIn, Staff};

/// What admin pages ask of the staff member signed in.
pub trait StaffExt {
    /// 403 unless an admin: the admin API's `admin()` rule.
    fn require_admin(&self) -> Result<(), PageError>;
}

impl StaffExt for SignedIn {
    fn require_admin(&self) -> Result<(), PageError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::forbidden("This action is not allowed").into())
        }
    }
}

/// A signed-in administrator: [`Staff`], and 403 for moderators (the admin API's `admin()`
/// rule), so the admin-only forms need not check it each.
pub struct Admin(pub SignedIn);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let Staff(staff) = Staff::from_request_parts(parts, state).await?;
        staff.require_admin().map_err(IntoResponse::into_response)?;
        Ok(Admin(staff))
    }
}

/// Renders the admin page of `section`: [`chrome`] and what `build` makes with it.
pub async fn page<T: Template>(
    state: &AppState,
    staff: &SignedIn,
    section: &'static str,
    build: impl FnOnce(Chrome) -> T,
) -> Page {
    let chrome = chrome(state, staff, section).await?;
    show(&build(chrome))
}

/// What every admin page shows around its content, with the instance's title as stored.
pub async fn chrome(
    state: &AppState,
    staff: &SignedIn,
    section: &'static str,
) -> Result<Chrome, PageError> {
    Ok(Chrome {
        instance_title: crate::web::site::Site::load(state).await.title,
        csrf: staff.csrf().to_string(),
        admin: staff.is_admin(),
        section,
    })
}

/// A form with no fields but its CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// The navigation, title and form token of an admin page.
pub struct Chrome {
    pub instance_title: String,
    pub csrf: String,
    pub admin: bool,
    /// The section the page belongs to, marked in the navigation.
    pub section: &'static str,
}

/// An error of an admin page, rendered as HTML with the error's status.
pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

#[derive(Template)]
#[template(path = "admin/error.html", config = "src/web/askama.toml")]
struct ErrorPage<'a> {
    heading: &'a str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let message = match &self.0 {
            Error::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error on an admin page");
                "Internal server error".to_string()
            }
            other => other.to_string(),
        };
        let heading = match status {
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::NOT_FOUND => "Not found",
            s if s.is_server_error() => "Something went wrong",
            _ => "That did not work",
        };
        super::render(status, &ErrorPage { heading, message })
    }
}

/// What admin handlers answer.
pub type Page = Result<Response, PageError>;

/// The answer to a form that worked: back to `to`, as a GET.
pub fn done(to: &str) -> Page {
    Ok(Redirect::to(to).into_response())
}

/// Renders an admin page.
pub fn show(template: &impl Template) -> Page {
    Ok(super::render(StatusCode::OK, template))
}

/// A time as admin pages show it.
pub fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An id from a path; unknown ones are not found.
pub fn id(raw: &str) -> Result<i64, PageError> {
    crate::id::parse(raw).ok_or(PageError(Error::NotFound))
}

/// One option of a `<select>`.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

impl Choice {
    /// The options `(value, label)`, the one equal to `current` selected.
    pub fn list(options: &[(&'static str, &'static str)], current: &str) -> Vec<Choice> {
        options
            .iter()
            .map(|(value, label)| Choice {
                value,
                label,
                selected: *value == current,
            })
            .collect()
    }
}

/// An account as admin lists show it.
pub struct AccountLine {
    pub id: i64,
    pub acct: String,
    pub display_name: String,
    /// `suspended`, `silenced`, `sensitive`, `disabled`, `pending`, `moderator`, `admin`.
    pub marks: Vec<&'static str>,
}

impl AccountLine {
    pub fn new(a: &Account, user: Option<&User>) -> AccountLine {
        let mut marks = Vec::new();
        if a.suspended_at.is_some() {
            marks.push("suspended");
        }
        if a.silenced_at.is_some() {
            marks.push("silenced");
        }
        if a.sensitized_at.is_some() {
            marks.push("sensitive");
        }
        if let Some(u) = user {
            if u.disabled {
                marks.push("disabled");
            }
            if !u.approved {
                marks.push("pending");
            }
            match u.role {
                Role::Admin => marks.push("admin"),
                Role::Moderator => marks.push("moderator"),
                Role::User => {}
            }
        }
        AccountLine {
            id: a.id,
            acct: a.acct(),
            display_name: a.display_name.clone(),
            marks,
        }
    }

    /// A stand-in for an account that no longer exists.
    pub fn gone(id: i64) -> AccountLine {
        AccountLine {
            id,
            acct: format!("(deleted account {id})"),
            display_name: String::new(),
            marks: Vec::new(),
        }
    }
}

/// The lines of the accounts behind `ids`, in the order of `ids`.
pub async fn account_lines(
    state: &AppState,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, AccountLine>, PageError> {
    let (accounts, users) = crate::service::accounts::with_users(state, ids).await?;
    Ok(accounts
        .iter()
        .map(|a| {
            let user = users.iter().find(|u| u.account_id == a.id);
            (a.id, AccountLine::new(a, user))
        })
        .collect())
}

/// A multipart form (a file upload) of a signed-in person, its origin and CSRF token
/// checked as [`SessionForm`] checks them: the text fields and the files, by name.
pub struct UploadForm {
    pub session: SignedIn,
    texts: Vec<(String, String)>,
    files: Vec<(String, bytes::Bytes)>,
}

impl UploadForm {
    /// The text field `name`.
    pub fn text(&self, name: &str) -> Option<String> {
        self.texts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    /// The (non-empty) file of field `name`.
    pub fn file(&self, name: &str) -> Option<bytes::Bytes> {
        self.files
            .iter()
            .find(|(n, data)| n == name && !data.is_empty())
            .map(|(_, data)| data.clone())
    }
}

impl FromRequest<AppState> for UploadForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let session = SignedIn::from_request_parts(&mut parts, state).await?;
        if !crate::web::session::same_origin(&parts.headers, state) {
            return Err(
                PageError(Error::forbidden("This form did not come from this site"))
                    .into_response(),
            );
        }
        let request = Request::from_parts(parts, body);
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut texts = Vec::new();
        let mut files = Vec::new();
        let unreadable = |e: axum::extract::multipart::MultipartError| {
            PageError(Error::bad_request(format!(
                "The form could not be read: {e}"
            )))
            .into_response()
        };
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_string();
            if field.file_name().is_some() {
                files.push((name, field.bytes().await.map_err(unreadable)?));
            } else {
                texts.push((name, field.text().await.map_err(unreadable)?));
            }
        }
        let token = texts
            .iter()
            .find(|(n, _)| n == crate::web::session::CSRF_FIELD)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        session.check_token(state, token).await?;
        Ok(UploadForm {
            session,
            texts,
            files,
        })
    }
}
