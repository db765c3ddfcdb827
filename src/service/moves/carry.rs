//! What a move carries over besides followers, as Mastodon's `MoveWorker` does: local
//! accounts' private notes on the old account, their blocks and their mutes.

use chrono::Utc;

use crate::app::AppState;
use crate::error::Result;
use crate::model::Account;
use crate::service::relationships::{self, MuteOptions};
use crate::store;

/// The longest private note (`relationships::set_note`'s limit, Mastodon's).
const NOTE_MAX: i32 = 2000;

/// Local accounts' private notes on `origin` are copied to `target`, prefaced by the line
/// Mastodon writes (its English text: notes have no locale here).
pub(super) async fn notes(state: &AppState, origin: &Account, target: &Account) -> Result<()> {
    let preface = format!(
        "This user moved from {}, here were your previous notes about them:",
        origin.acct()
    );
    let copied =
        store::moves::copy_notes(&state.db, origin.id, target.id, &preface, NOTE_MAX).await?;
    if copied > 0 {
        tracing::info!(notes = copied, "private notes carried over");
    }
    Ok(())
}

/// Local accounts that block or mute `origin` block or mute `target` too, as on Mastodon.
pub(super) async fn blocks_and_mutes(
    state: &AppState,
    origin: &Account,
    target: &Account,
) -> Result<()> {
    for blocker in store::moves::local_blockers_of(&state.db, origin.id, target.id).await? {
        if let Some(blocker) = store::accounts::by_id(&state.db, blocker).await? {
            relationships::block(state, &blocker, target.id).await?;
        }
    }
    for mute in store::moves::local_mutes_of(&state.db, origin.id, target.id).await? {
        let Some(muter) = store::accounts::by_id(&state.db, mute.account_id).await? else {
            continue;
        };
        let duration = mute
            .expires_at
            .map(|at| (at - Utc::now()).num_seconds().max(1));
        let options = MuteOptions {
            notifications: mute.hide_notifications,
            duration,
        };
        relationships::mute(state, &muter, target.id, options).await?;
    }
    Ok(())
}
