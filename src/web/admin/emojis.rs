//! `/admin/emojis` (admins): the instance's custom emoji and the remote ones it knows, with
//! upload (a multipart form: the image, shortcode and category), category and picker
//! changes, enable and disable, and deleting local ones. Through `service::emojis`, as the
//! admin API, which writes each change to the audit log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{done, id, page, Admin, Chrome, NoFields, Page, SessionForm, UploadForm};
use crate::app::AppState;
use crate::error::Error;
use crate::model::emoji::EmojiQuery;
use crate::service::emojis::{self, EmojiUpdate, UpdateKind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/emojis", get(index).post(upload))
        .route("/admin/emojis/{id}", post(update))
        .route("/admin/emojis/{id}/delete", post(delete))
}

const PER_PAGE: i64 = 100;

struct EmojiRow {
    id: i64,
    shortcode: String,
    domain: Option<String>,
    image_url: String,
    category: String,
    disabled: bool,
    visible_in_picker: bool,
}

#[derive(Template)]
#[template(path = "admin/emojis.html", config = "src/web/askama.toml")]
struct EmojisPage {
    chrome: Chrome,
    /// `local`, `remote` or a domain.
    showing: String,
    categories: Vec<String>,
    emojis: Vec<EmojiRow>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Query(q): Query<ListQuery>,
) -> Page {
    let showing = q
        .domain
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or("local")
        .to_ascii_lowercase();
    let query = EmojiQuery {
        domain: match showing.as_str() {
            "local" => Some(String::new()),
            "all" => None,
            d => Some(d.to_string()),
        },
        include_enabled: true,
        include_disabled: true,
        shortcode: None,
        after: q.after.clone(),
        before: None,
        limit: PER_PAGE,
    };
    let list = emojis::page(&state, &query).await?;
    let next = (list.len() as i64 == PER_PAGE)
        .then(|| list.last())
        .flatten()
        .map(|last| {
            let key = format!(
                "{}@{}",
                last.shortcode,
                last.domain.as_deref().unwrap_or_default()
            );
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("domain", &showing)
                .append_pair("after", &key)
                .finish();
            format!("/admin/emojis?{query}")
        });
    let categories = emojis::categories(&state)
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    page(&state, &staff, "emojis", |chrome| EmojisPage {
        chrome,
        showing,
        categories,
        emojis: list
            .into_iter()
            .map(|e| EmojiRow {
                id: e.id,
                shortcode: e.shortcode,
                domain: e.domain,
                image_url: e.image_url,
                category: e.category.unwrap_or_default(),
                disabled: e.disabled,
                visible_in_picker: e.visible_in_picker,
            })
            .collect(),
        next,
    })
    .await
}

/// `POST /admin/emojis` (multipart): `image`, `shortcode`, `category`.
pub async fn upload(State(state): State<AppState>, Admin(staff): Admin, form: UploadForm) -> Page {
    let image = form
        .file("image")
        .ok_or_else(|| Error::invalid("image", "ERR_BLANK", "can't be blank"))?;
    let shortcode = form
        .text("shortcode")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Error::invalid("shortcode", "ERR_BLANK", "can't be blank"))?;
    let category = form.text("category").filter(|c| !c.trim().is_empty());
    emojis::create(
        &state,
        Some(&staff.account),
        shortcode.trim().trim_matches(':'),
        category.as_deref().map(str::trim),
        image,
    )
    .await?;
    done("/admin/emojis")
}

#[derive(Deserialize)]
pub struct UpdateForm {
    /// `enable`, `disable` or `modify`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    visible_in_picker: Option<String>,
    /// Where to go back to (the list being shown).
    #[serde(default)]
    domain: Option<String>,
}

pub async fn update(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(raw): Path<String>,
    SessionForm { form, .. }: SessionForm<UpdateForm>,
) -> Page {
    let kind = match form.action.as_str() {
        "enable" => UpdateKind::Enable,
        "disable" => UpdateKind::Disable,
        "modify" => UpdateKind::Modify,
        _ => {
            return Err(
                Error::invalid("action", "ERR_INCLUSION", "is not included in the list").into(),
            )
        }
    };
    let change = EmojiUpdate {
        kind,
        shortcode: None,
        category: (kind == UpdateKind::Modify).then(|| form.category.clone().unwrap_or_default()),
        visible_in_picker: (kind == UpdateKind::Modify).then_some(form.visible_in_picker.is_some()),
        image: None,
    };
    emojis::update(&state, Some(&staff.account), id(&raw)?, change).await?;
    back(form.domain.as_deref())
}

fn back(domain: Option<&str>) -> Page {
    match domain.filter(|d| !d.is_empty() && *d != "local") {
        Some(d) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("domain", d)
                .finish();
            done(&format!("/admin/emojis?{query}"))
        }
        None => done("/admin/emojis"),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(raw): Path<String>,
    _form: SessionForm<NoFields>,
) -> Page {
    emojis::delete(&state, Some(&staff.account), id(&raw)?).await?;
    done("/admin/emojis")
}
