//! A small server-sent-events reader for tests outside `streaming.rs`: opens a stream and
//! yields its events (name and data), comments skipped.

use std::time::Duration;

use reqwest::StatusCode;

use super::TestApp;

pub struct EventStream {
    res: reqwest::Response,
    buf: String,
}

impl EventStream {
    /// Opens `path` with `token`, and waits for the `:)` that says the subscription is live.
    pub async fn open(app: &TestApp, path: &str, token: &str) -> EventStream {
        let res = app
            .client
            .get(app.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("connect");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let mut stream = EventStream {
            res,
            buf: String::new(),
        };
        let first = stream
            .block(Duration::from_secs(10))
            .await
            .expect("hello comment");
        assert_eq!(first.replace(' ', ""), ":)");
        stream
    }

    async fn block(&mut self, within: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block = self.buf[..end].to_string();
                self.buf.drain(..end + 2);
                return Some(block);
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk())
                .await
                .ok()?
                .expect("read")?;
            self.buf
                .push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        }
    }

    /// The next event within `within`: (name, data).
    pub async fn next(&mut self, within: Duration) -> Option<(String, String)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let block = self.block(left).await?;
            let (mut event, mut data) = (String::new(), Vec::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.strip_prefix(' ').unwrap_or(v).to_string());
                }
            }
            if !event.is_empty() {
                return Some((event, data.join("\n")));
            }
        }
    }

    /// The next event, which must be `event` (within ten seconds): its data.
    pub async fn expect(&mut self, event: &str) -> String {
        let (name, data) = self
            .next(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no {event}"));
        assert_eq!(name, event, "{data}");
        data
    }
}
