//! HTTP Signature throughput: how many RSA-2048 PKCS#1 v1.5 SHA-256 signatures per second each
//! backend signs and verifies, on one core and on all cores. This is the measurement behind the
//! choice of `ring` in `src/federation/signature.rs`.
//!
//! ```sh
//! cargo bench --bench signing                              # 3 rounds of 2 s per cell
//! cargo bench --bench signing -- --rounds 5 --seconds 5    # steadier numbers
//! ```
//!
//! | flag          | environment             | default | meaning                             |
//! |---------------|-------------------------|---------|-------------------------------------|
//! | `--seconds S` | `ROOKERY_BENCH_SECONDS` | 2       | measured seconds per cell and round |
//! | `--rounds R`  | `ROOKERY_BENCH_ROUNDS`  | 3       | rounds; best and median are shown   |
//! | `--threads N` | `ROOKERY_BENCH_THREADS` | all     | threads for the "all cores" columns |
//!
//! Rows are measured round-robin, so a burst of load from other processes hits one round of
//! every row rather than all rounds of one; the best round is the machine's capacity, the
//! median what it delivered meanwhile. The load average is printed first for that reason.
//!
//! Rows:
//! * `ring`: `ring::rsa::KeyPair::sign` / `PublicKeyComponents::verify`, as the server uses them;
//! * `rsa 0.9`: the `rsa` crate's `pkcs1v15` keys, unblinded (`Signer::sign`) and blinded
//!   (`RandomizedSigner::sign_with_rng`, the side-channel mitigation);
//! * `rookery`: the server's whole path, `sign_request` (digest, signing string, signature,
//!   header) and `parse_signature_header` + `verify_request` (including the digest check);
//! * `…::from_pem`: loading a key from PEM, the cost a caller pays per request if it does not
//!   keep parsed keys.
//!
//! The message is the signing string of a Mastodon-style inbox POST; the key is a fresh
//! RSA-2048 key from `rookery::crypto`, as every account gets.

use std::hint::black_box;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use rookery::federation::signature::{
    self, http_date, parse_signature_header, sign_request, verify_request, SigningKey, VerifyingKey,
};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer, Verifier};
use sha2::Sha256;

const KEY_ID: &str = "https://rookery.example/users/alice#main-key";
const HOST: &str = "remote.example";
const TARGET: &str = "/users/bob/inbox";
const CONTENT_TYPE: &str = "application/activity+json";
const BODY: &[u8] = br#"{"@context":"https://www.w3.org/ns/activitystreams","id":"https://rookery.example/users/alice/statuses/1/activity","type":"Create","actor":"https://rookery.example/users/alice","object":{"id":"https://rookery.example/users/alice/statuses/1","type":"Note","content":"<p>Hello</p>"}}"#;

/// One line of the report: backend, operation, and the operation itself.
type Row<'a> = (&'static str, &'static str, Box<dyn Fn() + Sync + 'a>);

struct Settings {
    seconds: f64,
    rounds: usize,
    threads: usize,
}

impl Settings {
    fn load() -> Result<Self> {
        let mut seconds: f64 = env_or("ROOKERY_BENCH_SECONDS", 2.0)?;
        let mut rounds: usize = env_or("ROOKERY_BENCH_ROUNDS", 3)?;
        let mut threads = env_or(
            "ROOKERY_BENCH_THREADS",
            std::thread::available_parallelism().map_or(1, usize::from),
        )?;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--seconds" => seconds = parse(args.next(), "--seconds")?,
                "--rounds" => rounds = parse(args.next(), "--rounds")?,
                "--threads" => threads = parse(args.next(), "--threads")?,
                // `cargo bench` passes `--bench` to every harness-less bench.
                "--bench" => {}
                other => bail!(
                    "unknown argument {other:?} (expected --seconds S, --rounds R or --threads N)"
                ),
            }
        }
        if !seconds.is_finite() || seconds <= 0.0 || rounds == 0 || threads == 0 {
            bail!("--seconds, --rounds and --threads must be positive");
        }
        Ok(Self {
            seconds,
            rounds,
            threads,
        })
    }
}

fn env_or<T: FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .ok()
            .with_context(|| format!("{name}={value:?} is not a valid number")),
        Err(_) => Ok(default),
    }
}

fn parse<T: FromStr>(value: Option<String>, flag: &str) -> Result<T> {
    value
        .as_deref()
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("{flag} needs a number"))
}

/// Runs `op` in a loop on `threads` threads for `seconds` and returns operations per second.
fn rate(threads: usize, seconds: f64, op: &(dyn Fn() + Sync)) -> f64 {
    // A short unmeasured warm-up (caches, CPU frequency).
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(200) {
        op();
    }
    let length = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = 0u64;
                    while start.elapsed() < length {
                        op();
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() -> Result<()> {
    let settings = Settings::load()?;
    let (private_pem, public_pem) = rookery::crypto::generate_rsa_keypair()?;

    // The message every backend signs: a real inbox POST's signing string.
    let now: DateTime<Utc> = Utc::now();
    let date = http_date(now);
    let digest = signature::digest_header(BODY);
    let message = format!(
        "(request-target): post {TARGET}\nhost: {HOST}\ndate: {date}\ndigest: {digest}\n\
         content-type: {CONTENT_TYPE}"
    );
    let message = message.as_bytes();

    // ring, through the server's key types (they hold ring's parsed keys).
    let ring_key = SigningKey::from_pem(&private_pem)?;
    let ring_public = VerifyingKey::from_pem(&public_pem)?;
    let ring_signature = ring_key.sign(message);

    // rsa 0.9.
    let rsa_private = rsa::RsaPrivateKey::from_pkcs8_pem(&private_pem)?;
    let rsa_public = rsa::RsaPublicKey::from_public_key_pem(&public_pem)?;
    let rsa_key = rsa::pkcs1v15::SigningKey::<Sha256>::new(rsa_private);
    let rsa_verifier = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(rsa_public);
    let rsa_signature = rsa_key.sign(message);

    // Both produce the same deterministic signature, and each verifies the other's.
    if rsa_signature.to_bytes().as_ref() != ring_signature.as_slice() {
        bail!("ring and rsa disagree on the signature");
    }
    ring_public.verify(message, &rsa_signature.to_bytes())?;
    rsa_verifier.verify(
        message,
        &rsa::pkcs1v15::Signature::try_from(ring_signature.as_slice())?,
    )?;

    // The server's whole path.
    let signed = sign_request(
        &ring_key,
        KEY_ID,
        "POST",
        TARGET,
        HOST,
        &date,
        Some(BODY),
        Some(CONTENT_TYPE),
    );
    let lookup = |name: &str| match name {
        "host" => Some(HOST.to_owned()),
        "date" => Some(signed.date.clone()),
        "digest" => signed.digest.clone(),
        "content-type" => Some(CONTENT_TYPE.to_owned()),
        _ => None,
    };
    let verify_whole = || {
        let params = parse_signature_header(&signed.signature)?;
        verify_request(
            &params,
            "POST",
            TARGET,
            None,
            &lookup,
            Some(BODY),
            &ring_public,
            now,
        )
    };
    verify_whole()?;

    let rows: Vec<Row> = vec![
        (
            "ring 0.17",
            "sign",
            Box::new(|| {
                black_box(ring_key.sign(black_box(message)));
            }),
        ),
        (
            "rsa 0.9 (unblinded)",
            "sign",
            Box::new(|| {
                black_box(rsa_key.sign(black_box(message)));
            }),
        ),
        (
            "rsa 0.9 (blinded)",
            "sign",
            Box::new(|| {
                black_box(rsa_key.sign_with_rng(&mut rand::thread_rng(), black_box(message)));
            }),
        ),
        (
            "rookery sign_request",
            "sign",
            Box::new(|| {
                black_box(sign_request(
                    &ring_key,
                    KEY_ID,
                    "POST",
                    TARGET,
                    HOST,
                    &date,
                    Some(black_box(BODY)),
                    Some(CONTENT_TYPE),
                ));
            }),
        ),
        (
            "ring 0.17",
            "verify",
            Box::new(|| {
                black_box(
                    ring_public
                        .verify(black_box(message), &ring_signature)
                        .is_ok(),
                );
            }),
        ),
        (
            "rsa 0.9",
            "verify",
            Box::new(|| {
                black_box(
                    rsa_verifier
                        .verify(black_box(message), &rsa_signature)
                        .is_ok(),
                );
            }),
        ),
        (
            "rookery verify_request",
            "verify",
            Box::new(|| {
                black_box(verify_whole().is_ok());
            }),
        ),
        // What a caller pays when it parses the PEM for every request instead of keeping the
        // parsed key (the private key is also test-signed once on load).
        (
            "SigningKey::from_pem",
            "load",
            Box::new(|| {
                black_box(SigningKey::from_pem(black_box(&private_pem)).is_ok());
            }),
        ),
        (
            "VerifyingKey::from_pem",
            "load",
            Box::new(|| {
                black_box(VerifyingKey::from_pem(black_box(&public_pem)).is_ok());
            }),
        ),
    ];

    let available = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "RSA-2048 PKCS#1 v1.5 SHA-256; {} round(s) of {} s per cell; \"all cores\" = {} \
         thread(s) ({available} available)",
        settings.rounds, settings.seconds, settings.threads,
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!("load average before: {}", load.join(" "));
    }

    // [row][0 = one core, 1 = all cores] -> one rate per round.
    let mut rates = vec![[Vec::new(), Vec::new()]; rows.len()];
    for _ in 0..settings.rounds {
        for (cells, (_, _, run)) in rates.iter_mut().zip(&rows) {
            cells[0].push(rate(1, settings.seconds, run.as_ref()));
            cells[1].push(rate(settings.threads, settings.seconds, run.as_ref()));
        }
    }

    println!();
    println!(
        "{:<24} {:<6} {:>12} {:>12} {:>12} {:>12} {:>8}",
        "backend", "op", "1 core best", "median", "all best", "median", "scaling"
    );
    for ((backend, op, _), [one, all]) in rows.iter().zip(&mut rates) {
        let (one_best, one_median) = best_and_median(one);
        let (all_best, all_median) = best_and_median(all);
        println!(
            "{backend:<24} {op:<6} {one_best:>12.0} {one_median:>12.0} {all_best:>12.0} \
             {all_median:>12.0} {:>7.2}x",
            all_best / one_best
        );
    }
    println!("(operations per second)");
    Ok(())
}

/// The highest and the median of some rates (sorts them).
fn best_and_median(rates: &mut [f64]) -> (f64, f64) {
    rates.sort_by(f64::total_cmp);
    let best = rates.last().copied().unwrap_or_default();
    let median = rates.get(rates.len() / 2).copied().unwrap_or_default();
    (best, median)
}
