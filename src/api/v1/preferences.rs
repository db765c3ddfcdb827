//! `GET /api/v1/preferences`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::app::AppState;
use crate::error::Result;
use crate::service::accounts;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/preferences", get(show))
}

/// `GET /api/v1/preferences`: the caller's posting defaults and reading preferences.
pub async fn show(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>> {
    auth.require("read:accounts")?;
    let user = &auth.user;
    let reading = accounts::reading_preferences(&state, user).await?;
    Ok(Json(json!({
        "posting:default:visibility": user.default_privacy.as_str(),
        "posting:default:sensitive": user.default_sensitive,
        "posting:default:language": user.default_language,
        "posting:default:quote_policy": user.default_quote_policy.as_str(),
        "reading:expand:media": reading.expand_media,
        "reading:expand:spoilers": reading.expand_spoilers,
        "reading:autoplay:gifs": reading.autoplay_gifs,
    })))
}
