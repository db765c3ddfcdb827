//! Tag: a hashtag as search answers it (no usage history is kept yet).

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Serialize)]
pub struct Tag {
    pub name: String,
    pub url: String,
    pub history: Vec<Value>,
    pub following: bool,
}

impl Tag {
    /// A hashtag by name; names are shown and linked in lower case.
    pub fn render(name: &str, base_url: &str) -> Tag {
        let name = name.to_lowercase();
        Tag {
            url: format!("{base_url}/tags/{name}"),
            name,
            history: Vec::new(),
            following: false,
        }
    }
}
