//! Cheap RSA key pairs for tests, each one distinct.
//!
//! Generating an RSA-2048 key costs up to a second of CPU, most of it finding two primes, and
//! the suite makes hundreds (every account, every instance actor, every stub peer). Here a
//! background thread generates a handful of keys once per process and keeps their primes; each
//! key handed out is the product of a pair of those primes not used before, built in a
//! millisecond. Keys are still real 2048-bit keys and no two share a modulus, so a signature by
//! one never verifies with another's key. (Keys sharing a prime would be unsafe anywhere else.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, Once};

use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PrivateKeyParts;
use rsa::{BigUint, RsaPrivateKey};

/// Keys generated in full: their 2 × `GENERATED` primes make `n (n - 1) / 2` distinct pairs
/// (496 here), after which pairs are handed out again from the first.
const GENERATED: usize = 16;

/// The primes found so far, and a signal for each new pair of them.
static PRIMES: Mutex<Vec<BigUint>> = Mutex::new(Vec::new());
static FOUND: Condvar = Condvar::new();

/// Starts generating this process's keys in the background, if not started yet.
pub fn warm_up() {
    static START: Once = Once::new();
    START.call_once(|| {
        std::thread::Builder::new()
            .name("test-keys".into())
            .spawn(|| {
                for _ in 0..GENERATED {
                    let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
                        .expect("generate an RSA key");
                    PRIMES
                        .lock()
                        .expect("primes")
                        .extend(key.primes().iter().cloned());
                    FOUND.notify_all();
                }
            })
            .expect("start the key thread");
    });
}

/// The `n`th pair of prime indexes, ordered so that the first pairs need the fewest primes:
/// (0, 1), (0, 2), (1, 2), (0, 3), …
fn pair(n: usize) -> (usize, usize) {
    let mut j = 1;
    while n >= j * (j + 1) / 2 {
        j += 1;
    }
    (n - (j - 1) * j / 2, j)
}

/// A new RSA-2048 key pair as (private PKCS#8 PEM, public SPKI PEM), like
/// `rookery::crypto::generate_rsa_keypair`; may wait for the first keys of the process.
pub fn key_pair() -> (String, String) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let total = 2 * GENERATED * (2 * GENERATED - 1) / 2;
    let (i, j) = pair(NEXT.fetch_add(1, Ordering::Relaxed) % total);
    warm_up();
    let (p, q) = {
        let mut found = PRIMES.lock().expect("primes");
        while found.len() <= j {
            found = FOUND.wait(found).expect("primes");
        }
        (found[i].clone(), found[j].clone())
    };
    let key = RsaPrivateKey::from_p_q(p, q, BigUint::from(65_537u32)).expect("a key from primes");
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .expect("encode the private key")
        .to_string();
    let public = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("encode the public key");
    (private, public)
}

/// [`key_pair`] as the server's key source.
pub fn key_pairs() -> rookery::crypto::KeyPairs {
    rookery::crypto::KeyPairs::new(|| Ok(key_pair()))
}

#[test]
fn pairs_are_distinct_and_use_the_fewest_primes() {
    let pairs: Vec<_> = (0..6).map(pair).collect();
    assert_eq!(pairs, [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]);
    let all: std::collections::HashSet<_> = (0..496).map(pair).collect();
    assert_eq!(all.len(), 496);
    assert!(all.iter().all(|(i, j)| i < j && *j < 2 * GENERATED));
}
