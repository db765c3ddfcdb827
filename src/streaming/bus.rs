//! The per-process side of the event bus: one `LISTEN` connection, the registry of this
//! process's subscribers, and their bounded buffers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::{mpsc, Notify, OnceCell};

use super::{Event, Frame, Stream};
use crate::app::AppState;
use crate::model::Account;
use crate::store;

/// One connected client: who it is, what it listens to, and its buffer.
pub(super) struct Subscriber {
    pub id: u64,
    /// `None` for an anonymous client (public streams only).
    pub account: Option<Account>,
    pub streams: Mutex<Vec<Arc<Stream>>>,
    tx: mpsc::Sender<Frame>,
    kicked: Arc<Notify>,
}

impl Subscriber {
    /// The streams this subscriber listens to, a snapshot.
    pub fn streams(&self) -> Vec<Arc<Stream>> {
        self.streams.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// The event bus of one process; cheap to clone (it lives in `AppState`).
#[derive(Clone)]
pub struct Bus {
    inner: Arc<Inner>,
}

struct Inner {
    subscribers: RwLock<HashMap<u64, Arc<Subscriber>>>,
    next_id: AtomicU64,
    listening: OnceCell<()>,
    buffer: usize,
    closing: AtomicBool,
}

impl Bus {
    /// A bus whose subscribers may each have `buffer` events waiting.
    pub fn new(buffer: usize) -> Bus {
        Bus {
            inner: Arc::new(Inner {
                subscribers: RwLock::default(),
                next_id: AtomicU64::new(1),
                listening: OnceCell::new(),
                buffer: buffer.max(1),
                closing: AtomicBool::new(false),
            }),
        }
    }

    /// Starts listening for events (once per process) and waits until PostgreSQL listens, so
    /// a subscriber registered afterwards misses nothing committed afterwards. Processes that
    /// never serve a stream never hold the extra connection.
    pub async fn ensure_listening(&self, state: &AppState) -> Result<(), sqlx::Error> {
        self.inner
            .listening
            .get_or_try_init(|| async {
                let mut listener = PgListener::connect_with(&state.db).await?;
                listener.listen(store::streaming::CHANNEL).await?;
                tokio::spawn(listen(listener, state.clone()));
                Ok::<(), sqlx::Error>(())
            })
            .await?;
        Ok(())
    }

    /// Registers a subscriber; it is removed when the returned [`Subscription`] drops.
    pub fn subscribe(&self, account: Option<Account>, streams: Vec<Stream>) -> Subscription {
        let (tx, rx) = mpsc::channel(self.inner.buffer);
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let kicked = Arc::new(Notify::new());
        let subscriber = Arc::new(Subscriber {
            id,
            account,
            streams: Mutex::new(streams.into_iter().map(Arc::new).collect()),
            tx,
            kicked: kicked.clone(),
        });
        if let Ok(mut map) = self.inner.subscribers.write() {
            map.insert(id, subscriber.clone());
        }
        if self.inner.closing.load(Ordering::SeqCst) {
            self.remove(id);
            kicked.notify_one();
        }
        Subscription {
            bus: self.clone(),
            subscriber,
            rx,
            kicked,
        }
    }

    /// How many clients this process serves now.
    pub fn subscriber_count(&self) -> usize {
        self.inner.subscribers.read().map(|m| m.len()).unwrap_or(0)
    }

    /// Everyone subscribed here now.
    pub(super) fn snapshot(&self) -> Vec<Arc<Subscriber>> {
        self.inner
            .subscribers
            .read()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Queues `frame` for `subscriber` without waiting; one whose buffer is full is
    /// disconnected so it cannot hold up anyone else.
    pub(super) fn offer(&self, subscriber: &Subscriber, frame: Frame) {
        match subscriber.tx.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::info!(
                    subscriber.id = subscriber.id,
                    "streaming client too slow; disconnecting"
                );
                self.remove(subscriber.id);
                subscriber.kicked.notify_one();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => self.remove(subscriber.id),
        }
    }

    /// Ends every stream of this process (shutdown); later subscribers are ended at once.
    pub fn close_all(&self) {
        self.inner.closing.store(true, Ordering::SeqCst);
        let all: Vec<Arc<Subscriber>> = match self.inner.subscribers.write() {
            Ok(mut map) => map.drain().map(|(_, s)| s).collect(),
            Err(_) => Vec::new(),
        };
        for subscriber in all {
            subscriber.kicked.notify_one();
        }
    }

    fn remove(&self, id: u64) {
        if let Ok(mut map) = self.inner.subscribers.write() {
            map.remove(&id);
        }
    }
}

/// A client's registration: what it receives, until dropped.
pub struct Subscription {
    bus: Bus,
    subscriber: Arc<Subscriber>,
    rx: mpsc::Receiver<Frame>,
    kicked: Arc<Notify>,
}

impl Subscription {
    /// Whether the process is shutting down (rather than this client being too slow).
    pub fn shutting_down(&self) -> bool {
        self.bus.inner.closing.load(Ordering::SeqCst)
    }

    /// The next event, or `None` once the client has been dropped (too slow, or shutdown).
    pub async fn next(&mut self) -> Option<Frame> {
        tokio::select! {
            biased;
            _ = self.kicked.notified() => None,
            frame = self.rx.recv() => frame,
        }
    }

    /// Resolves when the client has been dropped for being too slow.
    pub async fn kicked(&self) {
        self.kicked.notified().await;
    }

    /// Adds a stream (subscribing twice to one is harmless).
    pub fn add(&self, stream: Stream) {
        if let Ok(mut streams) = self.subscriber.streams.lock() {
            if !streams.iter().any(|s| **s == stream) {
                streams.push(Arc::new(stream));
            }
        }
    }

    /// Removes a stream.
    pub fn remove(&self, stream: &Stream) {
        if let Ok(mut streams) = self.subscriber.streams.lock() {
            streams.retain(|s| **s != *stream);
        }
    }

    pub fn account(&self) -> Option<&Account> {
        self.subscriber.account.as_ref()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.bus.remove(self.subscriber.id);
    }
}

/// Receives events for the life of the process and dispatches them one at a time, so a
/// client sees a status's update before its delete. `PgListener` reconnects by itself after a
/// lost connection (events sent meanwhile are lost; clients then catch up over REST).
async fn listen(mut listener: PgListener, state: AppState) {
    loop {
        match listener.recv().await {
            Ok(notification) => {
                let event: Event = match serde_json::from_str(notification.payload()) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!(error = %e, "unreadable streaming event");
                        continue;
                    }
                };
                if state.streaming.subscriber_count() == 0 {
                    continue;
                }
                super::dispatch::dispatch(&state, event).await;
            }
            // The process is shutting down: there is nothing left to listen on.
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => {
                tracing::warn!(error = %e, "streaming listener; reconnecting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
