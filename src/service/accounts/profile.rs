//! A person's own profile: names, bio, fields, images and preferences, checked all at once and
//! sent to the followers' servers.

use crate::app::AppState;
use crate::content;
use crate::error::{Error, Result, Validation};
use crate::model::media::ProfileImage;
use crate::model::{Account, ProfileField, User, Visibility};
use crate::service::media;
use crate::store;

/// The changes a person makes to their own profile; `None` leaves a part as it is.
#[derive(Default)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: Option<bool>,
    pub hide_collections: Option<bool>,
    /// (name, value) pairs as typed.
    pub fields: Option<Vec<(String, String)>>,
    pub privacy: Option<String>,
    pub sensitive: Option<bool>,
    /// `Some(None)` clears the default language.
    pub language: Option<Option<String>>,
    /// `source[quote_policy]`: `public`, `followers` or `nobody`.
    pub quote_policy: Option<String>,
    /// `attribution_domains[]` as typed; `Some(vec![])` clears them.
    pub attribution_domains: Option<Vec<String>>,
}

/// How many websites may credit one account (Mastodon's `ATTRIBUTION_DOMAINS_LIMIT`).
pub const MAX_ATTRIBUTION_DOMAINS: usize = 100;

/// A website allowed to credit an account, as Mastodon normalises and checks it: surrounding
/// space, an `http://` or `https://` prefix and a leading `*.` dropped; then a host name (in
/// IDNA's ASCII form, lower case) of labels of letters, digits and hyphens, 1 to 63 characters
/// each, under 256 in all. `None` for anything else (a path, a port, an address with `@`).
pub fn attribution_domain(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("http://").unwrap_or(raw);
    let raw = raw.strip_prefix("https://").unwrap_or(raw);
    let raw = raw.strip_prefix("*.").unwrap_or(raw);
    if raw.is_empty() || raw.contains(|c: char| "/?#@:[] \t".contains(c)) {
        return None;
    }
    let host = crate::model::Host::parse_domain(raw)?;
    let name = host.name();
    let labels_ok = name.split('.').all(|l| (1..=63).contains(&l.len()));
    (labels_ok && name.len() < 256).then(|| name.to_string())
}

/// `attribution_domains` checked as Mastodon checks a local owner's: each a domain, duplicates
/// dropped, at most [`MAX_ATTRIBUTION_DOMAINS`]; blank entries are ignored.
fn check_attribution_domains(raw: Vec<String>, v: &mut Validation) -> Vec<String> {
    let mut domains: Vec<String> = Vec::new();
    for entry in raw.iter().filter(|d| !d.trim().is_empty()) {
        match attribution_domain(entry) {
            Some(d) if !domains.contains(&d) => domains.push(d),
            Some(_) => {}
            None => v.add(
                "attribution_domains",
                "ERR_INVALID",
                format!("{} is not a valid domain", entry.trim()),
            ),
        }
    }
    if domains.len() > MAX_ATTRIBUTION_DOMAINS {
        v.add(
            "attribution_domains",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_ATTRIBUTION_DOMAINS} domains)"),
        );
    }
    domains
}

/// Applies profile changes after checking all of them: either everything changes or nothing.
#[tracing::instrument(skip_all, fields(account.id = account.id))]
pub async fn update_profile(
    state: &AppState,
    user: &User,
    account: &Account,
    changes: ProfileChanges,
) -> Result<(User, Account)> {
    let limits = &state.config.limits;
    let mut v = Validation::default();
    let display_name = changes
        .display_name
        .map(|d| d.trim().to_string())
        .unwrap_or_else(|| account.display_name.clone());
    if display_name.chars().count() > limits.display_name_characters {
        v.add(
            "display_name",
            "ERR_TOO_LONG",
            format!(
                "is too long (maximum is {} characters)",
                limits.display_name_characters
            ),
        );
    }
    let note_source = changes.note.unwrap_or_else(|| account.note_source.clone());
    if note_source.chars().count() > limits.note_characters {
        v.add(
            "note",
            "ERR_TOO_LONG",
            format!(
                "is too long (maximum is {} characters)",
                limits.note_characters
            ),
        );
    }
    let fields: Vec<ProfileField> = match changes.fields {
        None => account.fields.clone(),
        Some(pairs) => {
            let pairs: Vec<(String, String)> = pairs
                .into_iter()
                .map(|(n, val)| (n.trim().to_string(), val.trim().to_string()))
                .filter(|(n, val)| !(n.is_empty() && val.is_empty()))
                .collect();
            if pairs.len() > limits.profile_fields {
                v.add(
                    "fields",
                    "ERR_TOO_LONG",
                    format!("is too long (maximum is {} fields)", limits.profile_fields),
                );
            }
            for (name, value) in &pairs {
                if name.chars().count() > limits.field_name_characters {
                    v.add(
                        "fields",
                        "ERR_TOO_LONG",
                        format!(
                            "name is too long (maximum is {} characters)",
                            limits.field_name_characters
                        ),
                    );
                }
                if value.chars().count() > limits.field_value_characters {
                    v.add(
                        "fields",
                        "ERR_TOO_LONG",
                        format!(
                            "value is too long (maximum is {} characters)",
                            limits.field_value_characters
                        ),
                    );
                }
            }
            pairs
                .into_iter()
                .map(|(name, value)| ProfileField {
                    value: content::linkify_line(&value),
                    name,
                    value_source: value,
                    verified_at: None,
                })
                .collect()
        }
    };
    let privacy = match changes.privacy.as_deref() {
        None => user.default_privacy,
        Some(raw) => match Visibility::parse(raw) {
            Some(p) if p != Visibility::Direct => p,
            _ => {
                v.add(
                    "source.privacy",
                    "ERR_INCLUSION",
                    "is not included in the list",
                );
                user.default_privacy
            }
        },
    };
    let language = match changes.language {
        None => user.default_language.clone(),
        Some(None) => None,
        Some(Some(l)) if l.is_empty() => None,
        Some(Some(l)) => {
            if !is_language_code(&l) {
                v.add(
                    "source.language",
                    "ERR_INCLUSION",
                    "is not included in the list",
                );
            }
            Some(l)
        }
    };
    let quote_policy = match changes.quote_policy.as_deref() {
        None => user.default_quote_policy,
        Some(raw) => crate::model::QuotePolicy::from_client(raw).unwrap_or_else(|| {
            v.add(
                "source.quote_policy",
                "ERR_INCLUSION",
                "is not included in the list",
            );
            user.default_quote_policy
        }),
    };
    let attribution_domains = match changes.attribution_domains {
        None => account.attribution_domains.clone(),
        Some(raw) => check_attribution_domains(raw, &mut v),
    };
    v.finish()?;

    let note = content::render_plain(&note_source);
    let mut tx = state.db.begin().await?;
    store::accounts::update_profile(
        &mut *tx,
        account.id,
        &store::accounts::ProfileUpdate {
            display_name: &display_name,
            note: &note,
            note_source: &note_source,
            fields: &fields,
            locked: changes.locked.unwrap_or(account.locked),
            bot: changes.bot.unwrap_or(account.bot),
            discoverable: changes.discoverable.unwrap_or(account.discoverable),
            indexable: changes.indexable.unwrap_or(account.indexable),
            hide_collections: changes.hide_collections.unwrap_or(account.hide_collections),
            attribution_domains: &attribution_domains,
        },
    )
    .await?;
    store::users::set_posting_defaults(
        &mut *tx,
        user.id,
        privacy,
        changes.sensitive.unwrap_or(user.default_sensitive),
        language.as_deref(),
    )
    .await?;
    if quote_policy != user.default_quote_policy {
        store::users::set_default_quote_policy(&mut *tx, user.id, quote_policy).await?;
    }
    tx.commit().await?;
    let user = store::users::by_id(&state.db, user.id)
        .await?
        .ok_or(Error::NotFound)?;
    let changed_domains = attribution_domains != account.attribution_domains;
    let account = store::accounts::by_id(&state.db, account.id)
        .await?
        .ok_or(Error::NotFound)?;
    if changed_domains {
        crate::service::cards::grant_credit(state, &account).await?;
    }
    federate_profile(state, &account).await?;
    Ok((user, account))
}

/// Sends the changed profile (`Update` of the actor) to the remote followers.
pub(crate) async fn federate_profile(state: &AppState, account: &Account) -> Result<()> {
    use crate::federation::{convert, outbox};
    use crate::service::delivery;
    let mut tx = state.db.begin().await?;
    let inboxes = store::accounts::remote_follower_inboxes(&mut *tx, account.id).await?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let update = outbox::with_context(convert::update_actor(account, &state.base_url()))?;
    delivery::deliver(&mut tx, account, &update, &inboxes).await?;
    tx.commit().await?;
    Ok(())
}

/// An ISO 639-1 or 639-3 code ("en", "pt", "fil"), optionally with a region ("pt-BR").
pub fn is_language_code(code: &str) -> bool {
    let (lang, region) = match code.split_once(['-', '_']) {
        Some((l, r)) => (l, Some(r)),
        None => (code, None),
    };
    (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_lowercase())
        && region.is_none_or(|r| {
            (2..=4).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// New images sent with a profile edit, unprocessed.
#[derive(Default)]
pub struct ProfileImages {
    pub avatar: Option<bytes::Bytes>,
    pub header: Option<bytes::Bytes>,
}

/// `user`'s reading preferences, as stored.
pub async fn reading_preferences(
    state: &AppState,
    user: &User,
) -> Result<crate::model::user::ReadingPreferences> {
    store::users::reading_preferences(&state.db, user.id)
        .await?
        .ok_or(Error::NotFound)
}

/// A profile edit with its images (`update_credentials`). The images are processed before
/// anything changes, so that a bad file leaves the profile as it was.
pub async fn update_credentials(
    state: &AppState,
    user: &User,
    account: &Account,
    changes: ProfileChanges,
    images: ProfileImages,
) -> Result<(User, Account)> {
    let mut prepared = Vec::new();
    for (which, bytes) in [
        (ProfileImage::Avatar, images.avatar),
        (ProfileImage::Header, images.header),
    ] {
        if let Some(bytes) = bytes {
            prepared.push((
                which,
                media::prepare_profile_image(state, which, bytes).await?,
            ));
        }
    }
    let (user, mut account) = update_profile(state, user, account, changes).await?;
    for (which, image) in prepared {
        account = media::set_profile_image(state, &account, which, Some(image)).await?;
    }
    Ok((user, account))
}
