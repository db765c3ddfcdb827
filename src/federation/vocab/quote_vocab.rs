//! The outbound documents of quote posts (FEP-044f): who may quote a note, and the stamp a
//! quoted author's server issues. Kept apart from `outbound` only for its size.

use serde::Serialize;

/// A note's `interactionPolicy`, as Mastodon 4.5 writes it: only `canQuote`, only automatic
/// approval.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionPolicy {
    pub can_quote: ApprovalRule,
}

/// The actors (or collections) whose interactions are approved at once, and (never on
/// Rookery's own notes, as on Mastodon's) those approved by hand.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRule {
    pub automatic_approval: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub manual_approval: Vec<String>,
}

/// The stamp a quoted author's server issues for one quote (FEP-044f), served at its id.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteAuthorization {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub attributed_to: String,
    pub interacting_object: String,
    pub interaction_target: String,
}

/// A note's `quote`: the quoted object's id or, once that object is deleted, a bare
/// `Tombstone`, as Mastodon writes it (peers then show the quote as deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum QuoteRef {
    Id(String),
    Gone(Gone),
}

/// The `{"type": "Tombstone"}` of a quoted object that is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gone {
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl QuoteRef {
    /// A quoted object that is gone.
    pub fn gone() -> QuoteRef {
        QuoteRef::Gone(Gone { kind: "Tombstone" })
    }
}
