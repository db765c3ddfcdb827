//! `/api/v1/custom_emojis`

use axum::Json;

/// No custom emoji can be added yet, so the list is truthfully empty.
pub async fn index() -> Json<Vec<serde_json::Value>> {
    Json(Vec::new())
}
