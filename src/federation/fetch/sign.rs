//! Headers added to each GET a fetch makes: none, or an HTTP signature.

use reqwest::header::HeaderMap;
use url::Url;

use crate::federation::signature;

/// Adds headers to a request, e.g. an HTTP signature for the final URL.
pub trait SignRequest: Send + Sync {
    fn headers_for(&self, url: &Url) -> HeaderMap;
}

/// No signature.
pub struct Unsigned;

impl SignRequest for Unsigned {
    fn headers_for(&self, _url: &Url) -> HeaderMap {
        HeaderMap::new()
    }
}

/// Signs each GET with an account's key (draft-cavage, `(request-target) host date`), as
/// Mastodon signs its fetches; servers in authorized-fetch mode and GoToSocial require it.
#[derive(Clone)]
pub struct KeySigner {
    pub key: signature::SigningKey,
    pub key_id: String,
}

impl SignRequest for KeySigner {
    fn headers_for(&self, url: &Url) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let Some((host, target)) = signature::host_and_target(url) else {
            return headers;
        };
        let date = signature::http_date(chrono::Utc::now());
        let signed = signature::sign_request(
            &self.key,
            &self.key_id,
            "GET",
            &target,
            &host,
            &date,
            None,
            None,
        );
        for (name, value) in signed.pairs() {
            if let Ok(value) = reqwest::header::HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        headers
    }
}
