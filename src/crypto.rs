//! Small cryptographic helpers: random secrets, their hashes, RSA key pairs, passwords.

use std::sync::Arc;

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};

/// A URL-safe random secret with `bytes` bytes of entropy (tokens, codes, client ids).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256, hex: how tokens, codes and secrets are stored. They are long random values, so a
/// fast hash is enough; a slow one would only slow every request.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// Compares two secrets without leaking where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new RSA-2048 key pair as (private PKCS#8 PEM, public SPKI PEM). Slow (tens to hundreds of
/// milliseconds): call it from a blocking thread.
pub fn generate_rsa_keypair() -> anyhow::Result<(String, String)> {
    let private = rsa::RsaPrivateKey::new(&mut OsRng, 2048).context("generating an RSA key")?;
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the private key")?
        .to_string();
    let public_pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .context("encoding the public key")?;
    Ok((private_pem, public_pem))
}

/// Where the key pairs of new local actors (accounts, the instance actor) come from:
/// [`generate_rsa_keypair`] unless replaced. The test harness replaces it, since it creates
/// hundreds of accounts and a key costs up to a second of CPU.
#[derive(Clone)]
pub struct KeyPairs(Arc<dyn Fn() -> anyhow::Result<(String, String)> + Send + Sync>);

impl KeyPairs {
    pub fn new(
        make: impl Fn() -> anyhow::Result<(String, String)> + Send + Sync + 'static,
    ) -> Self {
        KeyPairs(Arc::new(make))
    }

    /// A new key pair as (private PKCS#8 PEM, public SPKI PEM). May be slow: call it from a
    /// blocking thread.
    pub fn next(&self) -> anyhow::Result<(String, String)> {
        (self.0)()
    }
}

impl Default for KeyPairs {
    fn default() -> Self {
        KeyPairs::new(generate_rsa_keypair)
    }
}

/// What an argon2id password hash costs to compute (`[security]` in the configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordCost {
    /// Memory in KiB (at least 8).
    pub memory_kib: u32,
    /// Passes over that memory (at least 1).
    pub passes: u32,
}

impl Default for PasswordCost {
    /// The argon2 crate's recommended parameters (OWASP's: 19 MiB, two passes).
    fn default() -> Self {
        PasswordCost {
            memory_kib: Params::DEFAULT_M_COST,
            passes: Params::DEFAULT_T_COST,
        }
    }
}

/// argon2id with the crate's recommended parameters. Slow by design: call from a blocking thread.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    hash_password_with(password, PasswordCost::default())
}

/// argon2id at `cost`; the hash records its parameters, so [`verify_password`] checks it at
/// the cost it was made with, whatever the cost is now. Slow by design: call from a blocking
/// thread.
pub fn hash_password_with(password: &str, cost: PasswordCost) -> anyhow::Result<String> {
    let params = Params::new(cost.memory_kib, cost.passes, Params::DEFAULT_P_COST, None)
        .map_err(|e| anyhow::anyhow!("password hash parameters: {e}"))?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Checks a password against a stored argon2 hash, at the cost the hash records. Slow by
/// design.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The instance's VAPID key pair (RFC 8292): P-256, signing the ES256 tokens that identify
/// this server to push services. Made with ring, kept as PKCS#8 DER; never printed.
#[derive(Clone)]
pub struct VapidKey {
    pkcs8: Arc<Vec<u8>>,
    /// The public key as an uncompressed point (65 bytes), as push services and clients take it.
    public: Arc<Vec<u8>>,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public", &self.public_key_base64())
            .finish_non_exhaustive()
    }
}

/// What a VAPID token says (RFC 8292 §2): the push service's origin, the expiry (24 hours at
/// most) and a contact for the push service's operators.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
pub struct VapidClaims {
    pub aud: String,
    pub exp: i64,
    pub sub: String,
}

impl VapidKey {
    /// A new key pair.
    pub fn generate() -> anyhow::Result<VapidKey> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .map_err(|_| anyhow::anyhow!("generating a P-256 key"))?;
        VapidKey::from_pkcs8(pkcs8.as_ref())
    }

    /// A key pair from its PKCS#8 DER form (as stored).
    pub fn from_pkcs8(der: &[u8]) -> anyhow::Result<VapidKey> {
        use ring::signature::KeyPair;
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            der,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|e| anyhow::anyhow!("not a P-256 private key: {e}"))?;
        Ok(VapidKey {
            pkcs8: Arc::new(der.to_vec()),
            public: Arc::new(pair.public_key().as_ref().to_vec()),
        })
    }

    /// A key pair from the configuration: a PEM private key (PKCS#8 or SEC1 `EC PRIVATE KEY`),
    /// or Mastodon's `VAPID_PRIVATE_KEY` form (the 32-byte private scalar, base64url), so a
    /// server moving from Mastodon keeps its subscribers' trust.
    pub fn from_config(text: &str) -> anyhow::Result<VapidKey> {
        use openssl::bn::{BigNum, BigNumContext};
        use openssl::ec::{EcGroup, EcKey, EcPoint};
        use openssl::nid::Nid;
        use openssl::pkey::PKey;
        let text = text.trim();
        let key = if text.starts_with("-----BEGIN") {
            PKey::private_key_from_pem(text.as_bytes()).context("reading the PEM key")?
        } else {
            let scalar = decode_base64_any(text).context("not base64")?;
            anyhow::ensure!(scalar.len() == 32, "a P-256 private key has 32 bytes");
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
            let d = BigNum::from_slice(&scalar)?;
            let mut ctx = BigNumContext::new()?;
            let mut public = EcPoint::new(&group)?;
            public.mul_generator2(&group, &d, &mut ctx)?;
            let ec = EcKey::from_private_components(&group, &d, &public)?;
            ec.check_key().context("not a valid P-256 private key")?;
            PKey::from_ec_key(ec)?
        };
        let ec = key.ec_key().context("not an EC key")?;
        anyhow::ensure!(
            ec.group().curve_name() == Some(Nid::X9_62_PRIME256V1),
            "the key is not on P-256"
        );
        VapidKey::from_pkcs8(&key.private_key_to_pkcs8()?)
    }

    /// The private key, PKCS#8 DER (to store).
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key, an uncompressed point.
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// The public key as clients and push services read it: base64url without padding.
    pub fn public_key_base64(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.public.as_slice())
    }

    /// A signed VAPID token (an ES256 JWT).
    pub fn token(&self, claims: &VapidClaims) -> anyhow::Result<String> {
        let key = jsonwebtoken::EncodingKey::from_ec_der(&self.pkcs8);
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
            claims,
            &key,
        )
        .context("signing a VAPID token")
    }
}

/// Whether `bytes` is a P-256 public key as Web Push subscribers give it: an uncompressed
/// point (65 bytes) on the curve.
pub fn is_p256_point(bytes: &[u8]) -> bool {
    use openssl::bn::BigNumContext;
    use openssl::ec::{EcGroup, EcPoint};
    use openssl::nid::Nid;
    if bytes.len() != 65 || bytes[0] != 4 {
        return false;
    }
    let (Ok(group), Ok(mut ctx)) = (
        EcGroup::from_curve_name(Nid::X9_62_PRIME256V1),
        BigNumContext::new(),
    ) else {
        return false;
    };
    EcPoint::from_bytes(&group, bytes, &mut ctx).is_ok()
}

/// Bytes given in base64 of either alphabet, padded or not (clients send push keys both ways).
pub fn decode_base64_any(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let trimmed = text.trim().trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| STANDARD_NO_PAD.decode(trimmed))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip() {
        let h = hash_password("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn a_cheaper_hash_verifies_and_records_its_cost() {
        let default = hash_password("correct horse").expect("hash");
        assert!(default.contains("$m=19456,t=2,p=1$"), "{default}");
        let cheap = PasswordCost {
            memory_kib: 8,
            passes: 1,
        };
        let h = hash_password_with("correct horse", cheap).expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{h}");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        let none = PasswordCost {
            memory_kib: 0,
            passes: 1,
        };
        assert!(hash_password_with("correct horse", none).is_err());
    }

    #[test]
    fn tokens_are_distinct_and_hashed() {
        let a = random_token(32);
        assert_ne!(a, random_token(32));
        assert_eq!(sha256_hex(&a).len(), 64);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn vapid_keys_survive_storage_and_import_from_mastodon_form() {
        let key = VapidKey::generate().expect("key");
        assert_eq!(key.public_key().len(), 65);
        assert_eq!(key.public_key()[0], 4, "an uncompressed point");
        let again = VapidKey::from_pkcs8(key.pkcs8()).expect("stored form");
        assert_eq!(again.public_key(), key.public_key());
        // Mastodon's VAPID_PRIVATE_KEY: the scalar, base64url; its public key follows from it.
        let scalar = [7u8; 32];
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(scalar);
        let imported = VapidKey::from_config(&b64).expect("raw scalar");
        let padded = base64::engine::general_purpose::STANDARD.encode(scalar);
        let same = VapidKey::from_config(&padded).expect("standard alphabet");
        assert_eq!(imported.public_key(), same.public_key());
        assert!(VapidKey::from_config("c2hvcnQ").is_err(), "too short");
        assert!(
            VapidKey::from_config(&"A".repeat(43)).is_err(),
            "zero is no key"
        );
        assert!(!format!("{key:?}").contains(&hex::encode(key.pkcs8())));
        let token = key
            .token(&VapidClaims {
                aud: "https://push.example".into(),
                exp: 2_000_000_000,
                sub: "mailto:admin@example.com".into(),
            })
            .expect("token");
        assert_eq!(token.split('.').count(), 3);
        assert!(is_p256_point(key.public_key()));
        let mut off_curve = key.public_key().to_vec();
        off_curve[64] ^= 1;
        assert!(!is_p256_point(&off_curve));
        assert!(!is_p256_point(&key.public_key()[..33]));
    }
}
