//! Connections handed back by reads without the round trip sqlx's pool spends on every return.
//!
//! sqlx pings each connection as it goes back to the pool (a `Sync` and its answer), which on
//! a warm timeline page is one round trip in three: measured on the timelines bench, the bare
//! feed query costs 50 µs of CPU (client and server) through the pool and 27 µs on a held
//! connection. A read that finished cleanly hands its connection back here instead; the next
//! read takes it as it is. Anything else (an error, a cancelled request, a full shelf, a
//! connection left unused for [`KEPT_FOR`]) goes back to the pool the ordinary way, so a
//! connection in an unknown state is always tested before anyone else uses it.
//!
//! As many readers hold connections at once as the shelf holds; the next one takes a
//! connection idle in the pool if there is one, and otherwise waits a moment for one to come
//! back rather than have the pool open another. With two cores,
//! eight concurrent readers were no faster than four, and each connection a burst opened is
//! a PostgreSQL backend of its own, holding its own plans and catalog caches for as long as
//! the load lasts.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};
use tokio::sync::Notify;

/// How long a connection may wait here unused before it goes back to the pool. Under load
/// it is taken again within milliseconds; when the server goes quiet the pool gets it back,
/// with its idle checks, and closing the pool is never kept waiting for long.
pub const KEPT_FOR: Duration = Duration::from_millis(500);

/// How long a reader waits for a connection to come back once `limit` readers hold one,
/// before it takes one from the pool all the same: the limit spares backends, it must never
/// hold a reader up for long (nor deadlock one that, against the rule, asks for a second
/// connection while it holds one). Longer than a new connection's first page (a backend
/// starting, then loading its catalog caches), so that a burst against a pool with no idle
/// connection waits for the first readers rather than opening a backend each. The server's
/// is `database.reader_wait_ms`, by default the same.
pub const READER_WAIT: Duration = Duration::from_millis(250);

/// Connections kept between reads, at most `limit` of them, most recent first out; and no
/// more than `limit` readers holding connections at once while they come back in time.
pub struct KeptConnections {
    pool: PgPool,
    shelf: Mutex<Vec<(PoolConnection<Postgres>, Instant)>>,
    limit: usize,
    sweeping: std::sync::Once,
    /// Connections handed out and not yet back.
    out: AtomicUsize,
    /// Woken for each connection that comes back (to the shelf or to the pool).
    returned: Notify,
    /// How long a reader past the limit waits ([`READER_WAIT`]).
    reader_wait: Duration,
}

impl KeptConnections {
    /// Keeps up to `limit` connections of `pool` between reads (0 turns keeping, and the
    /// limit on readers, off).
    pub fn new(pool: PgPool, limit: usize) -> Arc<KeptConnections> {
        Self::with_reader_wait(pool, limit, READER_WAIT)
    }

    /// [`KeptConnections::new`], with readers past the limit waiting `reader_wait`.
    pub fn with_reader_wait(
        pool: PgPool,
        limit: usize,
        reader_wait: Duration,
    ) -> Arc<KeptConnections> {
        Arc::new(KeptConnections {
            pool,
            shelf: Mutex::new(Vec::new()),
            limit,
            sweeping: std::sync::Once::new(),
            out: AtomicUsize::new(0),
            returned: Notify::new(),
            reader_wait,
        })
    }

    /// How many readers a server with `max_connections` in its pool lets hold connections at
    /// once: half the pool (what the rest of the server may need stays free), and no more
    /// than two per core, beyond which readers only queue inside PostgreSQL instead.
    pub fn readers_for(max_connections: u32) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        (max_connections as usize / 2).min(2 * cores)
    }

    /// A connection: a kept one if there is one; else one from the pool, once fewer than
    /// `limit` readers hold one, or the pool has one idle, or none has come back within the
    /// reader's wait ([`READER_WAIT`]).
    pub async fn acquire(self: &Arc<Self>) -> Result<KeptConnection, sqlx::Error> {
        let give_up = tokio::time::Instant::now() + self.reader_wait;
        loop {
            // Registered before looking, so a connection coming back in between still wakes us.
            let returned = self.returned.notified();
            tokio::pin!(returned);
            returned.as_mut().enable();
            if let Some((conn, _)) = self.lock().pop() {
                return Ok(self.hand_out(conn));
            }
            if self.limit == 0 || self.claim_reader() {
                break;
            }
            // What the limit spares is backends: a connection open and idle in the pool (a
            // write's, a job's) costs none, and a write reading its result back takes it.
            if self.pool.num_idle() > 0 {
                self.out.fetch_add(1, Ordering::AcqRel);
                break;
            }
            if tokio::time::timeout_at(give_up, returned).await.is_err() {
                self.out.fetch_add(1, Ordering::AcqRel);
                break;
            }
        }
        match self.pool.acquire().await {
            Ok(conn) => Ok(self.guard(conn)),
            Err(e) => {
                self.came_back();
                Err(e)
            }
        }
    }

    /// Counts one more reader if fewer than `limit` hold connections.
    fn claim_reader(&self) -> bool {
        self.out
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |out| {
                (out < self.limit).then_some(out + 1)
            })
            .is_ok()
    }

    /// A kept connection counted as a reader's.
    fn hand_out(self: &Arc<Self>, conn: PoolConnection<Postgres>) -> KeptConnection {
        self.out.fetch_add(1, Ordering::AcqRel);
        self.guard(conn)
    }

    /// The guard of a connection already counted as a reader's.
    fn guard(self: &Arc<Self>, conn: PoolConnection<Postgres>) -> KeptConnection {
        KeptConnection {
            conn: Some(conn),
            home: Arc::downgrade(self),
        }
    }

    /// A reader's connection is back (on the shelf or in the pool): one waiting reader may go.
    fn came_back(&self) {
        // Never below zero, even for a guard made before a `release_all`.
        let _ = self
            .out
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |out| {
                out.checked_sub(1)
            });
        self.returned.notify_one();
    }

    /// How many connections readers hold now (taken here and not yet back).
    pub fn in_use(&self) -> usize {
        self.out.load(Ordering::Acquire)
    }

    /// How many connections wait here now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none wait here now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hands every kept connection back to the pool (before the pool is closed: closing waits
    /// for every connection taken from it).
    pub fn release_all(&self) {
        let all = std::mem::take(&mut *self.lock());
        drop(all);
    }

    fn put(self: &Arc<Self>, conn: PoolConnection<Postgres>) {
        if self.limit == 0 || self.pool.is_closed() {
            return;
        }
        if self.pool_is_drained() {
            // Those kept here go back too: someone may be waiting for the pool.
            drop(conn);
            self.release_all();
            return;
        }
        {
            let mut shelf = self.lock();
            if shelf.len() >= self.limit {
                return;
            }
            shelf.push((conn, Instant::now()));
        }
        self.sweeping
            .call_once(|| spawn_sweeper(Arc::downgrade(self)));
    }

    /// Whether the pool has no idle connection and may open no more: whoever acquires next
    /// (a job, a write, a listener) waits, so a connection coming back goes to the pool, where
    /// they get it, rather than onto the shelf, where only reads would.
    fn pool_is_drained(&self) -> bool {
        self.pool.num_idle() == 0 && self.pool.size() >= self.pool.options().get_max_connections()
    }

    /// Hands back to the pool the connections kept longer than [`KEPT_FOR`].
    fn sweep(&self) {
        let stale: Vec<_> = {
            let mut shelf = self.lock();
            let now = Instant::now();
            // Oldest first: the shelf is pushed to and popped from its end.
            let fresh_from = shelf
                .iter()
                .position(|(_, at)| now.duration_since(*at) < KEPT_FOR)
                .unwrap_or(shelf.len());
            shelf.drain(..fresh_from).collect()
        };
        drop(stale);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(PoolConnection<Postgres>, Instant)>> {
        // A panic while the lock was held cannot leave the list half-changed.
        self.shelf.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs until the shelf is gone, giving stale connections back to the pool.
fn spawn_sweeper(shelf: Weak<KeptConnections>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(KEPT_FOR / 2);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match shelf.upgrade() {
                Some(shelf) => shelf.sweep(),
                None => return,
            }
        }
    });
}

/// A connection taken through [`KeptConnections`]. [`KeptConnection::keep`] hands it back for
/// the next read; dropping it returns it to the pool, tested on the way.
pub struct KeptConnection {
    conn: Option<PoolConnection<Postgres>>,
    home: Weak<KeptConnections>,
}

impl KeptConnection {
    /// Hands the connection back for the next read. Only for a connection whose statements
    /// all finished without error and that holds no open transaction.
    pub fn keep(mut self) {
        if let (Some(conn), Some(home)) = (self.conn.take(), self.home.upgrade()) {
            home.put(conn);
        }
    }
}

impl Drop for KeptConnection {
    fn drop(&mut self) {
        // Unless `keep` shelved it, the connection goes back to the pool, tested on the way.
        drop(self.conn.take());
        if let Some(home) = self.home.upgrade() {
            home.came_back();
        }
    }
}

impl Deref for KeptConnection {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        match &self.conn {
            Some(conn) => conn,
            // `conn` is only taken by `keep`, which consumes the guard.
            None => unreachable!("a kept connection is used after it was handed back"),
        }
    }
}

impl DerefMut for KeptConnection {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match &mut self.conn {
            Some(conn) => conn,
            None => unreachable!("a kept connection is used after it was handed back"),
        }
    }
}
