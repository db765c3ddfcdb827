//! Custom emoji: the instance's own and those of remote servers.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// One custom emoji, as stored (with its category's name).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, Deserialize)]
pub struct CustomEmoji {
    pub id: i64,
    pub shortcode: String,
    /// `None` for the instance's own.
    pub domain: Option<String>,
    /// The `Emoji` document's id (remote ones; local ones are named after their id).
    pub uri: Option<String>,
    /// What clients are shown: the stored file, a cached copy, or the remote URL.
    pub image_url: String,
    pub static_url: String,
    pub remote_url: Option<String>,
    pub content_type: String,
    pub file_size: i64,
    pub disabled: bool,
    pub visible_in_picker: bool,
    pub category: Option<String>,
    /// When the image last changed.
    pub image_updated_at: DateTime<Utc>,
}

impl CustomEmoji {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    /// The ActivityPub id of the emoji: its own for remote ones, `{base_url}/emojis/{id}`
    /// for local ones (as Mastodon names them).
    pub fn ap_id(&self, base_url: &str) -> String {
        match &self.uri {
            Some(uri) if !self.is_local() => uri.clone(),
            _ => format!("{base_url}/emojis/{}", self.id),
        }
    }

    /// `:shortcode:`, as written in texts and in the `name` of an `Emoji` tag.
    pub fn colon_name(&self) -> String {
        format!(":{}:", self.shortcode)
    }
}

/// A category of the instance's emoji.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EmojiCategory {
    pub id: i64,
    pub name: String,
}

/// What an admin's list of emoji selects.
#[derive(Debug, Default, Clone)]
pub struct EmojiQuery {
    /// `None`: every domain; `Some("")`: the instance's own; else that domain.
    pub domain: Option<String>,
    pub include_enabled: bool,
    pub include_disabled: bool,
    pub shortcode: Option<String>,
    /// Only those whose `shortcode@domain` sorts after this (GoToSocial's
    /// `max_shortcode_domain`, the next page).
    pub after: Option<String>,
    /// Only those whose `shortcode@domain` sorts before this (`min_shortcode_domain`, the
    /// previous page).
    pub before: Option<String>,
    pub limit: i64,
}

/// Whether `code` is a shortcode Rookery accepts: two or more of `[a-zA-Z0-9_]`.
pub fn is_shortcode(code: &str) -> bool {
    code.len() >= 2 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The longest shortcode looked for or accepted.
pub const MAX_SHORTCODE: usize = 64;

/// The shortcodes written as `:code:` in `texts`, each once, in order of first appearance.
/// A `:` that closes one code does not open the next (`:a::b:` is two codes, `:a:b:` one).
pub fn shortcodes_in<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for text in texts {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // Most texts have no colon at all: jump from one to the next (a memchr) rather
            // than look at every byte, as every status of every page is scanned.
            match text[i..].find(':') {
                Some(at) => i += at,
                None => break,
            }
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            if end < bytes.len() && bytes[end] == b':' && end - start >= 2 {
                let code = &text[start..end];
                if code.len() <= MAX_SHORTCODE && !found.iter().any(|f| f == code) {
                    found.push(code.to_string());
                }
                i = end + 1;
            } else {
                i += 1;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_codes() {
        assert_eq!(
            shortcodes_in(["hi :blobcat: and :blob_fox::x: :ok:", "<p>:ok: :a:</p>"]),
            vec!["blobcat", "blob_fox", "ok"]
        );
        assert_eq!(shortcodes_in([":a:b: :cd:ef:"]), vec!["cd"]);
        assert!(shortcodes_in(["no codes: here", "::", ":é_é:"]).is_empty());
        assert!(is_shortcode("blob_cat2"));
        assert!(!is_shortcode("a"));
        assert!(!is_shortcode("blob-cat"));
        assert!(!is_shortcode("blöb"));
    }
}
