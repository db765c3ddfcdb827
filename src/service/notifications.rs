//! Notifications: recorded here, one rule set for every cause (see
//! [`store::notifications::insert`]), and read back for the API.

use sqlx::PgExecutor;

use crate::error::Result;
use crate::model::NotificationType;
use crate::{id, store};

/// Notifies `recipient` that `from` did something (`kind`, about `status_id`). Nothing
/// happens for remote recipients, one's own actions, blocked or notification-muted senders.
pub async fn notify(
    db: impl PgExecutor<'_>,
    recipient: i64,
    from: i64,
    kind: NotificationType,
    status_id: Option<i64>,
) -> Result<()> {
    store::notifications::insert(db, id::next(), recipient, from, kind, status_id).await?;
    Ok(())
}

/// Withdraws the notification of an undone action (unfavourite, unboost, cancelled request).
pub async fn withdraw(
    db: impl PgExecutor<'_>,
    recipient: i64,
    from: i64,
    kind: NotificationType,
    status_id: Option<i64>,
) -> Result<()> {
    store::notifications::delete_cause(db, recipient, from, kind, status_id).await?;
    Ok(())
}
