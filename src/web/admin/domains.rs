//! `/admin/domains`: domain blocks (create, change, lift) and allows, and the blocklist in
//! Mastodon's CSV format: exported as a file, imported from pasted text or an uploaded CSV
//! file (the same parser and limits as the admin API's import), with a page saying
//! what was created, what existed and which lines were refused.

use askama::Template;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{done, id, page, when, Choice, Chrome, NoFields, Page, SessionForm, Staff};
use crate::app::AppState;
use crate::service::moderation::domains::{self, BlockInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/domains", get(index))
        .route("/admin/domain_blocks", post(create_block))
        .route("/admin/domain_blocks/export.csv", get(export))
        .route("/admin/domain_blocks/import", post(import))
        .route("/admin/domain_blocks/{id}", post(update_block))
        .route("/admin/domain_blocks/{id}/delete", post(delete_block))
        .route("/admin/domain_allows", post(create_allow))
        .route("/admin/domain_allows/{id}/delete", post(delete_allow))
}

struct BlockRow {
    id: i64,
    domain: String,
    severities: Vec<Choice>,
    reject_media: bool,
    reject_reports: bool,
    obfuscate: bool,
    public_comment: String,
    private_comment: String,
    created_at: String,
}

struct AllowRow {
    id: i64,
    domain: String,
    created_at: String,
}

#[derive(Template)]
#[template(path = "admin/domains.html", config = "src/web/askama.toml")]
struct DomainsPage {
    chrome: Chrome,
    blocks: Vec<BlockRow>,
    allows: Vec<AllowRow>,
    allowlist_mode: bool,
    severities: Vec<Choice>,
    header: String,
}

const SEVERITIES: [(&str, &str); 3] = [
    ("silence", "Limit (silence)"),
    ("suspend", "Suspend"),
    ("noop", "None (only the options below)"),
];

pub async fn index(State(state): State<AppState>, Staff(staff): Staff) -> Page {
    let blocks = domains::blocks(&state)
        .await?
        .into_iter()
        .map(|b| BlockRow {
            id: b.id,
            severities: Choice::list(&SEVERITIES, b.severity.as_str()),
            domain: b.domain,
            reject_media: b.reject_media,
            reject_reports: b.reject_reports,
            obfuscate: b.obfuscate,
            public_comment: b.public_comment.unwrap_or_default(),
            private_comment: b.private_comment.unwrap_or_default(),
            created_at: when(b.created_at),
        })
        .collect();
    let allows = domains::allows(&state)
        .await?
        .into_iter()
        .map(|a| AllowRow {
            id: a.id,
            domain: a.domain,
            created_at: when(a.created_at),
        })
        .collect();
    page(&state, &staff, "domains", |chrome| DomainsPage {
        chrome,
        blocks,
        allows,
        allowlist_mode: state.config.moderation.allowlist_mode,
        severities: Choice::list(&SEVERITIES, "silence"),
        header: domains::CSV_HEADER.join(","),
    })
    .await
}

/// A block as the form sends it: checkboxes are present only when ticked.
#[derive(Deserialize)]
pub struct BlockForm {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    reject_media: Option<String>,
    #[serde(default)]
    reject_reports: Option<String>,
    #[serde(default)]
    obfuscate: Option<String>,
    #[serde(default)]
    public_comment: Option<String>,
    #[serde(default)]
    private_comment: Option<String>,
}

impl BlockForm {
    fn input(self) -> BlockInput {
        BlockInput {
            domain: self.domain,
            severity: self.severity,
            reject_media: Some(self.reject_media.is_some()),
            reject_reports: Some(self.reject_reports.is_some()),
            private_comment: self.private_comment,
            public_comment: self.public_comment,
            obfuscate: Some(self.obfuscate.is_some()),
        }
    }
}

pub async fn create_block(
    State(state): State<AppState>,
    Staff(staff): Staff,
    SessionForm { form, .. }: SessionForm<BlockForm>,
) -> Page {
    domains::create_block(&state, Some(&staff.account), &form.input()).await?;
    done("/admin/domains")
}

pub async fn update_block(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(raw): Path<String>,
    SessionForm { form, .. }: SessionForm<BlockForm>,
) -> Page {
    let id = id(&raw)?;
    let current = domains::block(&state, id).await?;
    let mut input = form.input();
    // The domain of a block does not change; the form does not send it.
    input.domain = current.domain;
    domains::update_block(&state, Some(&staff.account), id, &input).await?;
    done("/admin/domains")
}

pub async fn delete_block(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(raw): Path<String>,
    _form: SessionForm<NoFields>,
) -> Page {
    domains::delete_block(&state, Some(&staff.account), id(&raw)?).await?;
    done("/admin/domains")
}

/// `/admin/domain_blocks/export.csv`: every block, as Mastodon exports them.
pub async fn export(State(state): State<AppState>, _staff: Staff) -> Page {
    let csv = domains::export_csv(&state).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"domain_blocks.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        csv,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    data: String,
}

#[derive(Template)]
#[template(path = "admin/domains_imported.html", config = "src/web/askama.toml")]
struct ImportedPage {
    chrome: Chrome,
    created: Vec<String>,
    existing: Vec<String>,
    errors: Vec<(usize, String)>,
}

/// The import form: pasted text (a plain form), or a CSV file and the text beside it
/// (multipart, as the page sends it). Both are checked for the session's CSRF token.
pub enum ImportBody {
    Pasted(SessionForm<ImportForm>),
    Upload(super::UploadForm),
}

impl FromRequest<AppState> for ImportBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("multipart/form-data"));
        if multipart {
            super::UploadForm::from_request(req, state)
                .await
                .map(ImportBody::Upload)
        } else {
            SessionForm::from_request(req, state)
                .await
                .map(ImportBody::Pasted)
        }
    }
}

impl ImportBody {
    /// The blocklist's text: the uploaded file when there is one (it must be UTF-8 text),
    /// else what was pasted.
    fn text(&self) -> Result<String, crate::error::Error> {
        use crate::error::Error;
        let text = match self {
            ImportBody::Pasted(f) => f.form.data.clone(),
            ImportBody::Upload(u) => match u.file("file") {
                Some(bytes) => String::from_utf8(bytes.to_vec()).map_err(|_| {
                    Error::invalid(
                        "file",
                        "ERR_INVALID",
                        "is not a CSV text file (it is not UTF-8 text)",
                    )
                })?,
                None => u.text("data").unwrap_or_default(),
            },
        };
        if text.trim().is_empty() {
            return Err(Error::invalid(
                "data",
                "ERR_BLANK",
                "can't be blank: paste a list or choose a CSV file",
            ));
        }
        Ok(text.trim_start_matches('\u{feff}').to_string())
    }
}

pub async fn import(State(state): State<AppState>, Staff(staff): Staff, body: ImportBody) -> Page {
    let text = body.text()?;
    let report = domains::import_csv(&state, Some(&staff.account), &text).await?;
    page(&state, &staff, "domains", |chrome| ImportedPage {
        chrome,
        created: report.created,
        existing: report.existing,
        errors: report.errors,
    })
    .await
}

#[derive(Deserialize)]
pub struct AllowForm {
    #[serde(default)]
    domain: String,
}

pub async fn create_allow(
    State(state): State<AppState>,
    Staff(staff): Staff,
    SessionForm { form, .. }: SessionForm<AllowForm>,
) -> Page {
    domains::create_allow(&state, Some(&staff.account), &form.domain).await?;
    done("/admin/domains")
}

pub async fn delete_allow(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(raw): Path<String>,
    _form: SessionForm<NoFields>,
) -> Page {
    domains::delete_allow(&state, Some(&staff.account), id(&raw)?).await?;
    done("/admin/domains")
}
