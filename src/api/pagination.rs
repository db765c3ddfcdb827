//! Mastodon's pagination: `max_id`, `since_id`, `min_id`, `limit` in, a `Link` header with
//! `rel="next"` (older) and `rel="prev"` (newer) out.

use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::api::de;
use crate::api::entities::relationship;
use crate::api::entities::{Account, Status};
use crate::app::AppState;
use crate::model::Page;
use crate::service::relationships::AccountPage;
use crate::service::timelines::StatusPage;

/// The paging parameters of a list request; use with `#[serde(flatten)]` or alone.
#[derive(Deserialize, Default, Debug)]
pub struct PageParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    pub max_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub since_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub min_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub limit: Option<i64>,
}

/// Statuses and notifications: 20 by default, 40 at most.
pub const STATUS_LIMITS: (i64, i64) = (20, 40);
/// Account lists: 40 by default, 80 at most.
pub const ACCOUNT_LIMITS: (i64, i64) = (40, 80);

impl PageParams {
    /// The page asked for; ids that are not numbers are ignored, the limit is clamped.
    pub fn page(&self, (default, max): (i64, i64)) -> Page {
        let id = |raw: &Option<String>| raw.as_deref().and_then(|r| r.trim().parse::<i64>().ok());
        Page {
            max_id: id(&self.max_id),
            since_id: id(&self.since_id),
            min_id: id(&self.min_id),
            limit: self.limit.unwrap_or(default).clamp(1, max),
        }
    }
}

/// A JSON list with its `Link` header. `cursors` are the paging ids of the first (newest)
/// and last (oldest) items, which are not always the items' own ids (a follower list pages
/// by follow, not by account).
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub link: Option<HeaderValue>,
}

impl<T> Paginated<T> {
    pub fn new(
        items: Vec<T>,
        cursors: Option<(i64, i64)>,
        base_url: &str,
        uri: &Uri,
    ) -> Paginated<T> {
        let link = cursors.and_then(|(newest, oldest)| {
            let url = |key: &str, value: i64| {
                let mut pairs: Vec<(String, String)> = uri
                    .query()
                    .map(|q| {
                        url::form_urlencoded::parse(q.as_bytes())
                            .into_owned()
                            .filter(|(k, _)| {
                                !matches!(k.as_str(), "max_id" | "since_id" | "min_id")
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                pairs.push((key.to_string(), value.to_string()));
                let query: String = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                format!("{base_url}{}?{query}", uri.path())
            };
            HeaderValue::from_str(&format!(
                "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
                url("max_id", oldest),
                url("min_id", newest)
            ))
            .ok()
        });
        Paginated { items, link }
    }
}

impl Paginated<Status> {
    /// A page of statuses as `viewer` sees them.
    pub fn statuses(
        state: &AppState,
        viewer: Option<i64>,
        page: StatusPage,
        uri: &Uri,
    ) -> Paginated<Status> {
        let base = state.base_url();
        let items = page
            .statuses
            .iter()
            .map(|v| Status::render_with(v, viewer, &base, Some(&state.rendered_accounts)))
            .collect();
        Paginated::new(items, page.cursors, &base, uri)
    }
}

impl Paginated<Account> {
    /// A page of an account list (followers, blocks, follow requests…).
    pub fn accounts(state: &AppState, page: AccountPage, uri: &Uri) -> Paginated<Account> {
        let base = state.base_url();
        Paginated::new(
            relationship::accounts(&page.accounts, &base),
            page.cursors,
            &base,
            uri,
        )
    }
}

/// Room reserved for each item of a page's JSON: about a status with its account. Written
/// into a buffer grown from 128 bytes by doubling (as `Json` does), a 40 KB page of 20
/// statuses was copied nine times over.
const ITEM_BYTES: usize = 2048;

/// `value` as a JSON response, written into a buffer of `capacity` bytes to begin with (what
/// the caller expects it to take), so that a large answer is not copied over as it grows.
pub fn json_response<T: Serialize + ?Sized>(value: &T, capacity: usize) -> Response {
    let mut body = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        // Our entities always serialise; should one not, it is the server's fault.
        Err(e) => {
            crate::error::Error::internal(format!("serialising an answer: {e}")).into_response()
        }
    }
}

impl<T: Serialize> IntoResponse for Paginated<T> {
    fn into_response(self) -> Response {
        let mut response = json_response(&self.items, 2 + self.items.len() * ITEM_BYTES);
        if let Some(link) = self.link {
            response.headers_mut().insert(header::LINK, link);
        }
        response
    }
}
