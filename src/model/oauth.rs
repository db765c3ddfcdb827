//! OAuth 2 applications, authorization codes, granted tokens and scopes.

use chrono::{DateTime, Utc};

/// A registered client application.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct App {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub client_id: String,
    pub client_secret_hash: String,
    pub created_at: DateTime<Utc>,
}

/// A code handed to the client's redirect URI, to be exchanged for a token.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuthCode {
    pub app_id: i64,
    pub user_id: i64,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    /// The authorization request named `redirect_uri` (rather than taking the app's only
    /// one), so the exchange must repeat it.
    pub redirect_uri_given: bool,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// What a valid access token stands for.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenGrant {
    pub token_id: i64,
    pub app_id: i64,
    pub user_id: Option<i64>,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// The out-of-band redirect URI: the code is shown to the person instead of redirected.
pub const OOB_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

/// Every scope a client may ask for.
pub const KNOWN_SCOPES: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "admin:read",
    "admin:write",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:read:domain_allows",
    "admin:read:domain_blocks",
    "admin:read:ip_blocks",
    "admin:read:email_domain_blocks",
    "admin:read:canonical_email_blocks",
    "admin:write:accounts",
    "admin:write:reports",
    "admin:write:domain_allows",
    "admin:write:domain_blocks",
    "admin:write:ip_blocks",
    "admin:write:email_domain_blocks",
    "admin:write:canonical_email_blocks",
];

/// The scopes the legacy `follow` scope still grants.
const FOLLOW_COVERS: &[&str] = &[
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
];

/// A set of granted scopes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses a space-separated scope string (`+` separated too, as some clients send);
    /// `Err` names the first unknown scope. Empty means the default, `read`.
    pub fn parse(raw: &str) -> Result<Scopes, String> {
        let mut scopes: Vec<String> = Vec::new();
        for scope in raw.split([' ', '+', ',']).filter(|s| !s.is_empty()) {
            if !KNOWN_SCOPES.contains(&scope) {
                return Err(scope.to_string());
            }
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_string());
            }
        }
        if scopes.is_empty() {
            scopes.push("read".to_string());
        }
        Ok(Scopes(scopes))
    }

    pub fn from_vec(scopes: Vec<String>) -> Scopes {
        Scopes(scopes)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<String> {
        self.0
    }

    pub fn joined(&self) -> String {
        self.0.join(" ")
    }

    /// Whether these scopes let a token call an endpoint that requires `required`
    /// (a granular scope such as `read:accounts`, or a top-level one such as `push`).
    pub fn allows(&self, required: &str) -> bool {
        self.0.iter().any(|granted| covers(granted, required))
    }

    /// Whether every scope of `asked` is within these (an app's registered scopes).
    pub fn contains_all(&self, asked: &Scopes) -> bool {
        asked.0.iter().all(|a| self.allows(a))
    }
}

fn covers(granted: &str, required: &str) -> bool {
    if granted == required {
        return true;
    }
    // `read` covers `read:statuses`, `admin:read` covers `admin:read:accounts`.
    if let Some(rest) = required.strip_prefix(granted) {
        if rest.starts_with(':') && !granted.is_empty() {
            return true;
        }
    }
    granted == "follow" && FOLLOW_COVERS.contains(&required)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_and_coverage() {
        let s = Scopes::parse("read write:statuses follow").expect("valid");
        assert!(s.allows("read:accounts"));
        assert!(s.allows("write:statuses"));
        assert!(!s.allows("write:media"));
        assert!(s.allows("write:blocks"));
        assert!(!s.allows("push"));
        assert!(!s.allows("admin:read:accounts"));
        assert_eq!(Scopes::parse("").expect("valid").joined(), "read");
        assert_eq!(
            Scopes::parse("read+write").expect("valid").joined(),
            "read write"
        );
        assert_eq!(Scopes::parse("read bogus"), Err("bogus".to_string()));
        let admin = Scopes::parse("admin:read").expect("valid");
        assert!(admin.allows("admin:read:reports"));
        assert!(!admin.allows("read"));
        let app = Scopes::parse("read write").expect("valid");
        assert!(app.contains_all(&Scopes::parse("read:accounts write").expect("valid")));
        assert!(!app.contains_all(&Scopes::parse("follow").expect("valid")));
        // "readx" is not covered by "read".
        assert!(!covers("read", "readx"));
    }
}
