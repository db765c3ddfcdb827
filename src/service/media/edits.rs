//! What editing a status does to its attachments: new descriptions and focal points
//! (`media_attributes[]`), and the attachments each earlier version showed.

use super::{check_description, parse_focus, with_urls, UploadMeta};
use crate::app::AppState;
use crate::error::Result;
use crate::model::Media;
use crate::store;

/// New description and focal point of an attachment, sent with an edit
/// (`media_attributes[]`).
#[derive(Debug, Default)]
pub struct MediaAttributes {
    pub id: String,
    pub meta: UploadMeta,
}

/// A checked change of an attachment's description and focal point.
#[derive(Debug)]
pub struct AttributeChange {
    id: i64,
    description: Option<String>,
    focus: Option<(f32, f32)>,
}

/// Checks `media_attributes[]` of an edit: entries for attachments the edited status will not
/// have are ignored (as Mastodon does); a description over the limit or a bad focus is a 422.
pub fn check_attributes(
    state: &AppState,
    attributes: &[MediaAttributes],
    media_ids: &[i64],
) -> Result<Vec<AttributeChange>> {
    let mut changes = Vec::new();
    for a in attributes {
        let Some(id) = crate::id::parse(a.id.trim()).filter(|id| media_ids.contains(id)) else {
            continue;
        };
        if let Some(d) = &a.meta.description {
            check_description(state, d)?;
        }
        let focus = match a.meta.focus.as_deref().filter(|f| !f.trim().is_empty()) {
            Some(raw) => Some(parse_focus(raw)?),
            None => None,
        };
        changes.push(AttributeChange {
            id,
            description: a.meta.description.as_deref().map(|d| d.trim().to_string()),
            focus,
        });
    }
    Ok(changes)
}

/// Applies checked `media_attributes[]`, in the edit's transaction.
pub async fn apply_attributes(
    tx: &mut sqlx::PgConnection,
    changes: &[AttributeChange],
) -> Result<()> {
    for c in changes {
        store::media::update_some_meta(&mut *tx, c.id, c.description.as_deref(), c.focus).await?;
    }
    Ok(())
}

/// Keeps, with the earlier version an edit just saved, the attachments it showed; call it
/// after saving the version and before changing the attachments.
pub async fn snapshot_for_edit(
    tx: &mut sqlx::PgConnection,
    edit_id: i64,
    status_id: i64,
) -> Result<()> {
    store::media::snapshot_for_edit(&mut *tx, edit_id, status_id).await?;
    Ok(())
}

/// The attachments of each earlier version of a status, oldest first, as they were then
/// (descriptions and focal points of that time).
pub async fn edit_versions(state: &AppState, status_id: i64) -> Result<Vec<Vec<Media>>> {
    let snapshots = store::media::edit_snapshots(&state.db, status_id).await?;
    let mut ids: Vec<i64> = snapshots.iter().flatten().map(|m| m.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let found = with_urls(state, store::media::by_ids(&state.db, &ids).await?);
    Ok(snapshots
        .iter()
        .map(|version| {
            version
                .iter()
                .filter_map(|then| {
                    let mut m = found.iter().find(|m| m.id == then.id)?.clone();
                    m.description.clone_from(&then.description);
                    (m.focus_x, m.focus_y) = (then.focus_x, then.focus_y);
                    Some(m)
                })
                .collect()
        })
        .collect())
}
