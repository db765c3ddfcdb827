//! Connections handed back by reads without the round trip sqlx's pool spends on every return.
//!
//! sqlx pings each connection as it goes back to the pool (a `Sync` and its answer), which on
//! a warm timeline page is one round trip in three: measured on the timelines bench, the bare
//! feed query costs 50 µs of CPU (client and server) through the pool and 27 µs on a held
//! connection. A read that finished cleanly hands its connection back here instead; the next
//! read takes it as it is. Anything else (an error, a cancelled request, a full shelf, a
//! connection left unused for [`KEPT_FOR`]) goes back to the pool the ordinary way, so a
//! connection in an unknown state is always tested before anyone else uses it.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};

/// How long a connection may wait here unused before it goes back to the pool. Under load
/// it is taken again within milliseconds; when the server goes quiet the pool gets it back,
/// with its idle checks, and closing the pool is never kept waiting for long.
pub const KEPT_FOR: Duration = Duration::from_millis(500);

/// Connections kept between reads, at most `limit` of them, most recent first out.
pub struct KeptConnections {
    pool: PgPool,
    shelf: Mutex<Vec<(PoolConnection<Postgres>, Instant)>>,
    limit: usize,
    sweeping: std::sync::Once,
}

impl KeptConnections {
    /// Keeps up to `limit` connections of `pool` between reads (0 turns keeping off).
    pub fn new(pool: PgPool, limit: usize) -> Arc<KeptConnections> {
        Arc::new(KeptConnections {
            pool,
            shelf: Mutex::new(Vec::new()),
            limit,
            sweeping: std::sync::Once::new(),
        })
    }

    /// A connection: a kept one if there is one, else one from the pool.
    pub async fn acquire(self: &Arc<Self>) -> Result<KeptConnection, sqlx::Error> {
        let kept = self.lock().pop().map(|(conn, _)| conn);
        let conn = match kept {
            Some(conn) => conn,
            None => self.pool.acquire().await?,
        };
        Ok(KeptConnection {
            conn: Some(conn),
            home: Arc::downgrade(self),
        })
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
