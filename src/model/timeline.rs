//! What a timeline request asks for: which public statuses, which of an account's statuses,
//! which reaction list. The service reads them, the store turns them into queries.

/// Which public statuses a public timeline shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct PublicScope {
    pub local_only: bool,
    pub remote_only: bool,
    pub only_media: bool,
}

/// Filters of an account's status list.
#[derive(Clone, Debug, Default)]
pub struct AccountStatusFilter {
    pub pinned: bool,
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub only_media: bool,
    /// A hashtag name, without its `#`.
    pub tagged: Option<String>,
}

/// Which reaction list to page through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reaction {
    Favourites,
    Bookmarks,
}
