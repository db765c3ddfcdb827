//! Hashtags as people use them: a tag with seven days of use, following one (its public posts
//! then enter the follower's home feed, through the fan-out of `statuses::fanout`), and the
//! hashtags a profile features (ten at most, as on Mastodon).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, FeaturedTag, Page, Tag, TagDay, TagView};
use crate::{id, store};

/// The most hashtags one profile features, as on Mastodon.
pub const MAX_FEATURED: i64 = 10;

/// The longest hashtag name accepted.
const MAX_NAME_CHARS: usize = 100;

/// Days of history a tag carries, today first.
const HISTORY_DAYS: i64 = 7;

/// A hashtag name as a client may give it (a leading `#` is dropped): letters, digits and
/// underscores, not only digits, as statuses link them. `None` when it is not one.
pub fn normalize_name(raw: &str) -> Option<String> {
    let name = raw.trim();
    let name = name.strip_prefix('#').unwrap_or(name);
    let valid = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !name.chars().all(|c| c.is_ascii_digit());
    valid.then(|| name.to_string())
}

fn invalid_name() -> Error {
    Error::unprocessable("Validation failed: Name is invalid")
}

/// Midnight (UTC) of the day `at` falls in.
fn midnight(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::days(1)).unwrap_or(at)
}

/// The last [`HISTORY_DAYS`] days of use of `tags`, today first, by tag id.
pub async fn histories(state: &AppState, tags: &[i64]) -> Result<HashMap<i64, Vec<TagDay>>> {
    let rows = if tags.is_empty() {
        Vec::new()
    } else {
        store::tags::uses_by_day(&state.db, tags, history_start()).await?
    };
    Ok(by_day(tags, rows))
}

/// The first day (a UTC midnight) of the [`HISTORY_DAYS`] a history covers.
pub(crate) fn history_start() -> DateTime<Utc> {
    midnight(Utc::now()) - Duration::days(HISTORY_DAYS - 1)
}

/// Counted uses `(id, day, uses, accounts)` as a history of [`HISTORY_DAYS`] days for each of
/// `ids`, today first, days without use as zeros (hashtags and trending links alike).
pub(crate) fn by_day(
    ids: &[i64],
    rows: Vec<(i64, DateTime<Utc>, i64, i64)>,
) -> HashMap<i64, Vec<TagDay>> {
    let today = midnight(Utc::now());
    let counted: HashMap<(i64, DateTime<Utc>), (i64, i64)> = rows
        .into_iter()
        .map(|(id, day, uses, accounts)| ((id, day), (uses, accounts)))
        .collect();
    ids.iter()
        .map(|id| {
            let days = (0..HISTORY_DAYS)
                .map(|back| {
                    let day = today - Duration::days(back);
                    let (uses, accounts) = counted.get(&(*id, day)).copied().unwrap_or((0, 0));
                    TagDay {
                        day,
                        uses,
                        accounts,
                    }
                })
                .collect();
            (*id, days)
        })
        .collect()
}

/// `tags` as `viewer` sees them: with their history and, for someone signed in, whether
/// they follow and feature each. Order is kept.
pub async fn describe(
    state: &AppState,
    viewer: Option<&Account>,
    tags: Vec<Tag>,
) -> Result<Vec<TagView>> {
    let ids: Vec<i64> = tags.iter().map(|t| t.id).collect();
    let mut histories = histories(state, &ids).await?;
    let (following, featuring): (HashSet<i64>, HashSet<i64>) = match viewer {
        Some(v) if !ids.is_empty() => (
            store::tags::followed_among(&state.db, v.id, &ids)
                .await?
                .into_iter()
                .collect(),
            store::tags::featured_among(&state.db, v.id, &ids)
                .await?
                .into_iter()
                .collect(),
        ),
        _ => (HashSet::new(), HashSet::new()),
    };
    let signed_in = viewer.is_some();
    Ok(tags
        .into_iter()
        .map(|tag| TagView {
            history: histories.remove(&tag.id).unwrap_or_default(),
            following: signed_in.then(|| following.contains(&tag.id)),
            featuring: signed_in.then(|| featuring.contains(&tag.id)),
            tag,
        })
        .collect())
}

async fn describe_one(state: &AppState, viewer: Option<&Account>, tag: Tag) -> Result<TagView> {
    describe(state, viewer, vec![tag])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// The hashtags named `names` as `viewer` sees them, in the order given; unknown ones are
/// skipped (search answers with these).
pub async fn named(
    state: &AppState,
    viewer: Option<&Account>,
    names: &[String],
) -> Result<Vec<TagView>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = store::tags::by_names(&state.db, names).await?;
    let mut ordered = Vec::with_capacity(found.len());
    for name in names {
        if let Some(at) = found
            .iter()
            .position(|t| t.name.to_lowercase() == name.to_lowercase())
        {
            ordered.push(found.swap_remove(at));
        }
    }
    describe(state, viewer, ordered).await
}

/// The hashtag `name` (`GET /api/v1/tags/:name`): one nobody has used, or a name that cannot
/// be a hashtag, is not found.
pub async fn show(state: &AppState, viewer: Option<&Account>, name: &str) -> Result<TagView> {
    let name = normalize_name(name).ok_or(Error::NotFound)?;
    let tag = store::tags::by_name(&state.db, &name)
        .await?
        .ok_or(Error::NotFound)?;
    describe_one(state, viewer, tag).await
}

/// The hashtag `name`, created if nobody used it yet (following or featuring a new tag is
/// allowed, as on Mastodon); a name that cannot be a hashtag is refused.
async fn find_or_create(state: &AppState, name: &str) -> Result<Tag> {
    let name = normalize_name(name).ok_or_else(invalid_name)?;
    let mut conn = state.db.acquire().await?;
    Ok(store::tags::find_or_create(&mut conn, id::next(), &name).await?)
}

/// `owner` follows the hashtag `name` (again: nothing changes): its public posts from now on
/// enter their home feed.
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn follow(state: &AppState, owner: &Account, name: &str) -> Result<TagView> {
    let tag = find_or_create(state, name).await?;
    store::tags::follow(&state.db, id::next(), owner.id, tag.id).await?;
    describe_one(state, Some(owner), tag).await
}

/// `owner` no longer follows the hashtag `name`: what only it brought into their home feed
/// leaves it.
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn unfollow(state: &AppState, owner: &Account, name: &str) -> Result<TagView> {
    let tag = find_or_create(state, name).await?;
    let mut tx = state.db.begin().await?;
    if store::tags::unfollow(&mut *tx, owner.id, tag.id).await? {
        store::feeds::unmerge_tag(&mut *tx, owner.id, tag.id).await?;
    }
    tx.commit().await?;
    describe_one(state, Some(owner), tag).await
}

/// The hashtags a page of `owner`'s followed tags holds, with the paging ids (of the
/// follows) of its first and last entry.
pub struct TagPage {
    pub tags: Vec<TagView>,
    pub cursors: Option<(i64, i64)>,
}

/// A page of the hashtags `owner` follows, newest follow first.
pub async fn followed(state: &AppState, owner: &Account, page: &Page) -> Result<TagPage> {
    let rows = store::tags::followed_page(&state.db, owner.id, page).await?;
    let cursors = rows.first().map(|f| f.0).zip(rows.last().map(|l| l.0));
    let ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let mut found: HashMap<i64, Tag> = store::tags::by_ids(&state.db, &ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let tags = ids.iter().filter_map(|id| found.remove(id)).collect();
    Ok(TagPage {
        tags: describe(state, Some(owner), tags).await?,
        cursors,
    })
}

/// Features `tag` on `owner`'s profile, refusing an eleventh.
async fn add_featured(
    state: &AppState,
    owner: &Account,
    tag: &Tag,
    taken_is_error: bool,
) -> Result<i64> {
    let mut tx = state.db.begin().await?;
    let already = store::tags::featured_among(&mut *tx, owner.id, &[tag.id]).await?;
    if !already.is_empty() {
        if taken_is_error {
            return Err(Error::unprocessable(
                "Validation failed: Tag has already been taken",
            ));
        }
    } else if store::tags::count_featured(&mut *tx, owner.id).await? >= MAX_FEATURED {
        return Err(Error::unprocessable(format!(
            "Validation failed: You cannot feature more than {MAX_FEATURED} hashtags"
        )));
    }
    let id = store::tags::feature(&mut *tx, id::next(), owner.id, tag.id).await?;
    tx.commit().await?;
    Ok(id)
}

/// `owner` features the hashtag `name` on their profile (again: nothing changes).
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn feature(state: &AppState, owner: &Account, name: &str) -> Result<TagView> {
    let tag = find_or_create(state, name).await?;
    add_featured(state, owner, &tag, false).await?;
    describe_one(state, Some(owner), tag).await
}

/// `owner` no longer features the hashtag `name`.
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn unfeature(state: &AppState, owner: &Account, name: &str) -> Result<TagView> {
    let tag = find_or_create(state, name).await?;
    store::tags::unfeature_tag(&state.db, owner.id, tag.id).await?;
    describe_one(state, Some(owner), tag).await
}

/// The hashtags `owner` features, oldest first.
pub async fn featured_tags(state: &AppState, owner: &Account) -> Result<Vec<FeaturedTag>> {
    Ok(store::tags::featured_of(&state.db, owner.id).await?)
}

/// `owner` features the hashtag `name` (`POST /api/v1/featured_tags`): a name that cannot be
/// a hashtag, one already featured and an eleventh are refused.
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn create_featured(state: &AppState, owner: &Account, name: &str) -> Result<FeaturedTag> {
    let tag = find_or_create(state, name).await?;
    let id = add_featured(state, owner, &tag, true).await?;
    store::tags::featured(&state.db, owner.id, id)
        .await?
        .ok_or(Error::NotFound)
}

/// `owner` stops featuring their featured tag `id`; another's, or none: not found.
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn delete_featured(state: &AppState, owner: &Account, id: i64) -> Result<()> {
    if store::tags::unfeature(&state.db, owner.id, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Hashtags `owner` might feature: those they used most in their last hundred posts and do
/// not feature yet, ten at most.
pub async fn featured_suggestions(state: &AppState, owner: &Account) -> Result<Vec<TagView>> {
    let ids = store::tags::most_used_unfeatured(&state.db, owner.id, 100, MAX_FEATURED).await?;
    let mut found: HashMap<i64, Tag> = store::tags::by_ids(&state.db, &ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let tags = ids.iter().filter_map(|id| found.remove(id)).collect();
    describe(state, Some(owner), tags).await
}

/// The hashtags account `account_id` features (public); unknown and suspended accounts are
/// not found.
pub async fn featured_of(state: &AppState, account_id: i64) -> Result<(Account, Vec<FeaturedTag>)> {
    let account = crate::service::accounts::visible_account(state, account_id).await?;
    let featured = store::tags::featured_of(&state.db, account.id).await?;
    Ok((account, featured))
}

/// The hashtag `name` as the ActivityPub collection at `/tags/:name` lists it: the tag, how
/// many public posts carry it, and the ids of a page of them (the newest, or those before
/// `max_id`; only local ones with `local_only`). Not found for an unknown tag.
pub async fn public_collection(
    state: &AppState,
    name: &str,
    local_only: bool,
    max_id: Option<i64>,
) -> Result<(Tag, i64, Vec<String>)> {
    let tag = show(state, None, name).await?.tag;
    let total = store::tags::count_public_statuses(&state.db, tag.id).await?;
    let filter = crate::service::timelines::TagFilter {
        tag: tag.name.clone(),
        any: Vec::new(),
        all: Vec::new(),
        none: Vec::new(),
        local_only,
    };
    let page = Page {
        max_id,
        ..Page::first(20)
    };
    let found = crate::service::timelines::tag(state, None, &filter, &page).await?;
    let uris = found.statuses.into_iter().map(|v| v.status.uri).collect();
    Ok((tag, total, uris))
}

#[cfg(test)]
mod tests {
    use super::normalize_name;

    #[test]
    fn hashtag_names_are_words_not_only_digits() {
        assert_eq!(normalize_name("#Rust_2026").as_deref(), Some("Rust_2026"));
        assert_eq!(normalize_name(" café ").as_deref(), Some("café"));
        for bad in [
            "",
            "#",
            "2026",
            "two words",
            "dash-ed",
            "a.b",
            &"x".repeat(101),
        ] {
            assert_eq!(normalize_name(bad), None, "{bad:?}");
        }
    }
}
