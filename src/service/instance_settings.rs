//! The instance's settings that administrators change while it runs (title, short
//! description, contact address, registration mode). The configuration file gives the
//! defaults; a setting stored here wins over it, in every process, from the next request
//! on. Everything that shows or enforces one of these reads [`config`], not `state.config`.

use crate::app::AppState;
use crate::config::{Config, RegistrationMode};
use crate::error::{Result, Validation};
use crate::model::Account;
use crate::store;

/// Longest title accepted.
pub const MAX_TITLE: usize = 200;
/// Longest short description accepted.
pub const MAX_DESCRIPTION: usize = 2000;

/// The settings as stored; `None` where the configuration is left to decide.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stored {
    pub title: Option<String>,
    pub description: Option<String>,
    pub contact_email: Option<String>,
    pub registrations: Option<RegistrationMode>,
}

impl Stored {
    fn apply(self, config: &mut Config) {
        if let Some(t) = self.title {
            config.instance.title = t;
        }
        if let Some(d) = self.description {
            config.instance.description = d;
        }
        if let Some(e) = self.contact_email {
            config.instance.contact_email = e;
        }
        if let Some(r) = self.registrations {
            config.registrations = r;
        }
    }
}

/// The stored settings. An unknown registration mode (none can be written) is ignored.
pub async fn stored(state: &AppState) -> Result<Stored> {
    let mut s = Stored::default();
    for (name, value) in store::instance::settings(&state.db).await? {
        match name.as_str() {
            "title" => s.title = Some(value),
            "description" => s.description = Some(value),
            "contact_email" => s.contact_email = Some(value),
            "registrations" => s.registrations = parse_mode(&value),
            _ => {}
        }
    }
    Ok(s)
}

/// The configuration with the stored settings over it.
pub async fn config(state: &AppState) -> Result<Config> {
    let mut config = (*state.config).clone();
    stored(state).await?.apply(&mut config);
    Ok(config)
}

/// `open`, `approval` or `closed`.
pub fn parse_mode(raw: &str) -> Option<RegistrationMode> {
    match raw.trim() {
        "open" => Some(RegistrationMode::Open),
        "approval" => Some(RegistrationMode::Approval),
        "closed" => Some(RegistrationMode::Closed),
        _ => None,
    }
}

pub fn mode_name(mode: RegistrationMode) -> &'static str {
    match mode {
        RegistrationMode::Open => "open",
        RegistrationMode::Approval => "approval",
        RegistrationMode::Closed => "closed",
    }
}

/// What an administrator sets; `None` leaves a setting as it is.
#[derive(Debug, Default)]
pub struct Change {
    pub title: Option<String>,
    pub description: Option<String>,
    pub contact_email: Option<String>,
    /// As typed (`open`, `approval`, `closed`).
    pub registrations: Option<String>,
}

/// Stores `change` (422 naming each bad field, nothing stored then), in the audit log under
/// `admin`.
#[tracing::instrument(skip_all)]
pub async fn update(state: &AppState, admin: Option<&Account>, change: &Change) -> Result<()> {
    let mut v = Validation::default();
    let mut rows: Vec<(&str, String)> = Vec::new();
    if let Some(title) = &change.title {
        let title = title.trim();
        if title.is_empty() {
            v.add("title", "ERR_BLANK", "can't be blank");
        } else if title.chars().count() > MAX_TITLE {
            v.add(
                "title",
                "ERR_TOO_LONG",
                "is too long (maximum is 200 characters)",
            );
        }
        rows.push(("title", title.to_string()));
    }
    if let Some(d) = &change.description {
        if d.chars().count() > MAX_DESCRIPTION {
            v.add(
                "description",
                "ERR_TOO_LONG",
                "is too long (maximum is 2000 characters)",
            );
        }
        rows.push(("description", d.trim().to_string()));
    }
    if let Some(e) = &change.contact_email {
        let e = e.trim();
        let plausible = e.is_empty()
            || (e.len() <= 320
                && e.split_once('@').is_some_and(|(l, d)| {
                    !l.is_empty() && d.contains('.') && !e.contains(char::is_whitespace)
                }));
        if !plausible {
            v.add("contact_email", "ERR_INVALID", "is not an e-mail address");
        }
        rows.push(("contact_email", e.to_string()));
    }
    if let Some(raw) = &change.registrations {
        match parse_mode(raw) {
            Some(mode) => rows.push(("registrations", mode_name(mode).to_string())),
            None => v.add(
                "registrations",
                "ERR_INCLUSION",
                "is not included in the list",
            ),
        }
    }
    v.finish()?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    for (name, value) in &rows {
        store::instance::set_setting(&mut *tx, name, value).await?;
    }
    let names: Vec<&str> = rows.iter().map(|(n, _)| *n).collect();
    crate::service::moderation::audit(
        &mut *tx,
        admin,
        "update_instance",
        "Instance",
        None,
        &names.join(", "),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip() {
        for mode in [
            RegistrationMode::Open,
            RegistrationMode::Approval,
            RegistrationMode::Closed,
        ] {
            assert_eq!(parse_mode(mode_name(mode)), Some(mode));
        }
        assert_eq!(parse_mode("sometimes"), None);
    }
}
