//! The durable job queue, as services and the job runner see it.
//!
//! A job is a [`Job`]: one variant per kind, each carrying its typed payload, so a service
//! queues work by building a value (`Job::Fanout(OfStatus { status_id })`) and the runner in
//! `jobs/` matches on the same type. In the `jobs` table a job is its `kind` (the variant's
//! name) and its `payload` (the variant's struct as JSON): one stored format per kind, read back
//! by [`Job::from_stored`]. A payload that does not parse is failed for good by the runner, never
//! retried.
//!
//! Jobs are queued in the caller's transaction ([`enqueue`], [`enqueue_deliveries`]), so a job
//! exists exactly when the change that caused it does. The runner's side is here too, as thin
//! steps over the store: [`Claimer`] (due jobs, with the shared bodies of deliveries),
//! [`complete`], [`retry`], [`give_up`], [`Wakeups`]; and what the admin and the metrics read
//! ([`depth`], [`oldest_due`]). What each kind *does* is in `jobs/`, one file per kind.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::delivery::host_of;
use crate::{id, store};

mod payloads;

pub use payloads::*;

/// A unit of work for the queue: its kind and its payload in one value. The serde tag is the
/// stored `kind`, the content the stored `payload`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Job {
    /// One activity, signed by its actor, POSTed to one inbox. Its body is stored once for
    /// the whole fan-out (see [`enqueue_deliveries`]), not in the payload.
    Deliver(Delivery),
    /// The part of a new status or boost that can wait: feeds, notifications, delivery.
    Fanout(OfStatus),
    /// A local status's `Update`, sent to its remote audience.
    FederateEdit(OfStatus),
    /// A verified activity from a peer, waiting to be acted on.
    ProcessInbox(InboxActivity),
    /// A remote document to fetch and store.
    FetchRemote(FetchRemote),
    /// An upload left for later (a large image).
    ProcessMedia(OfMedia),
    /// A remote attachment, avatar, header or custom emoji to copy into local storage.
    CacheRemoteMedia(CacheRemoteMedia),
    /// A scheduled status whose time has come (queued to run at it).
    PublishScheduled(ScheduledPost),
    /// The rows of a CSV import that are due (`service::imports::run`).
    RunImport(OfImport),
    /// A deleted local account's data, removed in batches once its grace period is over
    /// (`service::account_deletion::purge`).
    DeleteAccount(OfAccount),
    /// The preview card of the page a new or edited status links (`service::cards`).
    FetchCard(OfStatus),
    /// An account moved: its local followers follow the new one (`service::moves`).
    MoveFollowers(MoveOf),
    /// A pull-mode `Move` (FEP-7628) to send to the old account's followers.
    PullMove(PullMove),
    /// A notification pushed to one Web Push subscription.
    WebPush(WebPush),
    /// A poll whose end has come (queued to run at it): closed, its voters told.
    ClosePoll(PollEnd),
    /// A local poll's new counts, gathered for a few seconds, sent as one `Update(Question)`.
    FederatePoll(OfPoll),
    /// An account's full archive to make (`service::archives::build`).
    BuildArchive(OfArchive),
    /// An archive whose week is over, to remove (queued to run at its expiry).
    ExpireArchive(OfArchive),
    /// A scheduled announcement whose time has come (queued to run at it): readers' streams
    /// are told (`service::announcements::went_live`).
    PublishAnnouncement(AnnouncementAt),
}

/// Attempts of one delivery: with the runner's backoff of about attempts⁴ + 15 s (plus jitter
/// of up to a quarter), the last of 20 attempts comes about 6.5 to 8 days after the first.
pub const DELIVERY_ATTEMPTS: i32 = 20;

/// Attempts before an actor refresh is given up (the next activity from the actor queues
/// another).
const FETCH_ATTEMPTS: i32 = 5;

/// Attempts of a card fetch (it is retried only while another job fetches the same page).
const CARD_ATTEMPTS: i32 = 5;

impl Job {
    pub fn kind(&self) -> Kind {
        match self {
            Job::Deliver(_) => Kind::Deliver,
            Job::Fanout(_) => Kind::Fanout,
            Job::FederateEdit(_) => Kind::FederateEdit,
            Job::ProcessInbox(_) => Kind::ProcessInbox,
            Job::FetchRemote(_) => Kind::FetchRemote,
            Job::ProcessMedia(_) => Kind::ProcessMedia,
            Job::CacheRemoteMedia(_) => Kind::CacheRemoteMedia,
            Job::PublishScheduled(_) => Kind::PublishScheduled,
            Job::RunImport(_) => Kind::RunImport,
            Job::DeleteAccount(_) => Kind::DeleteAccount,
            Job::FetchCard(_) => Kind::FetchCard,
            Job::MoveFollowers(_) => Kind::MoveFollowers,
            Job::PullMove(_) => Kind::PullMove,
            Job::WebPush(_) => Kind::WebPush,
            Job::ClosePoll(_) => Kind::ClosePoll,
            Job::FederatePoll(_) => Kind::FederatePoll,
            Job::BuildArchive(_) => Kind::BuildArchive,
            Job::ExpireArchive(_) => Kind::ExpireArchive,
            Job::PublishAnnouncement(_) => Kind::PublishAnnouncement,
        }
    }

    /// The remote server the job talks to, for the per-host limit on running jobs; `None` for
    /// local work.
    pub fn host(&self) -> Option<String> {
        match self {
            Job::Deliver(d) => host_of(&d.inbox),
            Job::FetchRemote(
                FetchRemote::Actor { url }
                | FetchRemote::Poll { url }
                | FetchRemote::FeaturedTags { url, .. },
            ) => host_of(url),
            _ => None,
        }
    }

    /// Attempts before the job is given up; `None`: the table's default (10, about four hours
    /// of backoff).
    pub fn max_attempts(&self) -> Option<i32> {
        match self {
            Job::Deliver(_) => Some(DELIVERY_ATTEMPTS),
            Job::FetchRemote(_) => Some(FETCH_ATTEMPTS),
            // A card is a nicety: a page that fails is left until a status links it again.
            Job::FetchCard(_) => Some(CARD_ATTEMPTS),
            _ => None,
        }
    }

    /// The job as stored: its kind and its payload's JSON.
    pub fn stored(&self) -> Result<(&'static str, Value)> {
        let payload = match serde_json::to_value(self) {
            Ok(Value::Object(mut tagged)) => tagged.remove("payload"),
            Ok(_) => None,
            Err(e) => return Err(Error::Internal(e.into())),
        };
        let payload = payload.ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "a {} job without a payload",
                self.kind().as_str()
            ))
        })?;
        Ok((self.kind().as_str(), payload))
    }

    /// A stored job read back; the error says what is wrong with it (an unknown kind, a payload
    /// of another format), for the job's `last_error`.
    pub fn from_stored(kind: &str, payload: Value) -> std::result::Result<Job, String> {
        let mut tagged = serde_json::Map::with_capacity(2);
        tagged.insert("kind".into(), Value::String(kind.to_string()));
        tagged.insert("payload".into(), payload);
        serde_json::from_value(Value::Object(tagged)).map_err(|e| format!("malformed job: {e}"))
    }
}

/// Queues `job` in the caller's transaction (so it exists exactly when the change that caused
/// it does); idle workers are woken when that transaction commits. Deliveries are queued with
/// their body by [`enqueue_deliveries`] instead.
pub async fn enqueue(db: &mut PgConnection, job: &Job) -> Result<()> {
    enqueue_at(db, job, Utc::now()).await
}

/// Queues `job` as [`enqueue`] does, to run no sooner than `run_at` (by the database's
/// clock, which every worker's claim reads).
pub async fn enqueue_at(db: &mut PgConnection, job: &Job, run_at: DateTime<Utc>) -> Result<()> {
    if let Job::Deliver(_) = job {
        return Err(Error::Internal(anyhow::anyhow!(
            "a delivery is queued with its body (enqueue_deliveries)"
        )));
    }
    let (kind, payload) = job.stored()?;
    let host = job.host();
    store::jobs::enqueue_for_host(
        db,
        &store::jobs::NewJob {
            id: id::next(),
            kind,
            payload: &payload,
            run_at,
            host: host.as_deref(),
            max_attempts: job.max_attempts(),
        },
    )
    .await?;
    Ok(())
}

/// Queues one `deliver` job per `(delivery, host of its inbox)`, all sending `body`, in the
/// caller's transaction. The body is stored once for all of them (`delivery_bodies`) and each
/// job names it, so a fan-out to a thousand inboxes does not carry a thousand copies through
/// the queue, and every inbox gets the very bytes that were serialised once here.
pub async fn enqueue_deliveries(
    db: &mut PgConnection,
    body: &str,
    deliveries: Vec<(Delivery, String)>,
) -> Result<()> {
    let mut jobs = Vec::with_capacity(deliveries.len());
    for (delivery, host) in deliveries {
        let (_, payload) = Job::Deliver(delivery).stored()?;
        jobs.push((id::next(), host, payload));
    }
    store::jobs::enqueue_many_for_hosts(
        db,
        Kind::Deliver.as_str(),
        DELIVERY_ATTEMPTS,
        Utc::now(),
        Some(store::jobs::SharedBody {
            id: id::next(),
            body,
        }),
        &jobs,
    )
    .await?;
    Ok(())
}

/// Queues a refresh of the actor at `url`, unless one is already waiting or running: every
/// activity from a stale actor asks for one, and one is enough.
pub async fn refresh_actor(state: &AppState, url: &str) -> Result<()> {
    refresh(
        state,
        Job::FetchRemote(FetchRemote::Actor {
            url: url.to_string(),
        }),
        url,
    )
    .await
}

/// Queues a refresh of the remote poll of the note at `url`, unless one is already waiting
/// or running: every view of a stale poll asks for one, and one is enough.
pub async fn refresh_poll(state: &AppState, url: &str) -> Result<()> {
    refresh(
        state,
        Job::FetchRemote(FetchRemote::Poll {
            url: url.to_string(),
        }),
        url,
    )
    .await
}

async fn refresh(state: &AppState, job: Job, url: &str) -> Result<()> {
    let Some(host) = job.host() else {
        return Err(Error::unprocessable("Not a URL"));
    };
    let mut conn = state.db.acquire().await?;
    let kind = Kind::FetchRemote.as_str();
    if store::jobs::waiting_with_url(&mut *conn, kind, &host, url).await? {
        return Ok(());
    }
    enqueue(&mut conn, &job).await
}

/// A job claimed by a runner: the stored row's facts and its payload, parsed.
pub struct Claimed {
    pub id: i64,
    /// The stored kind, for logs and metrics (even when the job does not parse).
    pub kind: String,
    /// The job, or why its stored form is not one this version runs.
    pub job: std::result::Result<Job, String>,
    /// This attempt's number, from 1.
    pub attempts: i32,
    pub max_attempts: i32,
    /// The host the job is bound to, if any.
    pub host: Option<String>,
    /// What was on record for `host` at the claim: `None` when nothing, else whether it is
    /// marked unavailable (so a delivery needs no query of its own).
    pub host_unavailable: Option<bool>,
    /// The shared body a delivery names, if any.
    pub body_id: Option<i64>,
    /// That body's bytes; `None` with a `body_id` when the body is gone.
    pub body: Option<bytes::Bytes>,
}

impl Claimed {
    /// Whether a failure now is the last attempt.
    pub fn is_last_attempt(&self) -> bool {
        self.attempts >= self.max_attempts
    }
}

/// Shared delivery bodies kept by a claimer, most recent last: a fan-out's jobs are claimed in
/// order, so a handful covers the fan-outs under way.
const KEPT_BODIES: usize = 8;

/// One runner's claims: a connection of its own (see [`store::jobs::claimer`]), replaced after
/// an error, and the delivery bodies it has already read.
pub struct Claimer {
    worker: String,
    lease_secs: i64,
    per_host: i64,
    conn: Option<PgConnection>,
    bodies: Vec<(i64, bytes::Bytes)>,
}

impl Claimer {
    /// A claimer for the runner named `worker` (host/pid, shown in `locked_by`), with the
    /// configured lease and per-host limit.
    pub fn new(state: &AppState, worker: String) -> Claimer {
        Claimer {
            worker,
            lease_secs: state.config.jobs.lease_secs as i64,
            per_host: state.config.delivery.per_host_concurrency as i64,
            conn: None,
            bodies: Vec::with_capacity(KEPT_BODIES),
        }
    }

    /// Claims up to `limit` due jobs and, in the same statement, removes the `finished` ones
    /// (see [`store::jobs::claim`]: one round trip and one commit for both). On an error
    /// nothing was removed, and the connection is replaced on the next call.
    pub async fn claim(
        &mut self,
        state: &AppState,
        limit: usize,
        finished: &[i64],
    ) -> Result<Vec<Claimed>> {
        let conn = match self.conn.as_mut() {
            Some(conn) => conn,
            None => self.conn.insert(store::jobs::claimer(&state.db).await?),
        };
        let known: Vec<i64> = self.bodies.iter().map(|(id, _)| *id).collect();
        let rows = store::jobs::claim(
            &mut *conn,
            &self.worker,
            limit as i64,
            self.lease_secs,
            self.per_host,
            finished,
            &known,
        )
        .await;
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => {
                self.conn = None;
                return Err(e.into());
            }
        };
        Ok(rows.into_iter().map(|row| self.claimed(row)).collect())
    }

    /// A claimed row with its payload parsed and its shared body attached: read with this claim
    /// (and kept for the next ones) or kept from an earlier one. A body is never changed once
    /// written, so a kept copy is as good as a fresh one.
    fn claimed(&mut self, row: store::jobs::Job) -> Claimed {
        let body = row.body_id.and_then(|id| match row.body {
            Some(body) => {
                let body = bytes::Bytes::from(body);
                self.bodies.retain(|(k, _)| *k != id);
                if self.bodies.len() >= KEPT_BODIES {
                    self.bodies.remove(0);
                }
                self.bodies.push((id, body.clone()));
                Some(body)
            }
            None => self
                .bodies
                .iter()
                .find(|(k, _)| *k == id)
                .map(|(_, b)| b.clone()),
        });
        Claimed {
            id: row.id,
            job: Job::from_stored(&row.kind, row.payload),
            kind: row.kind,
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            host: row.host,
            host_unavailable: row.host_unavailable,
            body_id: row.body_id,
            body,
        }
    }
}

/// Removes finished jobs (a runner removes its own with its next claim; this is for the last
/// ones when it stops).
pub async fn complete(state: &AppState, ids: &[i64]) -> Result<()> {
    store::jobs::complete(&state.db, ids).await?;
    Ok(())
}

/// A failed attempt worth another: the job waits until `at`, with `why` as its last error.
pub async fn retry(state: &AppState, id: i64, why: &str, at: DateTime<Utc>) -> Result<()> {
    store::jobs::fail(&state.db, id, why, Some(at)).await?;
    Ok(())
}

/// A job given up: kept as `failed`, with `why`, for an administrator to look at.
pub async fn give_up(state: &AppState, id: i64, why: &str) -> Result<()> {
    store::jobs::fail(&state.db, id, why, None).await?;
    Ok(())
}

/// How a runner hears of new jobs at once: the NOTIFY that [`enqueue`] sends on commit.
pub struct Wakeups(Option<sqlx::postgres::PgListener>);

impl Wakeups {
    /// Listens for new jobs; without a listener (it could not connect) [`Wakeups::wait`] just
    /// sleeps, and the runner polls.
    pub async fn listen(state: &AppState) -> Wakeups {
        let listener = match sqlx::postgres::PgListener::connect_with(&state.db).await {
            Ok(mut l) => match l.listen(store::jobs::CHANNEL).await {
                Ok(()) => Some(l),
                Err(_) => None,
            },
            Err(_) => None,
        };
        Wakeups(listener)
    }

    /// Returns when a job is queued, or after `at_most` (a missed notification, a lease that
    /// expired, a retry that came due all need a look now and then).
    pub async fn wait(&mut self, at_most: Duration) {
        match self.0.as_mut() {
            Some(l) => {
                let _ = tokio::time::timeout(at_most, l.recv()).await;
            }
            None => tokio::time::sleep(at_most).await,
        }
    }
}

/// The queue's depth by kind and state, with the oldest `run_at` of each group
/// (`rookery admin queue`, metrics).
pub async fn depth(db: &sqlx::PgPool) -> Result<Vec<store::jobs::QueueDepth>> {
    Ok(store::jobs::depth(db).await?)
}

/// The oldest pending job that is already due (how far behind the workers are).
pub async fn oldest_due(db: &sqlx::PgPool) -> Result<Option<DateTime<Utc>>> {
    Ok(store::jobs::oldest_due(db).await?)
}

/// Removes the shared activity bodies no job names any more, once older than a lease (a
/// margin: a body is written with its jobs, so without them it is never needed again).
pub async fn sweep_bodies(state: &AppState) -> Result<u64> {
    let lease = chrono::Duration::seconds(state.config.jobs.lease_secs as i64);
    Ok(store::jobs::remove_unused_bodies(&state.db, state.clock.now() - lease).await?)
}

/// Drops the deliveries waiting for `host` (just marked unavailable); returns how many.
pub async fn drop_deliveries_to(state: &AppState, host: &str) -> Result<u64> {
    Ok(store::jobs::drop_pending_for_host(&state.db, Kind::Deliver.as_str(), host).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::media::ProfileImage;
    use serde_json::json;

    /// One job of every kind.
    fn every_kind() -> Vec<Job> {
        vec![
            Job::Deliver(Delivery {
                signer_id: 7,
                key_id: "https://r.example/users/a#main-key".into(),
                inbox: "https://peer.example/inbox".into(),
            }),
            Job::Fanout(OfStatus { status_id: 8 }),
            Job::FederateEdit(OfStatus { status_id: 9 }),
            Job::ProcessInbox(InboxActivity {
                signer_id: 10,
                activity: json!({ "type": "Like", "actor": "https://peer.example/u/b" }),
            }),
            Job::FetchRemote(FetchRemote::Actor {
                url: "https://peer.example/u/b".into(),
            }),
            Job::FetchRemote(FetchRemote::Poll {
                url: "https://peer.example/n/1".into(),
            }),
            Job::FetchRemote(FetchRemote::FeaturedTags {
                account_id: 15,
                url: "https://peer.example/u/b/collections/tags".into(),
            }),
            Job::ProcessMedia(OfMedia { media_id: 11 }),
            Job::CacheRemoteMedia(CacheRemoteMedia::Attachment { media_id: 12 }),
            Job::CacheRemoteMedia(CacheRemoteMedia::profile(
                13,
                ProfileImage::Avatar,
                "https://peer.example/a.png",
            )),
            Job::CacheRemoteMedia(CacheRemoteMedia::profile(
                14,
                ProfileImage::Header,
                "https://peer.example/h.png",
            )),
            Job::PublishScheduled(ScheduledPost {
                scheduled_status_id: 15,
                scheduled_at: "2026-12-24T18:30:00.250Z".parse().expect("time"),
            }),
            Job::RunImport(OfImport { import_id: 16 }),
            Job::DeleteAccount(OfAccount { account_id: 17 }),
            Job::FetchCard(OfStatus { status_id: 16 }),
            Job::MoveFollowers(MoveOf {
                origin_id: 16,
                target_id: 17,
                origin_gone: false,
                after: None,
            }),
            Job::PullMove(PullMove {
                account_id: 18,
                origin_uri: "https://old.example/users/a".into(),
                addresses: vec!["b@peer.example".into()],
                move_local: true,
            }),
            Job::WebPush(WebPush {
                subscription_id: 16,
                notification_id: 17,
            }),
            Job::ClosePoll(PollEnd {
                poll_id: 16,
                expires_at: "2026-12-25T08:00:00.125Z".parse().expect("time"),
            }),
            Job::FederatePoll(OfPoll { poll_id: 17 }),
            Job::BuildArchive(OfArchive { archive_id: 19 }),
            Job::ExpireArchive(OfArchive { archive_id: 19 }),
            Job::PublishAnnouncement(AnnouncementAt {
                announcement_id: 18,
                published_at: "2026-12-24T18:00:00.25Z".parse().expect("time"),
            }),
        ]
    }

    #[test]
    fn every_kind_round_trips_through_its_stored_json() {
        let jobs = every_kind();
        for job in &jobs {
            let (kind, payload) = job.stored().expect("stored");
            assert_eq!(kind, job.kind().as_str(), "the serde tag is the kind");
            assert!(payload.is_object(), "{kind}: {payload}");
            // Through text, as PostgreSQL hands it back.
            let text = serde_json::to_string(&payload).expect("text");
            let back = serde_json::from_str(&text).expect("JSON");
            assert_eq!(Job::from_stored(kind, back).as_ref(), Ok(job));
        }
        let mut kinds: Vec<Kind> = jobs.iter().map(Job::kind).collect();
        kinds.dedup();
        assert_eq!(kinds, Kind::ALL, "every kind is covered, and listed");
    }

    /// The stored formats, spelled out: jobs already queued and the `one_job_format`
    /// migration depend on them.
    #[test]
    fn stored_formats() {
        let stored: Vec<(&str, Value)> = every_kind()
            .iter()
            .map(|j| j.stored().expect("stored"))
            .collect();
        assert_eq!(
            stored,
            [
                (
                    "deliver",
                    json!({ "signer_id": 7, "key_id": "https://r.example/users/a#main-key",
                            "inbox": "https://peer.example/inbox" })
                ),
                ("fanout", json!({ "status_id": 8 })),
                ("federate_edit", json!({ "status_id": 9 })),
                (
                    "process_inbox",
                    json!({ "signer_id": 10,
                            "activity": { "type": "Like", "actor": "https://peer.example/u/b" } })
                ),
                (
                    "fetch_remote",
                    json!({ "type": "actor", "url": "https://peer.example/u/b" })
                ),
                (
                    "fetch_remote",
                    json!({ "type": "poll", "url": "https://peer.example/n/1" })
                ),
                (
                    "fetch_remote",
                    json!({ "type": "featured_tags", "account_id": 15,
                            "url": "https://peer.example/u/b/collections/tags" })
                ),
                ("process_media", json!({ "media_id": 11 })),
                (
                    "cache_remote_media",
                    json!({ "which": "attachment", "media_id": 12 })
                ),
                (
                    "cache_remote_media",
                    json!({ "which": "avatar", "account_id": 13,
                            "url": "https://peer.example/a.png" })
                ),
                (
                    "cache_remote_media",
                    json!({ "which": "header", "account_id": 14,
                            "url": "https://peer.example/h.png" })
                ),
                (
                    "publish_scheduled",
                    json!({ "scheduled_status_id": 15,
                            "scheduled_at": "2026-12-24T18:30:00.250Z" })
                ),
                ("run_import", json!({ "import_id": 16 })),
                ("delete_account", json!({ "account_id": 17 })),
                ("fetch_card", json!({ "status_id": 16 })),
                (
                    "move_followers",
                    json!({ "origin_id": 16, "target_id": 17, "origin_gone": false })
                ),
                (
                    "pull_move",
                    json!({ "account_id": 18, "origin_uri": "https://old.example/users/a",
                            "addresses": ["b@peer.example"], "move_local": true })
                ),
                (
                    "web_push",
                    json!({ "subscription_id": 16, "notification_id": 17 })
                ),
                (
                    "close_poll",
                    json!({ "poll_id": 16, "expires_at": "2026-12-25T08:00:00.125Z" })
                ),
                ("federate_poll", json!({ "poll_id": 17 })),
                ("build_archive", json!({ "archive_id": 19 })),
                ("expire_archive", json!({ "archive_id": 19 })),
                (
                    "publish_announcement",
                    json!({ "announcement_id": 18, "published_at": "2026-12-24T18:00:00.250Z" })
                ),
            ]
        );
    }

    #[test]
    fn unknown_kinds_and_malformed_payloads_are_errors() {
        let cases = [
            ("reticulate_splines", json!({ "status_id": 1 })),
            ("fanout", json!({})),
            ("fanout", json!({ "status_id": "one" })),
            ("fanout", json!(null)),
            (
                "deliver",
                json!({ "signer_id": 1, "inbox": "https://p.example/inbox" }),
            ),
            (
                "fetch_remote",
                json!({ "type": "note", "url": "https://p.example/n/1" }),
            ),
            ("cache_remote_media", json!({ "media_id": 1 })),
            ("publish_scheduled", json!({ "scheduled_status_id": 1 })),
            (
                "publish_scheduled",
                json!({ "scheduled_status_id": 1, "scheduled_at": "tomorrow" }),
            ),
            (
                "cache_remote_media",
                json!({ "which": "avatar", "account_id": 1 }),
            ),
        ];
        for (kind, payload) in cases {
            let parsed = Job::from_stored(kind, payload.clone());
            assert!(parsed.is_err(), "{kind} {payload} parsed as {parsed:?}");
        }
    }

    #[test]
    fn hosts_and_attempts_follow_the_kind() {
        let jobs = every_kind();
        assert_eq!(jobs[0].host().as_deref(), Some("peer.example:443"));
        assert_eq!(jobs[0].max_attempts(), Some(DELIVERY_ATTEMPTS));
        assert_eq!(jobs[4].host().as_deref(), Some("peer.example:443"));
        assert_eq!(jobs[4].max_attempts(), Some(FETCH_ATTEMPTS));
        assert_eq!(jobs[1].host(), None);
        assert_eq!(jobs[1].max_attempts(), None);
    }
}
