//! Mastodon's v1 filters, kept for older clients, mapped onto the v2 filters as Mastodon
//! maps them: a v1 filter is one keyword of a v2 filter (its id is the keyword's), with the
//! phrase as keyword (and title), `irreversible` as the `hide` action, and the context and
//! expiry of the filter it belongs to. Creating one makes a v2 filter with that one keyword.
//!
//! A v2 filter with several keywords shows as several v1 filters; through v1, only their
//! phrase and whole-word flag may change then (what they share cannot be changed for one of
//! them), as on Mastodon. Deleting the last keyword of a filter deletes the filter, which
//! would otherwise match nothing.

use super::filters::{self, FilterInput, KeywordInput};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::moderation::{Filter, FilterKeyword};
use crate::model::Account;

/// A v1 filter: one keyword and the filter it belongs to.
pub struct FilterV1 {
    pub keyword: FilterKeyword,
    pub filter: Filter,
}

/// A v1 filter as given; `None` leaves a part as it is (on update).
#[derive(Debug, Default)]
pub struct FilterV1Input {
    pub phrase: Option<String>,
    pub context: Option<Vec<String>>,
    pub irreversible: Option<bool>,
    pub whole_word: Option<bool>,
    /// `Some(None)`: never expires.
    pub expires_in: Option<Option<i64>>,
}

fn action(irreversible: bool) -> String {
    if irreversible { "hide" } else { "warn" }.to_string()
}

/// Every keyword of the owner's filters, as v1 filters.
pub async fn list(state: &AppState, owner: &Account) -> Result<Vec<FilterV1>> {
    Ok(filters::list(state, owner)
        .await?
        .into_iter()
        .flat_map(|filter| {
            filter
                .keywords
                .clone()
                .into_iter()
                .map(move |keyword| FilterV1 {
                    keyword,
                    filter: filter.clone(),
                })
        })
        .collect())
}

pub async fn get(state: &AppState, owner: &Account, id: i64) -> Result<FilterV1> {
    let keyword = filters::keyword(state, owner, id).await?;
    let filter = filters::get(state, owner, keyword.filter_id).await?;
    Ok(FilterV1 { keyword, filter })
}

/// The v1 filter of keyword `id` in a filter just written.
fn view(filter: Filter, id: i64) -> Result<FilterV1> {
    let keyword = filter
        .keywords
        .iter()
        .find(|k| k.id == id)
        .cloned()
        .ok_or(Error::NotFound)?;
    Ok(FilterV1 { keyword, filter })
}

fn phrase(raw: Option<&str>, required: bool) -> Result<Option<String>> {
    match raw.map(str::trim) {
        Some("") => Err(Error::invalid("phrase", "ERR_BLANK", "can't be blank")),
        None if required => Err(Error::invalid("phrase", "ERR_BLANK", "can't be blank")),
        other => Ok(other.map(str::to_string)),
    }
}

/// Creates a v2 filter titled by the phrase, with the phrase as its one keyword.
pub async fn create(state: &AppState, owner: &Account, input: FilterV1Input) -> Result<FilterV1> {
    let phrase = phrase(input.phrase.as_deref(), true)?;
    let filter = filters::create(
        state,
        owner,
        &FilterInput {
            title: phrase.clone(),
            context: Some(input.context.unwrap_or_default()),
            filter_action: Some(action(input.irreversible.unwrap_or(false))),
            expires_in: input.expires_in,
            keywords: vec![KeywordInput {
                keyword: phrase,
                whole_word: Some(input.whole_word.unwrap_or(true)),
                ..KeywordInput::default()
            }],
        },
    )
    .await?;
    let id = filter
        .keywords
        .first()
        .map(|k| k.id)
        .ok_or_else(|| Error::internal("a new filter has no keyword"))?;
    view(filter, id)
}

/// Changes a v1 filter: its keyword, and the filter it belongs to when that filter has no
/// other keyword.
pub async fn update(
    state: &AppState,
    owner: &Account,
    id: i64,
    input: FilterV1Input,
) -> Result<FilterV1> {
    let FilterV1 { filter, .. } = get(state, owner, id).await?;
    let phrase = phrase(input.phrase.as_deref(), false)?;
    let shared = filter.keywords.len() > 1;
    let new_action = input.irreversible.map(action);
    let changes_filter = input
        .context
        .as_ref()
        .is_some_and(|c| !same_set(c, &filter.context))
        || new_action
            .as_ref()
            .is_some_and(|a| *a != filter.filter_action)
        || input
            .expires_in
            .is_some_and(|e| e.is_some() || filter.expires_at.is_some());
    if shared && changes_filter {
        return Err(Error::unprocessable(
            "Validation failed: These parameters cannot be changed from this application \
             because they apply to more than one filter keyword",
        ));
    }
    let filter = filters::update(
        state,
        owner,
        filter.id,
        &FilterInput {
            title: if shared { None } else { phrase.clone() },
            context: input.context,
            filter_action: new_action,
            expires_in: input.expires_in,
            keywords: vec![KeywordInput {
                id: Some(id),
                keyword: phrase,
                whole_word: input.whole_word,
                destroy: false,
            }],
        },
    )
    .await?;
    view(filter, id)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

/// Deletes a v1 filter: its keyword, and its filter when no keyword is left.
pub async fn delete(state: &AppState, owner: &Account, id: i64) -> Result<()> {
    let FilterV1 { filter, .. } = get(state, owner, id).await?;
    if filter.keywords.len() > 1 {
        filters::delete_keyword(state, owner, id).await
    } else {
        filters::delete(state, owner, filter.id).await
    }
}
