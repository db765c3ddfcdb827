//! The events that cross processes: small, ids only, one JSON object per `NOTIFY`.

use serde::{Deserialize, Serialize};

/// PostgreSQL refuses `NOTIFY` payloads of 8000 bytes or more; events stay well below.
const MAX_PAYLOAD: usize = 7900;

/// The most mentioned accounts a delete event carries (each id is at most 20 bytes).
pub const MAX_DELETE_MENTIONS: usize = 300;

/// What crosses processes. Short field names: the payload limit is per event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "k")]
pub enum Event {
    /// A public original status was created: public and hashtag streams.
    #[serde(rename = "new")]
    Created { s: i64 },
    /// A status was added to home feeds (fan-out done): user and direct streams.
    #[serde(rename = "feed")]
    InFeeds { s: i64 },
    /// A status was edited: everywhere it was shown.
    #[serde(rename = "edit")]
    Edited { s: i64 },
    /// A status is gone; what is needed to know who saw it travels along, since its rows do
    /// not survive to be asked. `p`: it was on public streams; `l`: local; `d`: direct;
    /// `a`: author; `m`: mentioned accounts.
    #[serde(rename = "del")]
    Deleted {
        s: i64,
        a: i64,
        p: bool,
        l: bool,
        d: bool,
        m: Vec<i64>,
    },
    /// Notification `n` for local account `r`.
    #[serde(rename = "note")]
    Notified { n: i64, r: i64 },
    /// Local account `r` changed their keyword filters.
    #[serde(rename = "filt")]
    FiltersChanged { r: i64 },
    /// Announcement `a` was published or edited: every local user's stream.
    #[serde(rename = "ann")]
    Announced { a: i64 },
    /// Announcement `a` has `c` reactions `n` now.
    #[serde(rename = "annr")]
    AnnouncementReacted { a: i64, n: String, c: i64 },
    /// Announcement `a` was deleted or unpublished.
    #[serde(rename = "annd")]
    AnnouncementDeleted { a: i64 },
    /// Local account `r` accepted notification requests: their notifications were merged.
    #[serde(rename = "merged")]
    NotificationsMerged { r: i64 },
}

impl Event {
    /// The `NOTIFY` payload, or `None` if it would be too large for PostgreSQL (the caps on
    /// what events carry keep that from happening).
    pub fn encode(&self) -> Option<String> {
        serde_json::to_string(self)
            .ok()
            .filter(|text| text.len() <= MAX_PAYLOAD)
    }

    /// An event heard on the channel.
    pub fn decode(payload: &str) -> Result<Event, serde_json::Error> {
        serde_json::from_str(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_small() {
        let e = Event::Deleted {
            s: i64::MAX,
            a: i64::MAX,
            p: true,
            l: false,
            d: false,
            m: vec![i64::MAX; MAX_DELETE_MENTIONS],
        };
        let text = e.encode().expect("fits");
        assert!(text.len() < MAX_PAYLOAD, "{} bytes", text.len());
        assert_eq!(Event::decode(&text).expect("parse"), e);
        let n = Event::decode(r#"{"k":"note","n":5,"r":7}"#).expect("parse");
        assert_eq!(n, Event::Notified { n: 5, r: 7 });
    }

    #[test]
    fn oversized_events_are_not_encoded() {
        let e = Event::Deleted {
            s: 1,
            a: 1,
            p: false,
            l: false,
            d: false,
            m: vec![i64::MAX; MAX_DELETE_MENTIONS * 2],
        };
        assert!(e.encode().is_none());
    }
}
