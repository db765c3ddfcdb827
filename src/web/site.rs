//! What every page shows of the instance itself (its title, description, contact address and
//! how to join), read once per page from the settings admins change while it runs
//! ([`service::instance_settings`]) over the configuration file. Templates read these from
//! here, never from `state.config`, so an admin's change shows on the next page served.

use crate::app::AppState;
use crate::config::{Config, RegistrationMode};
use crate::service;

/// The instance's texts as a page shows them.
#[derive(Clone, Debug, Default)]
pub struct Site {
    pub title: String,
    pub description: String,
    pub contact_email: String,
    /// `open`, `approval` or `closed`.
    pub registrations: &'static str,
}

impl Site {
    /// The settings in force now. Should the stored settings not be readable, the page still
    /// shows with the configuration's texts (the failure is logged here, where it is handled).
    pub async fn load(state: &AppState) -> Site {
        match service::instance_settings::config(state).await {
            Ok(config) => Site::of(&config),
            Err(e) => {
                tracing::warn!(error = %e, "instance settings unreadable; showing the configured texts");
                Site::of(&state.config)
            }
        }
    }

    /// The texts of `config` (with the stored settings already over it).
    pub fn of(config: &Config) -> Site {
        Site {
            title: config.instance.title.clone(),
            description: config.instance.description.clone(),
            contact_email: config.instance.contact_email.clone(),
            registrations: service::instance_settings::mode_name(config.registrations),
        }
    }

    /// Whether anyone may sign up (without a moderator's approval).
    pub fn registrations_open(&self) -> bool {
        self.registrations == service::instance_settings::mode_name(RegistrationMode::Open)
    }
}
