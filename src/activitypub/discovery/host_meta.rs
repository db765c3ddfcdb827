//! `GET /.well-known/host-meta` (RFC 6415): the XRD document older peers read to find the
//! WebFinger endpoint, and its JSON form at `/.well-known/host-meta.json` (RFC 6415 §3) —
//! also what `/.well-known/host-meta` answers to a client that accepts JSON but not XML.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::JRD_CONTENT_TYPE;
use crate::app::AppState;
use crate::config::Config;

const XRD_CONTENT_TYPE: &str = "application/xrd+xml; charset=utf-8";

/// The XRD document, or the JRD one when the client asks for JSON only.
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let body = if wants_json(&headers) {
        jrd(&state.config)
    } else {
        (
            [(header::CONTENT_TYPE, XRD_CONTENT_TYPE)],
            xrd(&state.config),
        )
            .into_response()
    };
    ([(header::VARY, "Accept")], body).into_response()
}

/// The JRD document.
pub async fn show_json(State(state): State<AppState>) -> Response {
    jrd(&state.config)
}

/// `{base}/.well-known/webfinger?resource={uri}`: RFC 6415 fills in `{uri}`.
fn lrdd_template(config: &Config) -> String {
    format!(
        "{}/.well-known/webfinger?resource={{uri}}",
        config.base_url()
    )
}

fn xrd(config: &Config) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{}\"/>\n\
         </XRD>\n",
        escape_attribute(&lrdd_template(config))
    )
}

fn jrd(config: &Config) -> Response {
    (
        [(header::CONTENT_TYPE, JRD_CONTENT_TYPE)],
        Json(json!({ "links": [{ "rel": "lrdd", "template": lrdd_template(config) }] })),
    )
        .into_response()
}

/// Whether the `Accept` header names JSON and no XML type.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
        .to_ascii_lowercase();
    accept.contains("json") && !accept.contains("xml")
}

/// Escapes text for a double-quoted XML attribute.
fn escape_attribute(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xrd_document() {
        let mut config = Config::defaults();
        config.domain = "social.example".into();
        assert_eq!(
            xrd(&config),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
             <Link rel=\"lrdd\" template=\"http://social.example/.well-known/webfinger?resource={uri}\"/>\n\
             </XRD>\n"
        );
        assert_eq!(escape_attribute("a&b\"<'>"), "a&amp;b&quot;&lt;&apos;&gt;");
    }

    #[test]
    fn negotiation() {
        let accept = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, v.parse().expect("header"));
            wants_json(&h)
        };
        assert!(!wants_json(&HeaderMap::new()));
        assert!(!accept("*/*"));
        assert!(!accept("application/xrd+xml, application/json;q=0.5"));
        assert!(accept("application/json"));
        assert!(accept("application/jrd+json"));
    }
}
