//! The per-process side of the event bus: the registry of this process's subscribers, their
//! bounded buffers, and the once-per-process start of whatever feeds them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{mpsc, Notify, OnceCell};

use super::{Frame, Stream};
use crate::model::Account;

/// One connected client: who it is, what it listens to, and its buffer.
pub struct Subscriber {
    id: u64,
    /// `None` for an anonymous client (public streams only).
    account: Option<Account>,
    streams: Mutex<Vec<Arc<Stream>>>,
    tx: mpsc::Sender<Frame>,
    kicked: Arc<Notify>,
}

impl Subscriber {
    /// The streams this subscriber listens to, a snapshot.
    pub fn streams(&self) -> Vec<Arc<Stream>> {
        self.streams.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Who is connected; `None` for an anonymous client.
    pub fn account(&self) -> Option<&Account> {
        self.account.as_ref()
    }

    /// The signed-in account's id.
    pub fn account_id(&self) -> Option<i64> {
        self.account.as_ref().map(|a| a.id)
    }
}

/// One stream of one subscriber: where a frame goes.
pub type Target = (Arc<Subscriber>, Arc<Stream>);

/// The event bus of one process; cheap to clone (it lives in `AppState`).
#[derive(Clone)]
pub struct Bus {
    inner: Arc<Inner>,
}

struct Inner {
    subscribers: RwLock<HashMap<u64, Arc<Subscriber>>>,
    next_id: AtomicU64,
    started: OnceCell<()>,
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
                started: OnceCell::new(),
                buffer: buffer.max(1),
                closing: AtomicBool::new(false),
            }),
        }
    }

    /// Runs `start` once per process (the first caller's; later callers wait for it to
    /// succeed, and try again if it failed), so what feeds the bus is started only by the
    /// processes that serve a stream.
    pub async fn start_once<E, F, Fut>(&self, start: F) -> Result<(), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        self.inner.started.get_or_try_init(start).await?;
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
    pub fn snapshot(&self) -> Vec<Arc<Subscriber>> {
        self.inner
            .subscribers
            .read()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Queues `frame` for `subscriber` without waiting; one whose buffer is full is
    /// disconnected so it cannot hold up anyone else.
    pub fn offer(&self, subscriber: &Subscriber, frame: Frame) {
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

    /// Who is connected; `None` for an anonymous client.
    pub fn account(&self) -> Option<&Account> {
        self.subscriber.account.as_ref()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.bus.remove(self.subscriber.id);
    }
}
