//! `GET /api/v1/instance/rules` and `GET /api/v1/instance/domain_blocks`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::MaybeAuth;
use crate::api::entities::moderation::{DomainBlock, Rule};
use crate::app::AppState;
use crate::config::DomainBlocksVisibility;
use crate::error::{Error, Result};
use crate::model::Role;
use crate::service::moderation::{domains, rules};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/instance/rules", get(rules_index))
        .route("/api/v1/instance/domain_blocks", get(domain_blocks))
}

pub async fn rules_index(State(state): State<AppState>) -> Result<Json<Vec<Rule>>> {
    Ok(Json(
        rules::all(&state).await?.iter().map(Rule::render).collect(),
    ))
}

/// The blocked domains, to whom the configuration shows them (404 when nobody may: the
/// list does not exist for them, as on Mastodon).
pub async fn domain_blocks(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
) -> Result<Json<Vec<DomainBlock>>> {
    let allowed = match state.config.moderation.domain_blocks_visibility {
        DomainBlocksVisibility::Public => true,
        DomainBlocksVisibility::Users => auth.is_some(),
        DomainBlocksVisibility::None => auth
            .as_ref()
            .is_some_and(|a| a.user.role >= Role::Moderator),
    };
    if !allowed {
        return Err(match auth {
            None if state.config.moderation.domain_blocks_visibility
                == DomainBlocksVisibility::Users =>
            {
                Error::unauthorized("This API requires an authenticated user")
            }
            _ => Error::NotFound,
        });
    }
    Ok(Json(
        domains::blocks(&state)
            .await?
            .iter()
            .map(DomainBlock::render)
            .collect(),
    ))
}
