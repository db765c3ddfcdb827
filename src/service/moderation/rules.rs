//! The instance's rules: listed publicly, cited by reports, managed by administrators.

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::moderation::Rule;
use crate::model::Account;
use crate::{id, store};

/// The rules, in the order they are shown.
pub async fn all(state: &AppState) -> Result<Vec<Rule>> {
    Ok(store::rules::all(&state.db).await?)
}

/// One rule; not found if there is no such rule.
pub async fn get(state: &AppState, id: i64) -> Result<Rule> {
    all(state)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(Error::NotFound)
}

/// A rule's text and hint as an administrator gives them.
#[derive(Debug, Default)]
pub struct RuleInput {
    pub text: Option<String>,
    pub hint: Option<String>,
    pub priority: Option<i32>,
}

fn check(input: &RuleInput, creating: bool) -> Result<()> {
    let mut v = Validation::default();
    match input.text.as_deref().map(str::trim) {
        Some("") => v.add("text", "ERR_BLANK", "can't be blank"),
        None if creating => v.add("text", "ERR_BLANK", "can't be blank"),
        Some(t) if t.chars().count() > 300 => v.add(
            "text",
            "ERR_TOO_LONG",
            "is too long (maximum is 300 characters)",
        ),
        _ => {}
    }
    if input
        .hint
        .as_ref()
        .is_some_and(|h| h.chars().count() > 2000)
    {
        v.add(
            "hint",
            "ERR_TOO_LONG",
            "is too long (maximum is 2000 characters)",
        );
    }
    v.finish()
}

pub async fn create(
    state: &AppState,
    moderator: Option<&Account>,
    input: &RuleInput,
) -> Result<Rule> {
    check(input, true)?;
    let rule = Rule {
        id: id::next(),
        text: input.text.as_deref().unwrap_or("").trim().to_string(),
        hint: input.hint.clone().unwrap_or_default(),
        priority: input.priority.unwrap_or(0),
    };
    let mut tx = state.db.begin().await?;
    store::rules::insert(&mut *tx, &rule).await?;
    super::audit(
        &mut *tx,
        moderator,
        "create_rule",
        "Rule",
        Some(rule.id),
        &rule.text,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(rule)
}

pub async fn update(
    state: &AppState,
    moderator: Option<&Account>,
    id: i64,
    input: &RuleInput,
) -> Result<Rule> {
    check(input, false)?;
    let old = store::rules::by_ids(&state.db, &[id])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    let rule = Rule {
        id,
        text: input
            .text
            .as_deref()
            .map(|t| t.trim().to_string())
            .unwrap_or(old.text),
        hint: input.hint.clone().unwrap_or(old.hint),
        priority: input.priority.unwrap_or(old.priority),
    };
    let mut tx = state.db.begin().await?;
    store::rules::update(&mut *tx, &rule).await?;
    super::audit(
        &mut *tx,
        moderator,
        "update_rule",
        "Rule",
        Some(id),
        &rule.text,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(rule)
}

pub async fn delete(state: &AppState, moderator: Option<&Account>, id: i64) -> Result<()> {
    let old = store::rules::by_ids(&state.db, &[id])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    let mut tx = state.db.begin().await?;
    store::rules::delete(&mut *tx, id).await?;
    super::audit(
        &mut *tx,
        moderator,
        "destroy_rule",
        "Rule",
        Some(id),
        &old.text,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
