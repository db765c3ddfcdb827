//! `/settings/sessions`: the browsers signed in to the account (tokens of the built-in web
//! app) and the apps authorized to use it, each with a revoke button.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::{Chrome, NoticeQuery, Shown};
use crate::app::AppState;
use crate::service::oauth::{self, Revoke, WEB_APP_ID};
use crate::web::auth::Empty;
use crate::web::session::{SessionForm, SignedIn};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/sessions", get(show))
        .route("/settings/sessions/{id}/revoke", post(revoke_session))
        .route("/settings/apps/{id}/revoke", post(revoke_app))
}

pub struct SessionRow {
    pub id: i64,
    pub created: String,
    pub last_used: String,
    pub current: bool,
}

pub struct AppRow {
    pub app_id: i64,
    pub name: String,
    pub website: Option<String>,
    pub scopes: String,
    pub tokens: usize,
    pub authorized: String,
}

#[derive(Template)]
#[template(path = "settings/sessions.html", config = "src/web/askama.toml")]
struct SessionsPage {
    chrome: Chrome,
    sessions: Vec<SessionRow>,
    apps: Vec<AppRow>,
}

fn day(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

async fn page(state: &AppState, session: &SignedIn, shown: Shown) -> Response {
    let tokens = match oauth::tokens_of(state, &session.user).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let mut sessions = Vec::new();
    let mut apps: Vec<AppRow> = Vec::new();
    for t in tokens {
        if t.app_id == WEB_APP_ID {
            sessions.push(SessionRow {
                id: t.id,
                created: day(t.created_at),
                last_used: t.last_used_at.map(day).unwrap_or_else(|| "—".into()),
                current: t.id == session.token_id,
            });
        } else if let Some(app) = apps.iter_mut().find(|a| a.app_id == t.app_id) {
            app.tokens += 1;
        } else {
            apps.push(AppRow {
                app_id: t.app_id,
                name: t.app_name,
                website: t.app_website,
                scopes: t.scopes.join(" "),
                tokens: 1,
                authorized: day(t.created_at),
            });
        }
    }
    crate::web::render(
        shown.status,
        &SessionsPage {
            chrome: Chrome::new(state, session, "sessions", &shown).await,
            sessions,
            apps,
        },
    )
}

/// `GET /settings/sessions`
pub async fn show(
    State(state): State<AppState>,
    session: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    page(&state, &session, Shown::asked(&q)).await
}

async fn revoke(state: &AppState, session: &SignedIn, what: Revoke) -> Response {
    let result = oauth::revoke_for_user(state, &session.user, what).await;
    super::finish(result, "/settings/sessions", "revoked", |shown| {
        page(state, session, shown)
    })
    .await
}

/// `POST /settings/sessions/:id/revoke`: signs one browser out (this one too, if chosen).
pub async fn revoke_session(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SessionForm { session, .. }: SessionForm<Empty>,
) -> Response {
    revoke(&state, &session, Revoke::Token(id)).await
}

/// `POST /settings/apps/:id/revoke`: every token of an app; the web app is not one of them.
pub async fn revoke_app(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SessionForm { session, .. }: SessionForm<Empty>,
) -> Response {
    if id == WEB_APP_ID {
        return page(
            &state,
            &session,
            Shown::refused(
                StatusCode::NOT_FOUND,
                "Sign browsers out one by one, under Sessions.".into(),
            ),
        )
        .await;
    }
    revoke(&state, &session, Revoke::App(id)).await
}
