//! `/settings/password`: a new password, given the current one; every other session and
//! app is signed out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{done, refusal, NoticeQuery};
use crate::app::AppState;
use crate::service::account_settings;
use crate::web::session::{Nav, SessionForm, SignedIn};

pub fn routes() -> Router<AppState> {
    Router::new().route("/settings/password", get(show).post(update))
}

#[derive(Template)]
#[template(path = "settings/password.html", config = "src/web/askama.toml")]
struct PasswordPage<'a> {
    instance_title: &'a str,
    nav: Nav,
    notice: Option<&'a str>,
    error: Option<String>,
}

fn page(
    state: &AppState,
    session: &SignedIn,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> Response {
    crate::web::render(
        status,
        &PasswordPage {
            instance_title: &state.config.instance.title,
            nav: Nav::new(session, "password"),
            notice,
            error,
        },
    )
}

/// `GET /settings/password`
pub async fn show(
    State(state): State<AppState>,
    session: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    page(&state, &session, StatusCode::OK, q.text(), None)
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
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some("The new password and its confirmation differ.".into()),
        );
    }
    match account_settings::change_password(
        &state,
        &session.user,
        &form.current_password,
        &form.password,
        session.token_id,
    )
    .await
    {
        Ok(()) => done("/settings/password", "password"),
        Err(e) => match refusal(e) {
            Ok((status, why)) => page(&state, &session, status, None, Some(why)),
            Err(response) => response,
        },
    }
}
