//! The workload bench's scenarios from issue 18, seeded through the API like everything else:
//! a list timeline (the dense viewer's list of half the authors, made before anyone posts so
//! that fan-out fills it) and a page of grouped notifications of an account that has 10,000
//! of them (favourites of its statuses and follows, each one a real request).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, bail, Result};

use super::{string, words, Api, AppCredentials, User, POSTING_CONCURRENCY};

/// Statuses the notified account posts: its favourites spread over them.
const NOTIFIED_POSTS: usize = 200;
/// Requests in flight at once while favouriting.
const FAVOURITING_CONCURRENCY: usize = 8;

/// Makes `owner`'s list holding `members` (whom `owner` follows); its id.
pub async fn make_list(api: &Api, owner: &User, members: &[User]) -> Result<String> {
    let list = api
        .json(
            api.post("/api/v1/lists", &owner.token)
                .form(&[("title", "half the authors")]),
            "creating a list",
        )
        .await?;
    let id = string(&list, "id")?;
    for chunk in members.chunks(20) {
        let form: Vec<(&str, &str)> = chunk
            .iter()
            .map(|u| ("account_ids[]", u.id.as_str()))
            .collect();
        api.json(
            api.post(&format!("/api/v1/lists/{id}/accounts"), &owner.token)
                .form(&form),
            "adding accounts to the list",
        )
        .await?;
    }
    Ok(id)
}

/// An account with `total` notifications, seeded through the API: it posts
/// [`NOTIFIED_POSTS`] statuses, every author follows it (one notification each), and the
/// authors favourite its statuses until `total` is reached, each pair once, spread so that
/// every status is favourited by many (grouped notifications have groups of many accounts,
/// and many groups). Returns the account and the seconds the favourites took.
pub async fn notified_account(
    api: &Api,
    app: &AppCredentials,
    authors: &[User],
    total: usize,
) -> Result<(User, f64)> {
    let notified = api.sign_up(app, "notified").await?;
    let favourites = total.saturating_sub(authors.len());
    let per_author = favourites.div_ceil(authors.len());
    if per_author > NOTIFIED_POSTS {
        bail!(
            "{total} notifications need more than {NOTIFIED_POSTS} favourites from each of {} \
             authors",
            authors.len()
        );
    }
    let mut statuses = Vec::with_capacity(NOTIFIED_POSTS);
    // Unlisted, so the public timeline scenario still reads the authors' statuses only.
    for i in 0..NOTIFIED_POSTS {
        let status = api
            .json(
                api.post("/api/v1/statuses", &notified.token).form(&[
                    ("status", words(7_000_000 + i as u64, 200).as_str()),
                    ("visibility", "unlisted"),
                ]),
                "posting",
            )
            .await?;
        statuses.push(string(&status, "id")?);
    }
    for a in authors {
        api.follow(a, &notified).await?;
    }

    // Favourite k: author k mod A, the status (k div A + 7a) mod P, so no pair repeats.
    let t = Instant::now();
    let statuses = Arc::new(statuses);
    let authors = Arc::new(authors.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..FAVOURITING_CONCURRENCY.max(POSTING_CONCURRENCY) {
        let (api, statuses, authors, next) =
            (api.clone(), statuses.clone(), authors.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            // A refused favourite (a busy server answers 503) is counted, not fatal: the
            // account has a few notifications fewer, and the run goes on.
            let mut failed = 0usize;
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= favourites {
                    return failed;
                }
                let a = k % authors.len();
                let status = &statuses[(k / authors.len() + 7 * a) % statuses.len()];
                let done = api
                    .json(
                        api.post(
                            &format!("/api/v1/statuses/{status}/favourite"),
                            &authors[a].token,
                        ),
                        "favouriting",
                    )
                    .await;
                if let Err(e) = done {
                    if failed == 0 {
                        eprintln!("{e:#}");
                    }
                    failed += 1;
                }
            }
        }));
    }
    let mut failed = 0;
    for task in tasks {
        failed += task.await?;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} favourites of the notified account's {NOTIFIED_POSTS} statuses ({failed} refused) \
         and {} follows of it ({} notifications) in {secs:.1} s",
        favourites - failed,
        authors.len(),
        total - failed
    );
    Ok((notified, secs))
}

/// The grouped notifications page answers 200 with groups, before wrk hammers it.
pub async fn check_groups(api: &Api, path: &str, token: &str) -> Result<()> {
    let page = api.json(api.get(path, token), path).await?;
    let groups = page["notification_groups"]
        .as_array()
        .ok_or_else(|| anyhow!("{path}: no notification_groups in {page}"))?;
    if groups.is_empty() {
        bail!("{path} answered no groups");
    }
    Ok(())
}
