//! Typed configuration: `config/default.toml` (embedded, so the binary runs anywhere), then an
//! optional file given with `--config`, then `ROOKERY_*` environment variables and `DATABASE_URL`.
//!
//! There is no global settings object: a `Config` value is built once and handed to the app, so
//! tests can run several instances with different configurations in one process.
//!
//! The sections' types are here; [`validate`] checks a loaded configuration, [`network`] reads
//! address blocks (`trusted_proxies`).

mod network;
mod validate;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

pub use network::IpNetwork;

/// The documented defaults, compiled in.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub domain: String,
    pub protocol: Protocol,
    pub listen: SocketAddr,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Real-IP` are believed
    /// (`api::auth::client_ip`); everyone else's are ignored.
    pub trusted_proxies: Vec<IpNetwork>,
    pub data_dir: PathBuf,
    pub registrations: RegistrationMode,
    pub instance: InstanceConfig,
    pub database: DatabaseConfig,
    pub limits: Limits,
    pub rate_limits: RateLimits,
    pub jobs: JobsConfig,
    pub streaming: StreamingConfig,
    pub cache: CacheConfig,
    pub federation: FederationConfig,
    pub moderation: ModerationConfig,
    pub portability: PortabilityConfig,
    pub push: PushConfig,
    pub delivery: DeliveryConfig,
    pub metrics: MetricsConfig,
    pub media: MediaConfig,
    pub cards: CardsConfig,
    pub polls: PollsConfig,
    pub security: SecurityConfig,
    pub log: LogConfig,
    pub trends: TrendsConfig,
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
    /// Whether `/api/v1/instance/peers` lists the domains this instance knows.
    pub peers_api: bool,
    /// Whether `/api/v1/instance/activity` publishes weekly counts.
    pub activity_api: bool,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Empty means "run the private cluster under `data_dir`".
    pub url: String,
    pub max_connections: u32,
    /// Connections the pool keeps open however idle it is.
    pub min_connections: u32,
    pub acquire_timeout_secs: u64,
    /// A connection idle in the pool this long is closed (down to `min_connections`).
    pub idle_timeout_secs: u64,
    /// A connection is closed and replaced after this long, however busy.
    pub max_lifetime_secs: u64,
    /// How long a read waits for another read's connection once reads hold as many as they
    /// may, before the pool opens one more for it.
    pub reader_wait_ms: u64,
    /// How the private cluster is sized (used only when `url` is empty).
    pub private: PrivateClusterConfig,
}

/// The private PostgreSQL cluster's memory and connections (`[database.private]`): small
/// defaults for a small instance, raised for a larger one (docs/CONFIGURATION.md).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateClusterConfig {
    /// PostgreSQL's `shared_buffers`, in MiB.
    pub shared_buffers_mib: u32,
    /// PostgreSQL's `max_connections`: every process's pool, plus each one's cache listener.
    pub max_connections: u32,
    /// PostgreSQL's `work_mem` (per sort or hash, per query), in KiB.
    pub work_mem_kib: u32,
    /// PostgreSQL's `maintenance_work_mem` (vacuum, index builds), in MiB.
    pub maintenance_work_mem_mib: u32,
    /// PostgreSQL's `autovacuum_max_workers`.
    pub autovacuum_workers: u32,
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("min_connections", &self.min_connections)
            .field("acquire_timeout_secs", &self.acquire_timeout_secs)
            .field("idle_timeout_secs", &self.idle_timeout_secs)
            .field("max_lifetime_secs", &self.max_lifetime_secs)
            .field("reader_wait_ms", &self.reader_wait_ms)
            .field("private", &self.private)
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
    /// Scheduled statuses waiting per account, at most.
    pub scheduled_statuses: usize,
    /// Scheduled statuses due on one (UTC) day per account, at most.
    pub scheduled_statuses_per_day: usize,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    pub registrations_per_ip: u32,
    pub registrations_window_secs: u64,
    pub sign_ins_per_ip: u32,
    pub sign_ins_window_secs: u64,
    pub api_per_ip: u32,
    pub api_per_token: u32,
    pub api_window_secs: u64,
    pub statuses_per_token: u32,
    pub statuses_window_secs: u64,
    pub media_per_token: u32,
    pub media_window_secs: u64,
    pub inbox_per_host: u32,
    pub inbox_window_secs: u64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    pub workers: usize,
    pub lease_secs: u64,
}

/// Outgoing deliveries: timeouts, per-host limits, and when a dead host is given up on.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    pub connect_timeout_secs: f64,
    pub timeout_secs: f64,
    pub per_host_concurrency: usize,
    pub unavailable_after_days: f64,
}

/// The Prometheus endpoint: on its own address, or on the main one behind a bearer token.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    pub listen: String,
    pub token: String,
}

impl fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("listen", &self.listen)
            .field(
                "token",
                &if self.token.is_empty() {
                    ""
                } else {
                    "REDACTED"
                },
            )
            .finish()
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StreamingConfig {
    pub client_buffer: usize,
    pub heartbeat_secs: u64,
}

/// Polls (`[polls]` in config/default.toml): Mastodon's limits, and how their counts travel.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PollsConfig {
    pub max_options: usize,
    pub max_characters_per_option: usize,
    /// Seconds a poll runs, at least and at most.
    pub min_expiration: i64,
    pub max_expiration: i64,
    /// Seconds votes on a local poll are gathered before one `Update` sends the new counts.
    pub update_delay_secs: u64,
    /// Seconds after which a remote poll still open is fetched again when it is viewed.
    pub refresh_after_secs: i64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    pub statuses: usize,
    pub accounts: usize,
    pub tokens: usize,
    /// Whether a statement's changes are announced to the caches in one notification per kind
    /// (false: one per row, as before migration `coalesced_invalidation`; for measuring).
    pub coalesce_invalidation: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FederationConfig {
    pub allow_private_addresses: bool,
    /// GETs of ActivityPub documents need a valid HTTP signature (Mastodon's AUTHORIZED_FETCH).
    pub authorized_fetch: bool,
}

/// Uploads: limits, processing and storage (`[media]` in config/default.toml).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    pub image_size_limit: usize,
    pub image_matrix_limit: u64,
    pub original_pixels: u64,
    pub preview_pixels: u64,
    pub video_size_limit: usize,
    pub audio_size_limit: usize,
    pub description_characters: usize,
    pub emoji_size_limit: usize,
    pub emoji_matrix_limit: u64,
    pub sync_pixels: u64,
    pub unattached_retention_hours: u64,
    pub remote_cache: RemoteCache,
    pub remote_cache_max_bytes: u64,
    pub remote_cache_retention_days: u64,
    pub storage: MediaStorage,
    pub local_dir: PathBuf,
    pub public_base_url: String,
    pub s3: S3Config,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MediaStorage {
    Local,
    S3,
}

/// Whether remote attachments, avatars and headers are downloaded and served locally.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RemoteCache {
    On,
    Off,
}

/// An S3-compatible bucket (`[media.s3]`).
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    pub region: String,
    /// Empty for AWS itself; the URL of an S3-compatible server otherwise.
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"REDACTED")
            .finish()
    }
}

/// Link preview cards (`[cards]` in config/default.toml).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CardsConfig {
    pub enabled: bool,
    /// Domains (with their subdomains) whose pages are never fetched for a card.
    pub skip_domains: Vec<String>,
    pub max_page_bytes: usize,
    pub max_image_bytes: usize,
    pub timeout_secs: u64,
    pub max_redirects: usize,
    pub refresh_days: u64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModerationConfig {
    /// Federate only with domains in the admin's allow list (Mastodon's limited federation).
    pub allowlist_mode: bool,
    /// Who may read `GET /api/v1/instance/domain_blocks`.
    pub domain_blocks_visibility: DomainBlocksVisibility,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DomainBlocksVisibility {
    Public,
    Users,
    None,
}

/// How trends are found and shown (`[trends]` in config/default.toml).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrendsConfig {
    /// Only items a moderator approved trend (rejected ones never do).
    pub require_review: bool,
    /// Distinct accounts that must use a hashtag within a day before it can trend.
    pub tag_threshold: i64,
    /// Boosts and favourites a status needs before it can trend.
    pub status_threshold: i64,
    /// Hours in which a trend's score halves (from a hashtag's latest use, a status's creation).
    pub half_life_hours: f64,
}

/// Imports, exports and account deletion (`[portability]` in config/default.toml).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PortabilityConfig {
    /// The largest CSV file `POST /api/v1/import` takes, in bytes.
    pub import_max_bytes: usize,
    /// The most rows one CSV import may have.
    pub import_max_rows: usize,
    /// The largest archive of posts (`type=posts`) `POST /api/v1/import` takes, in bytes; it
    /// is written to `archive_dir` as it arrives, never held in memory.
    pub archive_max_bytes: u64,
    /// The most bytes an archive's entries may unpack to, together (zip bombs).
    pub archive_max_unpacked_bytes: u64,
    /// The most entries (files) an archive may have, and the most posts its outbox may list.
    pub archive_max_entries: usize,
    /// Where uploaded archives wait while their posts are imported (every process serving the
    /// API and every worker must see the same folder); empty: `imports` under `data_dir`.
    pub archive_dir: std::path::PathBuf,
    /// How long a deleted account's data is kept (suspended, invisible) before it is removed,
    /// in hours; 0 removes it at once.
    pub deletion_grace_hours: u64,
}

/// Web Push (`[push]` in config/default.toml).
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// The VAPID private key to use instead of the one made and kept in the database: PEM, or
    /// Mastodon's `VAPID_PRIVATE_KEY` (base64url). Empty: the kept one.
    pub vapid_private_key: String,
}

impl fmt::Debug for PushConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushConfig")
            .field(
                "vapid_private_key",
                &if self.vapid_private_key.is_empty() {
                    ""
                } else {
                    "REDACTED"
                },
            )
            .finish()
    }
}

/// The cost of stored password hashes (`[security]` in config/default.toml).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    pub password_hash_memory_kib: u32,
    pub password_hash_passes: u32,
    /// Moderators and admins must set up two-factor sign-in before they reach staff pages.
    #[serde(default)]
    pub require_two_factor_for_staff: bool,
}

impl SecurityConfig {
    /// The cost new password hashes are made at.
    pub fn password_cost(&self) -> crate::crypto::PasswordCost {
        crate::crypto::PasswordCost {
            memory_kib: self.password_hash_memory_kib,
            passes: self.password_hash_passes,
        }
    }
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

    /// `https://social.example` — the origin every local URL starts with.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.protocol.as_str(), self.domain)
    }

    /// The effective configuration as TOML, with secrets redacted.
    pub fn redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database.url = redact_url(&self.database.url);
        if !shown.metrics.token.is_empty() {
            shown.metrics.token = "REDACTED".into();
        }
        if !shown.push.vapid_private_key.is_empty() {
            shown.push.vapid_private_key = "REDACTED".into();
        }
        if !shown.media.s3.secret_access_key.is_empty() {
            shown.media.s3.secret_access_key = "REDACTED".into();
        }
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot render: {e}"))
    }
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
        assert_eq!(
            c.security.password_cost(),
            crate::crypto::PasswordCost::default()
        );
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
