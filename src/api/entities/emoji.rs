//! CustomEmoji (Mastodon), and the admin's view of an emoji and its categories (GoToSocial's
//! `adminEmoji` and `emojiCategory`).

use serde::Serialize;

use super::datetime;
use crate::model::emoji::{CustomEmoji as Model, EmojiCategory as CategoryModel};

/// Mastodon's `CustomEmoji`.
#[derive(Debug, Clone, Serialize)]
pub struct CustomEmoji {
    pub shortcode: String,
    pub url: String,
    pub static_url: String,
    pub visible_in_picker: bool,
    pub category: Option<String>,
}

impl CustomEmoji {
    pub fn render(e: &Model) -> CustomEmoji {
        CustomEmoji {
            shortcode: e.shortcode.clone(),
            url: e.image_url.clone(),
            static_url: e.static_url.clone(),
            visible_in_picker: e.visible_in_picker,
            category: e.category.clone(),
        }
    }

    pub fn list(emojis: &[Model]) -> Vec<CustomEmoji> {
        emojis.iter().map(CustomEmoji::render).collect()
    }
}

/// GoToSocial's `adminEmoji`: the emoji, and what admins need to manage it.
#[derive(Debug, Serialize)]
pub struct AdminEmoji {
    #[serde(flatten)]
    pub emoji: CustomEmoji,
    pub id: String,
    pub disabled: bool,
    /// Only for remote emoji.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    pub updated_at: String,
    pub total_file_size: i64,
    pub content_type: String,
    pub uri: String,
}

impl AdminEmoji {
    pub fn render(e: &Model, base_url: &str) -> AdminEmoji {
        AdminEmoji {
            emoji: CustomEmoji::render(e),
            id: e.id.to_string(),
            disabled: e.disabled,
            domain: e.domain.clone(),
            updated_at: datetime(&e.image_updated_at),
            total_file_size: e.file_size,
            content_type: e.content_type.clone(),
            uri: e.ap_id(base_url),
        }
    }
}

/// GoToSocial's `emojiCategory`.
#[derive(Debug, Serialize)]
pub struct EmojiCategory {
    pub id: String,
    pub name: String,
}

impl EmojiCategory {
    pub fn render(c: &CategoryModel) -> EmojiCategory {
        EmojiCategory {
            id: c.id.to_string(),
            name: c.name.clone(),
        }
    }
}
