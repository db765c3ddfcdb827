//! `web_push`: one notification pushed to one Web Push subscription. The service decides
//! whether it is still wanted and builds the encrypted, signed request
//! ([`service::push::prepare`]); this sends it through the SSRF-guarded client and reads the
//! answer: 2xx is done; 404 or 410 means the subscription is gone (removed, as RFC 8030 says);
//! 408, 429 and 5xx are retried with the queue's backoff (or the `Retry-After` given); any
//! other 4xx will not change by retrying.

use std::time::Duration;

use super::Outcome;
use crate::app::AppState;
use crate::service;
use crate::service::push::Prepared;
use crate::service::queue::WebPush;

#[tracing::instrument(skip_all, fields(subscription.id = job.subscription_id, notification.id = job.notification_id))]
pub async fn run(state: &AppState, job: WebPush) -> Outcome {
    let request = match service::push::prepare(state, &job).await {
        Ok(Prepared::Send(request)) => request,
        Ok(Prepared::Skip(why)) => return Outcome::Dropped(why.to_string()),
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let mut post = state
        .http
        .post(request.endpoint)
        .timeout(Duration::from_secs(30));
    for (name, value) in request.headers {
        post = post.header(name, value);
    }
    let response = match post.body(request.body).send().await {
        Ok(response) => response,
        Err(e) => return Outcome::Retry(format!("push service unreachable: {e}")),
    };
    let code = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| super::deliver::parse_retry_after(v, chrono::Utc::now()));
    match code {
        200..=299 => Outcome::Done,
        404 | 410 => match service::push::gone(state, job.subscription_id).await {
            Ok(()) => Outcome::Dropped(format!("push service answered {code}: unsubscribed")),
            Err(e) => Outcome::Retry(e.to_string()),
        },
        408 | 429 | 500..=599 => {
            let why = format!("push service answered {code}");
            match retry_after {
                Some(wait) => Outcome::RetryAt(why, wait),
                None => Outcome::Retry(why),
            }
        }
        400..=499 => Outcome::Fail(format!("push service refused the message ({code})")),
        _ => Outcome::Retry(format!("push service answered {code}")),
    }
}
