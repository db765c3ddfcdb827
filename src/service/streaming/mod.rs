//! Live events for the streaming API: publishing them, and deciding who receives what.
//!
//! The bus itself (`crate::streaming`) is infrastructure: it carries [`Event`]s between
//! processes and holds each process's subscribers. This module is the service side of it:
//!
//! - Publishing ([`status_created`], [`status_in_feeds`], [`status_edited`],
//!   [`status_deleted`], [`notification_created`], [`filters_changed`]): services call these
//!   inside the transaction of the change, so an event is heard only once its rows are
//!   committed (PostgreSQL delivers a `NOTIFY` at commit).
//! - Listening ([`ensure_listening`]): every process that serves a stream listens, and turns
//!   each event into [`Delivery`]s for its own subscribers, by the rules of the REST timelines
//!   (visibility, blocks, mutes, silenced authors, keyword filters in the stream's context).
//!   A delivery is model-level: a [`Payload`] and the subscribers' streams it goes to. The
//!   client API's [`Render`] (installed in `AppState` at start-up) renders each payload once,
//!   and the frames are offered to the subscribers' buffers.

mod audience;
mod publish;

pub use publish::{
    announcement_deleted, announcement_published, announcement_reacted, filters_changed,
    notification_created, notifications_merged, status_created, status_deleted, status_edited,
    status_in_feeds,
};

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tracing::Instrument;

use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Status, StatusView, Visibility};
use crate::service::announcements::AnnouncementView;
use crate::service::conversations::ConversationView;
use crate::service::notifications::NotificationView;
use crate::store;
use crate::streaming::{Event, Frame, Target};

/// What a subscriber receives, before it is rendered for the wire.
pub enum Payload {
    /// A status as `viewer` sees it (`None`: anonymously, as public streams show it). Its
    /// `filtered` holds the viewer's keyword filters it matches (warnings: what a filter hides
    /// in the stream's context is not delivered).
    Status {
        view: StatusView,
        viewer: Option<i64>,
        /// An edit of a status shown before, rather than a new one.
        edited: bool,
    },
    /// A direct status, as the conversation of one participant (the same view the REST list
    /// shows).
    Conversation {
        view: ConversationView,
        participant: Box<Account>,
    },
    /// A notification for its recipient.
    Notification {
        view: Box<NotificationView>,
        recipient: i64,
    },
    /// A status is gone.
    Deleted { status_id: i64 },
    /// The recipient's keyword filters changed.
    FiltersChanged,
    /// An announcement, published or edited, as its reader sees it.
    Announcement {
        view: Box<AnnouncementView>,
        reader: i64,
    },
    /// An announcement's reactions `name` number `count` now.
    AnnouncementReaction {
        announcement_id: i64,
        name: String,
        count: i64,
    },
    /// An announcement is gone.
    AnnouncementDeleted { announcement_id: i64 },
    /// Accepted requests' notifications joined the recipient's list.
    NotificationsMerged,
}

/// One payload and every stream of this process it goes to.
pub struct Delivery {
    pub payload: Payload,
    pub to: Vec<Target>,
}

/// A payload rendered for the wire: the event's name and its text.
pub struct Rendered {
    pub event: &'static str,
    pub payload: Arc<str>,
}

/// Renders payloads for clients; the client API provides it (`AppState::stream_renderer`),
/// so that nothing below the faces knows the entities clients receive.
pub trait Render: Send + Sync {
    /// `payload` as its subscribers receive it, with links under `base_url`.
    fn render(&self, payload: &Payload, base_url: &str) -> anyhow::Result<Rendered>;
}

/// Starts listening for events (once per process) and returns once PostgreSQL listens, so a
/// subscriber registered afterwards misses nothing committed afterwards. Processes that never
/// serve a stream never hold the extra connection.
pub async fn ensure_listening(state: &AppState) -> Result<()> {
    state
        .streaming
        .start_once(|| async {
            let listener = store::streaming::listener(&state.db).await?;
            tokio::spawn(listen(listener, state.clone()));
            Ok::<(), crate::error::Error>(())
        })
        .await
}

/// Receives events for the life of the process and dispatches them one at a time, so a
/// client sees a status's update before its delete. `PgListener` reconnects by itself after a
/// lost connection (events sent meanwhile are lost; clients then catch up over REST).
async fn listen(mut listener: PgListener, state: AppState) {
    let mut filters = audience::FilterCache::default();
    loop {
        match listener.recv().await {
            Ok(notification) => {
                let event = match Event::decode(notification.payload()) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!(error = %e, "unreadable streaming event");
                        continue;
                    }
                };
                if state.streaming.subscriber_count() == 0 {
                    // Nobody to tell; nor anyone whose filters to keep.
                    filters.clear();
                    continue;
                }
                dispatch(&state, &mut filters, event).await;
            }
            // The process is shutting down: there is nothing left to listen on.
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => {
                tracing::warn!(error = %e, "streaming listener; reconnecting");
                // A `filters_changed` may be lost with the connection.
                filters.clear();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Delivers one event to the subscribers of this process it concerns.
async fn dispatch(state: &AppState, filters: &mut audience::FilterCache, event: Event) {
    let span = tracing::info_span!("streaming.dispatch", event = ?event);
    match audience::deliveries(state, filters, event)
        .instrument(span.clone())
        .await
    {
        Ok(deliveries) => {
            let base = state.base_url();
            for delivery in deliveries {
                deliver(state, &base, delivery);
            }
        }
        Err(e) => {
            let _entered = span.enter();
            tracing::warn!(error = %e, "streaming event not delivered");
        }
    }
    filters.prune(state);
}

/// Renders the payload once and offers it to each of its streams.
fn deliver(state: &AppState, base_url: &str, delivery: Delivery) {
    if delivery.to.is_empty() {
        return;
    }
    let rendered = match state.stream_renderer.render(&delivery.payload, base_url) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "rendering a streaming event");
            return;
        }
    };
    for (subscriber, stream) in delivery.to {
        state.streaming.offer(
            &subscriber,
            Frame {
                event: rendered.event,
                payload: rendered.payload.clone(),
                stream,
            },
        );
    }
}

/// Whether a status belongs on the public streams, as on the public timeline: public, an
/// original, not a reply to someone else. (Silenced authors are checked when dispatching.)
fn is_broadcast(status: &Status) -> bool {
    status.visibility == Visibility::Public
        && status.reblog_of_id.is_none()
        && status
            .in_reply_to_account_id
            .is_none_or(|a| a == status.account_id)
}

/// Whether a status belongs on hashtag streams: public originals, replies included.
fn is_tag_broadcast(status: &Status) -> bool {
    status.visibility == Visibility::Public && status.reblog_of_id.is_none()
}
