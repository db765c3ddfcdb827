//! Typed configuration: `config/default.toml` (embedded, so the binary runs anywhere), then an
//! optional file given with `--config`, then `ROOKERY_*` environment variables and `DATABASE_URL`.
//!
//! There is no global settings object: a `Config` value is built once and handed to the app, so
//! tests can run several instances with different configurations in one process.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// The documented defaults, compiled in.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub domain: String,
    pub protocol: Protocol,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub registrations: RegistrationMode,
    pub instance: InstanceConfig,
    pub database: DatabaseConfig,
    pub limits: Limits,
    pub rate_limits: RateLimits,
    pub jobs: JobsConfig,
    pub federation: FederationConfig,
    pub log: LogConfig,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Http,
    Https,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Https => "https",
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    Open,
    Approval,
    Closed,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    pub title: String,
    pub description: String,
    pub contact_email: String,
    pub languages: Vec<String>,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Empty means "run the private cluster under `data_dir`".
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_secs", &self.acquire_timeout_secs)
            .finish()
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub request_body_bytes: usize,
    pub status_characters: usize,
    pub max_media_attachments: usize,
    pub display_name_characters: usize,
    pub note_characters: usize,
    pub profile_fields: usize,
    pub field_name_characters: usize,
    pub field_value_characters: usize,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    pub registrations_per_ip: u32,
    pub registrations_window_secs: u64,
    pub sign_ins_per_ip: u32,
    pub sign_ins_window_secs: u64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    pub workers: usize,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FederationConfig {
    pub allow_private_addresses: bool,
    /// GETs of ActivityPub documents need a valid HTTP signature (Mastodon's AUTHORIZED_FETCH).
    pub authorized_fetch: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A configuration that cannot be used, naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Config {
    /// Defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError(format!(
                    "configuration file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(Env::prefixed("ROOKERY_").split("__"));
        if std::env::var_os("ROOKERY_DATABASE__URL").is_none() {
            if let Ok(url) = std::env::var("DATABASE_URL") {
                figment = figment.merge(("database.url", url));
            }
        }
        let config: Config = figment.extract().map_err(describe_figment_error)?;
        config.validate()?;
        Ok(config)
    }

    /// The defaults alone: the base that tests adjust.
    pub fn defaults() -> Config {
        // The embedded defaults are checked by a unit test, so this cannot fail at run time.
        let config: Config = Figment::from(Toml::string(DEFAULT_TOML))
            .extract()
            .expect("embedded default configuration is valid");
        config
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: String| Err(ConfigError(format!("invalid `{key}`: {why}")));
        if let Err(why) = validate_domain(&self.domain) {
            return bad("domain", why);
        }
        if !self.database.url.is_empty() {
            match url::Url::parse(&self.database.url) {
                Ok(u) if matches!(u.scheme(), "postgres" | "postgresql") => {}
                Ok(u) => {
                    return bad(
                        "database.url",
                        format!("scheme must be postgres://, not {}://", u.scheme()),
                    )
                }
                Err(e) => return bad("database.url", e.to_string()),
            }
        }
        if self.database.max_connections == 0 {
            return bad("database.max_connections", "must be at least 1".into());
        }
        if self.limits.request_body_bytes < 1024 {
            return bad("limits.request_body_bytes", "must be at least 1024".into());
        }
        if self.limits.status_characters == 0 {
            return bad("limits.status_characters", "must be at least 1".into());
        }
        if self.instance.title.trim().is_empty() {
            return bad("instance.title", "must not be empty".into());
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            return bad("log.level", e.to_string());
        }
        Ok(())
    }

    /// `https://social.example` — the origin every local URL starts with.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.protocol.as_str(), self.domain)
    }

    /// The effective configuration as TOML, with secrets redacted.
    pub fn redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database.url = redact_url(&self.database.url);
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot render: {e}"))
    }
}

fn validate_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("must not be empty".into());
    }
    if domain.contains("://") || domain.contains('/') {
        return Err(format!(
            "{domain:?} must be a bare host name (with an optional port), not a URL"
        ));
    }
    let parsed = url::Url::parse(&format!("http://{domain}/"))
        .map_err(|e| format!("{domain:?} is not a valid host: {e}"))?;
    if parsed.host_str().is_none() || !parsed.username().is_empty() {
        return Err(format!("{domain:?} is not a valid host"));
    }
    Ok(())
}

/// Hides the password of a database URL.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("REDACTED"));
            u.to_string()
        }
        _ => raw.to_string(),
    }
}

fn describe_figment_error(err: figment::Error) -> ConfigError {
    let mut parts = Vec::new();
    for e in err {
        let key = if e.path.is_empty() {
            String::new()
        } else {
            format!("`{}`: ", e.path.join("."))
        };
        let source = e
            .metadata
            .as_ref()
            .map(|m| format!(" (from {})", m.name))
            .unwrap_or_default();
        parts.push(format!("invalid {key}{}{source}", e.kind));
    }
    ConfigError(parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_are_valid() {
        let c = Config::defaults();
        c.validate().expect("defaults validate");
        assert_eq!(c.limits.status_characters, 500);
        assert_eq!(c.registrations, RegistrationMode::Open);
    }

    #[test]
    fn domains() {
        assert!(validate_domain("social.example").is_ok());
        assert!(validate_domain("127.0.0.1:8080").is_ok());
        assert!(validate_domain("https://social.example").is_err());
        assert!(validate_domain("").is_err());
        assert!(validate_domain("a b").is_err());
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("postgres://u:secret@db/rookery"),
            "postgres://u:REDACTED@db/rookery"
        );
        assert_eq!(redact_url("postgres://db/rookery"), "postgres://db/rookery");
    }
}
