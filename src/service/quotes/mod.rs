//! Quote posts (Mastodon 4.5, FEP-044f): who may quote a status, checking a local quote,
//! reading a remote one, and the approval flow between servers (`QuoteRequest` answered by
//! an `Accept` carrying a `QuoteAuthorization`, or a `Reject`; the stamp revoked by deleting
//! it). A quote is stored with its quoting status by the status lifecycle; what arrives from
//! peers about it is in [`federation`].

mod federation;

pub use federation::{receive_answer, receive_request, receive_revocation, RemoteQuote};
pub(crate) use federation::{resolve, revise as revise_remote};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::{convert, outbox};
use crate::model::quote::QuoteApproval;
use crate::model::{
    Account, NotificationType, Page, QuotePolicy, QuoteState, StatusView, Visibility,
};
use crate::service::queue::{self, Job, OfStatus};
use crate::service::{delivery, notifications, views};
use crate::{id, store};

/// What a status quotes, as posting or receiving decided it; stored with the status by the
/// lifecycle ([`record`]).
#[derive(Clone, Debug)]
pub struct QuoteContent {
    pub quoted_uri: String,
    /// The quoted status, when known here, and its author.
    pub quoted: Option<(i64, Account)>,
    pub state: QuoteState,
    /// A remote quoted author's stamp, checked.
    pub approval_uri: Option<String>,
    /// Written in a dialect older than FEP-044f.
    pub legacy: bool,
}

impl QuoteContent {
    /// A remote note's quote of something already deleted when the note arrived (its `quote`
    /// a `Tombstone`, with or without the gone object's id): kept as `deleted`, quoting
    /// nothing, as Mastodon keeps it.
    pub fn deleted(quoted_uri: Option<&str>) -> QuoteContent {
        QuoteContent {
            quoted_uri: quoted_uri.unwrap_or_default().to_string(),
            quoted: None,
            state: QuoteState::Deleted,
            approval_uri: None,
            legacy: false,
        }
    }
}

/// A client's `quote_approval_policy`: 422 for a word Mastodon does not know.
pub fn parse_policy(raw: Option<&str>) -> Result<Option<QuotePolicy>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(raw) => QuotePolicy::from_client(raw).map(Some).ok_or_else(|| {
            Error::invalid(
                "quote_approval_policy",
                "ERR_INCLUSION",
                "is not included in the list",
            )
        }),
    }
}

/// Checks a local author's quote of the status `raw` in a post of `visibility`: 404 when they
/// cannot see it (as a reply target), 422 when its visibility forbids it (any direct post,
/// another's followers-only post, one's own followers-only post in a public or unlisted
/// post), 403 when its policy does not let them quote it.
pub async fn check_local(
    state: &AppState,
    author: &Account,
    visibility: Visibility,
    raw: Option<&str>,
) -> Result<Option<QuoteContent>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let id = id::parse(raw).ok_or(Error::NotFound)?;
    let view = views::one(state, Some(author), id).await?;
    // A boost is quoted through its original.
    let quoted = match view.reblog {
        Some(original) => *original,
        None => view,
    };
    let own = quoted.status.account_id == author.id;
    let public = |v: Visibility| matches!(v, Visibility::Public | Visibility::Unlisted);
    // As on Mastodon, a private mention is quoted by nobody, not even its author.
    if quoted.status.visibility == Visibility::Direct {
        return Err(Error::unprocessable(
            "Validation failed: Private mentions cannot be quoted",
        ));
    }
    if !public(quoted.status.visibility) {
        if !own {
            return Err(Error::unprocessable(
                "Validation failed: Quoted post is not public, it cannot be quoted",
            ));
        }
        if public(visibility) {
            return Err(Error::unprocessable(
                "Validation failed: A private post cannot be quoted publicly",
            ));
        }
    }
    let state_now = match quoted.quote_approval {
        QuoteApproval::Automatic if quoted.account.is_local() => QuoteState::Accepted,
        QuoteApproval::Automatic | QuoteApproval::Manual => QuoteState::Pending,
        QuoteApproval::Denied | QuoteApproval::Unknown => {
            return Err(Error::forbidden("This action is not allowed"))
        }
    };
    Ok(Some(QuoteContent {
        quoted_uri: quoted.status.uri.clone(),
        quoted: Some((quoted.status.id, (*quoted.account).clone())),
        state: state_now,
        approval_uri: None,
        legacy: false,
    }))
}

/// Stores the quote of the new status `status_id` (in its transaction): a local quote of a
/// remote status asks the quoted author's server with a `QuoteRequest`; a quote of a local
/// status accepted at once is stamped here and its author notified.
pub(crate) async fn record(
    tx: &mut sqlx::PgConnection,
    author: &Account,
    status_id: i64,
    status_uri: &str,
    quote: &QuoteContent,
) -> Result<()> {
    let quote_id = id::next();
    let quoted_account = quote.quoted.as_ref().map(|(_, a)| a);
    let mut activity_uri = None;
    let mut approval_uri = quote.approval_uri.clone();
    match quoted_account {
        Some(quoted) if quoted.is_local() && quote.state == QuoteState::Accepted => {
            approval_uri = Some(convert::quote_authorization_uri(quoted, quote_id));
        }
        Some(quoted) if author.is_local() && quote.state == QuoteState::Pending => {
            let uri = convert::quote_request_uri(author, quote_id);
            let request = convert::quote_request(&uri, &author.uri, &quote.quoted_uri, status_uri);
            let request = outbox::with_context(request)?;
            delivery::deliver(&mut *tx, author, &request, &[delivery::inbox_of(quoted)]).await?;
            activity_uri = Some(uri);
        }
        _ => {}
    }
    store::quotes::insert(
        &mut *tx,
        &store::quotes::NewQuote {
            id: quote_id,
            status_id,
            account_id: author.id,
            quoted_status_id: quote.quoted.as_ref().map(|(id, _)| *id),
            quoted_account_id: quoted_account.map(|a| a.id),
            quoted_uri: &quote.quoted_uri,
            state: quote.state,
            activity_uri: activity_uri.as_deref(),
            approval_uri: approval_uri.as_deref(),
            legacy: quote.legacy,
        },
    )
    .await?;
    if let Some(quoted) = quoted_account.filter(|a| a.is_local()) {
        if quote.state == QuoteState::Accepted {
            notifications::notify(
                &mut *tx,
                quoted.id,
                author.id,
                NotificationType::Quote,
                Some(status_id),
            )
            .await?;
        }
    }
    Ok(())
}

/// The quoted status `status_id` was edited: the local authors of accepted quotes of it are
/// told (`quoted_update`), each about their own quoting status, as Mastodon tells them.
pub(crate) async fn notify_quoted_update(
    tx: &mut sqlx::PgConnection,
    author: &Account,
    status_id: i64,
) -> Result<()> {
    for (quoter, quoting) in store::quotes::local_quoters(&mut *tx, status_id).await? {
        if quoter == author.id {
            continue;
        }
        notifications::notify(
            &mut *tx,
            quoter,
            author.id,
            NotificationType::QuotedUpdate,
            Some(quoting),
        )
        .await?;
    }
    Ok(())
}

/// The quoted status `status_id` is about to be deleted: its quotes show `deleted`.
pub(crate) async fn quoted_deleted(tx: &mut sqlx::PgConnection, status_id: i64) -> Result<()> {
    store::quotes::mark_deleted(&mut *tx, status_id).await?;
    Ok(())
}

/// A remote status's policy, as its server now states it (kept when it states none).
pub(crate) async fn refresh_policy(
    state: &AppState,
    status: &crate::model::Status,
    policy: Option<QuotePolicy>,
) -> Result<()> {
    if policy.is_some() {
        store::quotes::set_policy(&state.db, status.id, policy).await?;
    }
    Ok(())
}

/// One's own status (or 404 when unseen, 403 when another's).
async fn own(state: &AppState, actor: &Account, id: i64) -> Result<StatusView> {
    let view = views::one(state, Some(actor), id).await?;
    if view.status.account_id != actor.id || view.status.is_reblog() {
        return Err(Error::forbidden("This action is not allowed"));
    }
    Ok(view)
}

/// `PUT /api/v1/statuses/:id/interaction_policy`: who may quote one's status from now on
/// (a followers-only or direct one stays the author's alone); peers hear of it by an
/// `Update`.
#[tracing::instrument(skip_all, fields(account.id = actor.id, status.id = id))]
pub async fn set_policy(
    state: &AppState,
    actor: &Account,
    id: i64,
    raw: Option<&str>,
) -> Result<StatusView> {
    let view = own(state, actor, id).await?;
    let policy = parse_policy(raw)?
        .ok_or_else(|| Error::invalid("quote_approval_policy", "ERR_BLANK", "can't be blank"))?;
    let policy = policy.for_visibility(view.status.visibility);
    let mut tx = state.db.begin().await?;
    store::quotes::set_policy(&mut *tx, view.status.id, Some(policy)).await?;
    queue::enqueue(
        &mut tx,
        &Job::FederateEdit(OfStatus {
            status_id: view.status.id,
        }),
    )
    .await?;
    tx.commit().await?;
    views::one(state, Some(actor), view.status.id).await
}

/// `GET /api/v1/statuses/:id/quotes`: a page of the accepted quotes of one's own status, as
/// the caller may see them, with the quote ids as cursors.
pub async fn quotes_of(
    state: &AppState,
    actor: &Account,
    id: i64,
    page: &Page,
) -> Result<(Vec<StatusView>, Option<(i64, i64)>)> {
    let view = own(state, actor, id).await?;
    let rows = store::quotes::accepted_of(&state.db, view.status.id, page).await?;
    let ids: Vec<i64> = rows.iter().map(|(_, s)| *s).collect();
    let views = views::hydrate(state, Some(actor), &ids).await?;
    Ok((
        views,
        rows.first().zip(rows.last()).map(|(f, l)| (f.0, l.0)),
    ))
}

/// `POST /api/v1/statuses/:id/quotes/:quoting_id/revoke`: the author of a quoted status
/// withdraws their approval of one quote (a pending one is rejected). The quoting author's
/// server hears of it by a `Delete` of the stamp; a local quoting status's peers by its
/// `Update`. Returns the quoting status.
#[tracing::instrument(skip_all, fields(account.id = actor.id, status.id = id))]
pub async fn revoke(
    state: &AppState,
    actor: &Account,
    id: i64,
    quoting_id: i64,
) -> Result<StatusView> {
    let quoted = own(state, actor, id).await?;
    let quote = store::quotes::of_status(&state.db, quoting_id)
        .await?
        .filter(|q| q.quoted_status_id == Some(quoted.status.id))
        .ok_or(Error::NotFound)?;
    let quoter = store::accounts::by_id(&state.db, quote.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let next = match quote.state.0 {
        QuoteState::Accepted => QuoteState::Revoked,
        QuoteState::Pending => QuoteState::Rejected,
        _ => return views::one(state, Some(actor), quoting_id).await,
    };
    let mut tx = state.db.begin().await?;
    store::quotes::set_state(&mut *tx, quote.id, next, None).await?;
    if quoter.is_local() {
        let update = Job::FederateEdit(OfStatus {
            status_id: quoting_id,
        });
        queue::enqueue(&mut tx, &update).await?;
    } else if let Some(approval) = quote.approval_uri.as_deref() {
        let delete = outbox::with_context(convert::revoke_quote(actor, approval))?;
        delivery::deliver(&mut tx, actor, &delete, &[delivery::inbox_of(&quoter)]).await?;
    }
    tx.commit().await?;
    views::one(state, Some(actor), quoting_id).await
}

/// The stamp of quote `quote_id`, as its local quoted author serves it: only while the quote
/// stands accepted.
pub async fn authorization(
    state: &AppState,
    author: &Account,
    quote_id: i64,
) -> Result<crate::federation::vocab::QuoteAuthorization> {
    let quote = store::quotes::by_id(&state.db, quote_id)
        .await?
        .filter(|q| q.quoted_account_id == Some(author.id) && q.state.0 == QuoteState::Accepted)
        .ok_or(Error::NotFound)?;
    let quoting = store::statuses::by_id(&state.db, quote.status_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(convert::quote_authorization(
        author,
        quote.id,
        &quoting.uri,
        &quote.quoted_uri,
    ))
}
