//! Two-factor sign-in: TOTP codes (RFC 6238, as authenticator apps make them) and one-use
//! recovery codes. A person starts a set-up (a new secret, shown as a QR code), proves their
//! app has it with a valid code, and receives recovery codes; from then on a browser sign-in
//! asks for a code ([`super::oauth::sign_in`]) and the password grant is refused, as on
//! Mastodon.

use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::User;
use crate::{crypto, store};

/// How many recovery codes a person receives.
const RECOVERY_CODES: usize = 10;
/// A code's time step, in seconds (what every authenticator app uses).
const STEP_SECS: u64 = 30;

/// Whether the user has two-factor sign-in in force.
pub async fn enabled(state: &AppState, user_id: i64) -> Result<bool> {
    Ok(store::two_factor::get(&state.db, user_id)
        .await?
        .is_some_and(|t| t.enabled))
}

/// A set-up in progress: what the settings page shows.
pub struct Setup {
    /// The secret, base32, for typing into an app by hand.
    pub secret: String,
    /// The `otpauth://` URL the QR code holds.
    pub url: String,
    /// The QR code, as an SVG document (no scripts, no styles).
    pub qr_svg: String,
}

fn totp(state: &AppState, username: &str, secret: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored TOTP secret: {e:?}")))?;
    // The otpauth label may not hold a colon, which a domain with a port does.
    let issuer = state.config.domain.replace(':', " ");
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        bytes,
        Some(issuer),
        username.replace(':', " "),
    )
    .map_err(|e| Error::Internal(anyhow::anyhow!("TOTP set-up: {e}")))
}

fn setup_of(state: &AppState, username: &str, secret: String) -> Result<Setup> {
    let url = totp(state, username, &secret)?.get_url();
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| Error::Internal(anyhow::anyhow!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // The XML declaration has no place inside an HTML page.
    let qr_svg = match qr_svg.find("<svg") {
        Some(at) => qr_svg[at..].to_string(),
        None => qr_svg,
    };
    Ok(Setup {
        secret,
        url,
        qr_svg,
    })
}

/// The set-up in progress, starting one (with a new secret) if there is none. `None` when
/// two-factor sign-in is already in force.
pub async fn setup(state: &AppState, user: &User, username: &str) -> Result<Option<Setup>> {
    match store::two_factor::get(&state.db, user.id).await? {
        Some(t) if t.enabled => Ok(None),
        Some(t) => Ok(Some(setup_of(state, username, t.secret)?)),
        None => {
            let secret = match Secret::generate_secret().to_encoded() {
                Secret::Encoded(s) => s,
                Secret::Raw(_) => {
                    return Err(Error::Internal(anyhow::anyhow!("TOTP secret not encoded")))
                }
            };
            store::two_factor::begin(&state.db, user.id, &secret).await?;
            Ok(Some(setup_of(state, username, secret)?))
        }
    }
}

/// The time step a valid code belongs to (the current one or either neighbour, for clocks
/// that drift), if it is valid for `secret`.
fn matching_step(state: &AppState, secret: &str, code: &str) -> Result<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(state, "rookery", secret)?;
    // Authenticator apps read the wall clock, not the instance's (tests move that one).
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    let current = now / STEP_SECS;
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = totp.generate(step * STEP_SECS);
        if crypto::constant_time_eq(expected.as_bytes(), code.as_bytes()) {
            return Ok(Some(step as i64));
        }
    }
    Ok(None)
}

/// Puts two-factor sign-in in force after `code` proves the app has the secret of the set-up;
/// returns the recovery codes, shown this once. `Unprocessable` for a wrong code or no set-up.
pub async fn enable(state: &AppState, user: &User, code: &str) -> Result<Vec<String>> {
    let t = store::two_factor::get(&state.db, user.id)
        .await?
        .filter(|t| !t.enabled)
        .ok_or_else(|| Error::unprocessable("Two-factor sign-in is not being set up"))?;
    let Some(step) = matching_step(state, &t.secret, code)? else {
        return Err(Error::unprocessable("The code is not valid"));
    };
    let (codes, hashes) = new_recovery_codes();
    let mut tx = state.db.begin().await?;
    store::two_factor::use_step(&mut *tx, user.id, step).await?;
    store::two_factor::set_enabled(&mut *tx, user.id).await?;
    store::two_factor::replace_recovery_codes(&mut tx, user.id, &hashes).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Turns two-factor sign-in off; a valid code (or recovery code) is needed, so a stolen
/// session alone cannot.
pub async fn disable(state: &AppState, user: &User, code: &str) -> Result<()> {
    if !verify(state, user.id, code).await? {
        return Err(Error::unprocessable("The code is not valid"));
    }
    let mut tx = state.db.begin().await?;
    store::two_factor::delete(&mut tx, user.id).await?;
    tx.commit().await?;
    Ok(())
}

/// New recovery codes in place of the old ones, after a valid code; shown this once.
pub async fn regenerate_recovery_codes(
    state: &AppState,
    user: &User,
    code: &str,
) -> Result<Vec<String>> {
    if !verify(state, user.id, code).await? {
        return Err(Error::unprocessable("The code is not valid"));
    }
    let (codes, hashes) = new_recovery_codes();
    let mut tx = state.db.begin().await?;
    store::two_factor::replace_recovery_codes(&mut tx, user.id, &hashes).await?;
    tx.commit().await?;
    Ok(codes)
}

/// How many unused recovery codes the user has.
pub async fn recovery_codes_left(state: &AppState, user: &User) -> Result<i64> {
    Ok(store::two_factor::recovery_codes_left(&state.db, user.id).await?)
}

/// Checks a second factor for a user with two-factor sign-in in force: a TOTP code not used
/// before, or an unused recovery code (spent by this check).
pub async fn verify(state: &AppState, user_id: i64, code: &str) -> Result<bool> {
    let Some(t) = store::two_factor::get(&state.db, user_id)
        .await?
        .filter(|t| t.enabled)
    else {
        return Ok(false);
    };
    if let Some(step) = matching_step(state, &t.secret, code)? {
        return Ok(store::two_factor::use_step(&state.db, user_id, step).await?);
    }
    let normalized: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if normalized.len() != 10 {
        return Ok(false);
    }
    Ok(
        store::two_factor::use_recovery_code(&state.db, user_id, &crypto::sha256_hex(&normalized))
            .await?,
    )
}

/// Ten random codes, `xxxxx-xxxxx` in hex, and the hashes stored for them.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 5];
            rng.fill_bytes(&mut bytes);
            let raw = hex::encode(bytes);
            let hash = crypto::sha256_hex(&raw);
            (format!("{}-{}", &raw[..5], &raw[5..]), hash)
        })
        .unzip()
}
