//! The application: shared state, the router with its middleware, and the server loop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, Method};
use axum::Router;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower::Layer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::normalize_path::NormalizePathLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::rate_limit::RateLimiter;

/// Everything a request handler, a service or a job needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    /// Connections reads hand back to each other without the pool's round trip.
    pub kept: Arc<crate::db::kept::KeptConnections>,
    pub config: Arc<Config>,
    /// For outgoing requests (federation): SSRF-guarded, redirects handled by the fetcher.
    pub http: reqwest::Client,
    pub limiter: Arc<RateLimiter>,
    /// Where new local actors' key pairs come from (generated; tests hand out cheaper ones).
    pub key_pairs: crate::crypto::KeyPairs,
    /// Parsed private keys of local accounts by account id: parsing costs more than signing.
    pub signing_keys: Arc<
        std::sync::Mutex<std::collections::HashMap<i64, crate::federation::signature::SigningKey>>,
    >,
    /// For deliveries: the same SSRF guard, with the `delivery.*` timeouts and kept-alive
    /// connections per host.
    pub delivery_http: reqwest::Client,
    /// The time the delivery rules use (tests move it forward).
    pub clock: crate::clock::Clock,
    pub metrics: crate::metrics::SharedMetrics,
    /// Live events for this process's streaming clients.
    pub streaming: crate::streaming::Bus,
    /// How what `service::streaming` delivers is rendered for those clients: the client
    /// API's entities, handed down here so that the layers below never name them.
    pub stream_renderer: Arc<dyn crate::service::streaming::Render>,
    /// Where uploaded media files are kept.
    pub media: Arc<dyn crate::media::Storage>,
    /// Statuses and accounts as every viewer sees them, kept true by PostgreSQL.
    pub cache: crate::service::cache::Cache,
    /// Authors' JSON kept between timeline pages while the cached account is unchanged.
    pub rendered_accounts: Arc<crate::api::entities::account::RenderedAccounts>,
    /// The VAPID key of Web Push, read (or made) once: see `service::push::vapid_key`.
    pub vapid: Arc<tokio::sync::OnceCell<crate::crypto::VapidKey>>,
}

impl AppState {
    pub fn new(db: PgPool, config: Config) -> anyhow::Result<AppState> {
        let user_agent = format!(
            "Rookery/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            config.base_url()
        );
        let http = crate::federation::fetch::client(
            &user_agent,
            config.federation.allow_private_addresses,
        )?;
        let delivery_http = crate::jobs::deliver::client(&user_agent, &config)?;
        let streaming = crate::streaming::Bus::new(config.streaming.client_buffer);
        let cache = crate::service::cache::Cache::new(
            config.cache.statuses,
            config.cache.accounts,
            config.cache.tokens,
        );
        let rendered_accounts = Arc::new(crate::api::entities::account::RenderedAccounts::new(
            config.cache.accounts,
        ));
        // Half the pool at most, so what uses the pool directly always finds connections.
        let kept = crate::db::kept::KeptConnections::with_reader_wait(
            db.clone(),
            crate::db::kept::KeptConnections::readers_for(config.database.max_connections),
            std::time::Duration::from_millis(config.database.reader_wait_ms),
        );
        Ok(AppState {
            kept,
            delivery_http,
            clock: crate::clock::Clock::default(),
            metrics: Arc::default(),
            streaming,
            stream_renderer: Arc::new(crate::api::v1::streaming::EntityRenderer),
            db,
            media: crate::media::storage::from_config(&config)?,
            config: Arc::new(config),
            http,
            limiter: Arc::new(RateLimiter::default()),
            key_pairs: crate::crypto::KeyPairs::default(),
            signing_keys: Arc::default(),
            rendered_accounts,
            cache,
            vapid: Arc::default(),
        })
    }

    /// What outgoing fetches may do under this configuration: every host they ask, redirect
    /// hops included, must be one this instance federates with.
    pub fn fetch_policy(&self) -> crate::federation::fetch::FetchPolicy {
        crate::federation::fetch::FetchPolicy {
            allow_private: self.config.federation.allow_private_addresses,
            allow_http: self.config.protocol == crate::config::Protocol::Http,
            hosts: Some(Arc::new(DomainGate(self.clone()))),
        }
    }

    /// `https://social.example`
    pub fn base_url(&self) -> String {
        self.config.base_url()
    }
}

/// The fetcher's [`HostGate`](crate::federation::fetch::HostGate) for this instance: its domain
/// blocks and allowlist mode.
struct DomainGate(AppState);

impl crate::federation::fetch::HostGate for DomainGate {
    fn refusal<'a>(&'a self, url: &'a url::Url) -> crate::federation::fetch::GateAnswer<'a> {
        Box::pin(async move {
            crate::service::moderation::domains::refusal_for_url(&self.0, url.as_str())
                .await
                .map(|why| why.map(str::to_string))
                .map_err(|e| e.to_string())
        })
    }
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP surface: Mastodon API, OAuth, web pages, health checks.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.limits.request_body_bytes;
    let limits = axum::middleware::from_fn_with_state(state.clone(), crate::rate_limit::middleware);
    Router::new()
        .merge(crate::api::routes())
        .merge(crate::web::routes())
        .merge(crate::activitypub::routes())
        .layer(limits)
        .merge(crate::metrics::routes(&state))
        .merge(crate::web::media::routes())
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(api_cors())
        // ZIP archives are compressed already: gzipping them again only spends CPU.
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/zip")),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let request_id = request
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!(
                    "request",
                    http.method = %request.method(),
                    http.path = %request.uri().path(),
                    request.id = %request_id,
                )
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

/// Mastodon lets browsers call the API and OAuth endpoints from any origin: web clients such
/// as Elk and Phanpy live on other hosts. Credentials are bearer tokens, never cookies.
fn api_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::LINK,
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            REQUEST_ID.clone(),
        ])
        .max_age(Duration::from_secs(86_400))
}

/// Serves `state` on `listener` until `shutdown` resolves; requests in flight then finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if let Err(e) = state.cache.start(&state.db).await {
        tracing::warn!(error = %e, "cache listener could not start; the first readers retry");
    }
    let streaming = state.streaming.clone();
    // Clients send some paths with a trailing slash (`/api/v1/instance/`): the slash is
    // trimmed before routing, so every route answers both ways.
    let app = NormalizePathLayer::trim_trailing_slash().layer(router(state));
    // Streams never finish by themselves: end them, or shutdown would wait for them forever.
    let shutdown = async move {
        shutdown.await;
        streaming.close_all();
    };
    axum::serve(
        listener,
        axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
