//! The instance's own pages: texts administrators set, terms of service, weekly activity.

use chrono::{DateTime, NaiveDate, Utc};

/// A text an administrator set: as written, as HTML, and when.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InstanceText {
    pub text: String,
    pub content: String,
    pub updated_at: DateTime<Utc>,
}

/// One version of the terms of service.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Terms {
    pub effective_date: NaiveDate,
    pub content: String,
}

/// One week's activity.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Week {
    /// Its Monday, midnight UTC.
    pub week: DateTime<Utc>,
    pub statuses: i64,
    pub logins: i64,
    pub registrations: i64,
}
