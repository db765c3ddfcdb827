//! Moderation records: domain blocks and allows, reports, the audit log, user-level domain
//! blocks, keyword filters and the instance's rules.

use chrono::{DateTime, Utc};

/// What a domain block does to a remote domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Accounts stay out of public timelines and away from non-followers.
    Silence,
    /// Nothing is accepted from or delivered to the domain; its accounts are hidden.
    Suspend,
    /// Only the `reject_*` options apply.
    Noop,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Silence => "silence",
            Severity::Suspend => "suspend",
            Severity::Noop => "noop",
        }
    }

    pub fn parse(raw: &str) -> Option<Severity> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "silence" => Some(Severity::Silence),
            "suspend" => Some(Severity::Suspend),
            "noop" => Some(Severity::Noop),
            _ => None,
        }
    }
}

impl TryFrom<String> for Severity {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Severity::parse(&value).ok_or_else(|| format!("unknown severity {value:?}"))
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DomainBlock {
    pub id: i64,
    pub domain: String,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
    pub created_at: DateTime<Utc>,
}

impl DomainBlock {
    /// The domain as the public may see it: with `obfuscate`, part of it starred out as
    /// Mastodon does (`spam.example` -> `sp*m.ex*mple`).
    pub fn public_domain(&self) -> String {
        if !self.obfuscate {
            return self.domain.clone();
        }
        self.domain
            .split('.')
            .map(|part| {
                let chars: Vec<char> = part.chars().collect();
                if chars.len() < 3 {
                    return part.to_string();
                }
                let middle = chars.len() / 2;
                chars
                    .iter()
                    .enumerate()
                    .map(|(i, c)| if i == middle { '*' } else { *c })
                    .collect()
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// SHA-256 of the domain, hex: lets others check a domain without it being spelled out.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(self.domain.as_bytes()))
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DomainAllow {
    pub id: i64,
    pub domain: String,
    pub created_at: DateTime<Utc>,
}

/// Why someone reported an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportCategory {
    Spam,
    Legal,
    Violation,
    Other,
}

impl ReportCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportCategory::Spam => "spam",
            ReportCategory::Legal => "legal",
            ReportCategory::Violation => "violation",
            ReportCategory::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<ReportCategory> {
        match raw {
            "spam" => Some(ReportCategory::Spam),
            "legal" => Some(ReportCategory::Legal),
            "violation" => Some(ReportCategory::Violation),
            "other" => Some(ReportCategory::Other),
            _ => None,
        }
    }
}

impl TryFrom<String> for ReportCategory {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ReportCategory::parse(&value).ok_or_else(|| format!("unknown category {value:?}"))
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Report {
    pub id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub status_ids: Vec<i64>,
    pub rule_ids: Vec<i64>,
    pub comment: String,
    #[sqlx(try_from = "String")]
    pub category: ReportCategory,
    pub forwarded: bool,
    pub uri: Option<String>,
    pub assigned_account_id: Option<i64>,
    pub action_taken_at: Option<DateTime<Utc>>,
    pub action_taken_by_account_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One line of the audit log.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub account_id: Option<i64>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    pub human_identifier: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserDomainBlock {
    pub id: i64,
    pub domain: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Rule {
    pub id: i64,
    pub text: String,
    pub hint: String,
    pub priority: i32,
}

/// Where a keyword filter applies (Mastodon's filter contexts).
pub const FILTER_CONTEXTS: &[&str] = &["home", "notifications", "public", "thread", "account"];

/// What a filter does to a matching status: `warn` (shown behind a warning), `hide` (left
/// out), `blur` (shown with its media blurred: Mastodon 4.4, API level 5). Only `hide`
/// changes what the server sends; the others are marked in the status's `filtered`.
pub const FILTER_ACTIONS: &[&str] = &["warn", "hide", "blur"];

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Filter {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    pub context: Vec<String>,
    /// `warn` or `hide`.
    pub filter_action: String,
    pub expires_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    pub keywords: Vec<FilterKeyword>,
    /// Statuses the filter matches by hand.
    #[sqlx(skip)]
    pub statuses: Vec<FilterStatus>,
}

/// A status a filter matches whatever its text.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FilterStatus {
    pub id: i64,
    pub filter_id: i64,
    pub status_id: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FilterKeyword {
    pub id: i64,
    pub filter_id: i64,
    pub keyword: String,
    pub whole_word: bool,
}

impl Filter {
    /// The keywords of this filter that `text` (plain text) matches; whole-word keywords match
    /// only between non-alphanumeric boundaries, case-insensitively.
    pub fn matches(&self, text: &str) -> Vec<String> {
        let haystack = text.to_lowercase();
        self.keywords
            .iter()
            .filter(|k| keyword_matches(&haystack, &k.keyword.to_lowercase(), k.whole_word))
            .map(|k| k.keyword.clone())
            .collect()
    }
}

/// A filter a status matches, and the keywords that matched.
#[derive(Clone, Debug)]
pub struct FilterMatch {
    pub filter: std::sync::Arc<Filter>,
    pub keyword_matches: Vec<String>,
    /// The status (or the boosted original) when the filter names it.
    pub status_matches: Vec<i64>,
}

fn keyword_matches(haystack: &str, needle: &str, whole_word: bool) -> bool {
    if needle.is_empty() {
        return false;
    }
    if !whole_word {
        return haystack.contains(needle);
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(pos) = haystack[from..].find(needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before = haystack[..start].chars().next_back();
        let after = haystack[end..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            return true;
        }
        from = start + needle.chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// The filters of the admin account list (Mastodon's v1 parameters).
#[derive(Debug, Default)]
pub struct AccountQuery {
    pub local: bool,
    pub remote: bool,
    pub by_domain: Option<String>,
    pub active: bool,
    pub pending: bool,
    pub disabled: bool,
    pub silenced: bool,
    pub suspended: bool,
    pub staff: bool,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
}

/// The filters of the admin report list.
#[derive(Debug, Default)]
pub struct ReportQuery {
    pub resolved: bool,
    pub account_id: Option<i64>,
    pub target_account_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_and_substrings() {
        assert!(keyword_matches("i like cats.", "cat", false));
        assert!(!keyword_matches("i like cats.", "cat", true));
        assert!(keyword_matches("a cat! yes", "cat", true));
        assert!(keyword_matches("cat", "cat", true));
        assert!(!keyword_matches("concat cats", "cat", true));
        assert!(keyword_matches("concat cat", "cat", true));
    }

    #[test]
    fn obfuscation_stars_the_middle() {
        let b = DomainBlock {
            id: 1,
            domain: "spam.example".into(),
            severity: Severity::Suspend,
            reject_media: false,
            reject_reports: false,
            private_comment: None,
            public_comment: None,
            obfuscate: true,
            created_at: Utc::now(),
        };
        assert_eq!(b.public_domain(), "sp*m.exa*ple");
    }
}
