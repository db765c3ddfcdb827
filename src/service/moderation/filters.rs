//! A user's own tools: keyword filters (Mastodon's v2 filters: keywords, whole words,
//! contexts, warn or hide, expiry) and the domains they hide for themselves.
//!
//! Statuses carry the filters they match (`filtered`), whatever the context, as Mastodon
//! sends them; clients warn or hide by the filter's context and action. Timelines and streams
//! also drop statuses that a `hide` filter for their context matches.

use std::sync::Arc;

use chrono::{Duration, Utc};
use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::moderation::{
    Filter, FilterKeyword, FilterMatch, FilterStatus, UserDomainBlock, FILTER_ACTIONS,
    FILTER_CONTEXTS,
};
use crate::model::{Account, Page, StatusView};
use crate::{id, store};

/// Marks each view (and the boosted original in it) with the viewer's active filters it
/// matches: one query for the filters (a second for their keywords when there are any).
pub async fn apply(
    conn: &mut PgConnection,
    viewer: Option<&Account>,
    views: &mut [StatusView],
) -> Result<()> {
    let Some(viewer) = viewer else { return Ok(()) };
    if views.is_empty() {
        return Ok(());
    }
    let filters = active_on(conn, viewer.id).await?;
    if filters.is_empty() {
        return Ok(());
    }
    for view in views.iter_mut() {
        if let Some(original) = view.reblog.as_deref_mut() {
            original.filtered = matches(&filters, original, viewer.id);
            view.filtered = original.filtered.clone();
        } else {
            view.filtered = matches(&filters, view, viewer.id);
        }
    }
    Ok(())
}

/// `account`'s filters in force now, with their keywords (one query, two when there are any).
pub async fn active_of(state: &AppState, account: i64) -> Result<Vec<Arc<Filter>>> {
    let mut conn = state.db.acquire().await?;
    active_on(&mut conn, account).await
}

/// [`active_of`] on a connection the caller holds.
async fn active_on(conn: &mut PgConnection, account: i64) -> Result<Vec<Arc<Filter>>> {
    Ok(store::filters::of_account(conn, account, true)
        .await?
        .into_iter()
        .map(Arc::new)
        .collect())
}

/// Which of `filters` (`viewer`'s) the status of `view` matches; none if `viewer` wrote it.
pub fn matches(filters: &[Arc<Filter>], view: &StatusView, viewer: i64) -> Vec<FilterMatch> {
    // One's own posts are never filtered, as on Mastodon.
    if view.status.account_id == viewer {
        return Vec::new();
    }
    let text = format!(
        "{}\n{}",
        view.status.spoiler_text,
        plain_text(&view.status.content)
    );
    filters
        .iter()
        .filter_map(|f| {
            let keyword_matches = f.matches(&text);
            let status_matches: Vec<i64> = f
                .statuses
                .iter()
                .map(|s| s.status_id)
                .filter(|id| *id == view.status.id)
                .take(1)
                .collect();
            (!keyword_matches.is_empty() || !status_matches.is_empty()).then(|| FilterMatch {
                filter: f.clone(),
                keyword_matches,
                status_matches,
            })
        })
        .collect()
}

/// Sanitised status HTML as text: tags become spaces, the few entities the sanitiser emits
/// are decoded.
fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Drops the views a `hide` filter for `context` matches (timelines).
pub fn drop_hidden(views: &mut Vec<StatusView>, context: &str) {
    views.retain(|v| !hidden_in(&v.filtered, context));
}

/// Whether one of `matched` is a `hide` filter for `context` (`home`, `public`,
/// `notifications`, `thread`, `account`).
pub fn hidden_in(matched: &[FilterMatch], context: &str) -> bool {
    matched
        .iter()
        .any(|m| m.filter.filter_action == "hide" && m.filter.context.iter().any(|c| c == context))
}

/// A keyword as given in `keywords_attributes`.
#[derive(Debug, Default, Clone)]
pub struct KeywordInput {
    pub id: Option<i64>,
    pub keyword: Option<String>,
    pub whole_word: Option<bool>,
    pub destroy: bool,
}

/// A filter as given; `None` leaves a part as it is (on update).
#[derive(Debug, Default)]
pub struct FilterInput {
    pub title: Option<String>,
    pub context: Option<Vec<String>>,
    pub filter_action: Option<String>,
    /// `Some(None)`: never expires.
    pub expires_in: Option<Option<i64>>,
    pub keywords: Vec<KeywordInput>,
}

fn check(input: &FilterInput, creating: bool) -> Result<()> {
    let mut v = Validation::default();
    match input.title.as_deref().map(str::trim) {
        Some("") => v.add("title", "ERR_BLANK", "can't be blank"),
        None if creating => v.add("title", "ERR_BLANK", "can't be blank"),
        Some(t) if t.chars().count() > 256 => v.add(
            "title",
            "ERR_TOO_LONG",
            "is too long (maximum is 256 characters)",
        ),
        _ => {}
    }
    match &input.context {
        Some(c) if c.is_empty() => v.add("context", "ERR_BLANK", "can't be blank"),
        None if creating => v.add("context", "ERR_BLANK", "can't be blank"),
        Some(c) if c.iter().any(|x| !FILTER_CONTEXTS.contains(&x.as_str())) => {
            v.add("context", "ERR_INCLUSION", "is not included in the list")
        }
        _ => {}
    }
    if let Some(a) = &input.filter_action {
        if !FILTER_ACTIONS.contains(&a.as_str()) {
            v.add(
                "filter_action",
                "ERR_INCLUSION",
                "is not included in the list",
            );
        }
    }
    if let Some(Some(secs)) = input.expires_in {
        if secs <= 0 || secs > 10 * 365 * 86_400 {
            v.add(
                "expires_in",
                "ERR_INVALID",
                "must be a positive number of seconds",
            );
        }
    }
    for k in &input.keywords {
        if k.destroy {
            continue;
        }
        match k.keyword.as_deref().map(str::trim) {
            Some("") => v.add("keywords.keyword", "ERR_BLANK", "can't be blank"),
            None if k.id.is_none() => v.add("keywords.keyword", "ERR_BLANK", "can't be blank"),
            Some(t) if t.chars().count() > 256 => v.add(
                "keywords.keyword",
                "ERR_TOO_LONG",
                "is too long (maximum is 256 characters)",
            ),
            _ => {}
        }
    }
    v.finish()
}

/// The owner's filters, expired ones included.
pub async fn list(state: &AppState, owner: &Account) -> Result<Vec<Filter>> {
    let mut conn = state.db.acquire().await?;
    Ok(store::filters::of_account(&mut conn, owner.id, false).await?)
}

pub async fn get(state: &AppState, owner: &Account, id: i64) -> Result<Filter> {
    list(state, owner)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(Error::NotFound)
}

fn expiry(secs: Option<i64>) -> Option<chrono::DateTime<Utc>> {
    secs.map(|s| Utc::now() + Duration::seconds(s))
}

pub async fn create(state: &AppState, owner: &Account, input: &FilterInput) -> Result<Filter> {
    check(input, true)?;
    let id = id::next();
    let mut tx = state.db.begin().await?;
    let context = dedup(input.context.clone().unwrap_or_default());
    store::filters::insert(
        &mut *tx,
        id,
        owner.id,
        &store::filters::FilterValues {
            title: input.title.as_deref().unwrap_or("").trim(),
            context: &context,
            filter_action: input.filter_action.as_deref().unwrap_or("warn"),
            expires_at: expiry(input.expires_in.flatten()),
        },
    )
    .await?;
    write_keywords(&mut tx, id, &[], &input.keywords).await?;
    crate::service::streaming::filters_changed(&mut *tx, owner.id).await?;
    tx.commit().await?;
    get(state, owner, id).await
}

fn dedup(mut list: Vec<String>) -> Vec<String> {
    let mut seen = Vec::new();
    list.retain(|c| {
        let new = !seen.contains(c);
        seen.push(c.clone());
        new
    });
    list
}

async fn write_keywords(
    tx: &mut sqlx::PgConnection,
    filter_id: i64,
    existing: &[FilterKeyword],
    keywords: &[KeywordInput],
) -> Result<()> {
    for k in keywords {
        match k.id {
            Some(kid) => {
                let Some(old) = existing.iter().find(|e| e.id == kid) else {
                    return Err(Error::NotFound);
                };
                if k.destroy {
                    store::filters::delete_keyword(&mut *tx, kid).await?;
                } else {
                    let keyword = k.keyword.as_deref().map(str::trim).unwrap_or(&old.keyword);
                    store::filters::update_keyword(
                        &mut *tx,
                        kid,
                        keyword,
                        k.whole_word.unwrap_or(old.whole_word),
                    )
                    .await?;
                }
            }
            None if k.destroy => {}
            None => {
                store::filters::insert_keyword(
                    &mut *tx,
                    id::next(),
                    filter_id,
                    k.keyword.as_deref().unwrap_or("").trim(),
                    k.whole_word.unwrap_or(true),
                )
                .await?;
            }
        }
    }
    Ok(())
}

pub async fn update(
    state: &AppState,
    owner: &Account,
    id: i64,
    input: &FilterInput,
) -> Result<Filter> {
    check(input, false)?;
    let old = get(state, owner, id).await?;
    let mut tx = state.db.begin().await?;
    let context = dedup(input.context.clone().unwrap_or(old.context.clone()));
    store::filters::update(
        &mut *tx,
        id,
        &store::filters::FilterValues {
            title: input.title.as_deref().map(str::trim).unwrap_or(&old.title),
            context: &context,
            filter_action: input.filter_action.as_deref().unwrap_or(&old.filter_action),
            expires_at: match input.expires_in {
                Some(secs) => expiry(secs),
                None => old.expires_at,
            },
        },
    )
    .await?;
    write_keywords(&mut tx, id, &old.keywords, &input.keywords).await?;
    crate::service::streaming::filters_changed(&mut *tx, owner.id).await?;
    tx.commit().await?;
    get(state, owner, id).await
}

pub async fn delete(state: &AppState, owner: &Account, id: i64) -> Result<()> {
    if store::filters::delete(&state.db, owner.id, id).await? {
        crate::service::streaming::filters_changed(&state.db, owner.id).await?;
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Adds a keyword to one of the owner's filters.
pub async fn add_keyword(
    state: &AppState,
    owner: &Account,
    filter_id: i64,
    k: &KeywordInput,
) -> Result<FilterKeyword> {
    // A keyword added on its own must be given (in a filter's list, a missing one only means
    // unchanged).
    if k.keyword.is_none() {
        return Err(Error::invalid("keyword", "ERR_BLANK", "can't be blank"));
    }
    let filter = get(state, owner, filter_id).await?;
    let input = FilterInput {
        keywords: vec![KeywordInput {
            id: None,
            destroy: false,
            ..k.clone()
        }],
        ..FilterInput::default()
    };
    check(&input, false)?;
    let kid = id::next();
    store::filters::insert_keyword(
        &state.db,
        kid,
        filter.id,
        k.keyword.as_deref().unwrap_or("").trim(),
        k.whole_word.unwrap_or(true),
    )
    .await?;
    crate::service::streaming::filters_changed(&state.db, owner.id).await?;
    keyword(state, owner, kid).await
}

pub async fn keyword(state: &AppState, owner: &Account, id: i64) -> Result<FilterKeyword> {
    match store::filters::keyword(&state.db, id).await? {
        Some((k, o)) if o == owner.id => Ok(k),
        _ => Err(Error::NotFound),
    }
}

pub async fn update_keyword(
    state: &AppState,
    owner: &Account,
    id: i64,
    k: &KeywordInput,
) -> Result<FilterKeyword> {
    let old = keyword(state, owner, id).await?;
    let input = FilterInput {
        keywords: vec![KeywordInput {
            id: Some(id),
            destroy: false,
            ..k.clone()
        }],
        ..FilterInput::default()
    };
    check(&input, false)?;
    store::filters::update_keyword(
        &state.db,
        id,
        k.keyword.as_deref().map(str::trim).unwrap_or(&old.keyword),
        k.whole_word.unwrap_or(old.whole_word),
    )
    .await?;
    crate::service::streaming::filters_changed(&state.db, owner.id).await?;
    keyword(state, owner, id).await
}

pub async fn delete_keyword(state: &AppState, owner: &Account, id: i64) -> Result<()> {
    keyword(state, owner, id).await?;
    store::filters::delete_keyword(&state.db, id).await?;
    crate::service::streaming::filters_changed(&state.db, owner.id).await?;
    Ok(())
}

/// The statuses of one of the owner's filters.
pub async fn statuses(
    state: &AppState,
    owner: &Account,
    filter_id: i64,
) -> Result<Vec<FilterStatus>> {
    Ok(get(state, owner, filter_id).await?.statuses)
}

/// Adds a status the owner may see to one of their filters; 422 when it is there already.
pub async fn add_status(
    state: &AppState,
    owner: &Account,
    filter_id: i64,
    status_id: i64,
) -> Result<FilterStatus> {
    let filter = get(state, owner, filter_id).await?;
    crate::service::views::one(state, Some(owner), status_id).await?;
    let id = id::next();
    if !store::filters::insert_status(&state.db, id, filter.id, status_id).await? {
        return Err(Error::invalid(
            "status_id",
            "ERR_TAKEN",
            "has already been taken",
        ));
    }
    crate::service::streaming::filters_changed(&state.db, owner.id).await?;
    filter_status(state, owner, id).await
}

/// One of the owner's filter statuses.
pub async fn filter_status(state: &AppState, owner: &Account, id: i64) -> Result<FilterStatus> {
    match store::filters::filter_status(&state.db, id).await? {
        Some((s, o)) if o == owner.id => Ok(s),
        _ => Err(Error::NotFound),
    }
}

pub async fn delete_status(state: &AppState, owner: &Account, id: i64) -> Result<()> {
    filter_status(state, owner, id).await?;
    store::filters::delete_status(&state.db, id).await?;
    crate::service::streaming::filters_changed(&state.db, owner.id).await?;
    Ok(())
}

/// Hides `domain` for `owner`: its accounts leave the owner's public timelines, and the
/// owner's followers there are removed (as on Mastodon).
pub async fn block_domain(state: &AppState, owner: &Account, raw: &str) -> Result<()> {
    let domain = super::domains::normalize_domain(raw)
        .ok_or_else(|| Error::invalid("domain", "ERR_INVALID", "is not a valid domain"))?;
    if domain.eq_ignore_ascii_case(&state.config.domain) {
        return Err(Error::invalid(
            "domain",
            "ERR_INVALID",
            "cannot be this instance",
        ));
    }
    let mut tx = state.db.begin().await?;
    store::filters::insert_domain_block(&mut *tx, id::next(), owner.id, &domain).await?;
    for follower in store::filters::followers_from_domain(&mut *tx, owner.id, &domain).await? {
        store::relationships::delete_follow(&mut tx, follower, owner.id).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn unblock_domain(state: &AppState, owner: &Account, raw: &str) -> Result<()> {
    let domain = super::domains::normalize_domain(raw)
        .ok_or_else(|| Error::invalid("domain", "ERR_INVALID", "is not a valid domain"))?;
    store::filters::delete_domain_block(&state.db, owner.id, &domain).await?;
    Ok(())
}

pub async fn blocked_domains(
    state: &AppState,
    owner: &Account,
    page: &Page,
) -> Result<Vec<UserDomainBlock>> {
    Ok(store::filters::domain_blocks_page(&state.db, owner.id, page).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_text() {
        assert_eq!(plain_text("<p>a<br>b &amp; c</p>").trim(), "a b & c");
    }
}
