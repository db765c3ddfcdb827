//! The one error type that services return and the faces render. Kinds are named for what went
//! wrong, not for HTTP; `IntoResponse` turns them into Mastodon's `{"error": "…"}` shape (with
//! `error_description` for OAuth and `details` for validation). Internal causes are logged here,
//! once, and never sent to the client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Malformed request: unparseable body, missing required parameter.
    #[error("{0}")]
    BadRequest(String),
    /// No valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials, but not allowed (scope, role, account state).
    #[error("{0}")]
    Forbidden(String),
    #[error("Record not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Well-formed but invalid input; `details` maps field names to Mastodon's error codes.
    #[error("{message}")]
    Validation {
        message: String,
        details: Option<Map<String, Value>>,
    },
    #[error("Too many requests")]
    RateLimited(RateLimitInfo),
    /// An OAuth endpoint's error, rendered as RFC 6749 says.
    #[error("{error}: {description}")]
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: String,
    },
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a rate-limited response tells the client (Mastodon's `X-RateLimit-*` headers).
#[derive(Clone, Copy, Debug)]
pub struct RateLimitInfo {
    pub limit: u32,
    pub remaining: u32,
    pub reset: chrono::DateTime<chrono::Utc>,
}

impl RateLimitInfo {
    pub fn apply(&self, headers: &mut axum::http::HeaderMap) {
        let reset = self
            .reset
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        for (name, value) in [
            ("x-ratelimit-limit", self.limit.to_string()),
            ("x-ratelimit-remaining", self.remaining.to_string()),
            ("x-ratelimit-reset", reset),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
    }
}

impl Error {
    pub fn bad_request(msg: impl Into<String>) -> Error {
        Error::BadRequest(msg.into())
    }
    pub fn forbidden(msg: impl Into<String>) -> Error {
        Error::Forbidden(msg.into())
    }
    pub fn unauthorized(msg: impl Into<String>) -> Error {
        Error::Unauthorized(msg.into())
    }
    /// A validation failure of one field, with Mastodon's `ERR_*` code.
    pub fn invalid(field: &str, code: &str, description: impl Into<String>) -> Error {
        let mut v = Validation::default();
        v.add(field, code, description);
        v.into_error()
    }
    /// A 422 that is not about one field ("Text can't be blank").
    pub fn unprocessable(msg: impl Into<String>) -> Error {
        Error::Validation {
            message: msg.into(),
            details: None,
        }
    }
    pub fn oauth(status: StatusCode, error: &'static str, description: impl Into<String>) -> Error {
        Error::OAuth {
            status,
            error,
            description: description.into(),
        }
    }
    pub fn internal(msg: impl Into<String>) -> Error {
        Error::Internal(anyhow::anyhow!(msg.into()))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::OAuth { status, .. } => *status,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut => Error::Unavailable("The database is busy".into()),
            other => Error::Internal(other.into()),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            Error::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                json!({ "error": "Internal server error" })
            }
            Error::OAuth {
                error, description, ..
            } => json!({ "error": error, "error_description": description }),
            Error::Validation {
                message,
                details: Some(details),
            } => json!({ "error": message, "details": details }),
            other => json!({ "error": other.to_string() }),
        };
        let mut response = (status, axum::Json(body)).into_response();
        match &self {
            Error::Unauthorized(_) => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        "Bearer realm=\"Rookery\", error=\"invalid_token\", error_description=\"The access token is invalid\"",
                    ),
                );
            }
            Error::OAuth {
                error: "invalid_client",
                ..
            } => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"Rookery\""),
                );
            }
            Error::RateLimited(info) => info.apply(response.headers_mut()),
            _ => {}
        }
        response
    }
}

/// Collects field errors, then becomes one 422 in Mastodon's shape:
/// `{"error": "Validation failed: Username has already been taken",
///   "details": {"username": [{"error": "ERR_TAKEN", "description": "has already been taken"}]}}`.
#[derive(Default, Debug)]
pub struct Validation {
    messages: Vec<String>,
    details: Map<String, Value>,
}

impl Validation {
    pub fn add(&mut self, field: &str, code: &str, description: impl Into<String>) {
        let description = description.into();
        self.messages
            .push(format!("{} {}", humanize(field), description));
        let entry = self
            .details
            .entry(field.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(json!({ "error": code, "description": description }));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn into_error(self) -> Error {
        Error::Validation {
            message: format!("Validation failed: {}", self.messages.join(", ")),
            details: Some(self.details),
        }
    }

    /// `Ok(())` when nothing was added.
    pub fn finish(self) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.into_error())
        }
    }
}

fn humanize(field: &str) -> String {
    let spaced = field.replace(['_', '.'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
