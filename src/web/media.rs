//! `/system/media/:key`: the files of the local storage backend. Only content-addressed keys
//! of accepted types are served, with the type they were sniffed as, a year of caching (a key
//! never changes content), and headers that stop a browser from treating a file as a page.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::AppState;
use crate::media::{self, Sniffed};

pub fn routes() -> Router<AppState> {
    Router::new().route("/system/media/{key}", get(show))
}

/// `GET /system/media/:key`
pub async fn show(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    let not_found = || StatusCode::NOT_FOUND.into_response();
    if !media::is_key(&key) {
        return not_found();
    }
    let Some(sniffed) = key.rsplit('.').next().and_then(Sniffed::from_extension) else {
        return not_found();
    };
    match state.media.get(&key).await {
        Ok(Some(bytes)) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(sniffed.mime()),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{key}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            res
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::warn!(media.key = %key, error = %e, "reading a media file");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
