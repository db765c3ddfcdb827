//! Quote posts (Mastodon 4.5, FEP-044f): who may quote a status, and the state of a quote.

/// Who may quote a status without asking (Mastodon's `quote_approval_policy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotePolicy {
    /// Anyone.
    Public,
    /// The author's followers (and the author).
    Followers,
    /// The author alone.
    Nobody,
    /// A remote status whose server approves quotes by hand (`manualApproval` names the public).
    Manual,
}

impl QuotePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotePolicy::Public => "public",
            QuotePolicy::Followers => "followers",
            QuotePolicy::Nobody => "nobody",
            QuotePolicy::Manual => "manual",
        }
    }

    /// The policy as stored; `None` for an unknown word.
    pub fn parse(raw: &str) -> Option<QuotePolicy> {
        match raw {
            "public" => Some(QuotePolicy::Public),
            "followers" => Some(QuotePolicy::Followers),
            "nobody" => Some(QuotePolicy::Nobody),
            "manual" => Some(QuotePolicy::Manual),
            _ => None,
        }
    }

    /// A client's `quote_approval_policy`: the three a local author may choose.
    pub fn from_client(raw: &str) -> Option<QuotePolicy> {
        QuotePolicy::parse(raw).filter(|p| *p != QuotePolicy::Manual)
    }

    /// The policy a local status of `visibility` may have: as on Mastodon, a followers-only or
    /// direct status can be quoted by its author alone, whatever was asked.
    pub fn for_visibility(self, visibility: super::Visibility) -> QuotePolicy {
        match visibility {
            super::Visibility::Public | super::Visibility::Unlisted => self,
            _ => QuotePolicy::Nobody,
        }
    }
}

impl TryFrom<String> for QuotePolicy {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        QuotePolicy::parse(&raw).ok_or_else(|| format!("unknown quote policy {raw:?}"))
    }
}

/// What a status's quote policy means for one would-be quoter (Mastodon's
/// `quote_approval.current_user`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteApproval {
    /// Quoting is approved at once.
    Automatic,
    /// The quoted author's server decides by hand.
    Manual,
    Denied,
    /// The quoted status's server states no policy.
    Unknown,
}

impl QuoteApproval {
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteApproval::Automatic => "automatic",
            QuoteApproval::Manual => "manual",
            QuoteApproval::Denied => "denied",
            QuoteApproval::Unknown => "unknown",
        }
    }

    /// What `policy` (`None`: not stated) means for a quoter who is (`own`) the author or
    /// (`follows`) follows them.
    pub fn of(policy: Option<QuotePolicy>, own: bool, follows: bool) -> QuoteApproval {
        if own {
            return QuoteApproval::Automatic;
        }
        match policy {
            None => QuoteApproval::Unknown,
            Some(QuotePolicy::Public) => QuoteApproval::Automatic,
            Some(QuotePolicy::Followers) if follows => QuoteApproval::Automatic,
            Some(QuotePolicy::Manual) => QuoteApproval::Manual,
            Some(_) => QuoteApproval::Denied,
        }
    }
}

/// The state of a quote, as stored (Mastodon's `Quote#state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteState {
    Pending,
    Accepted,
    Rejected,
    Revoked,
    Deleted,
}

impl QuoteState {
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteState::Pending => "pending",
            QuoteState::Accepted => "accepted",
            QuoteState::Rejected => "rejected",
            QuoteState::Revoked => "revoked",
            QuoteState::Deleted => "deleted",
        }
    }

    pub fn parse(raw: &str) -> Option<QuoteState> {
        match raw {
            "pending" => Some(QuoteState::Pending),
            "accepted" => Some(QuoteState::Accepted),
            "rejected" => Some(QuoteState::Rejected),
            "revoked" => Some(QuoteState::Revoked),
            "deleted" => Some(QuoteState::Deleted),
            _ => None,
        }
    }
}

/// A stored quote.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Quote {
    pub id: i64,
    pub status_id: i64,
    pub account_id: i64,
    pub quoted_status_id: Option<i64>,
    pub quoted_account_id: Option<i64>,
    pub quoted_uri: String,
    #[sqlx(try_from = "String")]
    pub state: StoredState,
    pub activity_uri: Option<String>,
    pub approval_uri: Option<String>,
    pub legacy: bool,
}

/// [`QuoteState`] as read from a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredState(pub QuoteState);

impl TryFrom<String> for StoredState {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        QuoteState::parse(&raw)
            .map(StoredState)
            .ok_or_else(|| format!("unknown quote state {raw}"))
    }
}

/// A status's quote as one viewer sees it.
#[derive(Clone, Debug)]
pub struct QuoteView {
    pub state: QuoteState,
    /// The quoted status when the viewer may see it (only one level deep: a quoted status's
    /// own quote carries none).
    pub quoted: Option<Box<super::StatusView>>,
    /// The quoted status's id here, when known.
    pub quoted_status_id: Option<i64>,
    pub quoted_uri: String,
    /// The quoted status's web page, for the `RE:` fallback of older servers.
    pub quoted_url: Option<String>,
    /// The stamp peers check (`quoteAuthorization`), once accepted.
    pub approval_uri: Option<String>,
    /// Why the viewer is shown the accepted quote behind a notice (their own block, domain
    /// block or mute of the quoted author); `None` otherwise.
    pub barrier: Option<QuoteBarrier>,
}

/// The viewer's own reason not to be shown a quoted status outright (Mastodon 4.5's extra
/// quote states): the status is still sent, for the client to reveal on request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteBarrier {
    BlockedDomain,
    BlockedAccount,
    MutedAccount,
}

impl QuoteBarrier {
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteBarrier::BlockedDomain => "blocked_domain",
            QuoteBarrier::BlockedAccount => "blocked_account",
            QuoteBarrier::MutedAccount => "muted_account",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_follows_the_policy() {
        use QuoteApproval as A;
        assert_eq!(
            QuoteApproval::of(Some(QuotePolicy::Nobody), true, false),
            A::Automatic
        );
        assert_eq!(
            QuoteApproval::of(Some(QuotePolicy::Public), false, false),
            A::Automatic
        );
        assert_eq!(
            QuoteApproval::of(Some(QuotePolicy::Followers), false, true),
            A::Automatic
        );
        assert_eq!(
            QuoteApproval::of(Some(QuotePolicy::Followers), false, false),
            A::Denied
        );
        assert_eq!(
            QuoteApproval::of(Some(QuotePolicy::Nobody), false, true),
            A::Denied
        );
        assert_eq!(
            QuoteApproval::of(Some(QuotePolicy::Manual), false, false),
            A::Manual
        );
        assert_eq!(QuoteApproval::of(None, false, false), A::Unknown);
        assert_eq!(QuotePolicy::from_client("manual"), None);
        assert_eq!(
            QuotePolicy::Public.for_visibility(crate::model::Visibility::Private),
            QuotePolicy::Nobody
        );
    }
}
