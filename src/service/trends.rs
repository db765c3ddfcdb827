//! Trends: hashtags, links and statuses drawing unusual attention, computed on demand from the
//! last week's public activity of discoverable accounts (sensitive posts, posts behind a
//! content warning, silenced and suspended accounts left out), in the spirit of Mastodon's
//! scoring:
//!
//! - a hashtag scores `(observed - expected)² / expected`, where `observed` is the distinct
//!   accounts that used it in the last day and `expected` the distinct accounts per day in
//!   the six days before (at least one), once `observed` reaches `trends.tag_threshold`
//!   (three by default, so a small instance has trends at all: a new tag used by three
//!   people within the hour trends);
//! - a status of the last two days scores `(interactions - 1)²` once its boosts and
//!   favourites reach `trends.status_threshold`;
//! - both halve every `trends.half_life_hours` (from the tag's latest use, from the status's
//!   creation).
//!
//! Moderators review items (`/api/v1/admin/trends/…`): a rejected item never trends; with
//! `trends.require_review`, only approved items do. Reading costs one aggregate over the
//! week's tagged statuses (the `statuses_tags` index by tag), small next to a timeline page
//! on the instances Rookery is for.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::card::LinkTrend;
use crate::model::{Account, StatusView, Tag, TagView};
use crate::service::{tags, views};
use crate::store;

/// Whether an item with this review may trend under the instance's rules.
pub fn trendable(state: &AppState, review: Option<bool>) -> bool {
    review.unwrap_or(!state.config.trends.require_review)
}

/// Whether an item with this review waits for a moderator.
pub fn requires_review(state: &AppState, review: Option<bool>) -> bool {
    state.config.trends.require_review && review.is_none()
}

fn decay(state: &AppState, hours: f64) -> f64 {
    let half_life = state.config.trends.half_life_hours.max(0.01);
    0.5_f64.powf(hours.max(0.0) / half_life)
}

/// The first id of the statuses of the last `days` days.
fn since_id(days: i64) -> i64 {
    crate::id::floor_at(Utc::now() - Duration::days(days))
}

/// The score of something used by `observed` distinct accounts in the last day against
/// `baseline` a day before (hashtags and links): none below the threshold or the baseline.
fn spread_score(
    state: &AppState,
    observed: i64,
    baseline: f64,
    last_used: DateTime<Utc>,
) -> Option<f64> {
    let threshold = state.config.trends.tag_threshold.max(1);
    let expected = baseline.max(1.0);
    if observed < threshold || observed as f64 <= expected {
        return None;
    }
    let hours = (Utc::now() - last_used).num_seconds() as f64 / 3600.0;
    let score = (observed as f64 - expected).powi(2) / expected * decay(state, hours);
    (score > 0.0).then_some(score)
}

/// Scored items, best first (ties: newest id first), as (id, review).
fn best_first(mut scored: Vec<(f64, i64, Option<bool>)>) -> Vec<(i64, Option<bool>)> {
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    scored.into_iter().map(|(_, id, r)| (id, r)).collect()
}

/// Every hashtag with a score, best first: (tag id, its review).
async fn ranked_tags(state: &AppState) -> Result<Vec<(i64, Option<bool>)>> {
    let scored = store::trends::tag_activity(&state.db, since_id(7))
        .await?
        .into_iter()
        .filter_map(|t| {
            spread_score(state, t.observed, t.baseline, t.last_used)
                .map(|score| (score, t.tag_id, t.trendable))
        })
        .collect();
    Ok(best_first(scored))
}

/// Every shared link (fetched card) with a score, best first: (card id, its review).
async fn ranked_links(state: &AppState) -> Result<Vec<(i64, Option<bool>)>> {
    let scored = store::trends::link_activity(&state.db, since_id(7))
        .await?
        .into_iter()
        .filter_map(|l| {
            spread_score(state, l.observed, l.baseline, l.last_used)
                .map(|score| (score, l.card_id, l.trendable))
        })
        .collect();
    Ok(best_first(scored))
}

/// The cards `ids` with their week of shares and review, in the order given.
async fn describe_links(state: &AppState, ids: &[(i64, Option<bool>)]) -> Result<Vec<LinkTrend>> {
    let card_ids: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    if card_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = state.db.acquire().await?;
    let mut cards = crate::service::cards::by_ids(state, &mut conn, &card_ids).await?;
    let rows =
        store::trends::link_uses_by_day(&mut *conn, &card_ids, tags::history_start()).await?;
    drop(conn);
    let mut histories = tags::by_day(&card_ids, rows);
    Ok(ids
        .iter()
        .filter_map(|(id, review)| {
            Some(LinkTrend {
                card: cards.remove(id)?,
                history: histories.remove(id).unwrap_or_default(),
                review: *review,
            })
        })
        .collect())
}

/// The trending links (`GET /api/v1/trends/links`): `limit` (10 by default, 20 at most) from
/// `offset`, those under review left out. Links trend as hashtags do, from the distinct
/// accounts sharing them (`trends.tag_threshold` applies to both).
pub async fn links(
    state: &AppState,
    offset: Option<i64>,
    limit: Option<i64>,
) -> Result<Vec<LinkTrend>> {
    let page: Vec<(i64, Option<bool>)> = ranked_links(state)
        .await?
        .into_iter()
        .filter(|(_, review)| trendable(state, *review))
        .skip(offset.unwrap_or(0).max(0) as usize)
        .take(limit.unwrap_or(10).clamp(1, 20) as usize)
        .collect();
    describe_links(state, &page).await
}

/// Every link with a trend score, best first, whatever its review (for moderators).
pub async fn links_for_review(state: &AppState) -> Result<Vec<LinkTrend>> {
    let ranked = ranked_links(state).await?;
    describe_links(state, &ranked).await
}

/// A moderator approves (or rejects) the link of card `id` for trends; unknown cards are not
/// found.
#[tracing::instrument(skip_all, fields(account.id = moderator.id, card.id = id))]
pub async fn review_link(
    state: &AppState,
    moderator: &Account,
    id: i64,
    approve: bool,
) -> Result<LinkTrend> {
    let mut tx = state.db.begin().await?;
    if !store::trends::review_link(&mut *tx, id, approve).await? {
        return Err(Error::NotFound);
    }
    audit_review(
        &mut tx,
        moderator,
        approve,
        "PreviewCard",
        id,
        &id.to_string(),
    )
    .await?;
    tx.commit().await?;
    describe_links(state, &[(id, Some(approve))])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// Every status with a score, best first: (status id, its review).
async fn ranked_statuses(state: &AppState) -> Result<Vec<(i64, Option<bool>)>> {
    let now = Utc::now();
    let threshold = state.config.trends.status_threshold.max(1);
    let scored: Vec<(f64, i64, Option<bool>)> =
        store::trends::status_activity(&state.db, since_id(2), threshold)
            .await?
            .into_iter()
            .map(|s| {
                let hours = (now - s.created_at).num_seconds() as f64 / 3600.0;
                let score = ((s.interactions - 1) as f64).powi(2).max(1.0) * decay(state, hours);
                (score, s.status_id, s.trendable)
            })
            .collect();
    Ok(best_first(scored))
}

async fn tags_by_id(state: &AppState, ids: &[i64]) -> Result<Vec<Tag>> {
    let mut found: HashMap<i64, Tag> = store::tags::by_ids(&state.db, ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The trending hashtags (`GET /api/v1/trends/tags`): `limit` (10 by default, 20 at most)
/// from `offset`, those under review left out.
pub async fn tags(
    state: &AppState,
    viewer: Option<&Account>,
    offset: Option<i64>,
    limit: Option<i64>,
) -> Result<Vec<TagView>> {
    let ids: Vec<i64> = ranked_tags(state)
        .await?
        .into_iter()
        .filter(|(_, review)| trendable(state, *review))
        .map(|(id, _)| id)
        .skip(offset.unwrap_or(0).max(0) as usize)
        .take(limit.unwrap_or(10).clamp(1, 20) as usize)
        .collect();
    tags::describe(state, viewer, tags_by_id(state, &ids).await?).await
}

/// The trending statuses (`GET /api/v1/trends/statuses`): `limit` (20 by default, 40 at most)
/// from `offset`, those under review left out, as `viewer` may see them (not from accounts
/// they block or mute, nor who block them).
pub async fn statuses(
    state: &AppState,
    viewer: Option<&Account>,
    offset: Option<i64>,
    limit: Option<i64>,
) -> Result<Vec<StatusView>> {
    let mut ids: Vec<i64> = ranked_statuses(state)
        .await?
        .into_iter()
        .filter(|(_, review)| trendable(state, *review))
        .map(|(id, _)| id)
        .collect();
    if let Some(v) = viewer {
        let hidden = store::timelines::hidden_authors(&state.db, v.id).await?;
        let views = views::hydrate(state, viewer, &ids).await?;
        ids = views
            .iter()
            .filter(|view| !hidden.accounts.contains(&view.account.id))
            .map(|view| view.status.id)
            .collect();
    }
    let page: Vec<i64> = ids
        .into_iter()
        .skip(offset.unwrap_or(0).max(0) as usize)
        .take(limit.unwrap_or(20).clamp(1, 40) as usize)
        .collect();
    views::hydrate(state, viewer, &page).await
}

/// Every hashtag with a trend score, best first, whatever its review (for moderators).
pub async fn tags_for_review(state: &AppState, moderator: &Account) -> Result<Vec<TagView>> {
    let ids: Vec<i64> = ranked_tags(state)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    tags::describe(state, Some(moderator), tags_by_id(state, &ids).await?).await
}

/// Every status with a trend score, best first, whatever its review (for moderators).
pub async fn statuses_for_review(state: &AppState, moderator: &Account) -> Result<Vec<StatusView>> {
    let ids: Vec<i64> = ranked_statuses(state)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    views::hydrate(state, Some(moderator), &ids).await
}

/// A moderator approves (or rejects) hashtag `id` for trends; unknown tags are not found.
#[tracing::instrument(skip_all, fields(account.id = moderator.id, tag.id = id))]
pub async fn review_tag(
    state: &AppState,
    moderator: &Account,
    id: i64,
    approve: bool,
) -> Result<TagView> {
    let tag = tags_by_id(state, &[id])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    let mut tx = state.db.begin().await?;
    store::tags::review(&mut *tx, tag.id, approve).await?;
    audit_review(&mut tx, moderator, approve, "Tag", tag.id, &tag.name).await?;
    tx.commit().await?;
    let reviewed = tags_by_id(state, &[tag.id])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    tags::describe(state, Some(moderator), vec![reviewed])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// A moderator approves (or rejects) status `id` for trends; unknown statuses are not found.
#[tracing::instrument(skip_all, fields(account.id = moderator.id, status.id = id))]
pub async fn review_status(
    state: &AppState,
    moderator: &Account,
    id: i64,
    approve: bool,
) -> Result<StatusView> {
    let status = store::statuses::by_id(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut tx = state.db.begin().await?;
    store::trends::review_status(&mut *tx, status.id, approve).await?;
    let name = status.url.clone().unwrap_or_else(|| status.uri.clone());
    audit_review(&mut tx, moderator, approve, "Status", status.id, &name).await?;
    tx.commit().await?;
    views::one(state, Some(moderator), status.id).await
}

/// The audit line of a trend review: `approve_tag`, `reject_status`, `approve_previewcard`.
async fn audit_review(
    tx: &mut sqlx::PgConnection,
    moderator: &Account,
    approve: bool,
    target_type: &str,
    id: i64,
    name: &str,
) -> Result<()> {
    let verb = if approve { "approve" } else { "reject" };
    let action = format!("{verb}_{}", target_type.to_ascii_lowercase());
    crate::service::moderation::audit(
        &mut *tx,
        Some(moderator),
        &action,
        target_type,
        Some(id),
        name,
        "",
    )
    .await
}
