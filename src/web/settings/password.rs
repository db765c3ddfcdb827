//! `/settings/password`: a new password, given the current one; every other session and
//! app is signed out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{Chrome, NoticeQuery, Shown};
use crate::app::AppState;
use crate::service::account_settings;
use crate::web::session::{SessionForm, SignedIn};

pub fn routes() -> Router<AppState> {
    Router::new().route("/settings/password", get(show).post(update))
}

#[derive(Template)]
#[template(path = "settings/password.html", config = "src/web/askama.toml")]
struct PasswordPage {
    chrome: Chrome,
}

async fn page(state: &AppState, session: &SignedIn, shown: Shown) -> Response {
    crate::web::render(
        shown.status,
        &PasswordPage {
            chrome: Chrome::new(state, session, "password", &shown).await,
        },
    )
}

/// `GET /settings/password`
pub async fn show(
    State(state): State<AppState>,
    session: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    page(&state, &session, Shown::asked(&q)).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    password: String,
    password_confirmation: String,
}

/// `POST /settings/password`
pub async fn update(
    State(state): State<AppState>,
    SessionForm { session, form }: SessionForm<PasswordForm>,
) -> Response {
    if form.password != form.password_confirmation {
        return page(
            &state,
            &session,
            Shown::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The new password and its confirmation differ.".into(),
            ),
        )
        .await;
    }
    let result = account_settings::change_password(
        &state,
        &session.user,
        &form.current_password,
        &form.password,
        session.token_id,
    )
    .await;
    super::finish(result, "/settings/password", "password", |shown| {
        page(&state, &session, shown)
    })
    .await
}
