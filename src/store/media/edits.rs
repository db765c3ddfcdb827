//! The attachments of earlier versions of a status (`status_edits.media`).

use sqlx::PgExecutor;

/// Records, on the edit `edit_id`, the attachments `status_id` has now (ids, descriptions and
/// focal points, in order): what that earlier version showed.
pub async fn snapshot_for_edit(
    db: impl PgExecutor<'_>,
    edit_id: i64,
    status_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE status_edits SET media = COALESCE((\
           SELECT jsonb_agg(jsonb_build_object('id', id, 'description', description, \
                  'focus_x', focus_x, 'focus_y', focus_y) ORDER BY position, id) \
           FROM media_attachments WHERE status_id = $2 AND position >= 0), '[]'::jsonb) \
         WHERE id = $1",
    )
    .bind(edit_id)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

/// An attachment as an earlier version of a status showed it.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct EditMedia {
    pub id: i64,
    pub description: String,
    pub focus_x: f32,
    pub focus_y: f32,
}

/// The attachments of each earlier version of a status, oldest first (the order of
/// `statuses::edits`).
pub async fn edit_snapshots(
    db: impl PgExecutor<'_>,
    status_id: i64,
) -> Result<Vec<Vec<EditMedia>>, sqlx::Error> {
    let rows: Vec<sqlx::types::Json<Vec<EditMedia>>> =
        sqlx::query_scalar("SELECT media FROM status_edits WHERE status_id = $1 ORDER BY id")
            .bind(status_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
