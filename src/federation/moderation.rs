//! The moderation activities: `Delete` of a suspended local actor, and `Flag` (a report) sent
//! from the instance actor and read from remote servers.

use super::vocab::inbound::Object;
use super::vocab::{self, Activity, ActivityObject, ActivityType};
use crate::model::Account;

/// `Delete` of a whole actor, as Mastodon sends when an account is suspended or removed.
pub fn delete_actor(actor: &Account) -> Activity {
    Activity::new(
        format!("{}#delete", actor.uri),
        ActivityType::Delete,
        actor.uri.clone(),
        ActivityObject::Id(actor.uri.clone()),
    )
    .to(vec![vocab::PUBLIC.into()])
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
) -> Activity {
    let objects = std::iter::once(target.uri.clone())
        .chain(statuses.iter().cloned())
        .collect();
    Activity {
        content: Some(comment.to_string()),
        ..Activity::new(
            format!("{}#flags/{report_id}", instance_actor.uri),
            ActivityType::Flag,
            instance_actor.uri.clone(),
            ActivityObject::Ids(objects),
        )
    }
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
