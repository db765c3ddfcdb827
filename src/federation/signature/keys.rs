//! RSA keys for signing and verifying, parsed once from PEM.

use super::*;

// ---------------------------------------------------------------------------------------------
// Keys

// Backend choice, by measurement. `cargo bench --bench signing` on the project machine (2-core
// AMD EPYC with AVX-512 IFMA), RSA-2048 PKCS#1 v1.5 SHA-256, operations per second on one core,
// best of 3 rounds (both cores: twice as much for every backend):
//
//   backend                                   sign    verify
//   ring 0.17 (chosen)                       1,776    48,119
//   rsa 0.9 (unblinded `sign`)                 647     5,492
//   rsa 0.9 (blinded `sign_with_rng`)          541        --
//   aws-lc-rs 1.19 (scratch crate)           4,150    55,774
//   aws-lc-rs, AVX-512 IFMA masked off       1,704        --   (OPENSSL_ia32cap=:~0x200000)
//   rsa 0.10 (scratch crate)                   435    15,799
//
// ring signs 2.7x (blinded: 3.3x) and verifies 8.8x as fast as rsa 0.9, its private-key arithmetic
// is constant-time (rsa 0.9's is not: RUSTSEC-2023-0071, the Marvin attack), and it is already
// compiled and linked for rustls/reqwest, so it adds nothing to the build. aws-lc-rs signs 2.3x
// faster still on this CPU, but only through its AVX-512 IFMA code path (masked off, it equals
// ring, as the issue measured), and it would add a C build (aws-lc-sys) and a second crypto library
// to the binary; at 1,776/s a signature costs 0.56 ms of one core, small beside the network round
// trip of the delivery it signs. The backend is private to `SigningKey` and `VerifyingKey`:
// switching is a change to this file only. The `rsa` crate still reads the PEM (once per key) and
// generates keys in `crate::crypto`.

/// A private RSA key ready to sign, parsed once from PEM and kept in parsed form, so signing
/// never re-parses. RSASSA-PKCS1-v1_5 with SHA-256, computed by `ring` in constant time (see the
/// measurements above this type).
///
/// Cloning is cheap (an `Arc`); the key is `Send + Sync`. `Debug` never prints key material.
#[derive(Clone)]
pub struct SigningKey {
    pub(super) pair: Arc<ring::rsa::KeyPair>,
}

impl SigningKey {
    /// Parses a private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`, what `crate::crypto`
    /// generates) or PKCS#1 (`BEGIN RSA PRIVATE KEY`). The key must be 2048 to 4096 bits.
    ///
    /// The key signs a test message once here, so that a key whose parts do not belong
    /// together is refused now rather than failing every signature later. Loading therefore
    /// costs more than a signature (about 0.7 ms against 0.57 ms, `cargo bench --bench
    /// signing`): keep the parsed key (per account, per worker) instead of loading it for
    /// every request.
    pub fn from_pem(pem: &str) -> Result<Self, SignatureError> {
        let pem = pem.trim();
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| SignatureError::InvalidKey("not an RSA private key in PEM"))?;
        // Normalised to the unencrypted PKCS#8 v1 document ring reads.
        let der = private
            .to_pkcs8_der()
            .map_err(|_| SignatureError::InvalidKey("the private key cannot be re-encoded"))?;
        let pair = ring::rsa::KeyPair::from_pkcs8(der.as_bytes()).map_err(|_| {
            SignatureError::InvalidKey("the private key is refused (it must be 2048 to 4096 bits)")
        })?;
        let mut scratch = vec![0u8; pair.public().modulus_len()];
        pair.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            b"rookery key self-test",
            &mut scratch,
        )
        .map_err(|_| SignatureError::InvalidKey("the private key cannot sign"))?;
        Ok(Self {
            pair: Arc::new(pair),
        })
    }

    /// The RSASSA-PKCS1-v1_5 SHA-256 signature of `message` (deterministic: the same key and
    /// message always give the same bytes).
    ///
    /// # Panics
    ///
    /// Only if the hardware computes wrongly: ring checks every signature against the public
    /// key and refuses to release a faulty one, and [`SigningKey::from_pem`] already proved
    /// that this key signs correctly.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0u8; self.pair.public().modulus_len()];
        // The random source is unused by PKCS#1 v1.5 padding (ring only draws from it for PSS
        // salts), so signing stays free of I/O.
        self.pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("RSA signing failed although the key passed its self-test (hardware fault?)");
        signature
    }

    /// The public half, for verifying this key's own signatures (tests, benchmarks).
    pub fn verifying_key(&self) -> VerifyingKey {
        let components: ring::rsa::PublicKeyComponents<Vec<u8>> = self.pair.public().into();
        VerifyingKey {
            components: Arc::new(components),
        }
    }

    /// The size of the public modulus, in bits, rounded up to whole bytes (2048 for the keys
    /// `crate::crypto` generates).
    pub fn bits(&self) -> usize {
        self.pair.public().modulus_len() * 8
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

/// A public RSA key ready to verify, parsed once from PEM. Cheap to clone, `Send + Sync`.
///
/// Verification uses ring's `RSA_PKCS1_2048_8192_SHA256`: moduli of 2048 to 8192 bits, any
/// public exponent of at least 3.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    /// Big-endian modulus and exponent, without leading zeros.
    pub(super) components: Arc<ring::rsa::PublicKeyComponents<Vec<u8>>>,
}

impl VerifyingKey {
    /// Parses a public key from PEM: SPKI (`BEGIN PUBLIC KEY`, what Mastodon and most servers
    /// publish as `publicKeyPem`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`, which some servers
    /// publish). Keys under 2048 or over 8192 bits are refused.
    pub fn from_pem(pem: &str) -> Result<Self, SignatureError> {
        let pem = pem.trim();
        let public = rsa::RsaPublicKey::from_public_key_pem(pem)
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem))
            .map_err(|_| SignatureError::InvalidKey("not an RSA public key in PEM"))?;
        let bits = public.n().bits();
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(SignatureError::InvalidKey(
                "the public key must be 2048 to 8192 bits",
            ));
        }
        Ok(Self {
            components: Arc::new(ring::rsa::PublicKeyComponents {
                n: public.n().to_bytes_be(),
                e: public.e().to_bytes_be(),
            }),
        })
    }

    /// Checks an RSASSA-PKCS1-v1_5 SHA-256 `signature` of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        self.components
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                message,
                signature,
            )
            .map_err(|_| SignatureError::BadSignature)
    }

    /// The size of the public modulus, in bits.
    pub fn bits(&self) -> usize {
        // `n` has no leading zero bytes; count the bits of its first byte exactly.
        match self.components.n.first() {
            Some(first) => (self.components.n.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
            None => 0,
        }
    }
}
