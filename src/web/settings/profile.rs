//! `/settings/profile`: names, bio, fields, avatar and header, and the account's flags.
//! The form is multipart (it carries the images), so its CSRF token is checked here, before
//! any field is used.

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{Chrome, NoticeQuery, Shown};
use crate::app::AppState;
use crate::model::Account;
use crate::service::accounts::{self, ProfileChanges, ProfileImages};
use crate::web::session::{same_origin, SignedIn};

pub fn routes() -> Router<AppState> {
    Router::new().route("/settings/profile", get(show).post(update))
}

/// One row of the profile fields' form.
pub struct FieldRow {
    pub index: usize,
    pub name: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "settings/profile.html", config = "src/web/askama.toml")]
struct ProfilePage {
    chrome: Chrome,
    display_name: String,
    note: String,
    fields: Vec<FieldRow>,
    avatar_url: Option<String>,
    header_url: Option<String>,
    locked: bool,
    bot: bool,
    discoverable: bool,
    indexable: bool,
    hide_collections: bool,
}

async fn page(state: &AppState, session: &SignedIn, account: &Account, shown: Shown) -> Response {
    let mut fields: Vec<FieldRow> = account
        .fields
        .iter()
        .enumerate()
        .map(|(index, f)| FieldRow {
            index,
            name: f.name.clone(),
            value: f.value_source.clone(),
        })
        .collect();
    while fields.len() < state.config.limits.profile_fields {
        fields.push(FieldRow {
            index: fields.len(),
            name: String::new(),
            value: String::new(),
        });
    }
    crate::web::render(
        shown.status,
        &ProfilePage {
            chrome: Chrome::new(state, session, "profile", &shown).await,
            display_name: account.display_name.clone(),
            note: account.note_source.clone(),
            fields,
            avatar_url: account.avatar_url.clone(),
            header_url: account.header_url.clone(),
            locked: account.locked,
            bot: account.bot,
            discoverable: account.discoverable,
            indexable: account.indexable,
            hide_collections: account.hide_collections,
        },
    )
}

/// `GET /settings/profile`
pub async fn show(
    State(state): State<AppState>,
    session: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    page(&state, &session, &session.account, Shown::asked(&q)).await
}

/// What the multipart form held.
#[derive(Default)]
struct Submitted {
    token: String,
    changes: ProfileChanges,
    images: ProfileImages,
}

async fn read_form(state: &AppState, multipart: &mut Multipart) -> Result<Submitted, String> {
    let mut out = Submitted::default();
    let slots = state.config.limits.profile_fields;
    let mut names = vec![String::new(); slots];
    let mut values = vec![String::new(); slots];
    let (mut locked, mut bot, mut discoverable, mut indexable, mut hide) =
        (false, false, false, false, false);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| format!("The form could not be read: {e}"))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "avatar" || name == "header" {
            let has_file = field.file_name().is_some_and(|f| !f.is_empty());
            let bytes = field
                .bytes()
                .await
                .map_err(|e| format!("The file could not be read: {e}"))?;
            if has_file && !bytes.is_empty() {
                if name == "avatar" {
                    out.images.avatar = Some(bytes);
                } else {
                    out.images.header = Some(bytes);
                }
            }
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| format!("The form could not be read: {e}"))?;
        match name.as_str() {
            "authenticity_token" => out.token = text,
            "display_name" => out.changes.display_name = Some(text),
            "note" => out.changes.note = Some(text),
            "locked" => locked = true,
            "bot" => bot = true,
            "discoverable" => discoverable = true,
            "indexable" => indexable = true,
            "hide_collections" => hide = true,
            other => {
                let slot = |prefix: &str| {
                    other
                        .strip_prefix(prefix)
                        .and_then(|i| i.parse::<usize>().ok())
                        .filter(|i| *i < slots)
                };
                if let Some(i) = slot("field_name_") {
                    names[i] = text;
                } else if let Some(i) = slot("field_value_") {
                    values[i] = text;
                }
            }
        }
    }
    out.changes.locked = Some(locked);
    out.changes.bot = Some(bot);
    out.changes.discoverable = Some(discoverable);
    out.changes.indexable = Some(indexable);
    out.changes.hide_collections = Some(hide);
    out.changes.fields = Some(names.into_iter().zip(values).collect());
    Ok(out)
}

/// `POST /settings/profile` (multipart)
pub async fn update(
    State(state): State<AppState>,
    session: SignedIn,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    if !same_origin(&headers, &state) {
        return crate::web::session::bad_form(&state).await;
    }
    let submitted = match read_form(&state, &mut multipart).await {
        Ok(s) => s,
        Err(why) => {
            // Unread, the token cannot be trusted: nothing changes either way.
            return page(
                &state,
                &session,
                &session.account,
                Shown::refused(StatusCode::BAD_REQUEST, why),
            )
            .await;
        }
    };
    if let Err(rejected) = session.check_token(&state, &submitted.token).await {
        return rejected;
    }
    let result = accounts::update_credentials(
        &state,
        &session.user,
        &session.account,
        submitted.changes,
        submitted.images,
    )
    .await;
    super::finish(result, "/settings/profile", "saved", |shown| {
        page(&state, &session, &session.account, shown)
    })
    .await
}
