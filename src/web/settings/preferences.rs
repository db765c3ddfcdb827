//! `/settings/preferences`: posting defaults (visibility, sensitive media, language) and the
//! `reading:*` preferences apps read from `/api/v1/preferences`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{checked, Chrome, NoticeQuery, Shown};
use crate::app::AppState;
use crate::model::user::ReadingPreferences;
use crate::service::account_settings;
use crate::service::accounts::{self, ProfileChanges};
use crate::web::session::{SessionForm, SignedIn};

pub fn routes() -> Router<AppState> {
    Router::new().route("/settings/preferences", get(show).post(update))
}

#[derive(Template)]
#[template(path = "settings/preferences.html", config = "src/web/askama.toml")]
struct PreferencesPage {
    chrome: Chrome,
    privacy: &'static str,
    sensitive: bool,
    language: String,
    reading: ReadingPreferences,
}

async fn page(state: &AppState, session: &SignedIn, shown: Shown) -> Response {
    let reading = match accounts::reading_preferences(state, &session.user).await {
        Ok(r) => r,
        Err(e) => return axum::response::IntoResponse::into_response(e),
    };
    crate::web::render(
        shown.status,
        &PreferencesPage {
            chrome: Chrome::new(state, session, "preferences", &shown).await,
            privacy: session.user.default_privacy.as_str(),
            sensitive: session.user.default_sensitive,
            language: session.user.default_language.clone().unwrap_or_default(),
            reading,
        },
    )
}

/// `GET /settings/preferences`
pub async fn show(
    State(state): State<AppState>,
    session: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    page(&state, &session, Shown::asked(&q)).await
}

#[derive(Deserialize)]
pub struct PreferencesForm {
    privacy: String,
    sensitive: Option<String>,
    #[serde(default)]
    language: String,
    expand_media: String,
    expand_spoilers: Option<String>,
    autoplay_gifs: Option<String>,
}

/// `POST /settings/preferences`: both parts are checked before either is stored.
pub async fn update(
    State(state): State<AppState>,
    SessionForm { session, form }: SessionForm<PreferencesForm>,
) -> Response {
    let reading = ReadingPreferences {
        expand_media: form.expand_media.clone(),
        expand_spoilers: checked(&form.expand_spoilers),
        autoplay_gifs: checked(&form.autoplay_gifs),
    };
    if !matches!(
        reading.expand_media.as_str(),
        "default" | "show_all" | "hide_all"
    ) {
        return page(
            &state,
            &session,
            Shown::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose how media marked sensitive is shown.".into(),
            ),
        )
        .await;
    }
    let changes = ProfileChanges {
        privacy: Some(form.privacy),
        sensitive: Some(checked(&form.sensitive)),
        language: Some(Some(form.language.trim().to_string())),
        ..ProfileChanges::default()
    };
    let outcome = match accounts::update_profile(&state, &session.user, &session.account, changes)
        .await
    {
        Ok(_) => account_settings::set_reading_preferences(&state, &session.user, &reading).await,
        Err(e) => Err(e),
    };
    let result = outcome;
    super::finish(result, "/settings/preferences", "saved", |shown| {
        page(&state, &session, shown)
    })
    .await
}
