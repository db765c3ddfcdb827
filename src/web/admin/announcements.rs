//! `/admin/announcements` (admins): every announcement (drafts, scheduled, published), a
//! form to write one (now, as a draft, or scheduled), editing and deleting. Through
//! `service::announcements`, as the admin API; times are typed in UTC.

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::{done, id, page, when, Admin, Chrome, NoFields, Page, SessionForm};
use crate::app::AppState;
use crate::error::Error;
use crate::model::announcement::Announcement;
use crate::service::announcements::{self, AnnouncementInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/announcements", get(index).post(create))
        .route("/admin/announcements/{id}", get(edit).post(update))
        .route("/admin/announcements/{id}/delete", post(delete))
}

/// An announcement as the list and the form show it.
struct Row {
    id: i64,
    text: String,
    content: String,
    /// `draft`, `scheduled for …`, `published …`.
    state: String,
    starts_at: String,
    ends_at: String,
    all_day: bool,
    draft: bool,
    scheduled_at: String,
}

/// How `<input type="datetime-local">` writes a time.
const LOCAL: &str = "%Y-%m-%dT%H:%M";

fn field(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format(LOCAL).to_string()).unwrap_or_default()
}

impl Row {
    fn new(a: &Announcement) -> Row {
        let now = Utc::now();
        let state = match a.published_at {
            None => "draft".to_string(),
            Some(t) if t > now => format!("scheduled for {}", when(t)),
            Some(t) => format!("published {}", when(t)),
        };
        Row {
            id: a.id,
            text: a.text.clone(),
            content: a.content.clone(),
            state,
            starts_at: field(a.starts_at),
            ends_at: field(a.ends_at),
            all_day: a.all_day,
            draft: a.published_at.is_none(),
            scheduled_at: field(a.published_at.filter(|t| *t > now)),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/announcements.html", config = "src/web/askama.toml")]
struct ListPage {
    chrome: Chrome,
    announcements: Vec<Row>,
}

pub async fn index(State(state): State<AppState>, Admin(staff): Admin) -> Page {
    let list = announcements::all(&state).await?;
    page(&state, &staff, "announcements", |chrome| ListPage {
        chrome,
        announcements: list.iter().map(|v| Row::new(&v.announcement)).collect(),
    })
    .await
}

#[derive(Template)]
#[template(path = "admin/announcement.html", config = "src/web/askama.toml")]
struct EditPage {
    chrome: Chrome,
    a: Row,
}

pub async fn edit(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(raw): Path<String>,
) -> Page {
    let view = announcements::get(&state, id(&raw)?).await?;
    page(&state, &staff, "announcements", |chrome| EditPage {
        chrome,
        a: Row::new(&view.announcement),
    })
    .await
}

#[derive(Deserialize)]
pub struct AnnouncementForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    all_day: Option<String>,
    #[serde(default)]
    draft: Option<String>,
    #[serde(default)]
    scheduled_at: String,
}

fn time(name: &str, raw: &str) -> Result<Option<DateTime<Utc>>, Error> {
    match raw.trim() {
        "" => Ok(None),
        raw => NaiveDateTime::parse_from_str(raw, LOCAL)
            .map(|t| Some(t.and_utc()))
            .map_err(|_| Error::invalid(name, "ERR_INVALID", "is not a time (YYYY-MM-DDTHH:MM)")),
    }
}

impl AnnouncementForm {
    fn input(&self) -> Result<AnnouncementInput, Error> {
        Ok(AnnouncementInput {
            text: Some(self.text.clone()),
            starts_at: Some(time("starts_at", &self.starts_at)?),
            ends_at: Some(time("ends_at", &self.ends_at)?),
            all_day: Some(self.all_day.is_some()),
            published: Some(self.draft.is_none()),
            scheduled_at: time("scheduled_at", &self.scheduled_at)?,
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    Admin(staff): Admin,
    SessionForm { form, .. }: SessionForm<AnnouncementForm>,
) -> Page {
    announcements::create(&state, Some(&staff.account), &form.input()?).await?;
    done("/admin/announcements")
}

pub async fn update(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(raw): Path<String>,
    SessionForm { form, .. }: SessionForm<AnnouncementForm>,
) -> Page {
    announcements::update(&state, Some(&staff.account), id(&raw)?, &form.input()?).await?;
    done("/admin/announcements")
}

pub async fn delete(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(raw): Path<String>,
    _form: SessionForm<NoFields>,
) -> Page {
    announcements::delete(&state, Some(&staff.account), id(&raw)?).await?;
    done("/admin/announcements")
}
