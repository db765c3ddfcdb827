//! From one event to [`Delivery`]s for this process's subscribers: who it concerns, and what
//! each of them receives, by the rules of the REST timelines.
//!
//! Public streams get one anonymous payload per event (as Mastodon's streaming server does),
//! checked per subscriber by `may_see` plus blocks and mutes in one query, and by the
//! subscriber's keyword filters in the `public` context (kept per account between events);
//! only a subscriber whose filters warn about the status gets a payload of their own. Home,
//! list, direct and notification payloads are one per recipient, since they carry the viewer's own
//! flags (and `filtered`, from the same hydration as the REST timelines).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;
use futures_util::{stream, StreamExt};

use super::{is_broadcast, is_tag_broadcast, Delivery, Payload};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::moderation::{Filter, FilterMatch};
use crate::model::{Account, StatusView, Visibility};
use crate::service::moderation::filters;
use crate::service::visibility::{may_see, Viewer};
use crate::service::{announcements, conversations, notifications, views};
use crate::store;
use crate::streaming::{Event, Stream, Subscriber, Target};

/// Per-recipient hydrations (or filter loads) done at once; each costs a few queries.
const CONCURRENCY: usize = 8;

/// Accounts whose filters are kept beyond those connected here now, before the cache is
/// pruned.
const FILTER_CACHE_SLACK: usize = 64;

/// The keyword filters of the accounts subscribed here, loaded when first needed and
/// forgotten when their owner changes them (`filters_changed` reaches every process). Events
/// are dispatched one at a time, in order, so a status published after a change is checked
/// against the changed filters.
#[derive(Default)]
pub(super) struct FilterCache {
    by_account: HashMap<i64, Arc<[Arc<Filter>]>>,
}

impl FilterCache {
    /// Loads the filters of those of `accounts` not known yet.
    async fn load(&mut self, state: &AppState, accounts: &[i64]) -> Result<()> {
        let missing: Vec<i64> = accounts
            .iter()
            .copied()
            .filter(|a| !self.by_account.contains_key(a))
            .collect();
        let loaded: Vec<(i64, Result<Vec<Arc<Filter>>>)> = stream::iter(missing)
            .map(|account| async move { (account, filters::active_of(state, account).await) })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (account, found) in loaded {
            self.by_account.insert(account, found?.into());
        }
        Ok(())
    }

    /// Which of `viewer`'s filters in force the status of `view` matches.
    fn matches(&self, viewer: i64, view: &StatusView) -> Vec<FilterMatch> {
        let Some(all) = self.by_account.get(&viewer) else {
            return Vec::new();
        };
        if all.is_empty() {
            return Vec::new();
        }
        // Kept filters may have expired since they were loaded.
        let now = Utc::now();
        let active: Vec<Arc<Filter>> = all
            .iter()
            .filter(|f| f.expires_at.is_none_or(|at| at > now))
            .cloned()
            .collect();
        filters::matches(&active, view, viewer)
    }

    fn forget(&mut self, account: i64) {
        self.by_account.remove(&account);
    }

    pub(super) fn clear(&mut self) {
        self.by_account.clear();
    }

    /// Keeps only the accounts connected here now, once the cache has grown well past them.
    pub(super) fn prune(&mut self, state: &AppState) {
        if self.by_account.len() <= state.streaming.subscriber_count() + FILTER_CACHE_SLACK {
            return;
        }
        let connected: HashSet<i64> = state
            .streaming
            .snapshot()
            .iter()
            .filter_map(|s| s.account_id())
            .collect();
        self.by_account.retain(|a, _| connected.contains(a));
    }
}

/// What one event delivers to the subscribers of this process, in the order to send it.
pub(super) async fn deliveries(
    state: &AppState,
    filters: &mut FilterCache,
    event: Event,
) -> Result<Vec<Delivery>> {
    match event {
        Event::Created { s } => public(state, filters, s, false).await,
        Event::InFeeds { s } => {
            let mut out = home(state, s, false).await?;
            out.extend(lists(state, s, false).await?);
            out.extend(direct(state, s).await?);
            Ok(out)
        }
        Event::Edited { s } => {
            let mut out = public(state, filters, s, true).await?;
            out.extend(home(state, s, true).await?);
            out.extend(lists(state, s, true).await?);
            Ok(out)
        }
        Event::Deleted { s, a, p, l, d, m } => deleted(state, s, a, p, l, d, &m).await,
        Event::Notified { n, r } => notification(state, n, r).await,
        Event::FiltersChanged { r } => {
            filters.forget(r);
            Ok(filters_changed(state, r))
        }
        Event::Announced { a } => announced(state, a).await,
        Event::AnnouncementReacted { a, n, c } => Ok(vec![Delivery {
            payload: Payload::AnnouncementReaction {
                announcement_id: a,
                name: n,
                count: c,
            },
            to: user_streams(state),
        }]),
        Event::NotificationsMerged { r } => Ok(vec![Delivery {
            payload: Payload::NotificationsMerged,
            to: targets(state, |sub, s| {
                matches!(s, Stream::User | Stream::UserNotification) && sub.account_id() == Some(r)
            }),
        }]),
        Event::AnnouncementDeleted { a } => Ok(vec![Delivery {
            payload: Payload::AnnouncementDeleted { announcement_id: a },
            to: user_streams(state),
        }]),
    }
}

/// Every signed-in subscriber's `user` stream: announcements are for every local user.
fn user_streams(state: &AppState) -> Vec<Target> {
    targets(state, |sub, s| {
        matches!(s, Stream::User) && sub.account_id().is_some()
    })
}

/// An announcement published or edited, to each reader's `user` streams as they see it
/// (their reactions, whether they dismissed it).
async fn announced(state: &AppState, id: i64) -> Result<Vec<Delivery>> {
    let to = user_streams(state);
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (sub, _) in &to {
        let Some(reader) = sub.account().cloned() else {
            continue;
        };
        if !seen.insert(reader.id) {
            continue;
        }
        let Some(view) = announcements::view_for(state, &reader, id).await? else {
            // Deleted or unpublished meanwhile.
            return Ok(Vec::new());
        };
        out.push(Delivery {
            payload: Payload::Announcement {
                view: Box::new(view),
                reader: reader.id,
            },
            to: to
                .iter()
                .filter(|(s, _)| s.account_id() == Some(reader.id))
                .cloned()
                .collect(),
        });
    }
    Ok(out)
}

/// The (subscriber, stream) pairs of this process whose stream passes `wanted`.
fn targets(state: &AppState, wanted: impl Fn(&Subscriber, &Stream) -> bool) -> Vec<Target> {
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

fn account_ids(targets: &[Target]) -> Vec<i64> {
    let set: HashSet<i64> = targets.iter().filter_map(|(s, _)| s.account_id()).collect();
    set.into_iter().collect()
}

fn distinct_accounts(targets: &[Target], keep: &HashSet<i64>) -> Vec<Account> {
    let mut seen = HashSet::new();
    targets
        .iter()
        .filter_map(|(s, _)| s.account().cloned())
        .filter(|a| keep.contains(&a.id) && seen.insert(a.id))
        .collect()
}

/// The targets of each signed-in account among `targets`.
fn by_account(targets: Vec<Target>) -> HashMap<i64, Vec<Target>> {
    let mut out: HashMap<i64, Vec<Target>> = HashMap::new();
    for target in targets {
        if let Some(id) = target.0.account_id() {
            out.entry(id).or_default().push(target);
        }
    }
    out
}

/// A public status, new or edited, to public and hashtag streams.
async fn public(
    state: &AppState,
    filters: &mut FilterCache,
    status_id: i64,
    edited: bool,
) -> Result<Vec<Delivery>> {
    let candidates = targets(state, |_, s| {
        matches!(s, Stream::Public { .. } | Stream::Hashtag { .. })
    });
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let Some(view) = views::hydrate(state, None, &[status_id]).await?.pop() else {
        return Ok(Vec::new());
    };
    let status = &view.status;
    // The public timeline leaves silenced authors out; so do its streams.
    if view.account.silenced_at.is_some() {
        return Ok(Vec::new());
    }
    let tags: Vec<String> = view.tags.iter().map(|t| t.to_lowercase()).collect();
    let matching: Vec<Target> = candidates
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
        return Ok(Vec::new());
    }
    let viewers = account_ids(&matching);
    let (blocked, muting) = if viewers.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        filters.load(state, &viewers).await?;
        store::streaming::standing(&state.db, status.account_id, &viewers).await?
    };
    let mut anonymous = Vec::new();
    // The author's own copy names the app it was posted with.
    let mut own = Vec::new();
    let mut warned: HashMap<i64, (Vec<FilterMatch>, Vec<Target>)> = HashMap::new();
    for (sub, stream) in matching {
        let Some(me) = sub.account_id() else {
            anonymous.push((sub, stream));
            continue;
        };
        if muting.contains(&me) {
            continue;
        }
        let viewer = Viewer {
            account_id: Some(me),
            blocked: if blocked.contains(&me) {
                HashSet::from([status.account_id])
            } else {
                HashSet::new()
            },
            ..Viewer::default()
        };
        if !may_see(&viewer, status) {
            continue;
        }
        if me == status.account_id {
            own.push((sub, stream));
            continue;
        }
        if let Some((_, to)) = warned.get_mut(&me) {
            to.push((sub, stream));
            continue;
        }
        let matched = filters.matches(me, &view);
        if filters::hidden_in(&matched, "public") {
            continue;
        }
        if matched.is_empty() {
            anonymous.push((sub, stream));
        } else {
            warned.insert(me, (matched, vec![(sub, stream)]));
        }
    }
    let mut out = Vec::with_capacity(warned.len() + 2);
    for (viewer, (matched, to)) in warned {
        let mut view = view.clone();
        view.filtered = matched;
        out.push(Delivery {
            payload: Payload::Status {
                view,
                viewer: Some(viewer),
                edited,
            },
            to,
        });
    }
    if !own.is_empty() {
        out.push(Delivery {
            payload: Payload::Status {
                view: view.clone(),
                viewer: Some(status.account_id),
                edited,
            },
            to: own,
        });
    }
    out.push(Delivery {
        payload: Payload::Status {
            view,
            viewer: None,
            edited,
        },
        to: anonymous,
    });
    Ok(out)
}

/// `status_id` as REST would show it to each of `accounts` (viewer's flags and filters
/// included); those who may not see it are left out.
async fn view_for(
    state: &AppState,
    status_id: i64,
    accounts: Vec<Account>,
) -> HashMap<i64, StatusView> {
    stream::iter(accounts)
        .map(|account| async move {
            match views::hydrate(state, Some(&account), &[status_id]).await {
                Ok(mut v) => v.pop().map(|view| (account.id, view)),
                Err(e) => {
                    tracing::warn!(error = %e, account.id = account.id, "hydrating for stream");
                    None
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .filter_map(|x| async move { x })
        .collect()
        .await
}

/// A status in home feeds (new or edited) to the `user` streams of those whose feed holds it,
/// unless their filters hide it in the `home` context.
async fn home(state: &AppState, status_id: i64, edited: bool) -> Result<Vec<Delivery>> {
    let candidates = targets(state, |sub, s| {
        *s == Stream::User && sub.account().is_some()
    });
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let owners: HashSet<i64> =
        store::streaming::home_feed_owners(&state.db, status_id, &account_ids(&candidates))
            .await?
            .into_iter()
            .collect();
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    let mut viewed = view_for(state, status_id, distinct_accounts(&candidates, &owners)).await;
    let mut out = Vec::new();
    for (viewer, to) in by_account(candidates) {
        let Some(view) = viewed.remove(&viewer) else {
            continue;
        };
        if filters::hidden_in(&view.filtered, "home") {
            continue;
        }
        out.push(Delivery {
            payload: Payload::Status {
                view,
                viewer: Some(viewer),
                edited,
            },
            to,
        });
    }
    Ok(out)
}

/// A status in list feeds (new or edited) to the `list` streams of those lists that hold it,
/// and only to the list's owner, unless their filters hide it in the `home` context (which
/// covers lists on Mastodon).
async fn lists(state: &AppState, status_id: i64, edited: bool) -> Result<Vec<Delivery>> {
    let candidates = targets(state, |sub, s| {
        matches!(s, Stream::List { .. }) && sub.account().is_some()
    });
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let list_ids: Vec<i64> = candidates
        .iter()
        .filter_map(|(_, s)| match &**s {
            Stream::List { id } => Some(*id),
            _ => None,
        })
        .collect::<HashSet<i64>>()
        .into_iter()
        .collect();
    let holding: HashSet<(i64, i64)> = store::lists::feeds_holding(&state.db, status_id, &list_ids)
        .await?
        .into_iter()
        .collect();
    if holding.is_empty() {
        return Ok(Vec::new());
    }
    let matching: Vec<Target> = candidates
        .into_iter()
        .filter(|(sub, s)| match (&**s, sub.account_id()) {
            (Stream::List { id }, Some(me)) => holding.contains(&(*id, me)),
            _ => false,
        })
        .collect();
    let owners: HashSet<i64> = account_ids(&matching).into_iter().collect();
    let mut viewed = view_for(state, status_id, distinct_accounts(&matching, &owners)).await;
    let mut out = Vec::new();
    for (viewer, to) in by_account(matching) {
        let Some(view) = viewed.remove(&viewer) else {
            continue;
        };
        if filters::hidden_in(&view.filtered, "home") {
            continue;
        }
        out.push(Delivery {
            payload: Payload::Status {
                view,
                viewer: Some(viewer),
                edited,
            },
            to,
        });
    }
    Ok(out)
}

/// A direct status, as a `conversation` to the `direct` streams of its participants.
async fn direct(state: &AppState, status_id: i64) -> Result<Vec<Delivery>> {
    let candidates = targets(state, |sub, s| {
        *s == Stream::Direct && sub.account().is_some()
    });
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let Some(status) = store::statuses::by_id(&state.db, status_id).await? else {
        return Ok(Vec::new());
    };
    if status.visibility != Visibility::Direct {
        return Ok(Vec::new());
    }
    let mut participants: HashSet<i64> = store::statuses::mentions_of(&state.db, &[status_id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    participants.insert(status.account_id);
    let accounts = distinct_accounts(&candidates, &participants);
    let mut viewed = conversations::holding(state, &accounts, status_id).await?;
    let mut to_of = by_account(candidates);
    let mut out = Vec::new();
    for participant in accounts {
        let (Some(view), Some(to)) = (
            viewed.remove(&participant.id),
            to_of.remove(&participant.id),
        ) else {
            continue;
        };
        // Not the conversation's latest any more (a later status overtook it), or hidden
        // from this participant: the REST list would not show this status either.
        if view
            .last_status
            .as_ref()
            .is_none_or(|s| s.status.id != status_id)
        {
            continue;
        }
        out.push(Delivery {
            payload: Payload::Conversation {
                view,
                participant: Box::new(participant),
            },
            to,
        });
    }
    Ok(out)
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
) -> Result<Vec<Delivery>> {
    let candidates = targets(state, |sub, s| match s {
        Stream::Public {
            local: l, remote, ..
        } => public && (!l || local) && (!remote || !local),
        Stream::Hashtag { local: l, .. } => public && (!l || local),
        Stream::User | Stream::List { .. } => sub.account().is_some(),
        Stream::Direct => direct && sub.account().is_some(),
        Stream::UserNotification => false,
    });
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let home_viewers: Vec<i64> = {
        let users: Vec<Target> = candidates
            .iter()
            .filter(|(_, s)| matches!(**s, Stream::User | Stream::List { .. }))
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
    let to = candidates
        .into_iter()
        .filter(|(sub, stream)| {
            let me = sub.account_id();
            let involved = me == Some(author) || me.is_some_and(|m| mentioned.contains(&m));
            match &**stream {
                Stream::Public { .. } | Stream::Hashtag { .. } => true,
                Stream::User | Stream::List { .. } => {
                    involved || me.is_some_and(|m| followers.contains(&m))
                }
                Stream::Direct => involved,
                Stream::UserNotification => false,
            }
        })
        .collect();
    Ok(vec![Delivery {
        payload: Payload::Deleted { status_id },
        to,
    }])
}

/// `filters_changed` to the account's user streams. Mastodon sends it without a payload.
fn filters_changed(state: &AppState, account: i64) -> Vec<Delivery> {
    let to = targets(state, |sub, s| {
        matches!(s, Stream::User) && sub.account_id() == Some(account)
    });
    vec![Delivery {
        payload: Payload::FiltersChanged,
        to,
    }]
}

/// A new notification, to its recipient's `user` and `user:notification` streams, unless its
/// status is one their filters hide in the `notifications` context.
async fn notification(
    state: &AppState,
    notification_id: i64,
    recipient: i64,
) -> Result<Vec<Delivery>> {
    let to = targets(state, |sub, s| {
        matches!(s, Stream::User | Stream::UserNotification) && sub.account_id() == Some(recipient)
    });
    let Some(account) = to.first().and_then(|(s, _)| s.account().cloned()) else {
        return Ok(Vec::new());
    };
    let view = match notifications::get(state, &account, notification_id).await {
        Ok(v) => v,
        // Dismissed already, or about something the recipient may no longer see.
        Err(Error::NotFound) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    if view
        .status
        .as_ref()
        .is_some_and(|s| filters::hidden_in(&s.filtered, "notifications"))
    {
        return Ok(Vec::new());
    }
    Ok(vec![Delivery {
        payload: Payload::Notification {
            view: Box::new(view),
            recipient: account.id,
        },
        to,
    }])
}
