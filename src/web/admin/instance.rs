//! `/admin/settings` (admins): the instance's title, short description, contact address and
//! registration mode (stored over the configuration, `service::instance_settings`), its
//! extended description, privacy policy and terms of service (`service::instance_pages`),
//! and its rules. The same service calls as `PATCH /api/v1/instance` and
//! `/api/v1/admin/rules`, so the audit log records each change.

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{done, id, page, Admin, Choice, Chrome, NoFields, Page, SessionForm};
use crate::app::AppState;
use crate::error::Error;
use crate::service::instance_pages::{self, TextsChange};
use crate::service::instance_settings::{self, Change};
use crate::service::moderation::rules::{self, RuleInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/settings", get(index).post(update))
        .route("/admin/rules", post(create_rule))
        .route("/admin/rules/{id}", post(update_rule))
        .route("/admin/rules/{id}/delete", post(delete_rule))
}

struct RuleRow {
    id: i64,
    text: String,
    hint: String,
    priority: i32,
}

#[derive(Template)]
#[template(path = "admin/settings.html", config = "src/web/askama.toml")]
struct SettingsPage {
    chrome: Chrome,
    title: String,
    description: String,
    contact_email: String,
    modes: Vec<Choice>,
    extended_description: String,
    privacy_policy: String,
    /// The terms in effect (or next), as HTML, and their date.
    terms_content: String,
    terms_date: Option<String>,
    rules: Vec<RuleRow>,
}

const MODES: [(&str, &str); 3] = [
    ("open", "Open: anyone can sign up"),
    ("approval", "Approval: sign-ups wait for a moderator"),
    ("closed", "Closed: nobody can sign up"),
];

pub async fn index(State(state): State<AppState>, Admin(staff): Admin) -> Page {
    let config = instance_settings::config(&state).await?;
    let extended = instance_pages::extended_description(&state).await?;
    let privacy = match instance_pages::privacy_policy(&state).await {
        Ok(p) => Some(p),
        Err(Error::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let (terms_content, terms_date) = match instance_pages::terms_of_service(&state, None).await {
        Ok(t) => (t.content, Some(t.effective_date.to_string())),
        Err(Error::NotFound) => (String::new(), None),
        Err(e) => return Err(e.into()),
    };
    let rules = rules::all(&state)
        .await?
        .into_iter()
        .map(|r| RuleRow {
            id: r.id,
            text: r.text,
            hint: r.hint,
            priority: r.priority,
        })
        .collect();
    page(&state, &staff, "settings", |chrome| SettingsPage {
        chrome,
        title: config.instance.title.clone(),
        description: config.instance.description.clone(),
        contact_email: config.instance.contact_email.clone(),
        modes: Choice::list(&MODES, instance_settings::mode_name(config.registrations)),
        extended_description: extended.map(|t| t.text).unwrap_or_default(),
        privacy_policy: privacy.map(|t| t.text).unwrap_or_default(),
        terms_content,
        terms_date,
        rules,
    })
    .await
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    registrations: String,
    #[serde(default)]
    extended_description: String,
    #[serde(default)]
    privacy_policy: String,
    #[serde(default)]
    terms: String,
    #[serde(default)]
    terms_effective_date: String,
}

/// Only what changed is stored (and audited): the form sends every field each time.
pub async fn update(
    State(state): State<AppState>,
    Admin(staff): Admin,
    SessionForm { form, .. }: SessionForm<SettingsForm>,
) -> Page {
    let config = instance_settings::config(&state).await?;
    let changed = |new: &str, old: &str| (new.trim() != old.trim()).then(|| new.to_string());
    let settings = Change {
        title: changed(&form.title, &config.instance.title),
        description: changed(&form.description, &config.instance.description),
        contact_email: changed(&form.contact_email, &config.instance.contact_email),
        // A form without the field leaves the mode alone.
        registrations: changed(
            &form.registrations,
            instance_settings::mode_name(config.registrations),
        )
        .filter(|r| !r.trim().is_empty()),
    };
    let extended = instance_pages::extended_description(&state)
        .await?
        .map(|t| t.text)
        .unwrap_or_default();
    let privacy = match instance_pages::privacy_policy(&state).await {
        Ok(p) => p.text,
        Err(Error::NotFound) => String::new(),
        Err(e) => return Err(e.into()),
    };
    let terms_effective_date = match form.terms_effective_date.trim() {
        "" => None,
        raw => Some(
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
                Error::invalid(
                    "terms_effective_date",
                    "ERR_INVALID",
                    "is not a date (YYYY-MM-DD)",
                )
            })?,
        ),
    };
    let texts = TextsChange {
        extended_description: changed(&form.extended_description, &extended),
        privacy_policy: changed(&form.privacy_policy, &privacy),
        terms: Some(form.terms).filter(|t| !t.trim().is_empty()),
        terms_effective_date,
    };
    instance_settings::update(&state, Some(&staff.account), &settings).await?;
    instance_pages::update_texts(&state, Some(&staff.account), &texts).await?;
    done("/admin/settings")
}

#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    hint: String,
    #[serde(default)]
    priority: Option<String>,
}

impl RuleForm {
    fn input(self) -> Result<RuleInput, Error> {
        let priority = match self.priority.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(
                raw.parse::<i32>()
                    .map_err(|_| Error::invalid("priority", "ERR_INVALID", "is not a number"))?,
            ),
        };
        Ok(RuleInput {
            text: Some(self.text),
            hint: Some(self.hint),
            priority,
        })
    }
}

pub async fn create_rule(
    State(state): State<AppState>,
    Admin(staff): Admin,
    SessionForm { form, .. }: SessionForm<RuleForm>,
) -> Page {
    rules::create(&state, Some(&staff.account), &form.input()?).await?;
    done("/admin/settings#rules")
}

pub async fn update_rule(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(raw): Path<String>,
    SessionForm { form, .. }: SessionForm<RuleForm>,
) -> Page {
    rules::update(&state, Some(&staff.account), id(&raw)?, &form.input()?).await?;
    done("/admin/settings#rules")
}

pub async fn delete_rule(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(raw): Path<String>,
    _form: SessionForm<NoFields>,
) -> Page {
    rules::delete(&state, Some(&staff.account), id(&raw)?).await?;
    done("/admin/settings#rules")
}
