//! In-process caches of statuses and accounts as every viewer sees them (counters included;
//! the viewer's own flags are never cached), so a page of a timeline is one small query
//! rather than every row read again; and of whom bearer tokens speak for, so telling who is
//! calling costs a read of the epoch rather than the token's join of four tables.
//!
//! PostgreSQL keeps them true. Triggers announce every change to a cached row on
//! `store::cache::CHANNEL`, in commit order, to every process (migration
//! `cache_invalidation`); one `LISTEN` connection per process evicts what they name. Each
//! announcement carries an epoch. A reader learns the database's epoch from its page query
//! and, before it trusts an entry, waits until its process has heard that far (asking for a
//! marker announcement if the wait drags on, for instance after a rolled-back change). So a
//! request sees every change committed before it began, whichever process made it: a client
//! reads its own writes.
//!
//! An entry read from the database is kept only if no eviction happened while it was being
//! read (the generation counter), so a slow reader cannot put back what was just evicted.
//! Without a live listener (before it starts, after it loses its connection) nothing is
//! trusted or kept: readers go to the database. Epochs are heard out of their order; how far
//! a process has heard is kept in [`progress`].

mod progress;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use tokio::sync::{watch, Mutex, OnceCell};

use crate::db::kept::KeptConnections;
use crate::model::Account;
use crate::service::oauth::Principal;
use crate::store;
use crate::store::statuses::StatusRow;

/// How long a reader waits for its process to hear of changes by itself before it asks for
/// a marker; announcements usually arrive within a millisecond of their commit.
const NATURAL_WAIT: Duration = Duration::from_millis(2);
/// How long a reader waits for the marker before it gives up on the cache for this request.
const MARKER_WAIT: Duration = Duration::from_millis(200);

/// The caches of one process; cheap to clone (it lives in `AppState`).
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    statuses: Option<quick_cache::sync::Cache<i64, Arc<StatusRow>>>,
    accounts: Option<quick_cache::sync::Cache<i64, Arc<Account>>>,
    principals: Option<std::sync::Mutex<Principals>>,
    /// Bumped before every eviction: an entry read from the database while it moved is not
    /// kept.
    generation: AtomicU64,
    /// Every epoch up to this one is heard (the contiguous prefix), published after its
    /// evictions are done.
    heard: watch::Sender<i64>,
    /// The highest epoch heard: a reader's own marker, or anything after it, once heard.
    latest: watch::Sender<i64>,
    progress: std::sync::Mutex<progress::Progress>,
    /// The listener is connected and has missed nothing since the caches were last cleared.
    live: AtomicBool,
    listening: OnceCell<()>,
    /// One marker at a time; readers behind wait for the same one.
    marking: Mutex<()>,
}

/// What a reader may do with the cache during one request.
#[derive(Clone, Copy, Debug)]
pub struct Use {
    /// Entries may be read (the process has heard of everything up to the reader's epoch).
    pub read: bool,
    /// Generation when the reader started; entries it reads from the database are kept only
    /// if it has not moved.
    generation: u64,
}

impl Cache {
    /// Caches holding at most this many statuses, accounts and tokens (0 turns one off).
    pub fn new(statuses: usize, accounts: usize, tokens: usize) -> Cache {
        let (heard, _) = watch::channel(0);
        let (latest, _) = watch::channel(0);
        Cache {
            inner: Arc::new(Inner {
                statuses: (statuses > 0).then(|| quick_cache::sync::Cache::new(statuses)),
                accounts: (accounts > 0).then(|| quick_cache::sync::Cache::new(accounts)),
                principals: (tokens > 0).then(|| {
                    std::sync::Mutex::new(Principals {
                        capacity: tokens,
                        ..Principals::default()
                    })
                }),
                generation: AtomicU64::new(0),
                heard,
                latest,
                progress: std::sync::Mutex::new(progress::Progress::default()),
                live: AtomicBool::new(false),
                listening: OnceCell::new(),
                marking: Mutex::new(()),
            }),
        }
    }

    fn enabled(&self) -> bool {
        self.inner.statuses.is_some()
            || self.inner.accounts.is_some()
            || self.inner.principals.is_some()
    }

    /// Starts the listener, once per process. A server starts it before it serves: started
    /// by the first reader instead, it would wait for a connection of the pool while holding
    /// one, which a burst of readers holding all the others would never give it.
    pub async fn start(&self, db: &PgPool) -> Result<(), sqlx::Error> {
        if !self.enabled() {
            return Ok(());
        }
        self.inner
            .listening
            .get_or_try_init(|| async {
                let mut listener = PgListener::connect_with(db).await?;
                listener.listen(store::cache::CHANNEL).await?;
                self.inner.live.store(true, Ordering::SeqCst);
                tokio::spawn(listen(listener, self.clone()));
                Ok::<(), sqlx::Error>(())
            })
            .await
            .map(|_| ())
    }

    /// Says what this request may do: entries are tentatively readable if the listener is
    /// live; [`Cache::catch_up`] decides for good once the reader knows the database's
    /// epoch. Starts the listener if nothing did (a process that only runs jobs or commands).
    pub async fn begin(&self, db: &PgPool) -> Use {
        let generation = self.inner.generation.load(Ordering::SeqCst);
        if !self.enabled() {
            return Use {
                read: false,
                generation,
            };
        }
        let started = self.start(db).await;
        if let Err(e) = &started {
            tracing::warn!(error = %e, "cache listener could not start; reading the database");
        }
        let live = self.inner.live.load(Ordering::SeqCst);
        if !live && started.is_ok() {
            // A listener that lost its connection trusts nothing until it hears something
            // on the new one; give it something to hear.
            if let Ok(_one_at_a_time) = self.inner.marking.try_lock() {
                if let Err(e) = mark_now(db).await {
                    tracing::debug!(error = %e, "cache marker while reconnecting");
                }
            }
        }
        Use {
            read: live,
            generation,
        }
    }

    /// Whether entries may be trusted by a reader who saw `epoch` in the database: once this
    /// process has heard every change up to it. Waits a moment for the announcements, then
    /// asks for a marker on `conn`, the reader's own connection (outside a transaction):
    /// waiting for another from a pool whose every connection a reader holds would wait for
    /// good. `false` (read the database) if even the marker does not arrive.
    pub async fn catch_up(&self, conn: &mut PgConnection, epoch: i64) -> bool {
        if !self.inner.live.load(Ordering::SeqCst) {
            return false;
        }
        let mut heard = self.inner.heard.subscribe();
        if *heard.borrow() >= epoch {
            return true;
        }
        if tokio::time::timeout(NATURAL_WAIT, heard.wait_for(|h| *h >= epoch))
            .await
            .is_ok_and(|r| r.is_ok())
        {
            return self.inner.live.load(Ordering::SeqCst);
        }
        let target = {
            let _one_at_a_time = self.inner.marking.lock().await;
            if *heard.borrow() >= epoch {
                return self.inner.live.load(Ordering::SeqCst);
            }
            match store::cache::mark(&mut *conn).await {
                Ok(marker) => marker,
                Err(e) => {
                    tracing::warn!(error = %e, "cache marker; reading the database");
                    return false;
                }
            }
        };
        // The marker was committed after the reader's epoch was read: everything committed
        // before that is announced before it, whatever the epochs say.
        let mut latest = self.inner.latest.subscribe();
        tokio::time::timeout(MARKER_WAIT, latest.wait_for(|h| *h >= target))
            .await
            .is_ok_and(|r| r.is_ok())
            && self.inner.live.load(Ordering::SeqCst)
    }

    /// The cached statuses among `ids`.
    pub fn statuses(&self, ids: impl IntoIterator<Item = i64>) -> Vec<Arc<StatusRow>> {
        let Some(cache) = &self.inner.statuses else {
            return Vec::new();
        };
        ids.into_iter().filter_map(|id| cache.get(&id)).collect()
    }

    /// The cached accounts among `ids`.
    pub fn accounts(&self, ids: impl IntoIterator<Item = i64>) -> Vec<Arc<Account>> {
        let Some(cache) = &self.inner.accounts else {
            return Vec::new();
        };
        ids.into_iter().filter_map(|id| cache.get(&id)).collect()
    }

    /// Keeps statuses read from the database since `usage` began, unless something was
    /// evicted meanwhile (it might have been one of them, read just before its change).
    pub fn keep_statuses(&self, usage: &Use, rows: &[Arc<StatusRow>]) {
        if let Some(cache) = &self.inner.statuses {
            self.keep(usage, cache, rows.iter().map(|r| (r.status.id, r.clone())));
        }
    }

    /// Keeps accounts read from the database since `usage` began, as [`Cache::keep_statuses`].
    pub fn keep_accounts(&self, usage: &Use, accounts: &[Arc<Account>]) {
        if let Some(cache) = &self.inner.accounts {
            self.keep(usage, cache, accounts.iter().map(|a| (a.id, a.clone())));
        }
    }

    /// Whom the token with this hash speaks for, if cached and true now: the database's epoch
    /// is read (on a kept connection, a query far cheaper than the token's) and the entry is
    /// trusted once this process has heard every change up to it, as any other entry. The
    /// epoch is read after the caller's request arrived, so the answer reflects every
    /// revocation and every change to the user or account committed before it.
    pub async fn principal_now(
        &self,
        kept: &Arc<KeptConnections>,
        token_hash: &str,
    ) -> Option<Arc<Principal>> {
        self.principal(token_hash)?;
        let mut conn = match kept.acquire().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "cache epoch; reading the database");
                return None;
            }
        };
        let epoch = match store::cache::epoch(&mut *conn).await {
            Ok(epoch) => epoch,
            Err(e) => {
                tracing::warn!(error = %e, "cache epoch; reading the database");
                return None;
            }
        };
        let caught_up = self.catch_up(&mut conn, epoch).await;
        conn.keep();
        if !caught_up {
            return None;
        }
        // Whatever was announced up to the epoch has been evicted by now.
        self.principal(token_hash)
    }

    /// Whether the token with this hash is cached, unconfirmed and without a query: it was
    /// valid when read, and no revocation has been heard of since. Good enough to pick a rate
    /// limit's bucket by; anything that acts on the token asks [`Cache::principal_now`].
    pub fn holds_token(&self, token_hash: &str) -> bool {
        self.principal(token_hash).is_some()
    }

    /// Whom the token with this hash speaks for as cached, unconfirmed (as
    /// [`Cache::holds_token`]): nothing may act on it before [`Cache::still_holds`] says yes.
    pub fn held_principal(&self, token_hash: &str) -> Option<Arc<Principal>> {
        self.principal(token_hash)
    }

    /// Whether `principal`, taken unconfirmed with [`Cache::held_principal`], is still the
    /// very entry for this hash once this process has heard every change up to `epoch`, read
    /// by the caller's query after its request arrived: a revocation, or any change to the
    /// token's user or account, committed before then has evicted it (a fresh entry, read
    /// since, is another `Arc`, and is not taken for this one).
    pub async fn still_holds(
        &self,
        conn: &mut PgConnection,
        epoch: i64,
        token_hash: &str,
        principal: &Arc<Principal>,
    ) -> bool {
        self.catch_up(conn, epoch).await
            && self
                .principal(token_hash)
                .is_some_and(|now| Arc::ptr_eq(&now, principal))
    }

    fn principal(&self, token_hash: &str) -> Option<Arc<Principal>> {
        if !self.inner.live.load(Ordering::SeqCst) {
            return None;
        }
        let principals = self.inner.principals.as_ref()?.lock().ok()?;
        principals.by_hash.get(token_hash).cloned()
    }

    /// Keeps whom a token speaks for, read from the database since `usage` began, unless
    /// something was evicted meanwhile (as [`Cache::keep_statuses`]).
    pub fn keep_principal(&self, usage: &Use, token_hash: &str, principal: Arc<Principal>) {
        let Some(principals) = &self.inner.principals else {
            return;
        };
        if !self.inner.live.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut principals) = principals.lock() else {
            return;
        };
        // Checked under the lock the listener evicts under: an eviction either came before
        // (the generation moved: not kept) or comes after and removes it.
        if self.inner.generation.load(Ordering::SeqCst) == usage.generation {
            principals.insert(token_hash, principal);
        }
    }

    fn keep<V: Clone>(
        &self,
        usage: &Use,
        cache: &quick_cache::sync::Cache<i64, V>,
        entries: impl Iterator<Item = (i64, V)>,
    ) {
        if !self.inner.live.load(Ordering::SeqCst) {
            return;
        }
        let entries: Vec<(i64, V)> = entries.collect();
        for (id, value) in &entries {
            cache.insert(*id, value.clone());
        }
        // The listener bumps the generation before it evicts: if it has not moved by now,
        // any eviction still to come happens after these inserts and removes them.
        if self.inner.generation.load(Ordering::SeqCst) != usage.generation {
            for (id, _) in &entries {
                cache.remove(id);
            }
        }
    }

    fn evict(&self, kind: &str, ids: &[i64]) {
        // Held across the bump and the removal, so a principal being kept either sees the
        // bump or is removed after it is kept.
        let principals = matches!(kind, "a" | "t")
            .then(|| self.inner.principals.as_ref().and_then(|p| p.lock().ok()))
            .flatten();
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(mut principals) = principals {
            for &id in ids {
                match kind {
                    "a" => principals.remove_account(id),
                    _ => principals.remove_token(id),
                }
            }
        }
        match kind {
            "s" => {
                if let Some(c) = &self.inner.statuses {
                    for id in ids {
                        c.remove(id);
                    }
                }
            }
            "a" => {
                if let Some(c) = &self.inner.accounts {
                    for id in ids {
                        c.remove(id);
                    }
                }
            }
            "S" => {
                if let Some(c) = &self.inner.statuses {
                    c.clear();
                }
            }
            // A marker evicts nothing.
            _ => {}
        }
    }

    fn clear(&self) {
        let principals = self.inner.principals.as_ref().and_then(|p| p.lock().ok());
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(mut principals) = principals {
            principals.clear();
        }
        if let Some(c) = &self.inner.statuses {
            c.clear();
        }
        if let Some(c) = &self.inner.accounts {
            c.clear();
        }
    }

    fn heard(&self, epoch: i64) {
        let prefix = match self.inner.progress.lock() {
            Ok(mut progress) => {
                progress.hear(epoch, std::time::Instant::now());
                progress.prefix()
            }
            // Unreachable in practice (nothing panics under the lock); trust nothing new.
            Err(_) => return,
        };
        let raise = |to: i64| {
            move |h: &mut i64| {
                if to > *h {
                    *h = to;
                    true
                } else {
                    false
                }
            }
        };
        self.inner.heard.send_if_modified(raise(prefix));
        self.inner.latest.send_if_modified(raise(epoch));
    }

    /// The listener reconnected: what it missed is settled by the first epoch it hears.
    fn restart_progress(&self) {
        if let Ok(mut progress) = self.inner.progress.lock() {
            progress.restart();
        }
    }
}

/// Whom tokens speak for, by token hash, with the ids an announcement names them by: the
/// token's own (`t`) and its account's (`a`: the account, its counters or its user changed).
#[derive(Default)]
struct Principals {
    capacity: usize,
    by_hash: HashMap<String, Arc<Principal>>,
    by_token: HashMap<i64, String>,
    by_account: HashMap<i64, Vec<String>>,
}

impl Principals {
    fn insert(&mut self, token_hash: &str, principal: Arc<Principal>) {
        if self.by_hash.len() >= self.capacity {
            // Active tokens are few next to the capacity; starting over when it is reached
            // keeps this simple, and costs one query per token to refill.
            self.clear();
        }
        self.by_token
            .insert(principal.grant.token_id, token_hash.to_string());
        if let Some(account) = &principal.account {
            let hashes = self.by_account.entry(account.id).or_default();
            if !hashes.iter().any(|h| h == token_hash) {
                hashes.push(token_hash.to_string());
            }
        }
        self.by_hash.insert(token_hash.to_string(), principal);
    }

    fn remove_token(&mut self, token_id: i64) {
        if let Some(hash) = self.by_token.remove(&token_id) {
            self.by_hash.remove(&hash);
        }
    }

    fn remove_account(&mut self, account_id: i64) {
        for hash in self.by_account.remove(&account_id).unwrap_or_default() {
            if let Some(principal) = self.by_hash.remove(&hash) {
                self.by_token.remove(&principal.grant.token_id);
            }
        }
    }

    fn clear(&mut self) {
        self.by_hash.clear();
        self.by_token.clear();
        self.by_account.clear();
    }
}

/// Parses `"<kind> <id>[,<id>…] <epoch>"`: one statement's changes of one kind (migration
/// `coalesced_invalidation`), or a single id as announced before it.
fn parse(payload: &str) -> Option<(&str, Vec<i64>, i64)> {
    let mut parts = payload.split(' ');
    let kind = parts.next()?;
    let ids = parts
        .next()?
        .split(',')
        .map(|id| id.parse().ok())
        .collect::<Option<Vec<i64>>>()?;
    let epoch = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((kind, ids, epoch))
}

/// Evicts what PostgreSQL announces, for the life of the process. After a lost connection
/// (announcements meanwhile are lost) everything is cleared and nothing is trusted or kept
/// until an announcement arrives on the new one (readers ask for a marker meanwhile).
async fn listen(mut listener: PgListener, cache: Cache) {
    let mut recovering = false;
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                if recovering {
                    cache.clear();
                    cache.restart_progress();
                    cache.inner.live.store(true, Ordering::SeqCst);
                    recovering = false;
                }
                match parse(notification.payload()) {
                    Some((kind, ids, epoch)) => {
                        cache.evict(kind, &ids);
                        cache.heard(epoch);
                    }
                    None => {
                        tracing::warn!(payload = notification.payload(), "unreadable cache event");
                    }
                }
            }
            Ok(None) => {
                cache.inner.live.store(false, Ordering::SeqCst);
                cache.clear();
                recovering = true;
                tracing::warn!("cache listener lost its connection; reconnecting");
            }
            Err(sqlx::Error::PoolClosed) => {
                // Shutting down.
                cache.inner.live.store(false, Ordering::SeqCst);
                return;
            }
            Err(e) => {
                cache.inner.live.store(false, Ordering::SeqCst);
                cache.clear();
                recovering = true;
                tracing::warn!(error = %e, "cache listener; reconnecting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// A marker, through a connection the pool gives within [`MARKER_WAIT`], or an error.
/// Readers ask for one while holding a connection of their own: waiting without a bound for
/// another, from a pool whose every connection a reader holds, would wait for good.
async fn mark_now(db: &PgPool) -> Result<i64, sqlx::Error> {
    let mut conn = tokio::time::timeout(MARKER_WAIT, db.acquire())
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    store::cache::mark(&mut *conn).await
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn announcements_parse() {
        assert_eq!(parse("s 42 7"), Some(("s", vec![42], 7)));
        assert_eq!(parse("m 0 9"), Some(("m", vec![0], 9)));
        assert_eq!(parse("a 1,2,30 8"), Some(("a", vec![1, 2, 30], 8)));
        assert_eq!(parse("s x 7"), None);
        assert_eq!(parse("s 1,,2 7"), None);
        assert_eq!(parse("s 42"), None);
        assert_eq!(parse("s 42 7 9"), None);
    }
}
