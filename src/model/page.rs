//! Which slice of a newest-first list a client asked for (Mastodon's `max_id`, `since_id`,
//! `min_id`, `limit`).

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// Only items older than this.
    pub max_id: Option<i64>,
    /// Only items newer than this, the newest first.
    pub since_id: Option<i64>,
    /// Only items newer than this, the ones just after it (paging backwards).
    pub min_id: Option<i64>,
    pub limit: i64,
}

impl Page {
    pub fn first(limit: i64) -> Page {
        Page {
            limit,
            ..Page::default()
        }
    }

    /// The lower bound, exclusive.
    pub fn lower(&self) -> Option<i64> {
        match (self.min_id, self.since_id) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// With `min_id` the items just above it are wanted: the query runs oldest first and the
    /// result is reversed afterwards.
    pub fn ascending(&self) -> bool {
        self.min_id.is_some()
    }

    /// `ASC` or `DESC`, for the query's `ORDER BY`.
    pub fn order(&self) -> &'static str {
        if self.ascending() {
            "ASC"
        } else {
            "DESC"
        }
    }

    /// Puts rows fetched in [`Page::order`] back into newest-first order.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        if self.ascending() {
            rows.reverse();
        }
        rows
    }
}
