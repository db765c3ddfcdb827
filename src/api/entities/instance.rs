//! Instance (v1 and v2) and Preferences.

use serde::Serialize;
use serde_json::{json, Value};

use super::Account;
use crate::config::{Config, RegistrationMode};

pub use crate::service::instance::{MASTODON_API_VERSION, SOURCE_URL};
/// `api_versions.mastodon` of that level.
pub const MASTODON_API_MINOR: u32 = 7;
/// URLs count as this many characters in a status, whatever their length.
pub const CHARACTERS_PER_URL: usize = 23;

pub fn version_string() -> String {
    format!(
        "{MASTODON_API_VERSION} (compatible; Rookery {})",
        env!("CARGO_PKG_VERSION")
    )
}

pub fn thumbnail_url(base_url: &str) -> String {
    format!("{base_url}/instance/thumbnail.png")
}

fn streaming_url(config: &Config) -> String {
    let scheme = match config.protocol {
        crate::config::Protocol::Https => "wss",
        crate::config::Protocol::Http => "ws",
    };
    format!("{scheme}://{}", config.domain)
}

/// Limits clients adapt their composer to, from `[media]` in the configuration.
fn media_configuration(config: &Config, description_limit: bool) -> Value {
    let m = &config.media;
    let mut v = json!({
        "supported_mime_types": crate::media::supported_mime_types(),
        "image_size_limit": m.image_size_limit,
        "image_matrix_limit": m.image_matrix_limit,
        "video_size_limit": m.video_size_limit,
        "video_frame_rate_limit": 120,
        "video_matrix_limit": 8_294_400,
    });
    if description_limit {
        v["description_limit"] = json!(m.description_characters);
    }
    v
}

/// The limits of polls (`[polls]`).
fn poll_configuration(config: &Config) -> Value {
    let p = &config.polls;
    json!({
        "max_options": p.max_options,
        "max_characters_per_option": p.max_characters_per_option,
        "min_expiration": p.min_expiration,
        "max_expiration": p.max_expiration,
    })
}

#[derive(Debug, Serialize)]
pub struct InstanceV2 {
    pub domain: String,
    pub title: String,
    pub version: String,
    pub source_url: String,
    pub description: String,
    pub usage: Value,
    pub thumbnail: Value,
    pub icon: Vec<Value>,
    pub languages: Vec<String>,
    pub configuration: Value,
    pub registrations: Value,
    pub api_versions: Value,
    pub contact: Value,
    pub rules: Vec<Value>,
}

impl InstanceV2 {
    /// `vapid_key`: the Web Push public key clients subscribe with.
    pub fn render(
        config: &Config,
        active_month: i64,
        contact: Option<Account>,
        vapid_key: String,
    ) -> InstanceV2 {
        let base = config.base_url();
        let limits = &config.limits;
        InstanceV2 {
            domain: config.domain.clone(),
            title: config.instance.title.clone(),
            version: version_string(),
            source_url: SOURCE_URL.into(),
            description: config.instance.description.clone(),
            usage: json!({ "users": { "active_month": active_month } }),
            thumbnail: json!({ "url": thumbnail_url(&base) }),
            icon: Vec::new(),
            languages: config.instance.languages.clone(),
            configuration: json!({
                "urls": {
                    "streaming": streaming_url(config),
                    "status": null,
                    "about": format!("{base}/about"),
                    "privacy_policy": null,
                    "terms_of_service": null,
                },
                "vapid": { "public_key": vapid_key },
                "accounts": {
                    "max_featured_tags": 10,
                    "max_pinned_statuses": 5,
                    "max_profile_fields": limits.profile_fields,
                    "profile_field_name_limit": limits.field_name_characters,
                    "profile_field_value_limit": limits.field_value_characters,
                    "max_display_name_length": limits.display_name_characters,
                    "max_note_length": limits.note_characters,
                },
                "statuses": {
                    "max_characters": limits.status_characters,
                    "max_media_attachments": limits.max_media_attachments,
                    "characters_reserved_per_url": CHARACTERS_PER_URL,
                },
                "media_attachments": media_configuration(config, true),
                "polls": poll_configuration(config),
                "translation": { "enabled": false },
                "limited_federation": false,
            }),
            registrations: json!({
                "enabled": config.registrations != RegistrationMode::Closed,
                "approval_required": config.registrations == RegistrationMode::Approval,
                "reason_required": false,
                "message": match config.registrations {
                    RegistrationMode::Closed => Value::String("<p>Registrations are closed.</p>".into()),
                    _ => Value::Null,
                },
                "url": null,
                "min_age": null,
            }),
            api_versions: json!({ "mastodon": MASTODON_API_MINOR }),
            contact: json!({
                "email": config.instance.contact_email,
                "account": contact,
            }),
            rules: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct InstanceV1 {
    pub uri: String,
    pub title: String,
    pub short_description: String,
    pub description: String,
    pub email: String,
    pub version: String,
    pub urls: Value,
    pub stats: Value,
    pub thumbnail: String,
    pub languages: Vec<String>,
    pub registrations: bool,
    pub approval_required: bool,
    pub invites_enabled: bool,
    pub configuration: Value,
    pub contact_account: Option<Account>,
    pub rules: Vec<Value>,
}

impl InstanceV1 {
    pub fn render(
        config: &Config,
        stats: &crate::service::instance::InstanceStats,
        contact: Option<Account>,
    ) -> InstanceV1 {
        let limits = &config.limits;
        InstanceV1 {
            uri: config.domain.clone(),
            title: config.instance.title.clone(),
            short_description: config.instance.description.clone(),
            description: config.instance.description.clone(),
            email: config.instance.contact_email.clone(),
            version: version_string(),
            urls: json!({ "streaming_api": streaming_url(config) }),
            stats: json!({
                "user_count": stats.user_count,
                "status_count": stats.status_count,
                "domain_count": stats.domain_count,
            }),
            thumbnail: thumbnail_url(&config.base_url()),
            languages: config.instance.languages.clone(),
            registrations: config.registrations != RegistrationMode::Closed,
            approval_required: config.registrations == RegistrationMode::Approval,
            invites_enabled: false,
            configuration: json!({
                "accounts": { "max_featured_tags": 10 },
                "statuses": {
                    "max_characters": limits.status_characters,
                    "max_media_attachments": limits.max_media_attachments,
                    "characters_reserved_per_url": CHARACTERS_PER_URL,
                },
                "media_attachments": media_configuration(config, false),
                "polls": poll_configuration(config),
            }),
            contact_account: contact,
            rules: Vec::new(),
        }
    }
}
