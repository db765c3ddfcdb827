//! Avatars and headers of local accounts: checked and processed before the profile update
//! that carries them stores anything, then stored, the old file freed and followers told.

use bytes::Bytes;

use super::{check_file, free_files, process_blocking, put};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::media::process;
use crate::media::{self as files, Kind};
use crate::model::media::ProfileImage;
use crate::model::Account;
use crate::store;

/// A processed avatar or header, not stored yet.
pub struct ProfileImageFile(process::Encoded);

impl ProfileImageFile {
    pub fn into_encoded(self) -> process::Encoded {
        self.0
    }
}

/// Checks and processes an avatar or header (cropped to Mastodon's sizes), storing nothing,
/// so that a bad file refuses the whole profile update.
pub async fn prepare_profile_image(
    state: &AppState,
    which: ProfileImage,
    bytes: Bytes,
) -> Result<ProfileImageFile> {
    let field = match which {
        ProfileImage::Avatar => "avatar",
        ProfileImage::Header => "header",
    };
    let sniffed = check_file(state, field, &bytes)?;
    if sniffed.kind() != Kind::Image {
        return Err(Error::invalid(
            field,
            "ERR_INVALID",
            "content type is invalid: send a JPEG, PNG, GIF or WebP image",
        ));
    }
    let role = match which {
        ProfileImage::Avatar => process::AVATAR,
        ProfileImage::Header => process::HEADER,
    };
    let p = process_blocking(state, field, bytes, sniffed, role).await?;
    Ok(ProfileImageFile(p.original))
}

/// Sets (with a prepared image) or removes (without) a local account's avatar or header, and
/// tells remote followers.
#[tracing::instrument(skip_all, fields(account.id = account.id))]
pub async fn set_profile_image(
    state: &AppState,
    account: &Account,
    which: ProfileImage,
    image: Option<ProfileImageFile>,
) -> Result<Account> {
    let url = match image {
        Some(ProfileImageFile(encoded)) => {
            let key = files::key_for(&encoded.bytes, encoded.format.extension());
            put(state, &key, &encoded.bytes).await?;
            Some(state.media.url(&key))
        }
        None => None,
    };
    let mut tx = state.db.begin().await?;
    let old = store::media::set_profile_image(&mut tx, account.id, which, url.as_deref()).await?;
    tx.commit().await?;
    if let Some(old_key) = old.as_deref().and_then(|u| u.rsplit('/').next()) {
        if files::is_key(old_key) && old.as_deref() != url.as_deref() {
            free_files(state, vec![old_key.to_string()]).await;
        }
    }
    let account = store::accounts::by_id(&state.db, account.id)
        .await?
        .ok_or(Error::NotFound)?;
    crate::service::accounts::federate_profile(state, &account).await?;
    Ok(account)
}
