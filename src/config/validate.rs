//! Checks a loaded configuration, naming the key at fault.

use std::net::SocketAddr;

use super::{Config, ConfigError, MediaStorage};

impl Config {
    /// Refuses a configuration that cannot be used: the first bad key, with why.
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
        if self.database.min_connections > self.database.max_connections {
            return bad(
                "database.min_connections",
                "must not exceed database.max_connections".into(),
            );
        }
        let private = &self.database.private;
        if private.shared_buffers_mib < 1 {
            return bad(
                "database.private.shared_buffers_mib",
                "must be at least 1".into(),
            );
        }
        if self.database.url.is_empty()
            && private.max_connections < self.database.max_connections + 2
        {
            return bad(
                "database.private.max_connections",
                "must exceed database.max_connections by 2 at least (the cache listener, \
                 administration)"
                    .into(),
            );
        }
        if private.work_mem_kib < 64 {
            return bad(
                "database.private.work_mem_kib",
                "must be at least 64".into(),
            );
        }
        if private.maintenance_work_mem_mib < 1 {
            return bad(
                "database.private.maintenance_work_mem_mib",
                "must be at least 1".into(),
            );
        }
        if !(1..=32).contains(&private.autovacuum_workers) {
            return bad(
                "database.private.autovacuum_workers",
                "must be from 1 to 32".into(),
            );
        }
        if self.limits.request_body_bytes < 1024 {
            return bad("limits.request_body_bytes", "must be at least 1024".into());
        }
        if self.limits.status_characters == 0 {
            return bad("limits.status_characters", "must be at least 1".into());
        }
        if self.cards.timeout_secs == 0 || self.cards.max_page_bytes == 0 {
            return bad(
                "cards.timeout_secs",
                "cards.timeout_secs and cards.max_page_bytes must be at least 1".into(),
            );
        }
        if self.polls.max_options < 2 {
            return bad("polls.max_options", "must be at least 2".into());
        }
        if self.polls.min_expiration < 1 || self.polls.max_expiration < self.polls.min_expiration {
            return bad(
                "polls.max_expiration",
                "must be at least polls.min_expiration, which must be at least 1".into(),
            );
        }
        if self.jobs.lease_secs == 0 {
            return bad("jobs.lease_secs", "must be at least 1".into());
        }
        let d = &self.delivery;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(d.connect_timeout_secs) || !positive(d.timeout_secs) {
            return bad("delivery.timeout_secs", "timeouts must be positive".into());
        }
        if d.timeout_secs >= self.jobs.lease_secs as f64 {
            // A delivery still running when its lease ends could be started again elsewhere.
            return bad(
                "delivery.timeout_secs",
                "must be shorter than jobs.lease_secs".into(),
            );
        }
        if d.per_host_concurrency == 0 {
            return bad("delivery.per_host_concurrency", "must be at least 1".into());
        }
        if !positive(d.unavailable_after_days) {
            return bad("delivery.unavailable_after_days", "must be positive".into());
        }
        if !self.metrics.listen.is_empty() && self.metrics.listen.parse::<SocketAddr>().is_err() {
            return bad(
                "metrics.listen",
                "must be an address such as 127.0.0.1:9090".into(),
            );
        }
        if self.streaming.client_buffer == 0 {
            return bad("streaming.client_buffer", "must be at least 1".into());
        }
        if self.streaming.heartbeat_secs == 0 {
            return bad("streaming.heartbeat_secs", "must be at least 1".into());
        }
        if self.media.preview_pixels == 0 || self.media.original_pixels < self.media.preview_pixels
        {
            return bad(
                "media.original_pixels",
                "must be at least media.preview_pixels, which must be at least 1".into(),
            );
        }
        if !self.media.public_base_url.is_empty() {
            if let Err(e) = url::Url::parse(&self.media.public_base_url) {
                return bad("media.public_base_url", e.to_string());
            }
        }
        if self.media.storage == MediaStorage::S3 {
            if self.media.s3.bucket.is_empty() {
                return bad(
                    "media.s3.bucket",
                    "must be set when media.storage = \"s3\"".into(),
                );
            }
            if self.media.public_base_url.is_empty() {
                return bad(
                    "media.public_base_url",
                    "must be set when media.storage = \"s3\": the URL clients read files from"
                        .into(),
                );
            }
            if !self.media.s3.endpoint.is_empty() {
                if let Err(e) = url::Url::parse(&self.media.s3.endpoint) {
                    return bad("media.s3.endpoint", e.to_string());
                }
            }
        }
        if self.security.password_hash_memory_kib < 8 {
            // argon2's own minimum (8 KiB per lane; hashes use one).
            return bad(
                "security.password_hash_memory_kib",
                "must be at least 8".into(),
            );
        }
        if self.security.password_hash_passes == 0 {
            return bad("security.password_hash_passes", "must be at least 1".into());
        }
        if self.instance.title.trim().is_empty() {
            return bad("instance.title", "must not be empty".into());
        }
        if !self.push.vapid_private_key.trim().is_empty() {
            if let Err(e) = crate::crypto::VapidKey::from_config(&self.push.vapid_private_key) {
                return bad("push.vapid_private_key", format!("{e:#}"));
            }
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            return bad("log.level", e.to_string());
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_cost_is_checked() {
        let mut c = Config::defaults();
        c.security.password_hash_memory_kib = 7;
        let e = c.validate().expect_err("too little memory");
        assert!(e.to_string().contains("password_hash_memory_kib"), "{e}");
        let mut c = Config::defaults();
        c.security.password_hash_passes = 0;
        assert!(c.validate().is_err());
    }

    #[test]
    fn private_cluster_sizes_are_checked() {
        let mut c = Config::defaults();
        c.database.private.max_connections = c.database.max_connections + 1;
        let e = c.validate().expect_err("no room for the listener");
        assert!(
            e.to_string().contains("database.private.max_connections"),
            "{e}"
        );
        // With a database of one's own, the private cluster's sizes do not matter.
        c.database.url = "postgres://rookery@db.example/rookery".into();
        c.validate().expect("not the private cluster");
        let mut c = Config::defaults();
        c.database.private.shared_buffers_mib = 0;
        assert!(c.validate().is_err());
        let mut c = Config::defaults();
        c.database.private.autovacuum_workers = 0;
        assert!(c.validate().is_err());
    }

    #[test]
    fn delivery_settings_are_checked() {
        let mut c = Config::defaults();
        c.delivery.timeout_secs = c.jobs.lease_secs as f64;
        let e = c.validate().expect_err("a lease shorter than a delivery");
        assert!(e.to_string().contains("delivery.timeout_secs"), "{e}");
        let mut c = Config::defaults();
        c.delivery.per_host_concurrency = 0;
        assert!(c.validate().is_err());
        let mut c = Config::defaults();
        c.metrics.listen = "not an address".into();
        let e = c.validate().expect_err("bad address");
        assert!(e.to_string().contains("metrics.listen"), "{e}");
        let mut c = Config::defaults();
        c.metrics.token = "metrics-token-value".into();
        assert!(!c.redacted_toml().contains("metrics-token-value"));
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
    fn s3_needs_a_bucket_and_a_public_url_and_hides_its_secret() {
        let mut c = Config::defaults();
        c.media.storage = MediaStorage::S3;
        assert!(c.validate().is_err());
        c.media.s3.bucket = "media".into();
        assert!(c.validate().is_err());
        c.media.public_base_url = "https://media.example".into();
        c.media.s3.secret_access_key = "hunter2".into();
        c.validate().expect("complete S3 settings validate");
        assert!(!c.redacted_toml().contains("hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
