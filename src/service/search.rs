//! Search: accounts by name (and, resolving, by `user@domain` or actor URL through
//! federation), hashtags by prefix, statuses by their URL. Full-text search of statuses is
//! not offered (it is opt-in on Mastodon too).

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, StatusView};
use crate::service::{remote, views};
use crate::store;

pub struct SearchQuery {
    pub q: String,
    /// `accounts`, `statuses`, `hashtags`, or all.
    pub kind: Option<String>,
    pub resolve: bool,
    pub limit: i64,
    pub offset: i64,
}

impl SearchQuery {
    /// A search as a client asked for it, with Mastodon's rules: `q` must not be blank,
    /// `kind` is one of the three lists, `limit` is 20 unless asked (40 at most), and only a
    /// signed-in `viewer` may resolve remote things or page past the first results.
    pub fn new(
        viewer: Option<&Account>,
        q: &str,
        kind: Option<String>,
        resolve: Option<bool>,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<SearchQuery> {
        let q = q.trim();
        if q.is_empty() {
            return Err(Error::bad_request(
                "param is missing or the value is empty: q",
            ));
        }
        let kind = kind.filter(|k| !k.is_empty());
        if kind
            .as_deref()
            .is_some_and(|k| !matches!(k, "accounts" | "statuses" | "hashtags"))
        {
            return Err(Error::invalid(
                "type",
                "ERR_INCLUSION",
                "is not one of accounts, statuses, hashtags",
            ));
        }
        let signed_in = viewer.is_some();
        Ok(SearchQuery {
            q: q.to_string(),
            kind,
            resolve: resolve.unwrap_or(false) && signed_in,
            limit: limit.unwrap_or(20).clamp(1, 40),
            offset: if signed_in {
                offset.unwrap_or(0).max(0)
            } else {
                0
            },
        })
    }
}

#[derive(Default)]
pub struct Found {
    pub accounts: Vec<Account>,
    pub statuses: Vec<StatusView>,
    pub hashtags: Vec<String>,
}

fn wants(q: &SearchQuery, kind: &str) -> bool {
    q.kind.as_deref().is_none_or(|k| k == kind)
}

/// `@user@domain` or `user@domain`.
fn handle(q: &str) -> Option<(&str, &str)> {
    let (user, domain) = q.trim_start_matches('@').split_once('@')?;
    (!user.is_empty() && !domain.is_empty() && !domain.contains(['@', '/', ' ']))
        .then_some((user, domain))
}

pub async fn run(state: &AppState, viewer: Option<&Account>, q: &SearchQuery) -> Result<Found> {
    let mut found = Found::default();
    let is_url = q.q.starts_with("https://") || q.q.starts_with("http://");
    if wants(q, "accounts") {
        if let (true, Some((user, domain))) = (q.resolve, handle(&q.q)) {
            match remote::resolve_handle(state, user, domain).await {
                Ok(account) if !account.is_suspended() => found.accounts.push(account),
                Ok(_)
                | Err(Error::NotFound)
                | Err(Error::Unavailable(_))
                | Err(Error::Validation { .. }) => {}
                Err(e) => return Err(e),
            }
        } else if is_url {
            if let Some(local) = store::accounts::by_uri(&state.db, &q.q).await? {
                found.accounts.push(local);
            } else if q.resolve {
                match remote::fetch_actor(state, &q.q).await {
                    Ok(account) => found.accounts.push(account),
                    Err(Error::NotFound)
                    | Err(Error::Unavailable(_))
                    | Err(Error::Validation { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        } else {
            found.accounts =
                store::accounts::search(&state.db, q.q.trim_start_matches('@'), q.limit, q.offset)
                    .await?;
        }
    }
    if wants(q, "statuses") && is_url {
        let id = match store::statuses::id_by_uri_or_url(&state.db, &q.q).await? {
            Some(id) => Some(id),
            None if q.resolve => match remote::fetch_note(state, &q.q, 1).await {
                Ok(id) => Some(id),
                Err(Error::NotFound)
                | Err(Error::Unavailable(_))
                | Err(Error::Forbidden(_))
                | Err(Error::Validation { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        if let Some(id) = id {
            found.statuses = views::hydrate(state, viewer, &[id]).await?;
        }
    }
    if wants(q, "hashtags") && !is_url && handle(&q.q).is_none() {
        found.hashtags = store::statuses::tags_by_prefix(
            &state.db,
            q.q.trim_start_matches('#'),
            q.limit,
            q.offset,
        )
        .await?;
    }
    Ok(found)
}
