//! The front page: `/` and `/about`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::app::AppState;
use crate::error::Result;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/about", get(index))
}

#[derive(Template)]
#[template(path = "index.html", config = "src/web/askama.toml")]
struct IndexPage<'a> {
    instance_title: &'a str,
    description: &'a str,
    domain: &'a str,
    version: &'a str,
    user_count: i64,
}

pub async fn index(State(state): State<AppState>) -> Result<Response> {
    let stats = service::instance::stats(&state).await?;
    Ok(super::render(
        StatusCode::OK,
        &IndexPage {
            instance_title: &state.config.instance.title,
            description: &state.config.instance.description,
            domain: &state.config.domain,
            version: env!("CARGO_PKG_VERSION"),
            user_count: stats.user_count,
        },
    ))
}
