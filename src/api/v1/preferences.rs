//! `GET /api/v1/preferences`

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::app::AppState;
use crate::error::Result;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/preferences", get(show))
}

/// `GET /api/v1/preferences`: the caller's posting defaults.
pub async fn show(auth: Auth) -> Result<Json<Value>> {
    auth.require("read:accounts")?;
    let user = &auth.user;
    Ok(Json(json!({
        "posting:default:visibility": user.default_privacy.as_str(),
        "posting:default:sensitive": user.default_sensitive,
        "posting:default:language": user.default_language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
        "reading:autoplay:gifs": false,
    })))
}
