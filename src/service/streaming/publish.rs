//! Publishing events: what services call, inside the transaction of the change.

use sqlx::PgExecutor;

use super::is_tag_broadcast;
use crate::model::{Status, Visibility};
use crate::store;
use crate::streaming::{Event, MAX_DELETE_MENTIONS};

/// Boosts whose deletion is announced with their original's; older ones are left to REST.
const MAX_BOOST_DELETES: i64 = 1000;

async fn publish(db: impl PgExecutor<'_>, event: &Event) -> Result<(), sqlx::Error> {
    let Some(payload) = event.encode() else {
        // Cannot happen with the caps on what events carry; losing a live event beats
        // failing the action.
        tracing::warn!(?event, "streaming event too large; not published");
        return Ok(());
    };
    store::streaming::publish(db, &payload).await
}

/// Announces a new original status (local or remote) to public and hashtag streams if it is
/// public. Call inside the transaction that creates it.
pub async fn status_created(
    db: impl PgExecutor<'_>,
    status_id: i64,
    visibility: Visibility,
) -> Result<(), sqlx::Error> {
    if visibility != Visibility::Public {
        return Ok(());
    }
    publish(db, &Event::Created { s: status_id }).await
}

/// Announces that a status reached home feeds (user streams) and, if direct, conversations.
pub async fn status_in_feeds(db: impl PgExecutor<'_>, status_id: i64) -> Result<(), sqlx::Error> {
    publish(db, &Event::InFeeds { s: status_id }).await
}

/// Announces an edit (`status.update`).
pub async fn status_edited(db: impl PgExecutor<'_>, status_id: i64) -> Result<(), sqlx::Error> {
    publish(db, &Event::Edited { s: status_id }).await
}

/// Announces a deletion; call before the status's rows go, with its mentioned accounts. Its
/// boosts go with it, so their deletion is announced too (to the home streams that showed
/// them).
pub async fn status_deleted(
    db: &mut sqlx::PgConnection,
    status: &Status,
    mentioned: &[i64],
) -> Result<(), sqlx::Error> {
    let mut m: Vec<i64> = mentioned.to_vec();
    m.truncate(MAX_DELETE_MENTIONS);
    publish(
        &mut *db,
        &Event::Deleted {
            s: status.id,
            a: status.account_id,
            p: is_tag_broadcast(status),
            l: status.local,
            d: status.visibility == Visibility::Direct,
            m,
        },
    )
    .await?;
    if status.reblog_of_id.is_some() {
        return Ok(());
    }
    for (boost, booster, local) in
        store::streaming::boosts_of(&mut *db, status.id, MAX_BOOST_DELETES).await?
    {
        publish(
            &mut *db,
            &Event::Deleted {
                s: boost,
                a: booster,
                p: false,
                l: local,
                d: false,
                m: Vec::new(),
            },
        )
        .await?;
    }
    Ok(())
}

/// Announces a new notification for `recipient`.
pub async fn notification_created(
    db: impl PgExecutor<'_>,
    notification_id: i64,
    recipient: i64,
) -> Result<(), sqlx::Error> {
    publish(
        db,
        &Event::Notified {
            n: notification_id,
            r: recipient,
        },
    )
    .await
}

/// Tells every local user's stream of announcement `id`, published or edited. Call inside
/// the transaction of the change.
pub async fn announcement_published(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    publish(db, &Event::Announced { a: id }).await
}

/// Tells every local user's stream that announcement `id` has `count` reactions `name`.
pub async fn announcement_reacted(
    db: impl PgExecutor<'_>,
    id: i64,
    name: &str,
    count: i64,
) -> Result<(), sqlx::Error> {
    publish(
        db,
        &Event::AnnouncementReacted {
            a: id,
            n: name.to_string(),
            c: count,
        },
    )
    .await
}

/// Tells `account`'s user streams that accepted requests' notifications joined their list
/// (`notifications_merged`, so clients reload it).
pub async fn notifications_merged(
    db: impl PgExecutor<'_>,
    account: i64,
) -> Result<(), sqlx::Error> {
    publish(db, &Event::NotificationsMerged { r: account }).await
}

/// Tells every local user's stream that announcement `id` is gone.
pub async fn announcement_deleted(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    publish(db, &Event::AnnouncementDeleted { a: id }).await
}

/// Tells `account`'s user streams that their keyword filters changed (`filters_changed`), so
/// clients reload them (and every process forgets the filters it kept for them).
pub async fn filters_changed(db: impl PgExecutor<'_>, account: i64) -> Result<(), sqlx::Error> {
    publish(db, &Event::FiltersChanged { r: account }).await
}
