//! Polls of other servers, and peers' part in local polls: a remote `Question` read into a
//! poll, its counts refreshed, remote votes on local polls counted, and local polls' counts
//! sent out.

use chrono::Utc;

use super::*;

impl PollContent {
    /// What a remote `Question` says of its poll: its options (without a name, or beyond the
    /// first [`MAX_REMOTE_OPTIONS`], left out) and their counts, its end, and whether it closed
    /// (a time, or Misskey's and Pleroma's flag). `None` for other objects.
    pub fn from_question(object: &Object) -> Option<PollContent> {
        use crate::federation::vocab::inbound::Closed;
        if object.kind != "Question" {
            return None;
        }
        let multiple = object.one_of.is_empty() && !object.any_of.is_empty();
        let listed = if multiple {
            &object.any_of
        } else {
            &object.one_of
        };
        let mut options = Vec::new();
        let mut votes = Vec::new();
        for option in listed.iter().take(MAX_REMOTE_OPTIONS) {
            let Some(name) = option.name.as_deref() else {
                continue;
            };
            let name: String = crate::content::sanitize::plain_text(name)
                .trim()
                .chars()
                .take(MAX_REMOTE_OPTION_CHARACTERS)
                .collect();
            if name.is_empty() {
                continue;
            }
            let count = option
                .replies
                .as_ref()
                .and_then(|r| r.total_items)
                .and_then(|n| i64::try_from(n).ok())
                .unwrap_or(0);
            options.push(name);
            votes.push(count);
        }
        if options.is_empty() {
            return None;
        }
        let now = Utc::now().trunc_subsecs(3);
        let expires_at = object.end_time.map(|t| t.trunc_subsecs(3));
        let closed_at = match &object.closed {
            Some(Closed::At(at)) => Some(at.trunc_subsecs(3)),
            Some(Closed::Flag(true)) => Some(expires_at.filter(|e| *e <= now).unwrap_or(now)),
            _ => None,
        };
        Some(PollContent {
            options,
            votes,
            multiple,
            hide_totals: false,
            voters_count: object.voters_count.and_then(|n| i64::try_from(n).ok()),
            expires_at,
            closed_at,
            fetched_at: Some(now),
        })
    }
}

/// A remote poll's server reported its counts (an `Update` that is no edit, or a fetch):
/// they replace the known ones, if the options are still the same.
pub(crate) async fn refresh_counts(
    state: &AppState,
    status: &Status,
    new: &PollContent,
) -> Result<()> {
    let mut tx = state.db.begin().await?;
    let Some(old) = store::polls::by_status(&mut *tx, status.id).await? else {
        return Ok(());
    };
    if old.options != new.options || old.multiple != new.multiple {
        tracing::debug!(
            status.id = status.id,
            "a poll's options changed without an edit"
        );
        return Ok(());
    }
    store::polls::revise(
        &mut *tx,
        old.id,
        &Revision {
            options: &old.options,
            votes: &new.votes,
            multiple: old.multiple,
            hide_totals: old.hide_totals,
            voters_count: new.voters_count,
            expires_at: new.expires_at,
            closed_at: new.closed_at,
            fetched_at: new.fetched_at,
        },
    )
    .await?;
    if new.expires_at != old.expires_at {
        queue_end(&mut tx, old.id, new).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The local status with a poll that a remote vote naming `question_uri` answers, if any:
/// a note in reply to anything else is no vote.
pub async fn local_poll_at(state: &AppState, question_uri: &str) -> Result<Option<Poll>> {
    let Some(status_id) = store::statuses::id_by_uri(&state.db, question_uri).await? else {
        return Ok(None);
    };
    let Some(poll) = store::polls::by_status(&state.db, status_id).await? else {
        return Ok(None);
    };
    let author = store::accounts::by_id(&state.db, poll.account_id).await?;
    Ok(poll_if_local(poll, author.as_ref()))
}

fn poll_if_local(poll: Poll, author: Option<&Account>) -> Option<Poll> {
    author.filter(|a| a.is_local()).map(|_| poll)
}

/// A remote account's vote (`vote_uri`, for the option titled `name`) on a local poll: counted
/// once per account on a single-choice poll, for options that exist, while the poll runs, and
/// only from voters who may see it (not blocked); anything else is ignored, as Mastodon
/// ignores it. The new counts are queued for peers.
#[tracing::instrument(skip_all, fields(account.id = voter.id, poll.id = poll.id))]
pub async fn receive_vote(
    state: &AppState,
    voter: &Account,
    poll: &Poll,
    name: &str,
    vote_uri: &str,
) -> Result<()> {
    if views::one(state, Some(voter), poll.status_id)
        .await
        .is_err()
    {
        tracing::info!("a vote on a poll its voter may not see");
        return Ok(());
    }
    let Some(choice) = poll.options.iter().position(|o| o == name.trim()) else {
        tracing::info!("a vote for an option the poll does not have");
        return Ok(());
    };
    let Ok(choice) = i32::try_from(choice) else {
        return Ok(());
    };
    let mut tx = state.db.begin().await?;
    let Some(poll) = store::polls::lock(&mut tx, poll.id).await? else {
        return Ok(());
    };
    if poll.expired(Utc::now()) {
        tracing::info!("a vote on a poll that has ended");
        return Ok(());
    }
    if !poll.multiple && store::polls::has_voted(&mut *tx, poll.id, voter.id).await? {
        tracing::info!("a second vote on a single-choice poll");
        return Ok(());
    }
    let vote = NewVote {
        id: id::next(),
        choice,
        uri: Some(vote_uri),
    };
    if store::polls::insert_votes(&mut tx, poll.id, voter.id, &[vote]).await? == 0 {
        return Ok(());
    }
    store::polls::recount(&mut *tx, poll.id).await?;
    queue_counts(state, &mut tx, poll.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a local poll's counts as they are now, as `Update(Question)`, to its status's
/// audience and to the servers whose members voted; run by the `federate_poll` job (batched
/// votes, or the end of the poll). `NotFound` once the poll is gone.
pub async fn federate_counts(state: &AppState, poll_id: i64) -> Result<()> {
    let poll = store::polls::by_id(&state.db, poll_id)
        .await?
        .ok_or(Error::NotFound)?;
    let author = store::accounts::by_id(&state.db, poll.account_id)
        .await?
        .filter(Account::is_local)
        .ok_or(Error::NotFound)?;
    let mut tx = state.db.begin().await?;
    // Cleared first: votes counted after this point queue another batch. (A vote waits for
    // this transaction on the poll's row, so none falls between the two.)
    store::polls::clear_update_due(&mut *tx, poll_id).await?;
    let view = views::one(state, Some(&author), poll.status_id).await?;
    let mut inboxes =
        delivery::audience(&mut tx, &author, &view.mentions, view.status.visibility).await?;
    for voter in store::polls::voters(&mut *tx, poll_id, false).await? {
        inboxes.push(delivery::inbox_of(&voter));
    }
    if !inboxes.is_empty() {
        let parent = store::statuses::parent_uri(&mut *tx, &view.status).await?;
        let update = outbox::with_context(convert::update_note(&view, parent, &state.base_url()))?;
        delivery::deliver(&mut tx, &author, &update, &inboxes).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Fetches the remote note at `url` again and takes its poll's counts (the `fetch_remote`
/// job queued by a view of a stale poll). The document must be the note's own, from its
/// author's origin.
pub async fn refresh_remote(state: &AppState, url: &str) -> Result<()> {
    let status_id = store::statuses::id_by_uri(&state.db, url)
        .await?
        .ok_or(Error::NotFound)?;
    let status = store::statuses::by_id(&state.db, status_id)
        .await?
        .ok_or(Error::NotFound)?;
    let author = store::accounts::by_id(&state.db, status.account_id)
        .await?
        .filter(|a| !a.is_local())
        .ok_or(Error::NotFound)?;
    store::polls::touch_fetched(&state.db, status.id).await?;
    let fetched = crate::service::remote::fetch_signed(state, url).await?;
    let object: Object = serde_json::from_value(fetched.document)
        .map_err(|e| Error::unprocessable(format!("Not an object: {e}")))?;
    let uri = remote_note::own_note(&object, &author)?;
    if uri != url {
        return Err(Error::unprocessable("The poll answered with another id"));
    }
    match PollContent::from_question(&object) {
        Some(poll) => refresh_counts(state, &status, &poll).await,
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::vocab::inbound::Incoming;

    /// The poll of the object a captured activity (tests/fixtures/peers/) carries, or of the
    /// captured object itself.
    fn poll_of(name: &str) -> Option<PollContent> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/peers")
            .join(name);
        let text = std::fs::read_to_string(&path).expect("fixture");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let object: Object = serde_json::from_value(doc.clone()).expect("an object");
        match object.embedded() {
            Some(embedded) => {
                assert!(
                    !matches!(Incoming::parse(doc), Ok(Incoming::Unhandled(_))),
                    "{name} is acted on"
                );
                PollContent::from_question(embedded)
            }
            None => PollContent::from_question(&object),
        }
    }

    fn titles(p: &PollContent) -> Vec<&str> {
        p.options.iter().map(String::as_str).collect()
    }

    #[test]
    fn fedify_questions_read_as_polls() {
        let created = poll_of("fedify-2.3.6/create-question.json").expect("a poll");
        assert_eq!(titles(&created), ["alpha", "beta", "gamma"]);
        assert_eq!(created.votes, [0, 0, 0]);
        assert!(!created.multiple);
        assert_eq!(created.voters_count, Some(0));
        assert!(created.expires_at.is_some() && created.closed_at.is_none());
        assert!(created.fetched_at.is_some(), "a remote poll");

        let multiple = poll_of("fedify-2.3.6/create-question-multiple.json").expect("a poll");
        assert!(multiple.multiple, "anyOf");
        assert!(multiple.options.len() >= 2);

        let updated = poll_of("fedify-2.3.6/update-question.json").expect("a poll");
        assert_eq!(titles(&updated), titles(&created));
        assert_eq!(updated.votes, [0, 1, 0]);
        assert_eq!(updated.voters_count, Some(1));

        let fetched = poll_of("fedify-2.3.6/question.json").expect("a poll");
        assert!(fetched.options.len() >= 2);
    }

    #[test]
    fn gotosocial_questions_read_as_polls() {
        let created = poll_of("gotosocial-0.20/create-question.json").expect("a poll");
        assert!(!created.multiple);
        assert!(created.options.len() >= 2);
        let multiple = poll_of("gotosocial-0.20/create-question-multiple.json").expect("a poll");
        assert!(multiple.multiple);
        assert_eq!(titles(&multiple), ["one", "two"]);

        let counted = poll_of("gotosocial-0.20/update-question-vote-counts.json").expect("poll");
        assert_eq!(titles(&counted), ["alpha", "beta", "gamma"]);
        assert_eq!(counted.votes, [0, 1, 0]);
        assert_eq!(counted.voters_count, Some(1));

        let closed = poll_of("gotosocial-0.20/update-question-closed.json").expect("a poll");
        assert_eq!(closed.closed_at, closed.expires_at, "closed at its end");
        assert!(closed.closed_at.is_some());

        assert!(poll_of("gotosocial-0.20/question.json").is_some());
        // A vote is a note, not a poll.
        assert_eq!(poll_of("gotosocial-0.20/create-note-poll-vote.json"), None);
    }

    #[test]
    fn mastodon_question_reads_as_a_poll() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/activitypub/mastodon_create_question.json");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
        let activity: Object = serde_json::from_value(doc).expect("object");
        let poll =
            PollContent::from_question(activity.embedded().expect("embedded")).expect("a poll");
        assert_eq!(titles(&poll), ["heron", "egret"]);
        assert_eq!(
            (poll.votes.clone(), poll.voters_count),
            (vec![2, 1], Some(3))
        );
    }

    #[test]
    fn options_without_names_or_beyond_the_limit_are_left_out() {
        let options: Vec<serde_json::Value> = (0..30)
            .map(|i| serde_json::json!({"type": "Note", "name": format!("o{i}")}))
            .chain([
                serde_json::json!({"type": "Note"}),
                serde_json::json!({"name": "  "}),
            ])
            .collect();
        let object: Object = serde_json::from_value(serde_json::json!({
            "type": "Question", "anyOf": options, "closed": true,
        }))
        .expect("object");
        let poll = PollContent::from_question(&object).expect("a poll");
        assert_eq!(poll.options.len(), MAX_REMOTE_OPTIONS);
        assert!(poll.multiple);
        assert!(poll.closed_at.is_some(), "Misskey's flag");
        let none: Object =
            serde_json::from_value(serde_json::json!({"type": "Question", "oneOf": []}))
                .expect("object");
        assert_eq!(PollContent::from_question(&none), None);
        let note: Object =
            serde_json::from_value(serde_json::json!({"type": "Note", "oneOf": options}))
                .expect("object");
        assert_eq!(PollContent::from_question(&note), None);
    }
}
