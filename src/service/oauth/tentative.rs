//! A token the cache holds, taken before it is confirmed, for a read that confirms it with
//! the cache epoch its own first query reads: the token costs that read no query of its own
//! (issue 23: three round trips per cached home timeline request, one of them only for the
//! token's epoch). Nothing may act on it until [`Tentative::confirm`] says yes.

use std::sync::Arc;

use sqlx::PgConnection;

use crate::app::AppState;
use crate::crypto;

use super::Principal;

/// Whom a token the cache holds spoke for when it was cached, unconfirmed.
pub struct Tentative {
    hash: String,
    pub principal: Arc<Principal>,
}

impl Tentative {
    /// The cache's entry for `token`, if it holds one; `None` sends the caller to
    /// [`super::authenticate`].
    pub fn of(state: &AppState, token: &str) -> Option<Tentative> {
        let hash = crypto::sha256_hex(token);
        let principal = state.cache.held_principal(&hash)?;
        Some(Tentative { hash, principal })
    }

    /// Whether the token still speaks for [`Tentative::principal`], unchanged, as of `epoch`:
    /// the cache epoch a query of this request read (so after the request arrived). `false`
    /// when it was revoked, its user or account changed, or the cache could not catch up:
    /// then the caller reads the token afresh with [`super::authenticate`], having acted on
    /// nothing.
    pub async fn confirm(&self, state: &AppState, conn: &mut PgConnection, epoch: i64) -> bool {
        state
            .cache
            .still_holds(conn, epoch, &self.hash, &self.principal)
            .await
    }
}
