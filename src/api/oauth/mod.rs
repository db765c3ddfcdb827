//! The OAuth endpoints a client calls directly. The sign-in and consent page
//! (`/oauth/authorize`) is a web page and lives in `web::oauth`.

pub mod metadata;
pub mod revoke;
pub mod token;

use axum::http::HeaderMap;
use base64::Engine;

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
