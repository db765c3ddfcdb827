//! WebPushSubscription.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::push::{PushSubscription, ALERT_TYPES};

#[derive(Debug, Serialize)]
pub struct WebPushSubscription {
    pub id: String,
    pub endpoint: String,
    pub standard: bool,
    /// Every alert type, on or off.
    pub alerts: BTreeMap<&'static str, bool>,
    /// The instance's VAPID public key.
    pub server_key: String,
    pub policy: &'static str,
}

impl WebPushSubscription {
    pub fn render(s: &PushSubscription, server_key: String) -> WebPushSubscription {
        WebPushSubscription {
            id: s.id.to_string(),
            endpoint: s.endpoint.clone(),
            standard: s.standard,
            alerts: ALERT_TYPES.iter().map(|t| (*t, s.wants(t))).collect(),
            server_key,
            policy: s.policy().as_str(),
        }
    }
}
