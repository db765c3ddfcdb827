//! Web Push, as Mastodon does it: each access token may hold one subscription (an endpoint
//! of a push service, the subscriber's keys, which alerts and whose), and every notification
//! delivered to a person queues a `web_push` job per subscription that wants it. The job
//! ([`prepare`], then `jobs/web_push.rs` sends) checks again that it is wanted, builds the
//! payload Mastodon sends, encrypts it for the subscriber and signs it with the instance's
//! VAPID key ([`message`]).
//!
//! The VAPID key pair is made on first use and kept in the database (subscriptions name its
//! public key, so it must outlive restarts); `push.vapid_private_key` may supply it instead.
//! A revoked or deleted token takes its subscription with it (the table's trigger and
//! cascade), and a push service answering 404 or 410 removes it ([`gone`]).

pub mod message;

use std::collections::BTreeMap;
use std::net::IpAddr;

use sqlx::PgConnection;

use crate::app::AppState;
use crate::crypto::{self, VapidKey};
use crate::error::{Error, Result, Validation};
use crate::model::push::{PushPolicy, PushSubscription, ALERT_TYPES};
use crate::model::{Account, NotificationType};
use crate::service::queue::{self, Job};
use crate::{id, store};

/// The instance's VAPID key: the configured one, else the one kept in the database, made and
/// kept on first use. Read once per process.
pub async fn vapid_key(state: &AppState) -> Result<VapidKey> {
    state
        .vapid
        .get_or_try_init(|| async {
            let configured = state.config.push.vapid_private_key.trim();
            if !configured.is_empty() {
                return VapidKey::from_config(configured).map_err(Error::Internal);
            }
            if let Some(der) = store::push::vapid_key(&state.db).await? {
                return VapidKey::from_pkcs8(&der).map_err(Error::Internal);
            }
            let made = VapidKey::generate().map_err(Error::Internal)?;
            let kept = store::push::keep_vapid_key(&state.db, made.pkcs8()).await?;
            VapidKey::from_pkcs8(&kept).map_err(Error::Internal)
        })
        .await
        .cloned()
}

/// The VAPID public key clients subscribe with (base64url, an uncompressed point).
pub async fn vapid_public_key(state: &AppState) -> Result<String> {
    Ok(vapid_key(state).await?.public_key_base64())
}

/// What a client asks to be pushed (`data`): alerts by type (types Rookery does not know are
/// ignored) and the policy, as given.
#[derive(Debug, Default)]
pub struct PushData {
    pub alerts: BTreeMap<String, bool>,
    pub policy: Option<String>,
}

/// A new subscription as the client gives it (`subscription`, then `data`).
#[derive(Debug)]
pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub standard: bool,
    pub data: PushData,
}

/// The token a request came with: its id, and the token itself (the payload carries it).
pub struct Token<'a> {
    pub id: i64,
    pub secret: &'a str,
}

/// Subscribes `token` of `owner`, replacing the subscription it had. Alerts not given are
/// off, and the policy is `all` unless given, as in Mastodon.
pub async fn subscribe(
    state: &AppState,
    owner: &Account,
    token: Token<'_>,
    new: NewSubscription,
) -> Result<PushSubscription> {
    let mut errors = Validation::default();
    if let Err(why) = endpoint_refusal(state, &new.endpoint) {
        errors.add("endpoint", "ERR_INVALID", why);
    }
    let p256dh = crypto::decode_base64_any(&new.p256dh);
    if !p256dh.as_deref().is_some_and(crypto::is_p256_point) {
        errors.add(
            "keys.p256dh",
            "ERR_INVALID",
            "is not a P-256 public key (an uncompressed point, base64url)",
        );
    }
    let auth = crypto::decode_base64_any(&new.auth);
    if auth.as_ref().map(Vec::len) != Some(16) {
        errors.add(
            "keys.auth",
            "ERR_INVALID",
            "is not a 16-byte authentication secret (base64url)",
        );
    }
    let policy = match new.data.policy.as_deref() {
        None | Some("") => Some(PushPolicy::All),
        Some(raw) => PushPolicy::parse(raw),
    };
    if policy.is_none() {
        errors.add(
            "policy",
            "ERR_INCLUSION",
            "is not all, followed, follower or none",
        );
    }
    errors.finish()?;
    let (Some(p256dh), Some(auth), Some(policy)) = (p256dh, auth, policy) else {
        return Err(Error::unprocessable("Validation failed"));
    };
    let alerts = alerts_from(&BTreeMap::new(), &new.data.alerts);
    let b64 = |bytes: &[u8]| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    let (p256dh, auth) = (b64(&p256dh), b64(&auth));
    Ok(store::push::replace(
        &state.db,
        &store::push::NewSubscription {
            id: id::next(),
            access_token_id: token.id,
            account_id: owner.id,
            endpoint: new.endpoint.trim(),
            key_p256dh: &p256dh,
            key_auth: &auth,
            standard: new.standard,
            alerts: &alerts,
            policy: policy.as_str(),
            access_token: token.secret,
        },
    )
    .await?)
}

/// The subscription of the token; not found when it has none.
pub async fn subscription(state: &AppState, token_id: i64) -> Result<PushSubscription> {
    store::push::by_token(&state.db, token_id)
        .await?
        .ok_or(Error::NotFound)
}

/// Changes what the token's subscription asks for: the alerts given replace those of the
/// same type (the others stay as they were), and the policy if given.
pub async fn update(state: &AppState, token_id: i64, data: PushData) -> Result<PushSubscription> {
    let current = subscription(state, token_id).await?;
    let policy = match data.policy.as_deref() {
        None | Some("") => current.policy(),
        Some(raw) => PushPolicy::parse(raw).ok_or_else(|| {
            Error::invalid(
                "policy",
                "ERR_INCLUSION",
                "is not all, followed, follower or none",
            )
        })?,
    };
    let was: BTreeMap<String, bool> = current.alerts.iter().map(|a| (a.clone(), true)).collect();
    let alerts = alerts_from(&was, &data.alerts);
    store::push::update_data(&state.db, token_id, &alerts, policy.as_str())
        .await?
        .ok_or(Error::NotFound)
}

/// Removes the token's subscription, if it has one (Mastodon answers `{}` either way).
pub async fn unsubscribe(state: &AppState, token_id: i64) -> Result<()> {
    store::push::delete_of_token(&state.db, token_id).await?;
    Ok(())
}

/// The alert types switched on: `given` over `was`, known types only, in the order of
/// [`ALERT_TYPES`].
fn alerts_from(was: &BTreeMap<String, bool>, given: &BTreeMap<String, bool>) -> Vec<String> {
    ALERT_TYPES
        .iter()
        .filter(|t| {
            given
                .get(**t)
                .or_else(|| was.get(**t))
                .copied()
                .unwrap_or(false)
        })
        .map(|t| t.to_string())
        .collect()
}

/// Why a push endpoint may not be used, if it may not: it must be an https URL that may be
/// fetched (no private addresses); plain http only to loopback, and only where private
/// addresses are allowed (tests and local setups, `federation.allow_private_addresses`).
pub fn endpoint_refusal(state: &AppState, endpoint: &str) -> std::result::Result<url::Url, String> {
    let endpoint = endpoint.trim();
    if endpoint.is_empty() {
        return Err("can't be blank".into());
    }
    if endpoint.len() > 2048 {
        return Err("is too long".into());
    }
    let url = url::Url::parse(endpoint).map_err(|_| "is not a valid URL".to_string())?;
    let allow_private = state.config.federation.allow_private_addresses;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_private && loopback => {}
        _ => return Err("must be an https URL".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    let policy = crate::federation::fetch::FetchPolicy {
        allow_private,
        allow_http: allow_private && loopback,
        hosts: None,
    };
    crate::federation::fetch::check_url(&url, &policy).map_err(|e| e.to_string())?;
    Ok(url)
}

/// Queues a push of a notification just delivered to `recipient`, one job per subscription
/// of theirs that wants its type, in `db`'s transaction (so it exists exactly when the
/// notification does). Whose notifications (the policy) is decided when the job runs.
pub async fn notification_created(
    db: &mut PgConnection,
    notification_id: i64,
    recipient: i64,
    kind: NotificationType,
) -> Result<()> {
    for subscription_id in store::push::wanting(&mut *db, recipient, kind.as_str()).await? {
        let job = Job::WebPush(queue::WebPush {
            subscription_id,
            notification_id,
        });
        queue::enqueue(&mut *db, &job).await?;
    }
    Ok(())
}

/// What a `web_push` job is to do.
pub enum Prepared {
    /// Send this request.
    Send(message::PushRequest),
    /// Nothing to send any more, and why.
    Skip(&'static str),
}

/// Decides whether the notification is still to be pushed to the subscription, and if so
/// builds the request: the subscription and its token must still exist, the notification
/// must still be one its owner sees (not withdrawn, its status visible, its sender not
/// suspended), its type among the alerts and its sender allowed by the policy.
pub async fn prepare(state: &AppState, job: &queue::WebPush) -> Result<Prepared> {
    let Some(subscription) = store::push::by_id(&state.db, job.subscription_id).await? else {
        return Ok(Prepared::Skip("the subscription is gone"));
    };
    let owner = match store::accounts::by_id(&state.db, subscription.account_id).await? {
        Some(owner) if !owner.is_suspended() => owner,
        _ => return Ok(Prepared::Skip("the subscriber is gone")),
    };
    let view = match crate::service::notifications::get(state, &owner, job.notification_id).await {
        Ok(view) => view,
        Err(Error::NotFound) => return Ok(Prepared::Skip("the notification is gone")),
        Err(e) => return Err(e),
    };
    let n = &view.notification;
    if !subscription.wants(&n.kind) {
        return Ok(Prepared::Skip("its type is not among the alerts"));
    }
    let allowed = match subscription.policy() {
        PushPolicy::All => true,
        PushPolicy::None => false,
        PushPolicy::Followed => follows(state, owner.id, n.from_account_id).await?,
        PushPolicy::Follower => follows(state, n.from_account_id, owner.id).await?,
    };
    if !allowed {
        return Ok(Prepared::Skip("the policy leaves its sender out"));
    }
    let locale = store::users::by_account_id(&state.db, owner.id)
        .await?
        .map(|u| u.locale)
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "en".to_string());
    let payload = message::Payload::of(state, &subscription, &view, locale);
    let key = vapid_key(state).await?;
    let contact = match state.config.instance.contact_email.trim() {
        "" => state.base_url(),
        email => format!("mailto:{email}"),
    };
    let Ok(endpoint) = endpoint_refusal(state, &subscription.endpoint) else {
        return Ok(Prepared::Skip("its endpoint may no longer be asked"));
    };
    let topic = message::topic(n.id, n.group_key.as_deref());
    message::request(&subscription, endpoint, &key, &contact, &payload, &topic).map(Prepared::Send)
}

async fn follows(state: &AppState, account: i64, target: i64) -> Result<bool> {
    Ok(
        !store::relationships::followed_among(&state.db, account, &[target])
            .await?
            .is_empty(),
    )
}

/// The push service said the subscription is no more (404, 410): it is removed.
pub async fn gone(state: &AppState, subscription_id: i64) -> Result<()> {
    store::push::delete(&state.db, subscription_id).await?;
    Ok(())
}
