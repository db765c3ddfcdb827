//! From one bus event to frames for this process's subscribers: who it concerns, and the
//! entity each of them receives, rendered by the rules of the REST timelines.
//!
//! Public streams get one anonymous rendering per event (as Mastodon's streaming server does),
//! filtered per subscriber by `may_see` plus blocks and mutes in one query; home, direct and
//! notification events are rendered per recipient, since their entities carry the viewer's
//! own flags.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures_util::{stream, StreamExt};
use tracing::Instrument;

use super::bus::Subscriber;
use super::{is_broadcast, is_tag_broadcast, Event, Frame, Stream};
use crate::api::entities::conversation::Conversation;
use crate::api::entities::notification::Notification;
use crate::api::entities::Status as StatusEntity;
use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Visibility};
use crate::service::visibility::{may_see, Viewer};
use crate::service::{notifications, views};
use crate::store;

/// Per-recipient renderings done at once; each costs a few queries.
const RENDER_CONCURRENCY: usize = 8;

/// Delivers one event to the subscribers of this process it concerns.
pub(super) async fn dispatch(state: &AppState, event: Event) {
    let span = tracing::info_span!("streaming.dispatch", event = ?event);
    let result = async {
        match event {
            Event::Created { s } => public(state, s, "update").await,
            Event::InFeeds { s } => {
                home(state, s, "update").await?;
                direct(state, s).await
            }
            Event::Edited { s } => {
                public(state, s, "status.update").await?;
                home(state, s, "status.update").await
            }
            Event::Deleted { s, a, p, l, d, m } => deleted(state, s, a, p, l, d, &m).await,
            Event::Notified { n, r } => notification(state, n, r).await,
            Event::FiltersChanged { r } => {
                filters_changed(state, r);
                Ok(())
            }
        }
    }
    .instrument(span.clone())
    .await;
    if let Err(e) = result {
        let _entered = span.enter();
        tracing::warn!(error = %e, "streaming event not delivered");
    }
}

/// The (subscriber, stream) pairs of this process whose stream passes `wanted`.
fn pairs(
    state: &AppState,
    wanted: impl Fn(&Subscriber, &Stream) -> bool,
) -> Vec<(Arc<Subscriber>, Arc<Stream>)> {
    let mut out = Vec::new();
    for sub in state.streaming.snapshot() {
        for stream in sub.streams() {
            if wanted(&sub, &stream) {
                out.push((sub.clone(), stream));
            }
        }
    }
    out
}

fn account_ids(pairs: &[(Arc<Subscriber>, Arc<Stream>)]) -> Vec<i64> {
    let set: HashSet<i64> = pairs
        .iter()
        .filter_map(|(s, _)| s.account.as_ref().map(|a| a.id))
        .collect();
    set.into_iter().collect()
}

fn send(
    state: &AppState,
    sub: &Subscriber,
    stream: &Arc<Stream>,
    event: &'static str,
    payload: Arc<str>,
) {
    state.streaming.offer(
        sub,
        Frame {
            event,
            payload,
            stream: stream.clone(),
        },
    );
}

fn json(value: &impl serde::Serialize) -> Result<Arc<str>> {
    Ok(Arc::from(
        serde_json::to_string(value).map_err(anyhow::Error::from)?,
    ))
}

/// A public status, new or edited, to public and hashtag streams.
async fn public(state: &AppState, status_id: i64, event: &'static str) -> Result<()> {
    let candidates = pairs(state, |_, s| {
        matches!(s, Stream::Public { .. } | Stream::Hashtag { .. })
    });
    if candidates.is_empty() {
        return Ok(());
    }
    let Some(view) = views::hydrate(state, None, &[status_id]).await?.pop() else {
        return Ok(());
    };
    let status = &view.status;
    // The public timeline leaves silenced authors out; so do its streams.
    if view.account.silenced_at.is_some() {
        return Ok(());
    }
    let tags: Vec<String> = view.tags.iter().map(|t| t.to_lowercase()).collect();
    let matching: Vec<_> = candidates
        .into_iter()
        .filter(|(_, stream)| match &**stream {
            Stream::Public {
                local,
                remote,
                media,
            } => {
                is_broadcast(status)
                    && (!media || !view.media.is_empty())
                    && (!local || status.local)
                    && (!remote || !status.local)
            }
            Stream::Hashtag { tag, local } => {
                is_tag_broadcast(status) && tags.contains(tag) && (!local || status.local)
            }
            _ => false,
        })
        .collect();
    if matching.is_empty() {
        return Ok(());
    }
    let viewers = account_ids(&matching);
    let (blocked, muting) = if viewers.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        store::streaming::standing(&state.db, status.account_id, &viewers).await?
    };
    let base = state.base_url();
    let anonymous = json(&StatusEntity::render(&view, None, &base))?;
    // The author's own copy names the app it was posted with.
    let own = json(&StatusEntity::render(&view, Some(status.account_id), &base))?;
    for (sub, stream) in &matching {
        if let Some(account) = &sub.account {
            if muting.contains(&account.id) {
                continue;
            }
            let viewer = Viewer {
                account_id: Some(account.id),
                blocked: if blocked.contains(&account.id) {
                    HashSet::from([status.account_id])
                } else {
                    HashSet::new()
                },
                ..Viewer::default()
            };
            if !may_see(&viewer, status) {
                continue;
            }
        }
        let payload = if sub.account.as_ref().map(|a| a.id) == Some(status.account_id) {
            own.clone()
        } else {
            anonymous.clone()
        };
        send(state, sub, stream, event, payload);
    }
    Ok(())
}

/// Renders `status_id` for each of `accounts`, as REST would show it to them; those who may
/// not see it are left out.
async fn render_for(
    state: &AppState,
    status_id: i64,
    accounts: Vec<Account>,
) -> HashMap<i64, crate::model::StatusView> {
    stream::iter(accounts)
        .map(|account| async move {
            match views::hydrate(state, Some(&account), &[status_id]).await {
                Ok(mut v) => v.pop().map(|view| (account.id, view)),
                Err(e) => {
                    tracing::warn!(error = %e, account.id = account.id, "rendering for stream");
                    None
                }
            }
        })
        .buffer_unordered(RENDER_CONCURRENCY)
        .filter_map(|x| async move { x })
        .collect()
        .await
}

fn distinct_accounts(
    pairs: &[(Arc<Subscriber>, Arc<Stream>)],
    keep: &HashSet<i64>,
) -> Vec<Account> {
    let mut seen = HashSet::new();
    pairs
        .iter()
        .filter_map(|(s, _)| s.account.clone())
        .filter(|a| keep.contains(&a.id) && seen.insert(a.id))
        .collect()
}

/// A status in home feeds (new or edited) to the `user` streams of those whose feed holds it.
async fn home(state: &AppState, status_id: i64, event: &'static str) -> Result<()> {
    let candidates = pairs(state, |sub, s| *s == Stream::User && sub.account.is_some());
    if candidates.is_empty() {
        return Ok(());
    }
    let owners: HashSet<i64> =
        store::streaming::home_feed_owners(&state.db, status_id, &account_ids(&candidates))
            .await?
            .into_iter()
            .collect();
    if owners.is_empty() {
        return Ok(());
    }
    let rendered = render_for(state, status_id, distinct_accounts(&candidates, &owners)).await;
    let base = state.base_url();
    let mut payloads: HashMap<i64, Arc<str>> = HashMap::new();
    for (id, view) in &rendered {
        payloads.insert(*id, json(&StatusEntity::render(view, Some(*id), &base))?);
    }
    for (sub, stream) in &candidates {
        if let Some(payload) = sub.account.as_ref().and_then(|a| payloads.get(&a.id)) {
            send(state, sub, stream, event, payload.clone());
        }
    }
    Ok(())
}

/// A direct status, as a `conversation` to the `direct` streams of its participants.
async fn direct(state: &AppState, status_id: i64) -> Result<()> {
    let candidates = pairs(state, |sub, s| {
        *s == Stream::Direct && sub.account.is_some()
    });
    if candidates.is_empty() {
        return Ok(());
    }
    let Some(status) = store::statuses::by_id(&state.db, status_id).await? else {
        return Ok(());
    };
    if status.visibility != Visibility::Direct {
        return Ok(());
    }
    let mut participants: HashSet<i64> = store::statuses::mentions_of(&state.db, &[status_id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    participants.insert(status.account_id);
    let accounts = distinct_accounts(&candidates, &participants);
    let rendered = render_for(state, status_id, accounts.clone()).await;
    let base = state.base_url();
    let mut payloads: HashMap<i64, Arc<str>> = HashMap::new();
    for account in &accounts {
        if let Some(view) = rendered.get(&account.id) {
            payloads.insert(
                account.id,
                json(&Conversation::render(view, account, &base))?,
            );
        }
    }
    for (sub, stream) in &candidates {
        if let Some(payload) = sub.account.as_ref().and_then(|a| payloads.get(&a.id)) {
            send(state, sub, stream, "conversation", payload.clone());
        }
    }
    Ok(())
}

/// A deleted status: its id, to the streams that may have shown it.
async fn deleted(
    state: &AppState,
    status_id: i64,
    author: i64,
    public: bool,
    local: bool,
    direct: bool,
    mentioned: &[i64],
) -> Result<()> {
    let candidates = pairs(state, |sub, s| match s {
        Stream::Public {
            local: l, remote, ..
        } => public && (!l || local) && (!remote || !local),
        Stream::Hashtag { local: l, .. } => public && (!l || local),
        Stream::User => sub.account.is_some(),
        Stream::Direct => direct && sub.account.is_some(),
        Stream::UserNotification => false,
    });
    if candidates.is_empty() {
        return Ok(());
    }
    let home_viewers: Vec<i64> = {
        let users: Vec<_> = candidates
            .iter()
            .filter(|(_, s)| **s == Stream::User)
            .cloned()
            .collect();
        account_ids(&users)
    };
    let followers: HashSet<i64> = if home_viewers.is_empty() {
        HashSet::new()
    } else {
        store::streaming::followers_among(&state.db, author, &home_viewers)
            .await?
            .into_iter()
            .collect()
    };
    let payload: Arc<str> = Arc::from(status_id.to_string());
    for (sub, stream) in &candidates {
        let me = sub.account.as_ref().map(|a| a.id);
        let involved = me == Some(author) || me.is_some_and(|m| mentioned.contains(&m));
        let reaches = match &**stream {
            Stream::Public { .. } | Stream::Hashtag { .. } => true,
            Stream::User => involved || me.is_some_and(|m| followers.contains(&m)),
            Stream::Direct => involved,
            Stream::UserNotification => false,
        };
        if reaches {
            send(state, sub, stream, "delete", payload.clone());
        }
    }
    Ok(())
}

/// A new notification, to its recipient's `user` and `user:notification` streams.
/// `filters_changed` to the account's user streams. Mastodon sends it without a payload;
/// the frame's payload is empty.
fn filters_changed(state: &AppState, account: i64) {
    for (sub, stream) in pairs(state, |sub, s| {
        matches!(s, Stream::User) && sub.account.as_ref().map(|a| a.id) == Some(account)
    }) {
        send(state, &sub, &stream, "filters_changed", Arc::from(""));
    }
}

async fn notification(state: &AppState, notification_id: i64, recipient: i64) -> Result<()> {
    let candidates = pairs(state, |sub, s| {
        matches!(s, Stream::User | Stream::UserNotification)
            && sub.account.as_ref().map(|a| a.id) == Some(recipient)
    });
    let Some(account) = candidates.first().and_then(|(s, _)| s.account.clone()) else {
        return Ok(());
    };
    let view = match notifications::get(state, &account, notification_id).await {
        Ok(v) => v,
        // Dismissed already, or about something the recipient may no longer see.
        Err(crate::error::Error::NotFound) => return Ok(()),
        Err(e) => return Err(e),
    };
    let payload = json(&Notification::from_view(
        &view,
        account.id,
        &state.base_url(),
    ))?;
    for (sub, stream) in &candidates {
        send(state, sub, stream, "notification", payload.clone());
    }
    Ok(())
}
