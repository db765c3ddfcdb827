//! What peers send about quotes: quotes in their notes (in any dialect), `QuoteRequest`s for
//! local statuses, the answers to local ones, and revoked stamps. A stamp is believed only
//! once fetched from the quoted author's server and found to name this quote and this status.

use super::QuoteContent;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::vocab::inbound::{Object, Reference};
use crate::federation::{convert, outbox};
use crate::model::quote::QuoteApproval;
use crate::model::{Account, NotificationType, QuoteState, Status, Visibility};
use crate::service::queue::{self, Job, OfStatus};
use crate::service::{delivery, notifications, remote, views};
use crate::store;

/// A remote note's quote, as its server wrote it.
#[derive(Clone, Debug)]
pub struct RemoteQuote {
    pub uri: String,
    /// Its `quoteAuthorization`, unchecked.
    pub approval_uri: Option<String>,
    /// Written without FEP-044f's `quote` (Misskey, Fedibird, links).
    pub legacy: bool,
}

/// Whether two URLs share scheme, host and port.
fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => {
            crate::federation::fetch::origin(&a) == crate::federation::fetch::origin(&b)
        }
        _ => false,
    }
}

/// Whether the stamp at `approval_uri` is the quoted author's (fetched from its server) and
/// names the quoting note `quoting_uri` and the quoted one.
async fn verify_stamp(
    state: &AppState,
    approval_uri: &str,
    quoting_uri: &str,
    quoted_uri: &str,
    quoted_author: &Account,
) -> Result<bool> {
    if quoted_author.is_local() || !same_origin(approval_uri, &quoted_author.uri) {
        return Ok(false);
    }
    let fetched = remote::fetch_signed(state, approval_uri).await?;
    let stamp: Object = serde_json::from_value(fetched.document)
        .map_err(|e| Error::unprocessable(format!("Not a QuoteAuthorization: {e}")))?;
    let names = |r: &Option<Reference>, uri: &str| r.as_ref().and_then(Reference::id) == Some(uri);
    Ok(stamp.kind == "QuoteAuthorization"
        && stamp.id.as_deref() == Some(approval_uri)
        && stamp.author() == Some(quoted_author.uri.as_str())
        && names(&stamp.interacting_object, quoting_uri)
        && names(&stamp.interaction_target, quoted_uri))
}

/// The quote of a remote author's note `quoting_uri`, as it stands here: the quoted status is
/// fetched when unknown; a quote of oneself is accepted, one stamped by the quoted author's
/// server is accepted once the stamp checks out; one in an older dialect (whose servers ask
/// nobody) is accepted when the quoted status's policy approves the quoter at once; anything
/// else waits (`pending`), or is `rejected` when the quoted status is not public.
pub(crate) async fn resolve(
    state: &AppState,
    author: &Account,
    quoting_uri: &str,
    quote: &RemoteQuote,
) -> Result<QuoteContent> {
    // Boxed: fetching a note stores it, which resolves its own quote.
    let quoted_id = match Box::pin(remote::fetch_note(state, &quote.uri, 1)).await {
        Ok(id) => Some(id),
        Err(e) => {
            tracing::info!(error = %e, quoted = %quote.uri, "a quoted note could not be fetched");
            None
        }
    };
    let mut content = QuoteContent {
        quoted_uri: quote.uri.clone(),
        quoted: None,
        state: QuoteState::Pending,
        approval_uri: None,
        legacy: quote.legacy,
    };
    let Some(view) = quoted_view(state, author, quoted_id).await? else {
        return Ok(content);
    };
    let own = view.status.account_id == author.id;
    content.quoted_uri = view.status.uri.clone();
    content.quoted = Some((view.status.id, (*view.account).clone()));
    if !own
        && !matches!(
            view.status.visibility,
            Visibility::Public | Visibility::Unlisted
        )
    {
        content.state = QuoteState::Rejected;
        return Ok(content);
    }
    if own {
        content.state = QuoteState::Accepted;
    } else if let Some(approval) = &quote.approval_uri {
        match verify_stamp(
            state,
            approval,
            quoting_uri,
            &view.status.uri,
            &view.account,
        )
        .await
        {
            Ok(true) => {
                content.state = QuoteState::Accepted;
                content.approval_uri = Some(approval.clone());
            }
            Ok(false) => {}
            Err(e) => tracing::info!(error = %e, "a quote's stamp could not be fetched"),
        }
    } else if quote.legacy && view.quote_approval == QuoteApproval::Automatic {
        content.state = QuoteState::Accepted;
    }
    Ok(content)
}

/// The quoted status as the quoter would see it (its policy judged for them).
async fn quoted_view(
    state: &AppState,
    quoter: &Account,
    id: Option<i64>,
) -> Result<Option<crate::model::StatusView>> {
    let Some(id) = id else { return Ok(None) };
    match views::one(state, Some(quoter), id).await {
        Ok(view) if !view.status.is_reblog() => Ok(Some(view)),
        Ok(_) | Err(Error::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A remote author's edited note may now carry a stamp (its quote accepted), have lost it
/// (revoked), or say (`deleted`: its `quote` a `Tombstone`) that what it quoted is gone.
pub(crate) async fn revise(
    state: &AppState,
    author: &Account,
    status: &Status,
    quote: Option<&RemoteQuote>,
    deleted: bool,
) -> Result<()> {
    let Some(stored) = store::quotes::of_status(&state.db, status.id).await? else {
        return Ok(());
    };
    if deleted {
        // As Mastodon: the quote stays, shown deleted, its stamp kept.
        store::quotes::set_state(&state.db, stored.id, QuoteState::Deleted, None).await?;
        return Ok(());
    }
    let quoted_author = match stored.quoted_account_id {
        Some(id) if id != author.id => store::accounts::by_id(&state.db, id).await?,
        _ => None,
    };
    let Some(quoted_author) = quoted_author.filter(|a| !a.is_local()) else {
        return Ok(());
    };
    let approval = quote.and_then(|q| q.approval_uri.as_deref());
    match (stored.state.0, approval) {
        (QuoteState::Pending, Some(approval))
            if verify_stamp(
                state,
                approval,
                &status.uri,
                &stored.quoted_uri,
                &quoted_author,
            )
            .await? =>
        {
            let accepted = QuoteState::Accepted;
            store::quotes::set_state(&state.db, stored.id, accepted, Some(approval)).await?;
        }
        (QuoteState::Accepted, None) => {
            store::quotes::set_state(&state.db, stored.id, QuoteState::Revoked, None).await?;
        }
        _ => {}
    }
    Ok(())
}

/// A `QuoteRequest` from `signer` for a local status: the quoting note (known, embedded, or
/// fetched) must be the signer's and quote that status; the quote is accepted when the
/// status's policy approves the signer at once (stamped, its author notified, an `Accept`
/// with the stamp sent back), rejected otherwise (a `Reject`), as Mastodon 4.5 answers.
#[tracing::instrument(skip_all, fields(account.id = signer.id))]
pub async fn receive_request(state: &AppState, signer: &Account, activity: &Object) -> Result<()> {
    let request_uri = activity.id.as_deref().ok_or(Error::NotFound)?;
    if !same_origin(request_uri, &signer.uri) {
        return Err(Error::forbidden("the QuoteRequest is not the signer's"));
    }
    let quoted_uri = activity.object_id().ok_or(Error::NotFound)?;
    let quoted_id = store::statuses::id_by_uri(&state.db, quoted_uri)
        .await?
        .ok_or(Error::NotFound)?;
    let instrument = activity.instrument.as_ref().ok_or(Error::NotFound)?;
    let instrument_uri = instrument.id().ok_or(Error::NotFound)?;
    let quoting_id = match store::statuses::id_by_uri(&state.db, instrument_uri).await? {
        Some(id) => id,
        None => match instrument.object() {
            Some(note) => {
                let uri = crate::federation::remote_note::own_note(note, signer)?;
                let note = crate::federation::remote_note::note_from(note, signer, uri);
                crate::service::statuses::receive_remote(state, signer, note).await?;
                store::statuses::id_by_uri(&state.db, instrument_uri)
                    .await?
                    .ok_or(Error::NotFound)?
            }
            None => remote::fetch_note(state, instrument_uri, 1).await?,
        },
    };
    let quote = store::quotes::of_status(&state.db, quoting_id)
        .await?
        .filter(|q| q.account_id == signer.id && q.quoted_status_id == Some(quoted_id))
        .ok_or_else(|| Error::unprocessable("The instrument does not quote the object"))?;
    let quoted = match views::one(state, Some(signer), quoted_id).await {
        Ok(view) => Some(view),
        Err(Error::NotFound) => None,
        Err(e) => return Err(e),
    };
    let quoted = quoted.filter(|v| {
        v.account.is_local()
            && matches!(
                v.status.visibility,
                Visibility::Public | Visibility::Unlisted
            )
    });
    let Some(quoted) = quoted else {
        return Ok(());
    };
    let approve = quoted.quote_approval == QuoteApproval::Automatic;
    let request = convert::quote_request(request_uri, &signer.uri, quoted_uri, instrument_uri);
    let approval = approve.then(|| convert::quote_authorization_uri(&quoted.account, quote.id));
    let mut tx = state.db.begin().await?;
    store::quotes::set_activity(&mut *tx, quote.id, request_uri).await?;
    let next = match (approve, quote.state.0) {
        (true, _) => QuoteState::Accepted,
        (false, QuoteState::Accepted) => QuoteState::Revoked,
        (false, _) => QuoteState::Rejected,
    };
    let changed = store::quotes::set_state(&mut *tx, quote.id, next, approval.as_deref()).await?;
    if approve && changed {
        notifications::notify(
            &mut *tx,
            quoted.account.id,
            signer.id,
            NotificationType::Quote,
            Some(quoting_id),
        )
        .await?;
    }
    let answer = convert::answer_quote_request(&quoted.account, quote.id, request, approval);
    let answer = outbox::with_context(answer)?;
    delivery::deliver(
        &mut tx,
        &quoted.account,
        &answer,
        &[delivery::inbox_of(signer)],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `activity` (an `Accept` or `Reject`) answers a local account's `QuoteRequest`;
/// if so it is acted on: accepted once the stamp it grants checks out (the quoting note's
/// peers then hear of it by an `Update`), or rejected.
pub async fn receive_answer(
    state: &AppState,
    signer: &Account,
    activity: &Object,
    accepted: bool,
) -> Result<bool> {
    let Some(request_uri) = activity.object_id() else {
        return Ok(false);
    };
    let Some(quote) = store::quotes::by_activity(&state.db, request_uri).await? else {
        return Ok(false);
    };
    if quote.quoted_account_id != Some(signer.id) {
        return Err(Error::forbidden(
            "only the quoted author answers a QuoteRequest",
        ));
    }
    let quoting = store::statuses::by_id(&state.db, quote.status_id)
        .await?
        .ok_or(Error::NotFound)?;
    let next = if accepted {
        let approval = activity
            .result
            .as_ref()
            .and_then(Reference::id)
            .ok_or_else(|| Error::unprocessable("An Accept of a QuoteRequest without a result"))?;
        if !verify_stamp(state, approval, &quoting.uri, &quote.quoted_uri, signer).await? {
            tracing::info!(stamp = %approval, "a quote's stamp does not name the quote");
            return Ok(true);
        }
        let mut tx = state.db.begin().await?;
        store::quotes::set_state(&mut *tx, quote.id, QuoteState::Accepted, Some(approval)).await?;
        let update = Job::FederateEdit(OfStatus {
            status_id: quoting.id,
        });
        queue::enqueue(&mut tx, &update).await?;
        tx.commit().await?;
        return Ok(true);
    } else if quote.state.0 == QuoteState::Accepted {
        QuoteState::Revoked
    } else {
        QuoteState::Rejected
    };
    store::quotes::set_state(&state.db, quote.id, next, None).await?;
    Ok(true)
}

/// Whether `uri` (the object of a `Delete`) is a stamp `signer` issued; if so the quote it
/// stamped is revoked, and a local quoting note's peers hear of it by an `Update`.
pub async fn receive_revocation(state: &AppState, signer: &Account, uri: &str) -> Result<bool> {
    let Some(quote) = store::quotes::by_approval(&state.db, uri).await? else {
        return Ok(false);
    };
    if quote.quoted_account_id != Some(signer.id) {
        return Err(Error::forbidden("only the quoted author revokes a quote"));
    }
    let mut tx = state.db.begin().await?;
    if store::quotes::set_state(&mut *tx, quote.id, QuoteState::Revoked, None).await? {
        let local = store::statuses::by_id(&mut *tx, quote.status_id)
            .await?
            .is_some_and(|s| s.local);
        if local {
            let update = Job::FederateEdit(OfStatus {
                status_id: quote.status_id,
            });
            queue::enqueue(&mut tx, &update).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}
