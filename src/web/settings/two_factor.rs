//! `/settings/two_factor`: setting up TOTP sign-in (a QR code of the secret, then a code to
//! prove the app has it), recovery codes (shown once), and turning it off.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{refusal, Chrome, NoticeQuery, Shown};
use crate::app::AppState;
use crate::service::two_factor::{self, Setup};
use crate::web::session::{SessionForm, SignedIn};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/two_factor", get(show).post(enable))
        .route("/settings/two_factor/disable", post(disable))
        .route("/settings/two_factor/recovery_codes", post(regenerate))
}

#[derive(Template)]
#[template(path = "settings/two_factor.html", config = "src/web/askama.toml")]
struct TwoFactorPage {
    chrome: Chrome,
    /// In force already (then no set-up is shown).
    enabled: bool,
    setup: Option<Setup>,
    /// Recovery codes just made, shown this once.
    codes: Vec<String>,
    codes_left: i64,
    required: bool,
}

async fn page(state: &AppState, session: &SignedIn, shown: Shown, codes: Vec<String>) -> Response {
    let setup = match two_factor::setup(state, &session.user, &session.account.username).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let codes_left = match two_factor::recovery_codes_left(state, &session.user).await {
        Ok(n) => n,
        Err(e) => return e.into_response(),
    };
    crate::web::render(
        shown.status,
        &TwoFactorPage {
            chrome: Chrome::new(state, session, "two_factor", &shown).await,
            enabled: setup.is_none(),
            setup,
            codes,
            codes_left,
            required: session.is_staff() && state.config.security.require_two_factor_for_staff,
        },
    )
}

/// `GET /settings/two_factor`
pub async fn show(
    State(state): State<AppState>,
    session: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    page(&state, &session, Shown::asked(&q), vec![]).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn outcome(
    state: &AppState,
    session: &SignedIn,
    result: crate::error::Result<Vec<String>>,
) -> Response {
    match result {
        Ok(codes) => page(state, session, Shown::ok(), codes).await,
        Err(e) => match refusal(e) {
            Ok((status, why)) => page(state, session, Shown::refused(status, why), vec![]).await,
            Err(response) => response,
        },
    }
}

/// `POST /settings/two_factor`: turns it on with a valid code; the recovery codes are shown.
pub async fn enable(
    State(state): State<AppState>,
    SessionForm { session, form }: SessionForm<CodeForm>,
) -> Response {
    let result = two_factor::enable(&state, &session.user, &form.code).await;
    outcome(&state, &session, result).await
}

/// `POST /settings/two_factor/recovery_codes`: new recovery codes, given a valid code.
pub async fn regenerate(
    State(state): State<AppState>,
    SessionForm { session, form }: SessionForm<CodeForm>,
) -> Response {
    let result = two_factor::regenerate_recovery_codes(&state, &session.user, &form.code).await;
    outcome(&state, &session, result).await
}

/// `POST /settings/two_factor/disable`: turns it off, given a valid code.
pub async fn disable(
    State(state): State<AppState>,
    SessionForm { session, form }: SessionForm<CodeForm>,
) -> Response {
    let result = two_factor::disable(&state, &session.user, &form.code).await;
    super::finish(result, "/settings/two_factor", "two_factor_off", |shown| {
        page(&state, &session, shown, vec![])
    })
    .await
}
