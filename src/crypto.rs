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
}
