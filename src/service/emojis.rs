//! Custom emoji: the instance's own, added and managed by admins (through the admin API or
//! `rookery admin emoji import`), and those of remote servers, learnt from the `Emoji` tags of
//! their notes and actors and cached like their other media.
//!
//! Which emoji a text uses is decided when it is shown, as on Mastodon: every `:shortcode:`
//! of an enabled emoji of the author's domain (the instance's own for local authors). So an
//! emoji added, disabled or deleted changes every text that writes it, at once. Statuses get
//! theirs when hydrated ([`for_statuses`]); accounts in the query that reads them (their
//! name, bio and fields), and the accounts cache is told when an emoji changes.

pub mod import;

use std::collections::HashMap;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::media::process::{self, ImageRole, ProcessError};
use crate::media::{self as files, Sniffed};
use crate::model::emoji::EmojiQuery;
use crate::model::emoji::{self, CustomEmoji, EmojiCategory, MAX_SHORTCODE};
use crate::model::Account;
use crate::service::media as uploads;
use crate::service::queue::{self, CacheRemoteMedia, Job};
use crate::store::emojis::{EmojiFiles, Recorded, RemoteEmojiRow};
use crate::{id, store};

/// The longest category name (as GoToSocial).
pub const MAX_CATEGORY: usize = 64;

/// Emoji of one remote document that are looked at, at most.
const MAX_REMOTE_PER_DOCUMENT: usize = 50;

/// The enabled emoji of `domain` (`None`: the instance's own) that `texts` write as
/// `:shortcode:`, by shortcode. Statuses, profiles and poll options all find theirs here.
pub async fn used_in(
    state: &AppState,
    domain: Option<&str>,
    texts: &[&str],
) -> Result<Vec<CustomEmoji>> {
    let codes = emoji::shortcodes_in(texts.iter().copied());
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let domains = vec![domain.unwrap_or("").to_string(); codes.len()];
    Ok(store::emojis::enabled_among(&state.db, &domains, &codes).await?)
}

/// The emoji used by each of several texts at once (one query, none when no text writes a
/// `:shortcode:`): `(key, author's domain, texts)` in, the emoji of each key out.
pub async fn for_statuses<'a>(
    db: impl PgExecutor<'_>,
    texts: impl IntoIterator<Item = (i64, Option<&'a str>, [&'a str; 2])>,
) -> Result<HashMap<i64, Vec<CustomEmoji>>> {
    let mut wanted: Vec<(i64, String, Vec<String>)> = Vec::new();
    for (key, domain, texts) in texts {
        let codes = emoji::shortcodes_in(texts);
        if !codes.is_empty() {
            wanted.push((key, domain.unwrap_or("").to_string(), codes));
        }
    }
    let mut out: HashMap<i64, Vec<CustomEmoji>> = HashMap::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    let (mut domains, mut codes) = (Vec::new(), Vec::new());
    for (_, domain, list) in &wanted {
        for code in list {
            domains.push(domain.clone());
            codes.push(code.clone());
        }
    }
    let found = store::emojis::enabled_among(db, &domains, &codes).await?;
    for (key, domain, list) in wanted {
        let mine: Vec<CustomEmoji> = found
            .iter()
            .filter(|e| e.domain.as_deref().unwrap_or("") == domain && list.contains(&e.shortcode))
            .cloned()
            .collect();
        if !mine.is_empty() {
            out.insert(key, mine);
        }
    }
    Ok(out)
}

/// The instance's enabled emoji (`GET /api/v1/custom_emojis`).
pub async fn local_enabled(state: &AppState) -> Result<Vec<CustomEmoji>> {
    Ok(store::emojis::local_enabled(&state.db).await?)
}

/// One emoji, local or remote, for admins.
pub async fn get(state: &AppState, id: i64) -> Result<CustomEmoji> {
    store::emojis::by_id(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}

/// A page of emoji for admins; paging backwards (`before`) the page is still given in
/// ascending order.
pub async fn page(state: &AppState, query: &EmojiQuery) -> Result<Vec<CustomEmoji>> {
    let mut found = store::emojis::page(&state.db, query).await?;
    if query.before.is_some() {
        found.reverse();
    }
    Ok(found)
}

/// The categories of the instance's emoji.
pub async fn categories(state: &AppState) -> Result<Vec<EmojiCategory>> {
    Ok(store::emojis::categories(&state.db).await?)
}

/// 422 unless `code` is two to 64 of `[a-zA-Z0-9_]`.
pub fn check_shortcode(code: &str) -> Result<()> {
    if !emoji::is_shortcode(code) || code.len() > MAX_SHORTCODE {
        return Err(Error::invalid(
            "shortcode",
            "ERR_INVALID",
            format!("must be 2 to {MAX_SHORTCODE} letters, digits or underscores"),
        ));
    }
    Ok(())
}

fn check_category(name: Option<&str>) -> Result<Option<String>> {
    match name.map(str::trim) {
        None | Some("") => Ok(None),
        Some(n) if n.chars().count() > MAX_CATEGORY => Err(Error::invalid(
            "category",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_CATEGORY} characters)"),
        )),
        Some(n) => Ok(Some(n.to_string())),
    }
}

fn taken() -> Error {
    Error::invalid("shortcode", "ERR_TAKEN", "has already been taken")
}

/// An emoji image checked, processed and stored: the original and its static PNG.
pub(crate) struct StoredImage {
    file_key: String,
    static_key: String,
    image_url: String,
    static_url: String,
    content_type: &'static str,
    bytes: i64,
}

impl StoredImage {
    pub(crate) fn files(&self) -> EmojiFiles<'_> {
        EmojiFiles {
            image_url: &self.image_url,
            static_url: &self.static_url,
            file_key: &self.file_key,
            static_key: &self.static_key,
            content_type: self.content_type,
            file_size: self.bytes,
        }
    }

    pub(crate) fn keys(&self) -> Vec<String> {
        vec![self.file_key.clone(), self.static_key.clone()]
    }
}

/// Checks an emoji image (422 for anything but a PNG, GIF or WebP image within the emoji
/// size and pixel limits), processes it (animation kept, a static PNG made) and stores it.
pub(crate) async fn store_image(
    state: &AppState,
    field: &str,
    bytes: Bytes,
) -> Result<StoredImage> {
    let limit = state.config.media.emoji_size_limit;
    if bytes.len() > limit {
        return Err(Error::invalid(
            field,
            "ERR_TOO_LARGE",
            format!("is too large: the limit for emoji is {limit} bytes"),
        ));
    }
    let sniffed = match files::sniff(&bytes) {
        Some(s @ (Sniffed::Png | Sniffed::Gif | Sniffed::WebP)) => s,
        _ => {
            return Err(Error::invalid(
                field,
                "ERR_INVALID",
                "content type is invalid: send a PNG, GIF or WebP image",
            ))
        }
    };
    let pixels = state.config.media.emoji_matrix_limit;
    let input = bytes.clone();
    let processed = tokio::task::spawn_blocking(move || {
        process::process_image(&input, sniffed, pixels, ImageRole::Emoji)
    })
    .await
    .map_err(|e| Error::internal(format!("image processing panicked: {e}")))?
    .map_err(|e| match e {
        ProcessError::TooManyPixels { .. } => {
            Error::invalid(field, "ERR_TOO_LARGE", format!("is refused: {e}"))
        }
        other => Error::invalid(field, "ERR_INVALID", format!("is refused: {other}")),
    })?;
    let still = processed
        .preview
        .ok_or_else(|| Error::internal("an emoji without its static version"))?;
    let original = processed.original;
    let file_key = files::key_for(&original.bytes, original.format.extension());
    let static_key = files::key_for(&still.bytes, still.format.extension());
    uploads::put(state, &file_key, &original.bytes).await?;
    uploads::put(state, &static_key, &still.bytes).await?;
    Ok(StoredImage {
        image_url: state.media.url(&file_key),
        static_url: state.media.url(&static_key),
        file_key,
        static_key,
        content_type: original.format.mime(),
        bytes: (original.bytes.len() + still.bytes.len()) as i64,
    })
}

async fn category_id(
    tx: &mut sqlx::PgConnection,
    name: Option<&str>,
) -> std::result::Result<Option<i64>, sqlx::Error> {
    Ok(match name {
        Some(name) => Some(store::emojis::category_named(tx, id::next(), name).await?),
        None => None,
    })
}

/// Adds one of the instance's emoji: 422 for a bad shortcode, one already taken, a category
/// name too long, or an image that is no PNG, GIF or WebP within the limits. Written to the
/// audit log under `admin` (`None`: the CLI).
#[tracing::instrument(skip_all, fields(emoji.shortcode = %shortcode))]
pub async fn create(
    state: &AppState,
    admin: Option<&Account>,
    shortcode: &str,
    category: Option<&str>,
    image: Bytes,
) -> Result<CustomEmoji> {
    check_shortcode(shortcode)?;
    let category = check_category(category)?;
    if store::emojis::by_shortcode(&state.db, None, shortcode)
        .await?
        .is_some()
    {
        return Err(taken());
    }
    let stored = store_image(state, "image", image).await?;
    let id = id::next();
    let saved = async {
        let mut tx = state.db.begin().await?;
        let category = category_id(&mut tx, category.as_deref()).await?;
        store::emojis::insert_local(&mut *tx, id, shortcode, category, &stored.files()).await?;
        store::emojis::touch_accounts(&mut *tx, None, shortcode).await?;
        audit(&mut tx, admin, "create_custom_emoji", id, shortcode).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    }
    .await;
    if let Err(e) = saved {
        uploads::free_files(state, stored.keys()).await;
        return Err(unique_as_taken(e));
    }
    get(state, id).await
}

/// A racing second emoji of the same shortcode, caught by its unique index, is a 422.
fn unique_as_taken(e: sqlx::Error) -> Error {
    match store::unique_violation(&e) {
        Some(_) => taken(),
        None => e.into(),
    }
}

/// One line of the audit log for an emoji action (Mastodon's action names), in the
/// transaction of the change.
async fn audit(
    tx: &mut sqlx::PgConnection,
    admin: Option<&Account>,
    action: &str,
    id: i64,
    name: &str,
) -> Result<(), sqlx::Error> {
    store::moderation::insert_audit(
        &mut *tx,
        &store::moderation::NewAudit {
            id: id::next(),
            account_id: admin.map(|a| a.id),
            action,
            target_type: "CustomEmoji",
            target_id: Some(id),
            human_identifier: name,
            text: "",
        },
    )
    .await?;
    tracing::info!(action, target = name, "emoji action");
    Ok(())
}

/// What `PATCH /api/v1/admin/custom_emojis/:id` asks (GoToSocial's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    Disable,
    Enable,
    /// Change a local emoji's shortcode, image, category or visibility in the picker.
    Modify,
}

/// A change to an emoji.
#[derive(Debug)]
pub struct EmojiUpdate {
    pub kind: UpdateKind,
    pub shortcode: Option<String>,
    pub category: Option<String>,
    pub visible_in_picker: Option<bool>,
    pub image: Option<Bytes>,
}

/// Disables, enables or modifies an emoji. Remote emoji can be disabled and enabled only;
/// modifying asks for at least one change. An empty category takes the emoji out of its
/// category. Written to the audit log under `admin`.
#[tracing::instrument(skip_all, fields(emoji.id = id))]
pub async fn update(
    state: &AppState,
    admin: Option<&Account>,
    id: i64,
    change: EmojiUpdate,
) -> Result<CustomEmoji> {
    let current = get(state, id).await?;
    let (mut shortcode, mut disabled, mut visible) = (
        current.shortcode.clone(),
        current.disabled,
        current.visible_in_picker,
    );
    let mut category = current.category.clone();
    let mut image = None;
    match change.kind {
        UpdateKind::Disable => disabled = true,
        UpdateKind::Enable => disabled = false,
        UpdateKind::Modify => {
            if !current.is_local() {
                return Err(Error::unprocessable(
                    "Validation failed: only local emoji can be modified",
                ));
            }
            if change.shortcode.is_none()
                && change.category.is_none()
                && change.visible_in_picker.is_none()
                && change.image.is_none()
            {
                return Err(Error::unprocessable(
                    "Validation failed: give a shortcode, image, category or visible_in_picker",
                ));
            }
            if let Some(code) = change.shortcode {
                check_shortcode(&code)?;
                if code != current.shortcode
                    && store::emojis::by_shortcode(&state.db, None, &code)
                        .await?
                        .is_some()
                {
                    return Err(taken());
                }
                shortcode = code;
            }
            if let Some(name) = &change.category {
                category = check_category(Some(name))?;
            }
            if let Some(v) = change.visible_in_picker {
                visible = v;
            }
            if let Some(bytes) = change.image {
                image = Some(store_image(state, "image", bytes).await?);
            }
        }
    }
    let saved = async {
        let mut tx = state.db.begin().await?;
        let category = category_id(&mut tx, category.as_deref()).await?;
        store::emojis::set_attributes(&mut *tx, id, &shortcode, category, visible, disabled)
            .await?;
        let old = match &image {
            Some(stored) => store::emojis::set_image(&mut tx, id, &stored.files()).await?,
            None => Vec::new(),
        };
        store::emojis::drop_empty_categories(&mut *tx).await?;
        let domain = current.domain.as_deref();
        store::emojis::touch_accounts(&mut *tx, domain, &current.shortcode).await?;
        if shortcode != current.shortcode {
            store::emojis::touch_accounts(&mut *tx, domain, &shortcode).await?;
        }
        let action = match change.kind {
            UpdateKind::Disable => "disable_custom_emoji",
            UpdateKind::Enable => "enable_custom_emoji",
            UpdateKind::Modify => "update_custom_emoji",
        };
        let name = match domain {
            Some(d) => format!("{shortcode}@{d}"),
            None => shortcode.clone(),
        };
        audit(&mut tx, admin, action, id, &name).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(old)
    }
    .await;
    match saved {
        Ok(old) => uploads::free_files(state, old).await,
        Err(e) => {
            if let Some(stored) = image {
                uploads::free_files(state, stored.keys()).await;
            }
            return Err(unique_as_taken(e));
        }
    }
    get(state, id).await
}

/// Deletes one of the instance's emoji and its files. Remote emoji are disabled instead (a
/// deleted one would come back with the next document that uses it): 422. Written to the
/// audit log under `admin`.
#[tracing::instrument(skip_all, fields(emoji.id = id))]
pub async fn delete(state: &AppState, admin: Option<&Account>, id: i64) -> Result<CustomEmoji> {
    let current = get(state, id).await?;
    if !current.is_local() {
        return Err(Error::unprocessable(
            "Validation failed: remote emoji cannot be deleted, disable them instead",
        ));
    }
    let mut tx = state.db.begin().await?;
    let keys = store::emojis::delete(&mut tx, id).await?;
    store::emojis::drop_empty_categories(&mut *tx).await?;
    store::emojis::touch_accounts(&mut *tx, None, &current.shortcode).await?;
    audit(
        &mut tx,
        admin,
        "destroy_custom_emoji",
        id,
        &current.shortcode,
    )
    .await?;
    tx.commit().await?;
    uploads::free_files(state, keys).await;
    Ok(current)
}

/// An `Emoji` tag of a remote document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEmoji {
    /// Without colons.
    pub shortcode: String,
    pub uri: Option<String>,
    pub url: String,
    pub updated: Option<DateTime<Utc>>,
}

/// Records the emoji a document of `domain` carried: new ones are added, changed ones (another
/// image URL, or a newer `updated`) replaced; either has its image cached by a job. Tags
/// with a bad shortcode are left out, and at most 50 are looked at.
pub async fn record_remote(state: &AppState, domain: &str, emojis: &[RemoteEmoji]) -> Result<()> {
    if emojis.is_empty() {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    let mut freed = Vec::new();
    for e in emojis.iter().take(MAX_REMOTE_PER_DOCUMENT) {
        if !emoji::is_shortcode(&e.shortcode) || e.shortcode.len() > MAX_SHORTCODE {
            continue;
        }
        let row = RemoteEmojiRow {
            new_id: id::next(),
            domain,
            shortcode: &e.shortcode,
            uri: e.uri.as_deref(),
            url: &e.url,
            updated: e.updated,
        };
        let id = match store::emojis::record_remote(&mut tx, &row).await? {
            Recorded::Unchanged => continue,
            Recorded::Added(id) => id,
            Recorded::Changed(id, old) => {
                freed.extend(old);
                id
            }
        };
        store::emojis::touch_accounts(&mut *tx, Some(domain), &e.shortcode).await?;
        if crate::service::media_cache::enabled(state) {
            let job = CacheRemoteMedia::Emoji {
                emoji_id: id,
                url: e.url.clone(),
            };
            queue::enqueue(&mut tx, &Job::CacheRemoteMedia(job)).await?;
        }
    }
    tx.commit().await?;
    uploads::free_files(state, freed).await;
    Ok(())
}

/// Points a remote emoji at its cached copy (stored already) if it still comes from `url`;
/// the accounts that show it are read again. Returns whether it did.
pub(crate) async fn set_cached(
    state: &AppState,
    emoji: &CustomEmoji,
    url: &str,
    stored: &StoredImage,
) -> Result<bool> {
    let mut tx = state.db.begin().await?;
    let done = store::emojis::set_cached(&mut *tx, emoji.id, url, &stored.files()).await?;
    if done {
        store::emojis::touch_accounts(&mut *tx, emoji.domain.as_deref(), &emoji.shortcode).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Forgets a remote emoji's cached copy (evicted from the cache): it shows its remote URL
/// again. Returns the keys of the files to free.
pub(crate) async fn uncache(state: &AppState, id: i64) -> Result<Vec<String>> {
    let mut tx = state.db.begin().await?;
    let (keys, named) = store::emojis::uncache(&mut tx, id).await?;
    if let Some((domain, shortcode)) = named {
        store::emojis::touch_accounts(&mut *tx, Some(&domain), &shortcode).await?;
    }
    tx.commit().await?;
    Ok(keys)
}
