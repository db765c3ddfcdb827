//! Fetches of what is not an ActivityPub document: media files and web pages (link
//! previews), through the same address guard and redirect rules.

use std::time::Duration;

use reqwest::header::ACCEPT;
use url::Url;

use super::{
    content_type, get_following_redirects, get_within_redirects, read_within, FetchError,
    FetchPolicy,
};

/// GETs a media file (an attachment, an avatar) unsigned, as Mastodon does, with the same
/// address guard and redirect rules as documents, refusing bodies over `max_bytes` while they
/// stream in. The type is not taken from the answer: the caller sniffs the bytes.
pub async fn fetch_file(
    client: &reqwest::Client,
    policy: &FetchPolicy,
    url: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, FetchError> {
    let (_, response) = get_following_redirects(policy, url, |u| {
        client
            .get(u.clone())
            .header(ACCEPT, "image/*, video/*, audio/*, */*;q=0.5")
    })
    .await?;
    read_within(response, max_bytes, || FetchError::FileTooLarge(max_bytes)).await
}

/// How much a [`fetch_page`] may take: what to ask for and accept, and its limits.
#[derive(Clone, Debug)]
pub struct PageLimits {
    pub accept: &'static str,
    /// Whether an answer's `Content-Type` is acceptable.
    pub accepts: fn(&str) -> bool,
    pub max_redirects: usize,
    pub max_bytes: usize,
    /// For the whole fetch, redirects included.
    pub timeout: Duration,
}

/// A fetched page: the URL it finally came from, its type and its body.
#[derive(Debug, Clone)]
pub struct Page {
    pub url: Url,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// GETs a web page (not an ActivityPub document: link previews) unsigned, with the address
/// guard, at most `limits.max_redirects` redirects (each hop checked again), an accepted type
/// only, the body refused past `limits.max_bytes`, and everything over within
/// `limits.timeout`.
pub async fn fetch_page(
    client: &reqwest::Client,
    policy: &FetchPolicy,
    url: &str,
    limits: &PageLimits,
) -> Result<Page, FetchError> {
    let work = async {
        let (final_url, response) = get_within_redirects(policy, url, limits.max_redirects, |u| {
            client
                .get(u.clone())
                .header(ACCEPT, limits.accept)
                .timeout(limits.timeout)
        })
        .await?;
        let content_type = content_type(&response);
        if !(limits.accepts)(&content_type) {
            return Err(FetchError::UnexpectedType(content_type));
        }
        let body = read_within(response, limits.max_bytes, || {
            FetchError::FileTooLarge(limits.max_bytes)
        })
        .await?;
        Ok(Page {
            url: final_url,
            content_type,
            body,
        })
    };
    tokio::time::timeout(limits.timeout, work)
        .await
        .map_err(|_| FetchError::Transport(format!("no answer within {:?}", limits.timeout)))?
}
