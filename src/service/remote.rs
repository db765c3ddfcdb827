//! Remote accounts: found through WebFinger, fetched (through the guarded fetcher), checked,
//! sanitised and stored, and refreshed when stale.

use chrono::{Duration, Utc};

use crate::app::AppState;
use crate::content::sanitize;
use crate::error::{Error, Result};
use crate::federation::fetch::{self, FetchError, Unsigned};
use crate::federation::remote_note;
use crate::federation::vocab::inbound::{Jrd, Object, ACTOR_TYPES, NOTE_TYPES};
use crate::federation::vocab::RemoteActor;
use crate::model::{Account, ProfileField};
use crate::{id, store};

/// How long a fetched profile is trusted before it is fetched again on use.
const STALE_AFTER_HOURS: i64 = 24;

fn unavailable(e: FetchError) -> Error {
    tracing::info!(error = %e, "remote fetch failed");
    match e {
        FetchError::Status(404) | FetchError::Status(410) => Error::NotFound,
        _ => Error::Unavailable("Remote data could not be fetched".into()),
    }
}

/// `user@domain` as an account: local, known and fresh, or looked up now.
#[tracing::instrument(skip_all, fields(acct.username = %username, acct.domain = %domain))]
pub async fn resolve_handle(state: &AppState, username: &str, domain: &str) -> Result<Account> {
    if domain.eq_ignore_ascii_case(&state.config.domain) {
        return crate::service::accounts::lookup(state, username).await;
    }
    if let Some(known) = store::accounts::remote_by_handle(&state.db, username, domain).await? {
        if known
            .fetched_at
            .is_some_and(|t| t > Utc::now() - Duration::hours(STALE_AFTER_HOURS))
        {
            return Ok(known);
        }
    }
    let (handle, href) = finger(state, username, domain)
        .await?
        .ok_or(Error::NotFound)?;
    let fetched = fetch_signed(state, &href).await?;
    let actor: RemoteActor = serde_json::from_value(fetched.document)
        .map_err(|e| Error::unprocessable(format!("Not a usable actor: {e}")))?;
    if actor.id == href {
        store_as(state, &actor, &handle).await
    } else {
        // WebFinger named another URL than the actor's id: the actor proves its handle itself.
        store_actor(state, &actor).await
    }
}

/// A `username@domain` handle, as WebFinger confirmed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handle {
    pub username: String,
    pub domain: String,
}

impl Handle {
    fn parse_subject(subject: &str) -> Option<Handle> {
        let (username, domain) = subject.strip_prefix("acct:")?.split_once('@')?;
        let domain = crate::service::moderation::domains::normalize_domain(domain)?;
        (!username.is_empty()).then(|| Handle {
            username: username.to_string(),
            domain,
        })
    }

    fn same(&self, other: &Handle) -> bool {
        self.username.eq_ignore_ascii_case(&other.username)
            && self.domain.eq_ignore_ascii_case(&other.domain)
    }
}

/// The WebFinger document for `acct:username@domain`; `None` when the domain does not know
/// it (404 or 410).
pub(crate) async fn webfinger(
    state: &AppState,
    username: &str,
    domain: &str,
) -> Result<Option<Jrd>> {
    crate::service::moderation::domains::check_fetch(state, &format!("http://{domain}/")).await?;
    let policy = state.fetch_policy();
    let scheme = if policy.allow_http { "http" } else { "https" };
    let resource: String =
        url::form_urlencoded::byte_serialize(format!("acct:{username}@{domain}").as_bytes())
            .collect();
    match fetch::fetch_json(
        &state.http,
        &policy,
        &Unsigned,
        &format!("{scheme}://{domain}/.well-known/webfinger?resource={resource}"),
        "application/jrd+json, application/json",
        fetch::is_jrd,
    )
    .await
    {
        Ok(found) => serde_json::from_value(found.document)
            .map(Some)
            .map_err(|e| Error::unprocessable(format!("WebFinger answered no JRD: {e}"))),
        Err(FetchError::Status(404 | 410)) => Ok(None),
        Err(e) => Err(unavailable(e)),
    }
}

/// The ActivityPub `self` link of a WebFinger document.
fn self_link(jrd: &Jrd) -> Option<String> {
    jrd.self_link(fetch::is_activity_json_or_plain)
        .map(str::to_string)
}

/// Looks `username@domain` up over WebFinger and returns the handle it confirms with its
/// `self` link, or `None` when there is no such account. As on Mastodon, a `subject` on
/// another domain (a handle domain apart from the server's, `example.com` for
/// `social.example.com`) is followed once, and that domain must answer for itself with the
/// same subject; its `self` link is then the one that counts.
async fn finger(
    state: &AppState,
    username: &str,
    domain: &str,
) -> Result<Option<(Handle, String)>> {
    let asked = Handle {
        username: username.to_string(),
        domain: domain.to_ascii_lowercase(),
    };
    let Some(jrd) = webfinger(state, username, domain).await? else {
        return Ok(None);
    };
    let subject = match jrd.subject.as_deref() {
        None => asked.clone(),
        Some(s) => Handle::parse_subject(s)
            .ok_or_else(|| Error::unprocessable("WebFinger answered an unusable subject"))?,
    };
    if subject.same(&asked) {
        return Ok(self_link(&jrd).map(|href| (subject, href)));
    }
    let Some(again) = webfinger(state, &subject.username, &subject.domain).await? else {
        return Ok(None);
    };
    let confirmed = match again.subject.as_deref() {
        None => subject.clone(),
        Some(s) => Handle::parse_subject(s)
            .ok_or_else(|| Error::unprocessable("WebFinger answered an unusable subject"))?,
    };
    if !confirmed.same(&subject) {
        return Err(Error::unprocessable("WebFinger redirects more than once"));
    }
    Ok(self_link(&again).map(|href| (confirmed, href)))
}

/// The handle an actor fetched by URL goes by: `preferredUsername@host` looked up over
/// WebFinger on the actor's host must lead back to the actor's id (Mastodon's check), or
/// another actor could take over an acct by claiming its username.
async fn confirm_handle(state: &AppState, actor: &RemoteActor) -> Result<Handle> {
    let host = crate::service::moderation::domains::host_of(&actor.id)
        .ok_or_else(|| Error::unprocessable("Actor id has no host"))?;
    let username = actor.preferred_username.trim();
    match finger(state, username, &host).await? {
        Some((handle, href)) if href == actor.id => Ok(handle),
        _ => {
            tracing::info!(actor = %actor.id, username, "WebFinger does not confirm the actor's handle");
            Err(Error::unprocessable(
                "WebFinger does not lead back to this actor",
            ))
        }
    }
}

/// Fetches the actor at `url` and stores it (refreshing a known one).
#[tracing::instrument(skip_all, fields(actor.url = %url))]
pub async fn fetch_actor(state: &AppState, url: &str) -> Result<Account> {
    let fetched = fetch_signed(state, url).await?;
    let actor: RemoteActor = serde_json::from_value(fetched.document.clone())
        .map_err(|e| Error::unprocessable(format!("Not a usable actor: {e}")))?;
    store_actor(state, &actor).await
}

/// GETs any ActivityPub document signed by the instance actor, with every check of
/// [`fetch::fetch_document`] (SSRF guard, size, type, origin).
pub async fn fetch_signed(state: &AppState, url: &str) -> Result<fetch::Fetched> {
    crate::service::moderation::domains::check_fetch(state, url).await?;
    let signer = crate::service::instance_actor::signer(state).await?;
    let fetched = fetch::fetch_document(&state.http, &state.fetch_policy(), &signer, url)
        .await
        .map_err(unavailable)?;
    // A host that answers is alive: deliveries to it resume.
    crate::service::delivery::fetched_from(state, fetched.url.as_str()).await;
    Ok(fetched)
}

/// Checks and stores a remote actor document whose id was already verified to be on the
/// origin it came from. A known actor keeps the handle it was confirmed with (as Mastodon
/// keeps it on `Update`); a new one must have its handle confirmed by WebFinger first.
pub async fn store_actor(state: &AppState, actor: &RemoteActor) -> Result<Account> {
    let handle = match store::accounts::by_uri(&state.db, &actor.id).await? {
        Some(known) if !known.is_local() => Handle {
            domain: known.domain.clone().unwrap_or_default(),
            username: known.username,
        },
        _ => confirm_handle(state, actor).await?,
    };
    store_as(state, actor, &handle).await
}

/// Stores an actor under a handle already confirmed for it (by WebFinger, or by the caller,
/// as benchmarks and tools that load known actors do).
pub async fn store_as(state: &AppState, actor: &RemoteActor, handle: &Handle) -> Result<Account> {
    let id_url =
        url::Url::parse(&actor.id).map_err(|_| Error::unprocessable("Actor id is not a URL"))?;
    if id_url.host_str().is_none() {
        return Err(Error::unprocessable("Actor id has no host"));
    }
    let domain = handle.domain.to_ascii_lowercase();
    if domain.is_empty() || domain.eq_ignore_ascii_case(&state.config.domain) {
        return Err(Error::unprocessable(
            "A remote actor cannot live on this instance",
        ));
    }
    let username = handle.username.trim();
    if username.is_empty() || username.len() > 100 || username.contains(['@', ' ', '/']) {
        return Err(Error::unprocessable(
            "Actor has no usable preferredUsername",
        ));
    }
    if actor.public_key.owner != actor.id {
        return Err(Error::unprocessable("Actor key belongs to someone else"));
    }
    let key_url = url::Url::parse(&actor.public_key.id)
        .map_err(|_| Error::unprocessable("Key id is not a URL"))?;
    if fetch::origin(&key_url) != fetch::origin(&id_url) {
        return Err(Error::unprocessable("Actor key lives on another origin"));
    }
    if !matches!(
        actor.kind.as_str(),
        "Person" | "Service" | "Application" | "Group" | "Organization"
    ) {
        return Err(Error::unprocessable("Not an actor type"));
    }
    let fields: Vec<ProfileField> = actor
        .attachment
        .iter()
        .filter(|a| a.kind.as_deref() == Some("PropertyValue"))
        .take(16)
        .filter_map(|a| {
            Some(ProfileField {
                name: sanitize::plain_text(a.name.as_deref()?),
                value: sanitize::sanitize(a.value.as_deref()?),
                value_source: String::new(),
                verified_at: None,
            })
        })
        .collect();
    let also_known_as = &actor.also_known_as;
    // Kept only as far as they name domains, and as many as a local owner may set.
    let attribution_domains: Vec<String> = actor
        .attribution_domains
        .iter()
        .filter_map(|d| crate::service::accounts::attribution_domain(d))
        .take(crate::service::accounts::MAX_ATTRIBUTION_DOMAINS)
        .collect();
    let shared_inbox = actor
        .endpoints
        .as_ref()
        .and_then(|e| e.shared_inbox.as_deref());
    let url = actor.url.first().map(String::as_str);
    let avatar = actor.icon.first().map(String::as_str);
    let header = actor.image.first().map(String::as_str);
    let display_name = sanitize::plain_text(actor.name.as_deref().unwrap_or(""));
    let note = sanitize::sanitize(actor.summary.as_deref().unwrap_or(""));
    let created_at = actor
        .published
        .map(|d| id::remote_time(d, Utc::now()))
        .unwrap_or_else(Utc::now);
    let emojis = crate::federation::remote_note::emojis_of(&actor.tag);
    crate::service::emojis::record_remote(state, &domain, &emojis).await?;
    let mut tx = state.db.begin().await?;
    let account_id = store::accounts::upsert_remote(
        &mut tx,
        &store::accounts::RemoteProfile {
            new_id: id::at(created_at),
            username,
            domain: &domain,
            display_name: &display_name,
            note: &note,
            fields: &fields,
            locked: actor.manually_approves_followers.unwrap_or(false),
            bot: matches!(actor.kind.as_str(), "Service" | "Application"),
            discoverable: actor.discoverable.unwrap_or(false),
            indexable: actor.indexable.unwrap_or(false),
            actor_type: &actor.kind,
            avatar_url: avatar,
            header_url: header,
            uri: &actor.id,
            url,
            inbox_url: &actor.inbox,
            shared_inbox_url: shared_inbox,
            outbox_url: actor.outbox.as_deref().unwrap_or(""),
            followers_url: actor.followers.as_deref().unwrap_or(""),
            following_url: actor.following.as_deref().unwrap_or(""),
            featured_url: actor.featured.as_deref().unwrap_or(""),
            public_key_id: &actor.public_key.id,
            public_key_pem: &actor.public_key.public_key_pem,
            also_known_as,
            attribution_domains: &attribution_domains,
            created_at,
        },
    )
    .await
    .map_err(|e| match store::unique_violation(&e) {
        // Another actor was confirmed for this handle before: it is not handed over.
        Some(_) => Error::unprocessable("Another actor goes by this handle"),
        None => e.into(),
    })?;
    // `movedTo` names an account known here, or the mark goes (a move can be cancelled).
    store::moves::set_remote_moved_to_uri(&mut *tx, account_id, actor.moved_to.as_deref()).await?;
    crate::service::media_cache::remote_profile_stored(
        state, &mut tx, account_id, &domain, avatar, header,
    )
    .await?;
    crate::service::featured_tags::queue_sync(
        &mut tx,
        account_id,
        &actor.id,
        actor.featured_tags.as_deref(),
    )
    .await?;
    tx.commit().await?;
    let account = store::accounts::by_id(&state.db, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    // Cards may have credited it from a domain it has allowed since.
    if !account.attribution_domains.is_empty() {
        crate::service::cards::grant_credit(state, &account).await?;
    }
    Ok(account)
}

/// A remote actor deleted itself (a `Delete` whose object is the signing actor): its statuses,
/// boosts, favourites, follows and notifications go, with the counts they made, as on
/// Mastodon. Nothing of it stays visible.
#[tracing::instrument(skip_all, fields(account.id = actor.id))]
pub async fn delete_actor(state: &AppState, actor: &Account) -> Result<()> {
    if actor.is_local() {
        return Err(Error::forbidden(
            "A local account cannot be deleted remotely",
        ));
    }
    let mut tx = state.db.begin().await?;
    store::remote_actors::purge(&mut tx, actor.id).await?;
    tx.commit().await?;
    Ok(())
}

/// The remote account a `@username@domain` mention in a local post names: known and fresh,
/// or looked up now over WebFinger (a stale known one is kept when the lookup fails). `None`
/// when it cannot be found: the mention then stays plain text, as on Mastodon.
pub async fn mentioned(state: &AppState, username: &str, domain: &str) -> Result<Option<Account>> {
    match resolve_handle(state, username, domain).await {
        Ok(account) => Ok(Some(account)),
        Err(Error::Internal(e)) => Err(Error::Internal(e)),
        Err(e) => {
            tracing::info!(error = %e, "a mentioned remote account could not be resolved");
            Ok(store::accounts::remote_by_handle(&state.db, username, domain).await?)
        }
    }
}

/// How many missing ancestors of a reply are fetched, one by one, before the thread is left
/// broken (Mastodon stops at a similar depth).
pub const MAX_THREAD_FETCH_DEPTH: usize = 8;

/// The local id of the note at `uri`: known already, or fetched (signed, from its own origin,
/// checked to be its author's, whose actor is fetched too when unknown), stored through the
/// same path as a note that arrives in the inbox, with up to `depth` missing ancestors
/// fetched first so the thread holds together.
pub async fn fetch_note(state: &AppState, uri: &str, depth: usize) -> Result<i64> {
    if let Some(id) = store::statuses::id_by_uri(&state.db, uri).await? {
        return Ok(id);
    }
    if depth == 0 {
        return Err(Error::NotFound);
    }
    let fetched = fetch_signed(state, uri).await?;
    let object: Object = serde_json::from_value(fetched.document)
        .map_err(|e| Error::unprocessable(format!("Not an object: {e}")))?;
    let object = &object;
    if !NOTE_TYPES.contains(&object.kind.as_str()) {
        return Err(Error::unprocessable("Not a note"));
    }
    let id = object.id.as_deref().ok_or(Error::NotFound)?;
    if let Some(known) = store::statuses::id_by_uri(&state.db, id).await? {
        return Ok(known);
    }
    let author_uri = object
        .author()
        .ok_or_else(|| Error::unprocessable("The note has no author"))?;
    let author = match store::accounts::by_uri(&state.db, author_uri).await? {
        Some(known) => known,
        None => fetch_actor(state, author_uri).await?,
    };
    if author.is_local() {
        return Err(Error::unprocessable(
            "A remote note cannot be by a local account",
        ));
    }
    // The id is on the origin it was fetched from; it must also be the author's.
    remote_note::own_note(object, &author)?;
    let note = remote_note::note_from(object, &author, id);
    if let Some(parent) = &note.in_reply_to {
        if let Err(e) = Box::pin(fetch_note(state, parent, depth - 1)).await {
            tracing::info!(error = %e, parent = %parent, "the parent of a fetched note is missing");
        }
    }
    crate::service::statuses::receive_remote(state, &author, note).await?;
    store::statuses::id_by_uri(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}

/// What `/authorize_interaction?uri=` points at.
pub enum Interaction {
    Account(Box<Account>),
    Status(i64),
}

/// Resolves what a remote "interact" button sent: `acct:user@domain`, `@user@domain`, an actor
/// URL or a status URL (known here, or fetched).
pub async fn resolve_interaction(state: &AppState, uri: &str) -> Result<Interaction> {
    let uri = uri.trim();
    let handle = uri
        .strip_prefix("acct:")
        .unwrap_or(uri)
        .trim_start_matches('@');
    if !uri.starts_with("http://") && !uri.starts_with("https://") {
        let (username, domain) = handle.split_once('@').ok_or(Error::NotFound)?;
        return resolve_handle(state, username, domain)
            .await
            .map(|a| Interaction::Account(Box::new(a)));
    }
    if let Some(account) = store::accounts::by_uri(&state.db, uri).await? {
        return Ok(Interaction::Account(Box::new(account)));
    }
    if let Some(id) = store::statuses::id_by_uri_or_url(&state.db, uri).await? {
        return Ok(Interaction::Status(id));
    }
    // Unknown: an actor or a note, whichever the document turns out to be.
    let fetched = fetch_signed(state, uri).await?;
    let kind = serde_json::from_value::<Object>(fetched.document.clone())
        .map(|o| o.kind)
        .unwrap_or_default();
    match kind.as_str() {
        k if ACTOR_TYPES.contains(&k) => {
            let actor: RemoteActor = serde_json::from_value(fetched.document)
                .map_err(|e| Error::unprocessable(format!("Not a usable actor: {e}")))?;
            store_actor(state, &actor)
                .await
                .map(|a| Interaction::Account(Box::new(a)))
        }
        _ => fetch_note(state, fetched.url.as_str(), 1)
            .await
            .map(Interaction::Status),
    }
}

/// The account behind the key id of a signed request: known already, or fetched from its actor
/// document (`refresh` fetches a known one
/// again, for rotated keys).
pub async fn key_owner(state: &AppState, key_id: &str, refresh: bool) -> Option<Account> {
    if !refresh {
        if let Ok(Some(known)) = store::accounts::by_public_key_id(&state.db, key_id).await {
            return Some(known);
        }
    }
    let actor_url = key_id.split('#').next().unwrap_or(key_id);
    match fetch_actor(state, actor_url).await {
        Ok(_) => store::accounts::by_public_key_id(&state.db, key_id)
            .await
            .ok()
            .flatten(),
        Err(e) => {
            tracing::info!(error = %e, key.id = %key_id, "cannot fetch the signer's key");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Handle;

    #[test]
    fn webfinger_subjects() {
        assert_eq!(
            Handle::parse_subject("acct:Alice@Social.Example"),
            Some(Handle {
                username: "Alice".into(),
                domain: "social.example".into(),
            })
        );
        assert_eq!(
            Handle::parse_subject("acct:bob@127.0.0.1:8080").map(|h| h.domain),
            Some("127.0.0.1:8080".into())
        );
        assert_eq!(
            Handle::parse_subject("https://social.example/users/bob"),
            None
        );
        assert_eq!(Handle::parse_subject("acct:@social.example"), None);
        assert_eq!(Handle::parse_subject("acct:bob@not a host"), None);
        let a = Handle::parse_subject("acct:Bob@X.example");
        let b = Handle::parse_subject("acct:bob@x.example");
        assert!(a.zip(b).is_some_and(|(a, b)| a.same(&b)));
    }
}
