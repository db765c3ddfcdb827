//! Announcements: administrators write, schedule, edit and delete them (each action in the
//! audit log); every local user reads the published ones, dismisses them and reacts to them
//! with emoji. Changes reach user streams as `announcement`, `announcement.reaction` and
//! `announcement.delete` events; a scheduled one's `announcement` event is sent by a
//! `publish_announcement` job queued for its time ([`went_live`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::content::status::{self as text, Token};
use crate::error::{Error, Result, Validation};
use crate::model::announcement::{is_unicode_emoji, Announcement, ReactionCount, MAX_REACTIONS};
use crate::model::{Account, CustomEmoji, StatusView};
use crate::service::queue::{self, AnnouncementAt, Job};
use crate::{id, store};

/// An announcement as one reader sees it.
#[derive(Clone, Debug)]
pub struct AnnouncementView {
    pub announcement: Announcement,
    /// Whether the reader dismissed it (`None`: read by an administrator's listing).
    pub read: Option<bool>,
    pub reactions: Vec<ReactionCount>,
    pub mentions: Vec<Account>,
    /// The linked local statuses the reader may see.
    pub statuses: Vec<StatusView>,
    /// The instance's custom emoji its text writes as `:shortcode:`.
    pub emojis: Vec<CustomEmoji>,
}

/// The published announcements, oldest first, with or without those `reader` dismissed.
pub async fn published(
    state: &AppState,
    reader: &Account,
    with_dismissed: bool,
) -> Result<Vec<AnnouncementView>> {
    let rows = store::announcements::published(&state.db, reader.id, with_dismissed).await?;
    views(state, Some(reader), rows).await
}

/// One published announcement as `reader` sees it; `None` when it is not published.
pub async fn view_for(
    state: &AppState,
    reader: &Account,
    id: i64,
) -> Result<Option<AnnouncementView>> {
    let Some(row) = store::announcements::by_id(&state.db, id)
        .await?
        .filter(|a| a.is_published(Utc::now()))
    else {
        return Ok(None);
    };
    Ok(views(state, Some(reader), vec![row]).await?.pop())
}

async fn views(
    state: &AppState,
    reader: Option<&Account>,
    rows: Vec<Announcement>,
) -> Result<Vec<AnnouncementView>> {
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let dismissed: HashSet<i64> = match reader {
        Some(r) => store::announcements::dismissed_of(&state.db, r.id, &ids)
            .await?
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    let mut reactions: HashMap<i64, Vec<ReactionCount>> = HashMap::new();
    for r in store::announcements::reactions(&state.db, &ids, reader.map(|r| r.id)).await? {
        reactions.entry(r.announcement_id).or_default().push(r);
    }
    let account_ids: Vec<i64> = rows.iter().flat_map(|a| a.mention_ids.clone()).collect();
    let accounts: HashMap<i64, Account> = store::accounts::by_ids(&state.db, &account_ids)
        .await?
        .into_iter()
        .filter(|a| !a.is_suspended())
        .map(|a| (a.id, a))
        .collect();
    let status_ids: Vec<i64> = rows.iter().flat_map(|a| a.status_ids.clone()).collect();
    let statuses: HashMap<i64, StatusView> =
        crate::service::views::hydrate(state, reader, &status_ids)
            .await?
            .into_iter()
            .map(|v| (v.status.id, v))
            .collect();
    let mut emojis = crate::service::emojis::for_statuses(
        &state.db,
        rows.iter().map(|a| (a.id, None, [a.text.as_str(), ""])),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|a| AnnouncementView {
            emojis: emojis.remove(&a.id).unwrap_or_default(),
            read: reader.map(|_| dismissed.contains(&a.id)),
            reactions: reactions.remove(&a.id).unwrap_or_default(),
            mentions: a
                .mention_ids
                .iter()
                .filter_map(|id| accounts.get(id).cloned())
                .collect(),
            statuses: a
                .status_ids
                .iter()
                .filter_map(|id| statuses.get(id).cloned())
                .collect(),
            announcement: a,
        })
        .collect())
}

/// `reader` dismisses a published announcement (marks it read).
pub async fn dismiss(state: &AppState, reader: &Account, id: i64) -> Result<()> {
    published_one(state, id).await?;
    store::announcements::dismiss(&state.db, id, reader.id).await?;
    Ok(())
}

async fn published_one(state: &AppState, id: i64) -> Result<Announcement> {
    store::announcements::by_id(&state.db, id)
        .await?
        .filter(|a| a.is_published(Utc::now()))
        .ok_or(Error::NotFound)
}

/// `reader` reacts to a published announcement with the Unicode emoji `name` (at most
/// [`MAX_REACTIONS`] distinct emoji per announcement). Reacting twice changes nothing.
pub async fn react(state: &AppState, reader: &Account, id: i64, name: &str) -> Result<()> {
    published_one(state, id).await?;
    if !is_unicode_emoji(name) {
        return Err(Error::invalid(
            "name",
            "ERR_INVALID",
            "is not a valid emoji",
        ));
    }
    let mut tx = state.db.begin().await?;
    let names = store::announcements::reaction_names(&mut *tx, id).await?;
    if !names.iter().any(|n| n == name) && names.len() >= MAX_REACTIONS {
        return Err(Error::unprocessable(format!(
            "Validation failed: Name maximum number of different reactions reached ({MAX_REACTIONS})"
        )));
    }
    if store::announcements::add_reaction(&mut *tx, id, reader.id, name).await? {
        let count = store::announcements::reaction_count(&mut *tx, id, name).await?;
        crate::service::streaming::announcement_reacted(&mut *tx, id, name, count).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `reader` takes back their reaction `name`; not found when they had none.
pub async fn unreact(state: &AppState, reader: &Account, id: i64, name: &str) -> Result<()> {
    published_one(state, id).await?;
    let mut tx = state.db.begin().await?;
    if !store::announcements::remove_reaction(&mut *tx, id, reader.id, name).await? {
        return Err(Error::NotFound);
    }
    let count = store::announcements::reaction_count(&mut *tx, id, name).await?;
    crate::service::streaming::announcement_reacted(&mut *tx, id, name, count).await?;
    tx.commit().await?;
    Ok(())
}

/// Every announcement, drafts and scheduled ones included (administrators).
pub async fn all(state: &AppState) -> Result<Vec<AnnouncementView>> {
    let rows = store::announcements::all(&state.db).await?;
    views(state, None, rows).await
}

/// One announcement, whatever its state (administrators).
pub async fn get(state: &AppState, id: i64) -> Result<AnnouncementView> {
    let row = store::announcements::by_id(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    views(state, None, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// An announcement as an administrator writes it; `None` leaves a field as it was.
#[derive(Debug, Default)]
pub struct AnnouncementInput {
    pub text: Option<String>,
    /// `Some(None)` clears it.
    pub starts_at: Option<Option<DateTime<Utc>>>,
    pub ends_at: Option<Option<DateTime<Utc>>>,
    pub all_day: Option<bool>,
    /// `Some(false)`: a draft (or back to one); `Some(true)`: published, at `scheduled_at`
    /// if given, else now.
    pub published: Option<bool>,
    pub scheduled_at: Option<DateTime<Utc>>,
}

/// A time as an administrator gives it (API and CLI alike): RFC 3339, or a date (midnight
/// UTC) for all-day events. `None` when it is neither.
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Queues the `announcement` event of `a` for when it becomes visible, if that is later
/// than `now` (a job whose time no longer matches, after a reschedule, does nothing).
async fn schedule_event(
    db: &mut sqlx::PgConnection,
    a: &Announcement,
    now: DateTime<Utc>,
) -> Result<()> {
    match a.published_at {
        Some(at) if at > now => {
            let job = Job::PublishAnnouncement(AnnouncementAt {
                announcement_id: a.id,
                published_at: at,
            });
            queue::enqueue_at(db, &job, at).await
        }
        _ => Ok(()),
    }
}

/// A scheduled announcement's time has come (the `publish_announcement` job): readers'
/// streams hear of it, unless it was deleted, unpublished or rescheduled since (the job
/// carries the time it was queued for). Whether it was sent.
#[tracing::instrument(skip_all, fields(announcement.id = id))]
pub async fn went_live(state: &AppState, id: i64, scheduled_for: DateTime<Utc>) -> Result<bool> {
    let Some(a) = store::announcements::by_id(&state.db, id).await? else {
        return Ok(false);
    };
    if a.published_at != Some(scheduled_for) || !a.is_published(Utc::now()) {
        return Ok(false);
    }
    let mut tx = state.db.begin().await?;
    crate::service::streaming::announcement_published(&mut *tx, a.id).await?;
    tx.commit().await?;
    Ok(true)
}

/// What the text mentions, tags and links to, and its HTML.
async fn render_text(state: &AppState, body: &str, a: &mut Announcement) -> Result<()> {
    let resolved = crate::service::statuses::resolve_mentions(state, body).await?;
    let mentions: Vec<_> = resolved.iter().map(|(m, _)| m.clone()).collect();
    let rendered = text::render(body, &mentions, &state.base_url());
    a.content = rendered.html;
    a.tags = rendered.tags;
    a.mention_ids = resolved.iter().map(|(_, acc)| acc.id).collect();
    let base = state.base_url();
    let mut linked = Vec::new();
    for token in text::tokenize(body) {
        if let Token::Url(url) = token {
            if let Some(id) = local_status_id(&base, url) {
                if !linked.contains(&id) {
                    linked.push(id);
                }
            }
        }
    }
    // Only statuses that exist; who may see each is decided when it is read.
    let found: HashSet<i64> = crate::service::views::hydrate(state, None, &linked)
        .await?
        .into_iter()
        .map(|v| v.status.id)
        .collect();
    a.status_ids = linked.into_iter().filter(|id| found.contains(id)).collect();
    Ok(())
}

/// The id in a link to a status of this instance (`/@user/ID`, `/users/user/statuses/ID`).
fn local_status_id(base: &str, url: &str) -> Option<i64> {
    let path = url.strip_prefix(base)?;
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let raw = match parts.as_slice() {
        [user, id] if user.starts_with('@') => *id,
        ["users", _, "statuses", id] => *id,
        _ => return None,
    };
    crate::id::parse(raw)
}

fn check(a: &Announcement) -> Result<()> {
    let mut v = Validation::default();
    if a.text.trim().is_empty() {
        v.add("text", "ERR_BLANK", "can't be blank");
    }
    match (a.starts_at, a.ends_at) {
        (Some(_), None) => v.add("ends_at", "ERR_BLANK", "can't be blank"),
        (None, Some(_)) => v.add("starts_at", "ERR_BLANK", "can't be blank"),
        (Some(s), Some(e)) if e < s => v.add("ends_at", "ERR_INVALID", "must be after starts_at"),
        _ => {}
    }
    v.finish()
}

fn apply(a: &mut Announcement, input: &AnnouncementInput, now: DateTime<Utc>) {
    if let Some(t) = &input.text {
        a.text = t.trim().to_string();
    }
    if let Some(s) = input.starts_at {
        a.starts_at = s;
    }
    if let Some(e) = input.ends_at {
        a.ends_at = e;
    }
    if let Some(d) = input.all_day {
        a.all_day = d;
    }
    match (input.published, input.scheduled_at) {
        (Some(false), _) => a.published_at = None,
        (_, Some(at)) => a.published_at = Some(at),
        (Some(true), None) if !a.is_published(now) => a.published_at = Some(now),
        _ => {}
    }
}

/// Creates an announcement: published now unless it is a draft or scheduled.
pub async fn create(
    state: &AppState,
    admin: Option<&Account>,
    input: &AnnouncementInput,
) -> Result<AnnouncementView> {
    let now = Utc::now();
    let mut a = Announcement {
        id: id::next(),
        text: String::new(),
        content: String::new(),
        mention_ids: Vec::new(),
        tags: Vec::new(),
        status_ids: Vec::new(),
        starts_at: None,
        ends_at: None,
        all_day: false,
        published_at: Some(now),
        created_at: now,
        updated_at: now,
    };
    apply(&mut a, input, now);
    check(&a)?;
    let body = a.text.clone();
    render_text(state, &body, &mut a).await?;
    let mut tx = state.db.begin().await?;
    store::announcements::save(&mut *tx, &a).await?;
    crate::service::moderation::audit(
        &mut *tx,
        admin,
        "create_announcement",
        "Announcement",
        Some(a.id),
        &a.text,
        "",
    )
    .await?;
    if a.is_published(now) {
        crate::service::streaming::announcement_published(&mut *tx, a.id).await?;
    }
    schedule_event(&mut tx, &a, now).await?;
    tx.commit().await?;
    get(state, a.id).await
}

/// Edits an announcement; readers' streams hear of it when it is (still) published, and of
/// its removal when it no longer is.
pub async fn update(
    state: &AppState,
    admin: Option<&Account>,
    id: i64,
    input: &AnnouncementInput,
) -> Result<AnnouncementView> {
    let now = Utc::now();
    let mut a = store::announcements::by_id(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let was_published = a.is_published(now);
    apply(&mut a, input, now);
    a.updated_at = now;
    check(&a)?;
    if input.text.is_some() {
        let body = a.text.clone();
        render_text(state, &body, &mut a).await?;
    }
    let mut tx = state.db.begin().await?;
    store::announcements::save(&mut *tx, &a).await?;
    crate::service::moderation::audit(
        &mut *tx,
        admin,
        "update_announcement",
        "Announcement",
        Some(a.id),
        &a.text,
        "",
    )
    .await?;
    if a.is_published(now) {
        crate::service::streaming::announcement_published(&mut *tx, a.id).await?;
    } else if was_published {
        crate::service::streaming::announcement_deleted(&mut *tx, a.id).await?;
    }
    schedule_event(&mut tx, &a, now).await?;
    tx.commit().await?;
    get(state, a.id).await
}

/// Deletes an announcement.
pub async fn delete(state: &AppState, admin: Option<&Account>, id: i64) -> Result<()> {
    let a = store::announcements::by_id(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut tx = state.db.begin().await?;
    store::announcements::delete(&mut *tx, id).await?;
    crate::service::moderation::audit(
        &mut *tx,
        admin,
        "destroy_announcement",
        "Announcement",
        Some(id),
        &a.text,
        "",
    )
    .await?;
    if a.is_published(Utc::now()) {
        crate::service::streaming::announcement_deleted(&mut *tx, id).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_local_statuses_are_found() {
        let base = "https://example.com";
        assert_eq!(
            local_status_id(base, "https://example.com/@alice/123"),
            Some(123)
        );
        assert_eq!(
            local_status_id(base, "https://example.com/users/alice/statuses/77"),
            Some(77)
        );
        assert_eq!(
            local_status_id(base, "https://other.example/@alice/123"),
            None
        );
        assert_eq!(local_status_id(base, "https://example.com/@alice"), None);
        assert_eq!(local_status_id(base, "https://example.com/about"), None);
    }
}
