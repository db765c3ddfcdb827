//! `/settings/relationships`: the accounts a person muted and blocked, and the domains they
//! blocked, each with its undo (the same service calls as the API's unmute, unblock and
//! domain unblock), and a form to block a domain.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{Chrome, NoticeQuery, Shown};
use crate::app::AppState;
use crate::model::page::Page;
use crate::service::moderation::filters;
use crate::service::relationships;
use crate::web::auth::Empty;
use crate::web::session::{SessionForm, SignedIn};

/// Rows shown of each list (the newest).
const SHOWN: i64 = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/relationships", get(show))
        .route("/settings/mutes/{id}/undo", post(unmute))
        .route("/settings/blocks/{id}/undo", post(unblock))
        .route("/settings/domain_blocks", post(block_domain))
        .route("/settings/domain_blocks/undo", post(unblock_domain))
}

pub struct Row {
    pub id: i64,
    pub acct: String,
    pub name: String,
    pub until: Option<String>,
}

#[derive(Template)]
#[template(path = "settings/relationships.html", config = "src/web/askama.toml")]
struct RelationshipsPage {
    chrome: Chrome,
    mutes: Vec<Row>,
    blocks: Vec<Row>,
    domains: Vec<String>,
}

fn rows(page: relationships::AccountPage) -> Vec<Row> {
    page.accounts
        .into_iter()
        .map(|l| Row {
            id: l.account.id,
            acct: l.account.acct(),
            name: l.account.display_name.clone(),
            until: l
                .mute_expires_at
                .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
        })
        .collect()
}

async fn page(state: &AppState, session: &SignedIn, shown: Shown) -> Response {
    let me = &session.account;
    let first = Page::first(SHOWN);
    let lists = async {
        let mutes = relationships::mutes(state, me, &first).await?;
        let blocks = relationships::blocks(state, me, &first).await?;
        let domains = filters::blocked_domains(state, me, &first).await?;
        Ok::<_, crate::error::Error>((mutes, blocks, domains))
    };
    let (mutes, blocks, domains) = match lists.await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    crate::web::render(
        shown.status,
        &RelationshipsPage {
            chrome: Chrome::new(state, session, "relationships", &shown).await,
            mutes: rows(mutes),
            blocks: rows(blocks),
            domains: domains.into_iter().map(|d| d.domain).collect(),
        },
    )
}

/// `GET /settings/relationships`
pub async fn show(
    State(state): State<AppState>,
    session: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    page(&state, &session, Shown::asked(&q)).await
}

async fn finish<T>(
    state: &AppState,
    session: &SignedIn,
    result: crate::error::Result<T>,
    notice: &str,
) -> Response {
    super::finish(result, "/settings/relationships", notice, |shown| {
        page(state, session, shown)
    })
    .await
}

/// `POST /settings/mutes/:id/undo`
pub async fn unmute(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SessionForm { session, .. }: SessionForm<Empty>,
) -> Response {
    let result = relationships::unmute(&state, &session.account, id).await;
    finish(&state, &session, result, "undone").await
}

/// `POST /settings/blocks/:id/undo`
pub async fn unblock(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SessionForm { session, .. }: SessionForm<Empty>,
) -> Response {
    let result = relationships::unblock(&state, &session.account, id).await;
    finish(&state, &session, result, "undone").await
}

#[derive(Deserialize)]
pub struct DomainForm {
    #[serde(default)]
    domain: String,
}

/// `POST /settings/domain_blocks`: hides a domain.
pub async fn block_domain(
    State(state): State<AppState>,
    SessionForm { session, form }: SessionForm<DomainForm>,
) -> Response {
    let result = filters::block_domain(&state, &session.account, &form.domain).await;
    finish(&state, &session, result, "saved").await
}

/// `POST /settings/domain_blocks/undo`
pub async fn unblock_domain(
    State(state): State<AppState>,
    SessionForm { session, form }: SessionForm<DomainForm>,
) -> Response {
    let result = filters::unblock_domain(&state, &session.account, &form.domain).await;
    finish(&state, &session, result, "undone").await
}
