//! The live event bus of Mastodon's streaming API: infrastructure, beside `store/`.
//!
//! Where it sits: below the services and beside the store, it knows `model` and nothing above
//! it (no service, no store, no client entity, no HTTP). It holds three things:
//!
//! - [`Event`]: what crosses processes on PostgreSQL `NOTIFY` (ids only, small). Services
//!   publish events through `service::streaming`, inside their transaction, so an event is
//!   heard only once its rows are committed.
//! - [`Bus`]: this process's connected subscribers, what streams each listens to, and their
//!   bounded buffers of [`Frame`]s. A subscriber whose buffer is full is disconnected rather
//!   than waited for.
//! - [`Stream`]: the timelines a client can subscribe to, as Mastodon names them.
//!
//! Who receives what is decided in `service::streaming` (same visibility, block, mute and
//! keyword-filter rules as the REST timelines), which hands model-level payloads to the
//! renderer the client API installs in `AppState` (`api::v1::streaming`), and offers the
//! rendered frames here. The client API subscribes here and writes frames to WebSocket and
//! server-sent-event connections.

mod bus;
mod event;
mod stream;

pub use bus::{Bus, Subscriber, Subscription, Target};
pub use event::{Event, MAX_DELETE_MENTIONS};
pub use stream::{Stream, StreamError};

use std::sync::Arc;

/// One event for one subscriber, rendered: Mastodon's `event` name, its `payload` (a JSON
/// document as a string, or a bare id for `delete`) and the stream it came through.
#[derive(Debug, Clone)]
pub struct Frame {
    pub event: &'static str,
    pub payload: Arc<str>,
    pub stream: Arc<Stream>,
}
