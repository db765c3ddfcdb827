//! MediaAttachment.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::model::Media;

#[derive(Debug, Serialize)]
pub struct MediaAttachment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// `null` while processing continues.
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub text_url: Option<String>,
    pub meta: Value,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

fn dimensions(width: Option<i32>, height: Option<i32>) -> Option<Value> {
    match (width, height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => Some(json!({
            "width": w,
            "height": h,
            "size": format!("{w}x{h}"),
            "aspect": f64::from(w) / f64::from(h),
        })),
        _ => None,
    }
}

impl MediaAttachment {
    /// Renders an attachment whose URLs the service filled in.
    pub fn render(m: &Media) -> MediaAttachment {
        let mut meta = Map::new();
        if let Some(original) = dimensions(m.width, m.height) {
            meta.insert("original".into(), original);
        }
        if let Some(small) = dimensions(m.preview_width, m.preview_height) {
            meta.insert("small".into(), small);
        }
        if m.kind == "image" {
            meta.insert("focus".into(), json!({ "x": m.focus_x, "y": m.focus_y }));
        }
        // Video and audio: what their container says, as Mastodon shows it (its `original`
        // replaces the one from the stored dimensions: Mastodon's has no `size`/`aspect`).
        if let Some(Value::Object(probed)) = m.file_meta.as_ref().map(|j| &j.0) {
            if m.kind != "image" {
                for (k, v) in probed {
                    meta.insert(k.clone(), v.clone());
                }
            }
        }
        let ready = m.is_ready();
        MediaAttachment {
            id: m.id.to_string(),
            kind: m.kind.clone(),
            url: m.url.clone().filter(|_| ready),
            preview_url: m.preview_url.clone().filter(|_| ready),
            remote_url: m.remote_url.clone(),
            preview_remote_url: m.preview_remote_url.clone(),
            text_url: None,
            meta: Value::Object(meta),
            description: Some(m.description.clone()).filter(|d| !d.is_empty()),
            blurhash: m.blurhash.clone(),
        }
    }

    /// The same, as a JSON value (the shape lists of statuses embed).
    pub fn value(m: &Media) -> Value {
        serde_json::to_value(MediaAttachment::render(m)).unwrap_or(Value::Null)
    }
}
