//! `/settings/account`: moving between servers (aliases, moving out), the CSV exports and
//! imports, and deleting the account, through the services the API uses
//! (`service::moves`, `exports`, `imports`, `account_deletion`).

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::{refusal, Chrome, NoticeQuery, Shown};
use crate::app::AppState;
use crate::model::import::{ImportKind, ImportMode};
use crate::service::exports::{self, Export};
use crate::service::{account_deletion, imports, moves};
use crate::web::session::{self, same_origin, SessionForm, SignedIn, SESSION_COOKIE};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/account", get(show))
        .route("/settings/aliases", post(aliases))
        .route("/settings/move", post(move_out))
        .route("/settings/exports/{file}", get(export))
        .route("/settings/imports", post(import))
        .route("/settings/delete", post(delete))
}

const EXPORTS: [Export; 7] = [
    Export::Following,
    Export::Followers,
    Export::Lists,
    Export::Blocks,
    Export::Mutes,
    Export::DomainBlocks,
    Export::Bookmarks,
];

#[derive(Template)]
#[template(path = "settings/account.html", config = "src/web/askama.toml")]
struct AccountPage {
    chrome: Chrome,
    aliases: String,
    moved_to: Option<String>,
    exports: Vec<&'static str>,
    kinds: Vec<&'static str>,
}

async fn page(state: &AppState, session: &SignedIn, shown: Shown) -> Response {
    let moved_to = match moves::moved_target(state, &session.account).await {
        Ok(t) => t.map(|a| a.acct()),
        Err(e) => return e.into_response(),
    };
    crate::web::render(
        shown.status,
        &AccountPage {
            chrome: Chrome::new(state, session, "account", &shown).await,
            aliases: session.account.also_known_as.join("\n"),
            moved_to,
            exports: EXPORTS.iter().map(|e| e.file_name()).collect(),
            kinds: ImportKind::ALL.iter().map(|k| k.as_str()).collect(),
        },
    )
}

async fn finish<T>(
    state: &AppState,
    session: &SignedIn,
    result: crate::error::Result<T>,
    notice: &str,
) -> Response {
    super::finish(result, "/settings/account", notice, |shown| {
        page(state, session, shown)
    })
    .await
}

/// `GET /settings/account`
pub async fn show(
    State(state): State<AppState>,
    session: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    page(&state, &session, Shown::asked(&q)).await
}

#[derive(Deserialize)]
pub struct AliasesForm {
    #[serde(default)]
    aliases: String,
}

/// `POST /settings/aliases`: the accounts this one is also known as, one a line.
pub async fn aliases(
    State(state): State<AppState>,
    SessionForm { session, form }: SessionForm<AliasesForm>,
) -> Response {
    let list: Vec<String> = form.aliases.lines().map(str::to_string).collect();
    let result = moves::set_aliases(&state, &session.account, &list).await;
    finish(&state, &session, result, "saved").await
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    target: String,
    #[serde(default)]
    password: String,
}

/// `POST /settings/move`: moves the account and its followers to another one.
pub async fn move_out(
    State(state): State<AppState>,
    SessionForm { session, form }: SessionForm<MoveForm>,
) -> Response {
    let result = moves::move_out(
        &state,
        &session.user,
        &session.account,
        &form.password,
        &form.target,
    )
    .await;
    finish(&state, &session, result, "moved").await
}

/// `GET /settings/exports/:file`: a CSV download (`following.csv`…).
pub async fn export(
    State(state): State<AppState>,
    session: SignedIn,
    Path(file): Path<String>,
) -> Response {
    let Some(what) = EXPORTS.into_iter().find(|e| e.file_name() == file) else {
        return session::refused(
            &state,
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such export.",
        )
        .await;
    };
    let table = match exports::export(&state, &session.account, what).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let body = match table.to_csv() {
        Ok(b) => b,
        Err(e) => return crate::error::Error::Internal(e.into()).into_response(),
    };
    let disposition = format!("attachment; filename=\"{}\"", what.file_name());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// `POST /settings/imports` (multipart: `type`, `mode`, `data`): starts an import job.
pub async fn import(
    State(state): State<AppState>,
    session: SignedIn,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    if !same_origin(&headers, &state) {
        return session::bad_form(&state).await;
    }
    let (mut token, mut kind, mut mode, mut data) = (String::new(), None, None, None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let why = format!("The form could not be read: {e}");
                return page(
                    &state,
                    &session,
                    Shown::refused(StatusCode::BAD_REQUEST, why),
                )
                .await;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let why = format!("The form could not be read: {e}");
                return page(
                    &state,
                    &session,
                    Shown::refused(StatusCode::BAD_REQUEST, why),
                )
                .await;
            }
        };
        let text = || String::from_utf8_lossy(&bytes).to_string();
        match name.as_str() {
            "authenticity_token" => token = text(),
            "type" => kind = ImportKind::parse(&text()),
            "mode" => mode = ImportMode::parse(&text()),
            "data" => data = Some(bytes.clone()),
            _ => {}
        }
    }
    if let Err(rejected) = session.check_token(&state, &token).await {
        return rejected;
    }
    let (Some(kind), Some(data)) = (kind, data) else {
        let why = "Choose what to import and a CSV file.".to_string();
        return page(
            &state,
            &session,
            Shown::refused(StatusCode::UNPROCESSABLE_ENTITY, why),
        )
        .await;
    };
    let mode = mode.unwrap_or(ImportMode::Merge);
    let result = imports::start(&state, &session.account, kind, mode, &data).await;
    finish(&state, &session, result, "imported").await
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
}

/// `POST /settings/delete`: deletes the account (after the grace period); this browser is
/// signed out.
pub async fn delete(
    State(state): State<AppState>,
    jar: CookieJar,
    SessionForm { session, form }: SessionForm<DeleteForm>,
) -> Response {
    match account_deletion::delete_own(&state, &session.account, &session.user, &form.password)
        .await
    {
        Ok(()) => {
            let jar = jar.remove(session::removal(SESSION_COOKIE));
            let page = session::refused(
                &state,
                StatusCode::OK,
                "Account deleted",
                "Your account is being deleted. You have been signed out.",
            )
            .await;
            (jar, page).into_response()
        }
        Err(e) => match refusal(e) {
            Ok((status, why)) => page(&state, &session, Shown::refused(status, why)).await,
            Err(response) => response,
        },
    }
}
