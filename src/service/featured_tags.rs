//! The hashtags remote accounts feature, read from the collection their actor names
//! (`featuredTags`), as Mastodon reads them: queued ([`queue_sync`]) each time a remote actor
//! is stored (fetched or refreshed), fetched by a `fetch_remote` job ([`sync_remote`]), so
//! `GET /api/v1/accounts/:id/featured_tags` answers for remote accounts too. Local
//! accounts' featured tags are `service::tags`; their collection is served by
//! `activitypub::documents`.

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::fetch;
use crate::federation::vocab::inbound::{Object, Reference};
use crate::service::queue::{self, FetchRemote, Job};
use crate::service::{remote, tags};
use crate::{id, store};

/// Pages of a collection read at most: ten hashtags fit on one page of every server seen.
const MAX_PAGES: usize = 3;

/// Queues the reading of `url`, the featured-tags collection of the remote account
/// `account_id`, in the transaction storing the actor. A collection on another origin than
/// the actor's is not the actor's to name, and is ignored.
pub async fn queue_sync(
    db: &mut sqlx::PgConnection,
    account_id: i64,
    actor_uri: &str,
    url: Option<&str>,
) -> Result<()> {
    let Some(url) = url.filter(|u| same_origin(actor_uri, u)) else {
        return Ok(());
    };
    queue::enqueue(
        db,
        &Job::FetchRemote(FetchRemote::FeaturedTags {
            account_id,
            url: url.to_string(),
        }),
    )
    .await
}

fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => fetch::origin(&a) == fetch::origin(&b),
        _ => false,
    }
}

/// Reads the featured-tags collection `url` of the remote account `account_id` and makes
/// its featured tags what the collection lists (ten at most; what is not a `Hashtag` with a
/// valid name is skipped). A local, unknown or suspended account is left alone.
#[tracing::instrument(skip_all, fields(account.id = account_id))]
pub async fn sync_remote(state: &AppState, account_id: i64, url: &str) -> Result<()> {
    let Some(account) = store::accounts::by_id(&state.db, account_id).await? else {
        return Ok(());
    };
    if account.is_local() || account.is_suspended() {
        return Ok(());
    }
    if !same_origin(&account.uri, url) {
        return Err(Error::unprocessable(
            "The featured tags collection lives on another origin",
        ));
    }
    let mut page = fetch_object(state, &account.uri, url).await?;
    if let Some(first) = page.first.take() {
        page = resolve(state, &account.uri, first).await?;
    }
    let mut names: Vec<String> = Vec::new();
    for read in 1.. {
        for item in page.ordered_items.iter().chain(page.items.iter()) {
            let Reference::Object(object) = item else {
                continue;
            };
            let name = (object.kind == "Hashtag")
                .then_some(object.name.as_deref())
                .flatten()
                .and_then(tags::normalize_name);
            if let Some(name) = name {
                if !names
                    .iter()
                    .any(|n| n.to_lowercase() == name.to_lowercase())
                {
                    names.push(name);
                }
            }
        }
        if names.len() >= usize::try_from(tags::MAX_FEATURED).unwrap_or(10) || read >= MAX_PAGES {
            break;
        }
        match page.next.take() {
            Some(next) => page = resolve(state, &account.uri, next).await?,
            None => break,
        }
    }
    names.truncate(usize::try_from(tags::MAX_FEATURED).unwrap_or(10));
    let mut tx = state.db.begin().await?;
    let mut tag_ids = Vec::with_capacity(names.len());
    for name in &names {
        tag_ids.push(
            store::tags::find_or_create(&mut tx, id::next(), name)
                .await?
                .id,
        );
    }
    let new_ids: Vec<i64> = tag_ids.iter().map(|_| id::next()).collect();
    store::tags::replace_featured(&mut tx, account.id, &tag_ids, &new_ids).await?;
    tx.commit().await?;
    Ok(())
}

/// A page embedded, or fetched from the actor's origin.
async fn resolve(state: &AppState, actor_uri: &str, page: Reference) -> Result<Object> {
    match page {
        Reference::Object(object) => Ok(*object),
        Reference::Id(url) => fetch_object(state, actor_uri, &url).await,
    }
}

async fn fetch_object(state: &AppState, actor_uri: &str, url: &str) -> Result<Object> {
    if !same_origin(actor_uri, url) {
        return Err(Error::unprocessable(
            "A page of the featured tags lives on another origin",
        ));
    }
    let fetched = remote::fetch_signed(state, url).await?;
    serde_json::from_value(fetched.document)
        .map_err(|e| Error::unprocessable(format!("Not a usable collection: {e}")))
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn collections_belong_to_the_actors_origin() {
        let actor = "https://peer.example/users/ann";
        assert!(same_origin(
            actor,
            "https://peer.example/users/ann/collections/tags"
        ));
        assert!(!same_origin(actor, "https://evil.example/users/ann/tags"));
        assert!(!same_origin(actor, "http://peer.example/users/ann/tags"));
        assert!(!same_origin(actor, "not a url"));
    }
}
