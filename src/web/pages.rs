//! The instance's own pages: the landing page `/` (what this server is and how to join it),
//! `/about` (description, rules, contact, moderated servers, policies), `/robots.txt`, and
//! the error page the public pages show.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::cookie::CookieJar;

use super::view::{AccountLine, Origins};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::moderation::{DomainBlock, Rule};
use crate::service;
use crate::web::site::Site;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/about", get(about))
        .route("/robots.txt", get(robots))
}

/// Where the sign-up form is (the account pages serve it).
pub const SIGN_UP_PATH: &str = "/auth/sign_up";

#[derive(Template)]
#[template(path = "index.html", config = "src/web/askama.toml")]
struct IndexPage<'a> {
    site: Site,
    domain: &'a str,
    version: &'a str,
    user_count: i64,
    sign_up: &'static str,
}

/// `GET /`
pub async fn index(State(state): State<AppState>) -> Response {
    let stats = match service::instance::stats(&state).await {
        Ok(s) => s,
        Err(e) => return error_page(&state, e).await,
    };
    super::render_public(
        &state,
        StatusCode::OK,
        &IndexPage {
            site: Site::load(&state).await,
            domain: &state.config.domain,
            version: env!("CARGO_PKG_VERSION"),
            user_count: stats.user_count,
            sign_up: SIGN_UP_PATH,
        },
    )
}

/// A moderated server as the about page lists it.
struct Moderated {
    domain: String,
    severity: &'static str,
    reason: String,
}

impl Moderated {
    fn of(b: &DomainBlock) -> Moderated {
        use crate::model::moderation::Severity;
        Moderated {
            domain: b.public_domain(),
            severity: match b.severity {
                Severity::Suspend => "Suspended",
                Severity::Silence => "Limited",
                Severity::Noop if b.reject_media => "Media rejected",
                Severity::Noop => "Reports rejected",
            },
            reason: b.public_comment.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "about.html", config = "src/web/askama.toml")]
struct AboutPage<'a> {
    site: Site,
    domain: &'a str,
    /// HTML rendered from the administrator's text.
    extended_html: Option<String>,
    admin: Option<AccountLine>,
    rules: Vec<Rule>,
    /// `None` when the configuration does not publish them to this reader.
    moderated: Option<Vec<Moderated>>,
    /// Why the list is not shown, if it is not.
    moderated_note: &'static str,
    user_count: i64,
    languages: Vec<&'static str>,
    privacy_html: Option<String>,
    terms_html: Option<String>,
    terms_date: String,
    sign_up: &'static str,
}

/// `GET /about`
pub async fn about(State(state): State<AppState>, jar: CookieJar) -> Response {
    match about_page(&state, &jar).await {
        Ok(response) => response,
        Err(e) => error_page(&state, e).await,
    }
}

async fn about_page(state: &AppState, jar: &CookieJar) -> Result<Response> {
    let stats = service::instance::stats(state).await?;
    let origins = Origins::of(state);
    let admin = service::instance::contact_account(state)
        .await?
        .filter(|a| !a.is_suspended())
        .map(|a| AccountLine::of(state, &origins, &a));
    let rules = service::moderation::rules::all(state).await?;
    // Signed-in users may see the list where the configuration shows it to users.
    let reader = super::oauth::session_user(state, jar).await;
    let (moderated, moderated_note) =
        match service::moderation::domains::published_blocks(state, reader.as_ref()).await {
            Ok(blocks) => (Some(blocks.iter().map(Moderated::of).collect()), ""),
            Err(Error::Unauthorized(_)) => (None, "Sign in to see the servers moderated here."),
            Err(Error::NotFound) => (None, "This server does not publish its list."),
            Err(e) => return Err(e),
        };
    let extended_html = service::instance_pages::extended_description(state)
        .await?
        .map(|t| t.content)
        .filter(|c| !c.trim().is_empty());
    let privacy_html = match service::instance_pages::privacy_policy(state).await {
        Ok(t) => Some(t.content).filter(|c| !c.trim().is_empty()),
        Err(Error::NotFound) => None,
        Err(e) => return Err(e),
    };
    let (terms_html, terms_date) =
        match service::instance_pages::terms_of_service(state, None).await {
            Ok(t) => (
                Some(t.content),
                t.effective_date.format("%-d %B %Y").to_string(),
            ),
            Err(Error::NotFound) => (None, String::new()),
            Err(e) => return Err(e),
        };
    let languages = state
        .config
        .instance
        .languages
        .iter()
        .filter_map(|code| {
            crate::model::language::ISO_639_1
                .iter()
                .find(|(c, _)| *c == code.as_str())
                .map(|(_, name)| *name)
        })
        .collect();
    Ok(super::render_public(
        state,
        StatusCode::OK,
        &AboutPage {
            site: Site::load(state).await,
            domain: &state.config.domain,
            extended_html,
            admin,
            rules,
            moderated,
            moderated_note,
            user_count: stats.user_count,
            languages,
            privacy_html,
            terms_html,
            terms_date,
            sign_up: SIGN_UP_PATH,
        },
    ))
}

/// `GET /robots.txt`: crawlers keep out of the API, the sign-in and settings pages and the
/// interaction forms; profiles whose owners opt out say `noindex` on the page itself (as on
/// Mastodon). AI crawlers that honour robots.txt are asked to keep out entirely.
pub async fn robots() -> Response {
    const ROBOTS: &str = "\
User-agent: *
Disallow: /api/
Disallow: /oauth/
Disallow: /auth/
Disallow: /settings
Disallow: /admin
Disallow: /authorize_interaction
Disallow: /remote_interaction

User-agent: GPTBot
Disallow: /

User-agent: CCBot
Disallow: /
";
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        ROBOTS,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "error.html", config = "src/web/askama.toml")]
struct ErrorPage {
    site: Site,
    heading: &'static str,
    message: &'static str,
}

/// What a public page shows instead of itself: a page saying what went wrong, with the
/// status of `e` (whose cause the error type logs when it is the server's fault).
pub async fn error_page(state: &AppState, e: Error) -> Response {
    let (heading, message) = match &e {
        Error::NotFound => (
            "Not found",
            "There is nothing here: the page may have been removed, or it is not public.",
        ),
        _ => (
            "Something went wrong",
            "The page could not be shown. Try again in a moment.",
        ),
    };
    let status = e.into_response().status();
    super::render(
        status,
        &ErrorPage {
            site: Site::load(state).await,
            heading,
            message,
        },
    )
}
