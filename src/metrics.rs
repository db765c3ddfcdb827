//! Prometheus metrics: what the job queue and deliveries are doing, for `/metrics`.
//!
//! Counters and histograms live in each process's memory (scrape every process that runs
//! workers); the queue depth and unavailable hosts are read from the database at scrape time,
//! so any process reports the whole queue. `/metrics` is served either on its own address
//! (`metrics.listen`, no authentication: bind it privately) or on the main address to requests
//! bearing `metrics.token`; with neither configured it does not exist.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use crate::app::AppState;
use crate::service;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    result: &'static str,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

/// The process's metrics, cheap to share.
pub struct Metrics {
    registry: Registry,
    queued: Family<QueueLabels, Gauge>,
    unavailable_hosts: Gauge,
    failing_hosts: Gauge,
    deliveries: Family<DeliveryLabels, Counter>,
    delivery_seconds: Histogram,
    signing_seconds: Counter<f64, AtomicU64>,
    retried: Family<KindLabels, Counter>,
    given_up: Family<KindLabels, Counter>,
    unhandled: Family<KindLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("rookery");
        let queued = Family::<QueueLabels, Gauge>::default();
        registry.register(
            "jobs_queued",
            "Jobs in the queue by kind and state (pending, running, failed)",
            queued.clone(),
        );
        let unavailable_hosts = Gauge::default();
        registry.register(
            "delivery_hosts_unavailable",
            "Remote hosts marked unavailable (deliveries to them are dropped)",
            unavailable_hosts.clone(),
        );
        let failing_hosts = Gauge::default();
        registry.register(
            "delivery_hosts_failing",
            "Remote hosts whose last deliveries failed (in backoff), unavailable ones included",
            failing_hosts.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "deliveries",
            "Delivery attempts by result (delivered, retry, failed, dropped) and reason",
            deliveries.clone(),
        );
        let delivery_seconds = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        registry.register(
            "delivery_duration_seconds",
            "Time of one delivery attempt: signing, connecting, sending, answer",
            delivery_seconds.clone(),
        );
        let signing_seconds = Counter::<f64, AtomicU64>::default();
        registry.register(
            "delivery_signing_seconds",
            "Time spent in the signing calls of deliveries (wall time on the blocking threads)",
            signing_seconds.clone(),
        );
        let retried = Family::<KindLabels, Counter>::default();
        registry.register(
            "jobs_retried",
            "Job attempts that failed and were scheduled again",
            retried.clone(),
        );
        let given_up = Family::<KindLabels, Counter>::default();
        registry.register(
            "jobs_failed",
            "Jobs given up on (permanent failure or out of attempts)",
            given_up.clone(),
        );
        let unhandled = Family::<KindLabels, Counter>::default();
        registry.register(
            "activities_unhandled",
            "Inbound activities of a type Rookery does not act on, by type",
            unhandled.clone(),
        );
        Metrics {
            registry,
            unhandled,
            queued,
            unavailable_hosts,
            failing_hosts,
            deliveries,
            delivery_seconds,
            signing_seconds,
            retried,
            given_up,
        }
    }
}

impl Metrics {
    /// One delivery attempt came to `result` (`delivered`, `retry`, `failed`, `dropped`)
    /// for `reason`.
    pub fn delivery(&self, result: &'static str, reason: &'static str, seconds: Option<f64>) {
        self.deliveries
            .get_or_create(&DeliveryLabels { result, reason })
            .inc();
        if let Some(s) = seconds {
            self.delivery_seconds.observe(s);
        }
    }

    /// Time spent in one signing call (wall time: it includes preemption on a busy machine).
    pub fn signed(&self, seconds: f64) {
        self.signing_seconds.inc_by(seconds);
    }

    /// Total time spent signing so far (benchmarks).
    pub fn signing_seconds(&self) -> f64 {
        self.signing_seconds.get()
    }

    /// Deliveries counted with `result` so far, over every reason.
    pub fn deliveries_with(&self, result: &'static str) -> u64 {
        const REASONS: &[&str] = &crate::jobs::deliver::REASONS;
        REASONS
            .iter()
            .map(|reason| {
                self.deliveries
                    .get_or_create(&DeliveryLabels { result, reason })
                    .get()
            })
            .sum()
    }

    pub fn job_retried(&self, kind: &str) {
        self.retried
            .get_or_create(&KindLabels { kind: kind.into() })
            .inc();
    }

    pub fn job_given_up(&self, kind: &str) {
        self.given_up
            .get_or_create(&KindLabels { kind: kind.into() })
            .inc();
    }

    /// An inbound activity of a type Rookery does not act on. The type is the peer's word: only
    /// ActivityStreams' own types and a few common extensions get a series of their own, the
    /// rest count as `other`, so a peer cannot grow the metrics without bound.
    pub fn activity_unhandled(&self, kind: &str) {
        const KNOWN: &[&str] = &[
            "Add",
            "Arrive",
            "Dislike",
            "EmojiReact",
            "Ignore",
            "Invite",
            "Join",
            "Leave",
            "Listen",
            "Move",
            "Offer",
            "Question",
            "QuoteRequest",
            "Read",
            "Remove",
            "TentativeAccept",
            "TentativeReject",
            "Travel",
            "View",
        ];
        let kind = if KNOWN.contains(&kind) { kind } else { "other" };
        self.unhandled
            .get_or_create(&KindLabels { kind: kind.into() })
            .inc();
    }

    /// Inbound activities of `kind` counted as unhandled so far (tests).
    pub fn activities_unhandled(&self, kind: &str) -> u64 {
        self.unhandled
            .get_or_create(&KindLabels { kind: kind.into() })
            .get()
    }

    /// The text exposition, after reading the queue's state from the database.
    pub async fn render(&self, db: &sqlx::PgPool) -> crate::error::Result<String> {
        let depth = service::queue::depth(db).await?;
        let hosts = service::delivery::failing_hosts(db).await?;
        self.queued.clear();
        for state in ["pending", "running", "failed"] {
            // Known kinds always appear, at 0 when empty, so dashboards see the series.
            for kind in service::queue::Kind::ALL {
                let _ = self.queued.get_or_create(&QueueLabels {
                    kind: kind.as_str().into(),
                    state: state.into(),
                });
            }
        }
        for row in depth {
            self.queued
                .get_or_create(&QueueLabels {
                    kind: row.kind,
                    state: row.state,
                })
                .set(row.count);
        }
        self.failing_hosts.set(hosts.len() as i64);
        self.unavailable_hosts.set(
            hosts
                .iter()
                .filter(|h| h.unavailable_since.is_some())
                .count() as i64,
        );
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .map_err(|e| crate::error::Error::Internal(e.into()))?;
        Ok(out)
    }
}

/// `/metrics` on the main address, when `metrics.token` is set.
pub fn routes(state: &AppState) -> Router<AppState> {
    if state.config.metrics.token.is_empty() {
        return Router::new();
    }
    Router::new().route("/metrics", get(protected))
}

async fn protected(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let expected = format!("Bearer {}", state.config.metrics.token);
    let given = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !crate::crypto::constant_time_eq(given, expected.as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            axum::Json(serde_json::json!({ "error": "The access token is invalid" })),
        )
            .into_response();
    }
    exposition(&state).await
}

async fn exposition(state: &AppState) -> Response {
    match state.metrics.render(&state.db).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// Serves `/metrics` alone on `metrics.listen`, if set, until `shutdown` resolves.
pub async fn serve_separately(
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let Ok(addr) = state.config.metrics.listen.parse::<std::net::SocketAddr>() else {
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr} for metrics: {e}"))?;
    tracing::info!(listen = %addr, "serving /metrics");
    let app = Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move { exposition(&state).await }),
        )
        .with_state(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// Shared handle, as kept in `AppState`.
pub type SharedMetrics = Arc<Metrics>;
