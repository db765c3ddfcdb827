//! A small server-sent-events reader for tests: opens a stream and yields its events (name
//! and data), comments skipped.

use std::time::Duration;

use reqwest::StatusCode;

use super::TestApp;

pub struct EventStream {
    res: reqwest::Response,
    buf: String,
}

impl EventStream {
    /// Opens `path` with `token`, and waits for the `:)` that says the subscription is live.
    pub async fn open(app: &TestApp, path: &str, token: Option<&str>) -> EventStream {
        let mut req = app.client.get(app.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("connect");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.headers()["content-type"]
            .to_str()
            .expect("content type")
            .starts_with("text/event-stream"));
        let mut stream = EventStream {
            res,
            buf: String::new(),
        };
        let first = stream
            .next_block(Duration::from_secs(10))
            .await
            .expect("hello comment");
        assert_eq!(first.replace(' ', ""), ":)");
        stream
    }

    /// The next blank-line-terminated block, raw; `None` when nothing came within `within` or
    /// the stream ended.
    pub async fn next_block(&mut self, within: Duration) -> Option<String> {
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
            let block = self.next_block(left).await?;
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

    /// The next event, which must be `event`: its data as JSON.
    pub async fn expect_json(&mut self, event: &str) -> serde_json::Value {
        let data = self.expect(event).await;
        serde_json::from_str(&data).expect("payload is JSON")
    }
}
