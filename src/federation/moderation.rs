//! The moderation activities: `Delete` of a suspended local actor, and `Flag` (a report) sent
//! from the instance actor and read from remote servers.

use serde_json::{json, Value};

use super::vocab;
use super::vocab::inbound::Object;
use crate::model::Account;

/// `Delete` of a whole actor, as Mastodon sends when an account is suspended or removed.
pub fn delete_actor(actor: &Account) -> Value {
    json!({
        "@context": vocab::context(),
        "id": format!("{}#delete", actor.uri),
        "type": "Delete",
        "actor": actor.uri,
        "object": actor.uri,
        "to": [vocab::PUBLIC],
    })
}

/// A report forwarded to the reported account's server: `object` lists the account first,
/// then the reported statuses, as Mastodon does. The reporter stays anonymous behind the
/// instance actor.
pub fn flag(
    instance_actor: &Account,
    report_id: i64,
    target: &Account,
    statuses: &[String],
    comment: &str,
) -> Value {
    let mut objects = vec![Value::String(target.uri.clone())];
    objects.extend(statuses.iter().cloned().map(Value::String));
    json!({
        "@context": vocab::context(),
        "id": format!("{}#flags/{report_id}", instance_actor.uri),
        "type": "Flag",
        "actor": instance_actor.uri,
        "content": comment,
        "object": objects,
    })
}

/// An inbound `Flag`: its id, the comment and the ids of the flagged objects.
pub struct InboundFlag {
    pub id: Option<String>,
    pub comment: String,
    pub objects: Vec<String>,
}

/// Reads a `Flag`; `object` may be one id or a list, of ids or of objects with an `id`.
pub fn parse_flag(activity: &Object) -> InboundFlag {
    InboundFlag {
        id: activity.id.clone(),
        comment: activity.html().chars().take(1000).collect(),
        objects: activity
            .object
            .iter()
            .filter_map(|o| o.id().map(str::to_string))
            .collect(),
    }
}
