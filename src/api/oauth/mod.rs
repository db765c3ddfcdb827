//! The OAuth endpoints a client calls directly: `/oauth/token`, `/oauth/revoke`,
//! `/oauth/userinfo` and the server metadata at `/.well-known/oauth-authorization-server`. The sign-in and consent page
//! (`/oauth/authorize`) is a web page and lives in `web::oauth`.

pub mod metadata;
pub mod revoke;
pub mod token;
pub mod userinfo;

use axum::http::{HeaderMap, StatusCode};
use axum::Router;
use base64::Engine;

use crate::app::AppState;
use crate::error::Error;
use crate::service::oauth::OAuthError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(token::routes())
        .merge(revoke::routes())
        .merge(metadata::routes())
        .merge(userinfo::routes())
}

/// A refusal answered as RFC 6749 (§5.2) and Doorkeeper, whose wording clients may know.
impl From<OAuthError> for Error {
    fn from(e: OAuthError) -> Error {
        match e {
            OAuthError::InvalidClient => Error::oauth(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
            ),
            OAuthError::InvalidGrant(why) => {
                Error::oauth(StatusCode::BAD_REQUEST, "invalid_grant", why)
            }
            OAuthError::InvalidScope => Error::oauth(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed.",
            ),
            OAuthError::MissingParameter(name) => missing(name),
            OAuthError::UnauthorizedClient => Error::oauth(
                StatusCode::FORBIDDEN,
                "unauthorized_client",
                "You are not authorized to revoke this token",
            ),
            OAuthError::Failed(e) => e,
        }
    }
}

/// `invalid_request` for a parameter that was not sent.
pub fn missing(param: &str) -> Error {
    Error::oauth(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("Missing required parameter: {param}."),
    )
}

/// Client credentials from HTTP Basic authentication (`client_secret_basic`), if sent.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let id = url::form_urlencoded::parse(format!("a={id}").as_bytes())
        .next()?
        .1
        .into_owned();
    let secret = url::form_urlencoded::parse(format!("a={secret}").as_bytes())
        .next()?
        .1
        .into_owned();
    Some((id, secret))
}
