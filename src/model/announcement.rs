//! Announcements from the administrators, and the emoji people react to them with.

use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Announcement {
    pub id: i64,
    /// As the administrator wrote it.
    pub text: String,
    /// Its HTML.
    pub content: String,
    pub mention_ids: Vec<i64>,
    pub tags: Vec<String>,
    /// Local statuses it links to.
    pub status_ids: Vec<i64>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub all_day: bool,
    /// `None`: a draft; in the future: scheduled.
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Announcement {
    /// Whether people see it at `now`.
    pub fn is_published(&self, now: DateTime<Utc>) -> bool {
        self.published_at.is_some_and(|at| at <= now)
    }
}

/// One emoji's reactions to an announcement.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReactionCount {
    pub announcement_id: i64,
    pub name: String,
    pub count: i64,
    /// Whether the viewer is among them.
    pub me: bool,
}

/// Distinct emoji an announcement may collect (Mastodon's limit).
pub const MAX_REACTIONS: usize = 8;

/// Whether `name` is one Unicode emoji (with its modifiers, joiners, variation selectors,
/// keycaps or flag pairs), as reactions take it. Custom emoji are not offered.
pub fn is_unicode_emoji(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    if chars.is_empty() || name.len() > 64 {
        return false;
    }
    let pictographic = |c: char| {
        matches!(c as u32,
            0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF
            | 0x2190..=0x21FF | 0x25A0..=0x25FF | 0x2934..=0x2935 | 0x3030 | 0x303D
            | 0x3297 | 0x3299 | 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139
            | 0x24C2)
    };
    let modifier = |c: char| {
        matches!(
            c as u32,
            0x200D | 0xFE0E | 0xFE0F | 0x20E3 | 0xE0020..=0xE007F
        )
    };
    // Keycaps: a digit, `#` or `*`, then (VS16 and) the combining keycap.
    if matches!(chars[0], '0'..='9' | '#' | '*') {
        return matches!(chars[1..], ['\u{20E3}'] | ['\u{FE0F}', '\u{20E3}']);
    }
    pictographic(chars[0]) && chars.iter().all(|&c| pictographic(c) || modifier(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_are_told_from_text() {
        for ok in ["👍", "❤️", "👩‍💻", "🇫🇷", "👍🏽", "1️⃣", "#⃣", "☕"]
        {
            assert!(is_unicode_emoji(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "thumbsup",
            ":blobcat:",
            "1",
            "👍a",
            " 👍",
            "\u{200D}",
        ] {
            assert!(!is_unicode_emoji(bad), "{bad:?}");
        }
    }
}
