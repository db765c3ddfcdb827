//! The instance's pages beyond `/api/v1/instance`: the peers it knows and its weekly
//! activity (each published only when the configuration says so), the extended description,
//! privacy policy and terms of service administrators set, and the languages it knows.

use chrono::{NaiveDate, Utc};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::instance::{InstanceText, Week};
use crate::model::Account;
use crate::store;

/// Weeks `/api/v1/instance/activity` covers.
pub const ACTIVITY_WEEKS: i32 = 12;

/// The domains this instance knows, or not found when the configuration keeps them private
/// (or federation is limited to allowed domains, as Mastodon hides them then).
pub async fn peers(state: &AppState) -> Result<Vec<String>> {
    if !state.config.instance.peers_api || state.config.moderation.allowlist_mode {
        return Err(Error::NotFound);
    }
    Ok(store::instance::peers(&state.db).await?)
}

/// The last twelve weeks, this one first; not found when the configuration keeps them
/// private (or federation is limited).
pub async fn activity(state: &AppState) -> Result<Vec<Week>> {
    if !state.config.instance.activity_api || state.config.moderation.allowlist_mode {
        return Err(Error::NotFound);
    }
    Ok(store::instance::activity(&state.db, ACTIVITY_WEEKS).await?)
}

/// The extended description, if an administrator wrote one.
pub async fn extended_description(state: &AppState) -> Result<Option<InstanceText>> {
    Ok(store::instance::text(&state.db, "extended_description").await?)
}

/// The privacy policy; not found until an administrator writes one.
pub async fn privacy_policy(state: &AppState) -> Result<InstanceText> {
    store::instance::text(&state.db, "privacy_policy")
        .await?
        .ok_or(Error::NotFound)
}

/// One version of the terms of service as clients see it.
pub struct TermsView {
    pub effective_date: NaiveDate,
    /// Already in effect.
    pub effective: bool,
    pub content: String,
    /// The date of the version that replaces it, if one is set.
    pub succeeded_by: Option<NaiveDate>,
}

/// The terms in effect (or, before any is, the next to be); with `date`, the version of that
/// date. Not found when there is none.
pub async fn terms_of_service(state: &AppState, date: Option<&str>) -> Result<TermsView> {
    let versions = store::instance::terms(&state.db).await?;
    let today = Utc::now().date_naive();
    let index = match date {
        Some(raw) => {
            let wanted = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| Error::NotFound)?;
            versions.iter().position(|t| t.effective_date == wanted)
        }
        None => versions
            .iter()
            .rposition(|t| t.effective_date <= today)
            .or(if versions.is_empty() { None } else { Some(0) }),
    }
    .ok_or(Error::NotFound)?;
    let t = &versions[index];
    Ok(TermsView {
        effective_date: t.effective_date,
        effective: t.effective_date <= today,
        content: t.content.clone(),
        succeeded_by: versions.get(index + 1).map(|n| n.effective_date),
    })
}

/// What an administrator changes of the instance's texts; `None` leaves one as it is, an
/// empty text removes it.
#[derive(Debug, Default)]
pub struct TextsChange {
    pub extended_description: Option<String>,
    pub privacy_policy: Option<String>,
    /// New terms of service, in effect from `terms_effective_date` (today if not given).
    pub terms: Option<String>,
    pub terms_effective_date: Option<NaiveDate>,
}

/// Applies `change`, in the audit log under `admin`.
pub async fn update_texts(
    state: &AppState,
    admin: Option<&Account>,
    change: &TextsChange,
) -> Result<()> {
    if change.terms.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(Error::invalid("terms", "ERR_BLANK", "can't be blank"));
    }
    if change.terms.is_none() && change.terms_effective_date.is_some() {
        return Err(Error::invalid("terms", "ERR_BLANK", "can't be blank"));
    }
    let mut tx = state.db.begin().await?;
    let mut changed = Vec::new();
    for (name, text) in [
        ("extended_description", &change.extended_description),
        ("privacy_policy", &change.privacy_policy),
    ] {
        if let Some(text) = text {
            store::instance::set_text(&mut *tx, name, text, &crate::content::render_plain(text))
                .await?;
            changed.push(name);
        }
    }
    if let Some(terms) = &change.terms {
        let date = change
            .terms_effective_date
            .unwrap_or_else(|| Utc::now().date_naive());
        store::instance::set_terms(&mut *tx, date, terms, &crate::content::render_plain(terms))
            .await?;
        changed.push("terms_of_service");
    }
    if !changed.is_empty() {
        crate::service::moderation::audit(
            &mut *tx,
            admin,
            "update_instance",
            "Instance",
            None,
            &changed.join(", "),
            "",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
