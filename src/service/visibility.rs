//! The one decision of who may see a status. Every path that shows a status (REST, timelines,
//! notifications, and later ActivityPub fetches and streaming) asks [`may_see`]; SQL queries
//! only prefilter with the same rule (`store::statuses`' `visible_to!`).

use std::collections::HashSet;

use crate::model::{Status, Visibility};

/// What is known about the viewer's relationships to the authors of the statuses in question.
#[derive(Default, Debug)]
pub struct Viewer {
    /// `None` when nobody is signed in.
    pub account_id: Option<i64>,
    /// Authors the viewer follows.
    pub follows: HashSet<i64>,
    /// Authors who block the viewer or whom the viewer blocks.
    pub blocked: HashSet<i64>,
    /// Statuses that mention the viewer.
    pub mentioned_in: HashSet<i64>,
    /// Authors who are suspended.
    pub suspended: HashSet<i64>,
    /// Authors who are silenced (limited): seen only by their followers and those mentioned.
    pub silenced: HashSet<i64>,
}

/// Whether the viewer may see `status` (not looking through a boost: check the original too).
///
/// - nothing of a suspended author, nothing between accounts where either blocks the other;
/// - of a silenced author, only what followers and those mentioned would see;
/// - public and unlisted: everyone else;
/// - private: the author, followers of the author, and those mentioned;
/// - direct: the author and those mentioned.
pub fn may_see(viewer: &Viewer, status: &Status) -> bool {
    if viewer.suspended.contains(&status.account_id) {
        return false;
    }
    let me = viewer.account_id;
    if me == Some(status.account_id) {
        return true;
    }
    if viewer.blocked.contains(&status.account_id) {
        return false;
    }
    if viewer.silenced.contains(&status.account_id)
        && !viewer.follows.contains(&status.account_id)
        && !viewer.mentioned_in.contains(&status.id)
    {
        return false;
    }
    match status.visibility {
        Visibility::Public | Visibility::Unlisted => true,
        Visibility::Private => {
            me.is_some()
                && (viewer.follows.contains(&status.account_id)
                    || viewer.mentioned_in.contains(&status.id))
        }
        Visibility::Direct => me.is_some() && viewer.mentioned_in.contains(&status.id),
    }
}
