//! `/api/v1/streaming…`: Mastodon's streaming API over WebSocket (`/api/v1/streaming`, one
//! connection, many streams) and server-sent events (one path per stream). Connections hold a
//! [`Subscription`] of the event bus in `crate::streaming`; this file authenticates,
//! subscribes and writes frames, and provides the [`EntityRenderer`] that turns what
//! `service::streaming` delivers into the entities clients receive (installed in `AppState`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;

use crate::api::de;
use crate::api::entities::announcement::Announcement;
use crate::api::entities::conversation::Conversation;
use crate::api::entities::moderation::filter_results;
use crate::api::entities::notification::Notification;
use crate::api::entities::Status;
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::oauth::Scopes;
use crate::model::{Account, User};
use crate::service::streaming::{Payload, Render, Rendered};
use crate::service::{lists, oauth, streaming, timelines};
use crate::streaming::{Frame, Stream, StreamError, Subscription};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/streaming", get(websocket))
        .route("/api/v1/streaming/health", get(health))
        .route("/api/v1/streaming/user", get(user))
        .route(
            "/api/v1/streaming/user/notification",
            get(user_notification),
        )
        .route("/api/v1/streaming/public", get(public))
        .route("/api/v1/streaming/public/local", get(public_local))
        .route("/api/v1/streaming/public/remote", get(public_remote))
        .route("/api/v1/streaming/hashtag", get(hashtag))
        .route("/api/v1/streaming/hashtag/local", get(hashtag_local))
        .route("/api/v1/streaming/list", get(list))
        .route("/api/v1/streaming/direct", get(direct))
}

#[derive(Deserialize, Default)]
pub struct StreamParams {
    stream: Option<String>,
    tag: Option<String>,
    list: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    only_media: Option<bool>,
}

/// Who is connecting. Public streams need no token; a token that is sent must be valid.
struct Caller {
    account: Option<Account>,
    user: Option<User>,
    scopes: Option<Scopes>,
}

impl Caller {
    /// A `user` stream follows the home feed, which fan-out fills only for feeds in use; a
    /// `list` stream is for the list's owner only (another's list is not found).
    async fn prepare(&self, state: &AppState, stream: &Stream) -> Result<()> {
        match (stream, &self.account, &self.user) {
            (Stream::User, Some(account), Some(user)) => {
                timelines::keep_feed_active(state, account, user).await?;
            }
            (Stream::List { id }, Some(account), _) => {
                lists::get(state, account, *id).await?;
            }
            (Stream::List { .. }, None, _) => return Err(Error::NotFound),
            _ => {}
        }
        Ok(())
    }

    fn authorize(&self, stream: &Stream) -> std::result::Result<(), StreamError> {
        if stream.needs_user() && self.account.is_none() {
            return Err(StreamError::NeedsUser);
        }
        match &self.scopes {
            Some(scopes) if !scopes.allows(stream.scope()) => Err(StreamError::Scope),
            _ => Ok(()),
        }
    }
}

fn http_error(e: StreamError) -> Error {
    match e.status() {
        400 => Error::bad_request(e.message()),
        401 => Error::unauthorized(e.message()),
        403 => Error::forbidden(e.message()),
        _ => Error::NotFound,
    }
}

/// The token from the `Authorization` header, the `access_token` parameter, or (browsers
/// cannot set headers on a WebSocket) the `Sec-WebSocket-Protocol` header.
fn token(headers: &HeaderMap, query: Option<&str>) -> Option<(String, bool)> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let value = value.trim();
        if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") {
            return Some((value[7..].trim().to_string(), false));
        }
    }
    if let Some(t) = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
            .filter(|t| !t.is_empty())
    }) {
        return Some((t, false));
    }
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .map(|t| (t, true))
}

async fn caller(state: &AppState, token: Option<&str>) -> Result<Caller> {
    let Some(token) = token else {
        return Ok(Caller {
            account: None,
            user: None,
            scopes: None,
        });
    };
    let principal = oauth::authenticate(state, token).await?;
    if let Some(why) = principal.user.as_ref().and_then(|u| u.login_refusal()) {
        return Err(Error::forbidden(why));
    }
    Ok(Caller {
        account: principal.account.clone(),
        user: principal.user.clone(),
        scopes: Some(principal.scopes.clone()),
    })
}

/// Renders what `service::streaming` delivers as Mastodon's entities: each payload once,
/// however many streams it goes to.
pub struct EntityRenderer;

impl Render for EntityRenderer {
    fn render(&self, payload: &Payload, base_url: &str) -> anyhow::Result<Rendered> {
        let (event, text) = match payload {
            Payload::Status {
                view,
                viewer,
                edited,
            } => {
                let mut status = Status::render(view, *viewer, base_url);
                // Public streams show statuses anonymously, without the viewer's flags, but
                // the filters a viewer is warned about still travel with their copy.
                if status.filtered.is_none() && !view.filtered.is_empty() {
                    status.filtered = Some(filter_results(&view.filtered));
                }
                let event = if *edited { "status.update" } else { "update" };
                (event, serde_json::to_string(&status)?)
            }
            Payload::Conversation { view, participant } => (
                "conversation",
                serde_json::to_string(&Conversation::render(view, participant, base_url))?,
            ),
            Payload::Notification { view, recipient } => (
                "notification",
                serde_json::to_string(&Notification::from_view(view, *recipient, base_url))?,
            ),
            Payload::Deleted { status_id } => ("delete", status_id.to_string()),
            // Mastodon sends it without a payload.
            Payload::FiltersChanged => ("filters_changed", String::new()),
            Payload::Announcement { view, reader } => (
                "announcement",
                serde_json::to_string(&Announcement::render(view, Some(*reader), base_url))?,
            ),
            Payload::AnnouncementReaction {
                announcement_id,
                name,
                count,
            } => (
                "announcement.reaction",
                serde_json::json!({
                    "name": name,
                    "count": count,
                    "announcement_id": announcement_id.to_string(),
                })
                .to_string(),
            ),
            // Mastodon sends `1`.
            Payload::NotificationsMerged => ("notifications_merged", "1".to_string()),
            Payload::AnnouncementDeleted { announcement_id } => {
                ("announcement.delete", announcement_id.to_string())
            }
        };
        Ok(Rendered {
            event,
            payload: Arc::from(text),
        })
    }
}

/// The WebSocket text message of a frame: `{"stream":[…],"event":"update","payload":"{…}"}`.
fn websocket_text(frame: &Frame) -> String {
    serde_json::json!({
        "stream": frame.stream.label(),
        "event": frame.event,
        "payload": &*frame.payload,
    })
    .to_string()
}

pub async fn health() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "OK")
}

/// A server-sent-event stream: `:)` at once (the connection is live), then
/// `event: <name>` / `data: <payload>` per event, and a `:thump` comment when idle.
async fn serve_sse(
    state: AppState,
    headers: HeaderMap,
    query: Option<String>,
    name: &str,
    params: StreamParams,
) -> Result<Response> {
    let token = token(&headers, query.as_deref()).map(|(t, _)| t);
    let caller = caller(&state, token.as_deref()).await?;
    let stream =
        Stream::parse(name, params.tag.as_deref(), params.list.as_deref()).map_err(http_error)?;
    caller.authorize(&stream).map_err(http_error)?;
    caller.prepare(&state, &stream).await?;
    streaming::ensure_listening(&state).await?;
    let subscription = state.streaming.subscribe(caller.account, vec![stream]);
    let hello = futures_util::stream::once(async { Ok(SseEvent::default().comment(")")) });
    let events = futures_util::stream::unfold(subscription, |mut sub| async move {
        let frame = sub.next().await?;
        let event = SseEvent::default().event(frame.event).data(&*frame.payload);
        Some((Ok::<_, Infallible>(event), sub))
    });
    let heartbeat = Duration::from_secs(state.config.streaming.heartbeat_secs);
    Ok(Sse::new(hello.chain(events))
        .keep_alive(KeepAlive::new().interval(heartbeat).text("thump"))
        .into_response())
}

macro_rules! sse_endpoint {
    ($fn_name:ident, $stream:expr) => {
        pub async fn $fn_name(
            State(state): State<AppState>,
            headers: HeaderMap,
            uri: axum::http::Uri,
            Query(params): Query<StreamParams>,
        ) -> Result<Response> {
            let name = match params.only_media {
                Some(true) if $stream.starts_with("public") => concat!($stream, ":media"),
                _ => $stream,
            };
            serve_sse(
                state,
                headers,
                uri.query().map(str::to_string),
                name,
                params,
            )
            .await
        }
    };
}

sse_endpoint!(user, "user");
sse_endpoint!(user_notification, "user:notification");
sse_endpoint!(public, "public");
sse_endpoint!(public_local, "public:local");
sse_endpoint!(public_remote, "public:remote");
sse_endpoint!(hashtag, "hashtag");
sse_endpoint!(hashtag_local, "hashtag:local");
sse_endpoint!(list, "list");
sse_endpoint!(direct, "direct");

/// `GET /api/v1/streaming`: a WebSocket, subscribed at once to `stream` if given; without an
/// upgrade, the same as the server-sent-event path of `stream`.
pub async fn websocket(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(params): Query<StreamParams>,
    upgrade: std::result::Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response> {
    let Ok(upgrade) = upgrade else {
        let name = params
            .stream
            .clone()
            .ok_or_else(|| Error::bad_request("Unknown stream type"))?;
        return serve_sse(
            state,
            headers,
            uri.query().map(str::to_string),
            &name,
            params,
        )
        .await;
    };
    let token = token(&headers, uri.query());
    let caller = caller(&state, token.as_ref().map(|(t, _)| t.as_str())).await?;
    let mut streams = Vec::new();
    if let Some(name) = params.stream.as_deref() {
        let stream = Stream::parse(name, params.tag.as_deref(), params.list.as_deref())
            .map_err(http_error)?;
        caller.authorize(&stream).map_err(http_error)?;
        caller.prepare(&state, &stream).await?;
        streams.push(stream);
    }
    streaming::ensure_listening(&state).await?;
    // Registered before the upgrade completes: nothing committed after the client sees
    // `101 Switching Protocols` is missed.
    let subscription = state.streaming.subscribe(caller.account.clone(), streams);
    // Tungstenite's default 128 KiB read buffer per socket would dominate the memory of a
    // mostly idle connection; clients only ever send small subscribe messages. Frames are
    // written and flushed one at a time.
    let upgrade = upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(64 * 1024);
    let upgrade = match token {
        Some((t, true)) => upgrade.protocols([t]),
        _ => upgrade,
    };
    let heartbeat = Duration::from_secs(state.config.streaming.heartbeat_secs);
    Ok(upgrade
        .on_upgrade(move |socket| run_websocket(state, socket, subscription, caller, heartbeat))
        .into_response())
}

/// A client's multiplexing message.
#[derive(Deserialize)]
struct Control {
    #[serde(rename = "type")]
    kind: String,
    stream: Option<String>,
    tag: Option<String>,
    list: Option<String>,
}

/// Applies a `subscribe`/`unsubscribe` message; `Some` is an error to send back, shaped as
/// Mastodon's (`{"error": …, "status": …}`).
async fn control(
    state: &AppState,
    sub: &Subscription,
    caller: &Caller,
    text: &str,
) -> Option<String> {
    let error = |message: &str, status: u16| {
        Some(serde_json::json!({ "error": message, "status": status }).to_string())
    };
    let Ok(msg) = serde_json::from_str::<Control>(text) else {
        return error("Invalid message", 400);
    };
    if msg.kind != "subscribe" && msg.kind != "unsubscribe" {
        return error("Unknown message type", 400);
    }
    let stream = match Stream::parse(
        msg.stream.as_deref().unwrap_or(""),
        msg.tag.as_deref(),
        msg.list.as_deref(),
    ) {
        Ok(s) => s,
        Err(e) => return error(e.message(), e.status()),
    };
    if msg.kind == "unsubscribe" {
        sub.remove(&stream);
        return None;
    }
    if let Err(e) = caller.authorize(&stream) {
        return error(e.message(), e.status());
    }
    match caller.prepare(state, &stream).await {
        Ok(()) => {}
        Err(Error::NotFound) => {
            let e = StreamError::NoSuchList;
            return error(e.message(), e.status());
        }
        Err(e) => {
            tracing::warn!(error = %e, "preparing a streaming subscription");
            return error("Error processing your request", 500);
        }
    }
    sub.add(stream);
    None
}

/// Sends unless the subscription is dropped meanwhile (a client that stopped reading would
/// otherwise hold this task in `send` forever).
async fn send(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    sub: &Subscription,
    msg: Message,
) -> bool {
    tokio::select! {
        r = sink.send(msg) => r.is_ok(),
        _ = sub.kicked() => false,
    }
}

async fn run_websocket(
    state: AppState,
    socket: WebSocket,
    mut sub: Subscription,
    caller: Caller,
    heartbeat: Duration,
) {
    let (mut sink, mut incoming) = socket.split();
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    loop {
        tokio::select! {
            frame = sub.next() => match frame {
                Some(frame) => {
                    let text = websocket_text(&frame);
                    if !send(&mut sink, &sub, Message::Text(text.into())).await {
                        break;
                    }
                }
                None => {
                    // Dropped: say why if the socket still takes it.
                    let close = Message::Close(Some(if sub.shutting_down() {
                        CloseFrame {
                            code: 1001,
                            reason: "server shutting down".into(),
                        }
                    } else {
                        CloseFrame {
                            code: 1008,
                            reason: "too slow".into(),
                        }
                    }));
                    let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(close)).await;
                    break;
                }
            },
            msg = incoming.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    if let Some(reply) = control(&state, &sub, &caller, text.as_str()).await {
                        if !send(&mut sink, &sub, Message::Text(reply.into())).await {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = ticker.tick() => {
                if !send(&mut sink, &sub, Message::Ping(Vec::new().into())).await {
                    break;
                }
            }
        }
    }
}
