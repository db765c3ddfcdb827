//! `deliver`: one activity, signed by its actor's key, POSTed to one inbox. 2xx is done; a 4xx
//! other than 408 and 429 is a permanent refusal; anything else is tried again later.

use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HOST};
use serde_json::Value;

use super::Outcome;
use crate::app::AppState;
use crate::federation::fetch;
use crate::federation::signature::{self, SigningKey};
use crate::store;

pub const KIND: &str = "deliver";

pub fn payload(signer_id: i64, inbox: &str, activity: &Value) -> Value {
    serde_json::json!({ "signer_id": signer_id, "inbox": inbox, "activity": activity })
}

#[tracing::instrument(skip_all, fields(inbox))]
pub async fn run(state: &AppState, payload: &Value) -> Outcome {
    let (Some(signer_id), Some(inbox), Some(activity)) = (
        payload.get("signer_id").and_then(Value::as_i64),
        payload.get("inbox").and_then(Value::as_str),
        payload.get("activity"),
    ) else {
        return Outcome::Fail("malformed delivery payload".into());
    };
    tracing::Span::current().record("inbox", inbox);
    let signer = match store::accounts::private_key(&state.db, signer_id).await {
        Ok(Some(found)) => found,
        Ok(None) => return Outcome::Fail("the signing account has no key".into()),
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let cached = state
        .signing_keys
        .lock()
        .ok()
        .and_then(|keys| keys.get(&signer_id).cloned());
    let key = match cached {
        Some(k) => k,
        None => match SigningKey::from_pem(&signer.1) {
            Ok(k) => {
                if let Ok(mut keys) = state.signing_keys.lock() {
                    keys.insert(signer_id, k.clone());
                }
                k
            }
            Err(e) => return Outcome::Fail(format!("unusable signing key: {e}")),
        },
    };
    let Ok(url) = url::Url::parse(inbox) else {
        return Outcome::Fail(format!("invalid inbox URL {inbox}"));
    };
    if let Err(e) = fetch::check_url(&url, &state.fetch_policy()) {
        return Outcome::Fail(e.to_string());
    }
    let Some((host, target)) = signature::host_and_target(&url) else {
        return Outcome::Fail("inbox URL without a host".into());
    };
    let body = match serde_json::to_vec(activity) {
        Ok(b) => b,
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    let content_type = "application/activity+json";
    let signed = signature::sign_request(
        &key,
        &signer.0,
        "POST",
        &target,
        &host,
        &signature::http_date(Utc::now()),
        Some(&body),
        Some(content_type),
    );
    let mut request = state
        .http
        .post(url)
        .header(HOST, host)
        .header(CONTENT_TYPE, content_type)
        .body(body);
    for (name, value) in signed.pairs() {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(res) if res.status().is_success() => Outcome::Done,
        Ok(res) => {
            let code = res.status().as_u16();
            if (400..500).contains(&code) && code != 408 && code != 429 {
                Outcome::Fail(format!("refused with {code}"))
            } else {
                Outcome::Retry(format!("answered {code}"))
            }
        }
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
