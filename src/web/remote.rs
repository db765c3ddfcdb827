//! `/remote_interaction?uri=&server=`: "follow (or answer) from your server". A visitor names
//! their account elsewhere; its server's WebFinger answer says where its interaction page is
//! (the OStatus `subscribe` template, [`service::remote_interaction`]), and the visitor is sent
//! there with the profile's or post's URI. Anything that goes wrong is said on the form again;
//! nobody is ever sent to an address that failed the checks.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::AppState;
use crate::service;
use crate::service::remote_interaction::Refusal;
use crate::web::site::Site;

/// The form of "follow (or answer) from your server".
#[derive(Deserialize, Default)]
pub struct RemoteParams {
    uri: Option<String>,
    server: Option<String>,
}

#[derive(Template)]
#[template(path = "remote.html", config = "src/web/askama.toml")]
struct RemotePage<'a> {
    site: Site,
    uri: &'a str,
    server: &'a str,
    error: Option<String>,
}

/// `GET /remote_interaction?uri=&server=`: sends the visitor to their server's interaction page
/// for `uri` (an account or post of this instance); without a usable server, the form again.
pub async fn remote_interaction(
    State(state): State<AppState>,
    Query(p): Query<RemoteParams>,
) -> Response {
    let uri = p.uri.as_deref().unwrap_or("").trim();
    let server = p.server.as_deref().unwrap_or("").trim();
    let base = state.base_url();
    let ours = uri
        .strip_prefix("acct:")
        .is_some_and(|a| a.ends_with(&format!("@{}", state.config.domain)))
        || uri.starts_with(&format!("{base}/"));
    let form = async |status: StatusCode, error: Option<String>| {
        super::render(
            status,
            &RemotePage {
                site: Site::load(&state).await,
                uri,
                server,
                error,
            },
        )
    };
    if !ours {
        return form(
            StatusCode::BAD_REQUEST,
            Some("There is nothing on this server to interact with at that address.".into()),
        )
        .await;
    }
    if server.is_empty() {
        return form(StatusCode::OK, None).await;
    }
    let Some(visitor) = Visitor::parse(server) else {
        return form(
            StatusCode::BAD_REQUEST,
            Some(
                "Enter your handle (you@your.server) or your server's domain (your.server).".into(),
            ),
        )
        .await;
    };
    let username = visitor.username.as_deref().unwrap_or(&visitor.host);
    match service::remote_interaction::target(&state, username, &visitor.host, uri).await {
        Ok(target) => Redirect::to(target.as_str()).into_response(),
        Err(Refusal::Failed(e)) => e.into_response(),
        Err(refusal) => {
            let status = match refusal {
                Refusal::UnknownAccount => StatusCode::NOT_FOUND,
                Refusal::Unreachable => StatusCode::BAD_GATEWAY,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            form(status, Some(refusal.to_string())).await
        }
    }
}

/// Who the visitor says they are: a handle, or only their server.
#[derive(Debug, PartialEq, Eq)]
struct Visitor {
    username: Option<String>,
    /// The server's domain, with a port perhaps.
    host: String,
}

impl Visitor {
    /// What a visitor typed: `you@your.server`, `@you@your.server`, `your.server` or
    /// `https://your.server/`; `None` unless the server is a plain domain (with a port,
    /// perhaps) and the name a plain username.
    fn parse(raw: &str) -> Option<Visitor> {
        let raw = raw.trim().trim_start_matches('@');
        let raw = raw
            .strip_prefix("https://")
            .unwrap_or(raw)
            .trim_end_matches('/');
        let (username, host) = match raw.rsplit_once('@') {
            Some((name, host)) => (Some(name), host),
            None => (None, raw),
        };
        if let Some(name) = username {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
            {
                return None;
            }
        }
        if host.is_empty() || host.contains(['/', '?', '#', '\\', ' ', '@']) {
            return None;
        }
        let url = url::Url::parse(&format!("https://{host}/")).ok()?;
        let name = url.host_str()?;
        if !name.contains('.') && name != "localhost" {
            return None;
        }
        Some(Visitor {
            username: username.map(str::to_string),
            host: match url.port() {
                Some(port) => format!("{name}:{port}"),
                None => name.to_string(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Visitor;

    #[test]
    fn a_visitor_names_their_account_or_server_in_any_usual_way() {
        for raw in ["bob@their.example", "@bob@their.example"] {
            assert_eq!(
                Visitor::parse(raw),
                Some(Visitor {
                    username: Some("bob".into()),
                    host: "their.example".into()
                }),
                "{raw}"
            );
        }
        for raw in ["their.example", "https://their.example/"] {
            assert_eq!(
                Visitor::parse(raw),
                Some(Visitor {
                    username: None,
                    host: "their.example".into()
                }),
                "{raw}"
            );
        }
        assert_eq!(
            Visitor::parse("bob@their.example:8443").map(|v| v.host),
            Some("their.example:8443".into())
        );
        for raw in [
            "",
            "nodots",
            "a.example/path",
            "x@",
            "evil.example#frag",
            "b b@their.example",
            "a@b@their.example",
        ] {
            assert_eq!(Visitor::parse(raw), None, "{raw}");
        }
    }
}
