//! Domain types to ActivityStreams documents: every document and activity Rookery serves or
//! sends about accounts and statuses is built here from the types of `vocab::outbound`
//! (moderation's `Delete` of an actor and `Flag` are in `federation::moderation`).

use std::collections::BTreeMap;

use super::vocab::{
    self, Activity, ActivityObject, ActivityType, Actor, ApprovalRule, Document, Endpoints, Image,
    InteractionPolicy, Note, PollOption, PropertyValue, PublicKey, QuoteAuthorization, QuoteRef,
    Replies, Tag, Tombstone, Vote,
};
use crate::clock::timestamp as datetime;
use crate::model::account::{default_avatar, default_header};
use crate::model::{Account, CustomEmoji, Status, StatusView, Visibility};

/// Where a local account's featured hashtags are served (Mastodon's URL).
pub fn featured_tags_url(a: &Account) -> String {
    format!("{}/collections/tags", a.uri)
}

/// The collection of the hashtags a local account features, each a `Hashtag` linking to
/// the account's posts with it (as the Mastodon API's `FeaturedTag.url` does).
pub fn featured_tags(a: &Account, featured: &[crate::model::FeaturedTag]) -> vocab::TagCollection {
    let items = featured
        .iter()
        .map(|f| Tag::Hashtag {
            href: f.url_for(a),
            name: format!("#{}", f.name),
        })
        .collect();
    vocab::TagCollection::whole(featured_tags_url(a), items)
}

/// The actor document of a local account.
pub fn actor(a: &Account, base_url: &str) -> Actor {
    // Mastodon labels avatars and headers PNG whatever they are; peers read the file's type.
    let png = || Some("image/png".to_string());
    Actor {
        id: a.uri.clone(),
        kind: a.actor_type.clone(),
        preferred_username: a.username.clone(),
        name: Some(a.display_name.clone()),
        summary: Some(a.note.clone()),
        url: Some(a.profile_url().to_string()),
        inbox: a.inbox_url.clone(),
        outbox: Some(a.outbox_url.clone()),
        followers: Some(a.followers_url.clone()),
        following: Some(a.following_url.clone()),
        featured: Some(a.featured_url.clone()),
        featured_tags: Some(featured_tags_url(a)),
        endpoints: Some(Endpoints {
            shared_inbox: a
                .shared_inbox_url
                .clone()
                .unwrap_or_else(|| format!("{base_url}/inbox")),
        }),
        public_key: PublicKey {
            id: a.public_key_id.clone(),
            owner: a.uri.clone(),
            public_key_pem: a.public_key_pem.clone(),
        },
        manually_approves_followers: Some(a.locked),
        discoverable: Some(a.discoverable),
        indexable: Some(a.indexable),
        memorial: Some(a.memorial),
        published: Some(datetime(&a.created_at)),
        icon: Some(Image::new(
            a.avatar_url
                .clone()
                .unwrap_or_else(|| default_avatar(base_url)),
            png(),
        )),
        image: Some(Image::new(
            a.header_url
                .clone()
                .unwrap_or_else(|| default_header(base_url)),
            png(),
        )),
        attachment: a
            .fields
            .iter()
            .map(|f| PropertyValue::new(f.name.clone(), f.value.clone()))
            .collect(),
        also_known_as: a.also_known_as.clone(),
        attribution_domains: a.attribution_domains.clone(),
        moved_to: a.moved_to_uri.clone(),
        tag: a.emojis.iter().map(|e| emoji_tag(e, base_url)).collect(),
    }
}

/// A custom emoji as the `Emoji` tag Mastodon sends: the image with its type, and when it
/// last changed (peers fetch it again when that is newer than what they hold).
pub fn emoji_tag(e: &CustomEmoji, base_url: &str) -> Tag {
    Tag::Emoji {
        id: e.ap_id(base_url),
        name: e.colon_name(),
        updated: datetime(&e.image_updated_at),
        icon: Image::new(
            e.image_url.clone(),
            Some(e.content_type.clone()).filter(|t| !t.is_empty()),
        ),
    }
}

/// The `Update` of a local account's actor, sent to its followers when the profile changes.
pub fn update_actor(a: &Account, base_url: &str) -> Activity {
    Activity::new(
        format!("{}#updates/{}", a.uri, crate::id::next()),
        ActivityType::Update,
        a.uri.clone(),
        ActivityObject::Actor(Box::new(actor(a, base_url))),
    )
    .to(vec![vocab::PUBLIC.into()])
}

/// `to` and `cc` of a status by its visibility, as Mastodon addresses them: public to Public
/// (cc followers and mentions), unlisted to followers (cc Public and mentions), private to
/// followers (cc mentions), direct to the mentioned only.
pub fn audience(
    visibility: Visibility,
    author: &Account,
    mentions: &[std::sync::Arc<Account>],
) -> (Vec<String>, Vec<String>) {
    let mentioned: Vec<String> = mentions.iter().map(|m| m.uri.clone()).collect();
    let followers = author.followers_url.clone();
    match visibility {
        Visibility::Public => (
            vec![vocab::PUBLIC.into()],
            [vec![followers], mentioned].concat(),
        ),
        Visibility::Unlisted => (
            vec![followers],
            [vec![vocab::PUBLIC.to_string()], mentioned].concat(),
        ),
        Visibility::Private => (vec![followers], mentioned),
        Visibility::Direct => (mentioned, Vec::new()),
    }
}

/// The `Note` of a status. `in_reply_to` is the parent's URI, when there is a parent.
pub fn note(view: &StatusView, in_reply_to: Option<String>, base_url: &str) -> Note {
    let s = &view.status;
    let (to, cc) = audience(s.visibility, &view.account, &view.mentions);
    let mut tag: Vec<Tag> = view
        .mentions
        .iter()
        .map(|m| Tag::Mention {
            href: m.uri.clone(),
            name: format!(
                "@{}@{}",
                m.username,
                m.domain.clone().unwrap_or_else(|| domain_of(base_url))
            ),
        })
        .collect();
    tag.extend(view.tags.iter().map(|t| Tag::Hashtag {
        href: format!("{base_url}/tags/{}", t.to_lowercase()),
        name: format!("#{}", t.to_lowercase()),
    }));
    let poll = view.poll.as_ref().map(|p| &p.poll);
    let now = chrono::Utc::now();
    // Hidden totals stay hidden from peers too until the end.
    let options: Vec<PollOption> = poll
        .map(|p| {
            let shown = p.shows_totals(now);
            p.options
                .iter()
                .zip(&p.votes)
                .map(|(name, votes)| PollOption::new(name.clone(), if shown { *votes } else { 0 }))
                .collect()
        })
        .unwrap_or_default();
    let (one_of, any_of) = match poll {
        Some(p) if p.multiple => (Vec::new(), options),
        _ => (options, Vec::new()),
    };
    tag.extend(view.emojis.iter().map(|e| emoji_tag(e, base_url)));
    // The options' emoji travel as tags of the Question too (once, when the text has them).
    if let Some(p) = view.poll.as_ref() {
        tag.extend(
            p.emojis
                .iter()
                .filter(|e| !view.emojis.iter().any(|own| own.id == e.id))
                .map(|e| emoji_tag(e, base_url)),
        );
    }
    // A quote whose quoted status was deleted keeps `quote` as a bare `Tombstone` (and its
    // stamp), and drops the older dialects' names, as Mastodon does.
    let gone = view
        .quote
        .as_ref()
        .is_some_and(|q| q.state == crate::model::QuoteState::Deleted);
    let quoted = view
        .quote
        .as_ref()
        .filter(|_| !gone)
        .map(|q| q.quoted_uri.clone());
    // Older servers read no `quote`: they are shown the link, as Mastodon writes it, in a
    // paragraph that servers which do read quotes hide.
    // Not when the text links the quoted post already (as Mastodon decides).
    let content = match &view.quote {
        Some(q) => {
            let link = q.quoted_url.as_deref().unwrap_or(&q.quoted_uri);
            let link = crate::content::escape(link);
            let linked = |url: &str| s.content.contains(&format!("href=\"{url}\""));
            if linked(&link) || linked(&crate::content::escape(&q.quoted_uri)) {
                s.content.clone()
            } else {
                format!(
                    "<p class=\"quote-inline\">RE: <a href=\"{link}\">{link}</a></p>{}",
                    s.content
                )
            }
        }
        None => s.content.clone(),
    };
    Note {
        id: s.uri.clone(),
        kind: if poll.is_some() { "Question" } else { "Note" },
        summary: Some(s.spoiler_text.clone()).filter(|x| !x.is_empty()),
        in_reply_to,
        published: datetime(&s.created_at),
        updated: s.edited_at.as_ref().map(datetime),
        url: s.url.clone(),
        attributed_to: view.account.uri.clone(),
        to,
        cc,
        sensitive: s.sensitive,
        content_map: s
            .language
            .as_ref()
            .map(|l| BTreeMap::from([(l.clone(), content.clone())])),
        content,
        end_time: poll.and_then(|p| p.expires_at.as_ref()).map(datetime),
        closed: poll
            .filter(|p| p.expired(now))
            .and_then(|p| p.closed_at.or(p.expires_at))
            .as_ref()
            .map(datetime),
        voters_count: poll.map(|p| p.voters_count.unwrap_or(0)),
        one_of,
        any_of,
        attachment: view.media.iter().filter_map(document).collect(),
        tag,
        replies: Some(Replies::at(format!("{}/replies", s.uri))),
        misskey_quote: quoted.clone(),
        quote_uri: quoted.clone(),
        quote: match (&view.quote, quoted) {
            (_, Some(uri)) => Some(QuoteRef::Id(uri)),
            (Some(_), None) => Some(QuoteRef::gone()),
            (None, None) => None,
        },
        quote_authorization: view
            .quote
            .as_ref()
            .filter(|q| {
                matches!(
                    q.state,
                    crate::model::QuoteState::Accepted | crate::model::QuoteState::Deleted
                )
            })
            .and_then(|q| q.approval_uri.clone()),
        interaction_policy: Some(interaction_policy(view)),
    }
}

/// Who may quote a status without asking, as Mastodon 4.5 writes it: the public, the
/// author's followers, or (nobody else) the author alone.
fn interaction_policy(view: &StatusView) -> InteractionPolicy {
    let author = &view.account;
    // A followers-only or direct note is its author's alone, whatever was stored.
    let policy = view
        .quote_policy
        .map(|p| p.for_visibility(view.status.visibility));
    let automatic = match policy {
        Some(crate::model::QuotePolicy::Public) => vec![vocab::PUBLIC.to_string()],
        Some(crate::model::QuotePolicy::Followers) => vec![author.followers_url.clone()],
        _ => vec![author.uri.clone()],
    };
    InteractionPolicy {
        can_quote: ApprovalRule {
            automatic_approval: automatic,
            manual_approval: Vec::new(),
        },
    }
}

/// Where `quoted_author` (local) serves the stamp of quote `quote_id`.
pub fn quote_authorization_uri(quoted_author: &Account, quote_id: i64) -> String {
    format!("{}/quote_authorizations/{quote_id}", quoted_author.uri)
}

/// The id of `quoter`'s `QuoteRequest` for its quote `quote_id`.
pub fn quote_request_uri(quoter: &Account, quote_id: i64) -> String {
    format!("{}/quote_requests/{quote_id}", quoter.uri)
}

/// `quoter`'s `QuoteRequest` `id` to quote `quoted_uri` in its note `quoting_uri`.
pub fn quote_request(id: &str, quoter_uri: &str, quoted_uri: &str, quoting_uri: &str) -> Activity {
    Activity {
        instrument: Some(quoting_uri.to_string()),
        ..Activity::new(
            id.to_string(),
            ActivityType::QuoteRequest,
            quoter_uri.to_string(),
            ActivityObject::Id(quoted_uri.to_string()),
        )
    }
}

/// The stamp `quoted_author` issues for the quote `quote_id` of its note `quoted_uri` in
/// `quoting_uri`.
pub fn quote_authorization(
    quoted_author: &Account,
    quote_id: i64,
    quoting_uri: &str,
    quoted_uri: &str,
) -> QuoteAuthorization {
    QuoteAuthorization {
        id: quote_authorization_uri(quoted_author, quote_id),
        kind: "QuoteAuthorization",
        attributed_to: quoted_author.uri.clone(),
        interacting_object: quoting_uri.to_string(),
        interaction_target: quoted_uri.to_string(),
    }
}

/// `quoted_author`'s answer to a `QuoteRequest` (embedded): an `Accept` granting the stamp
/// `approval` (Some), or a `Reject`.
pub fn answer_quote_request(
    quoted_author: &Account,
    quote_id: i64,
    request: Activity,
    approval: Option<String>,
) -> Activity {
    let (kind, fragment) = match approval {
        Some(_) => (ActivityType::Accept, "accepts"),
        None => (ActivityType::Reject, "rejects"),
    };
    Activity {
        result: approval,
        ..Activity::new(
            format!("{}#{fragment}/quote_requests/{quote_id}", quoted_author.uri),
            kind,
            quoted_author.uri.clone(),
            ActivityObject::Activity(Box::new(request)),
        )
    }
}

/// `quoted_author`'s `Delete` of a stamp it issued: the quote is revoked.
pub fn revoke_quote(quoted_author: &Account, approval_uri: &str) -> Activity {
    Activity::new(
        format!("{approval_uri}#delete"),
        ActivityType::Delete,
        quoted_author.uri.clone(),
        ActivityObject::Id(approval_uri.to_string()),
    )
    .to(vec![vocab::PUBLIC.to_string()])
}

/// A local attachment as the `Document` Mastodon sends: alt text in `name`, focal point, size.
pub fn document(m: &crate::model::Media) -> Option<Document> {
    let url = m.url.clone()?;
    let size = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
    let (width, height) = match (size(m.width), size(m.height)) {
        (Some(w), Some(h)) => (Some(w), Some(h)),
        _ => (None, None),
    };
    // A video's or an audio file's own thumbnail travels as `icon`, as Mastodon sends it.
    let own_thumbnail = m
        .preview_key
        .as_deref()
        .filter(|k| m.kind != "image" && *k != crate::media::process::placeholder_key());
    let icon = match (own_thumbnail, &m.preview_url) {
        (Some(key), Some(preview)) => {
            let mime = key
                .rsplit_once('.')
                .and_then(|(_, ext)| crate::media::Sniffed::from_extension(ext))
                .map(|s| s.mime().to_string());
            Some(Image::new(preview.clone(), mime))
        }
        _ => None,
    };
    Some(Document {
        kind: "Document".into(),
        media_type: m.content_type.clone(),
        url,
        name: Some(m.description.clone()).filter(|d| !d.is_empty()),
        blurhash: m.blurhash.clone(),
        focal_point: (m.kind == "image").then_some((m.focus_x, m.focus_y)),
        width,
        height,
        icon,
    })
}

fn domain_of(base_url: &str) -> String {
    base_url
        .split_once("://")
        .map(|(_, d)| d)
        .unwrap_or(base_url)
        .to_string()
}

/// The `Create` of a status, at `{uri}/activity`.
pub fn create(view: &StatusView, in_reply_to: Option<String>, base_url: &str) -> Activity {
    let note = note(view, in_reply_to, base_url);
    Activity::new(
        format!("{}/activity", view.status.uri),
        ActivityType::Create,
        view.account.uri.clone(),
        ActivityObject::Note(Box::new(note.clone())),
    )
    .published(note.published)
    .addressed(note.to, note.cc)
}

/// The `Update` of an edited status, carrying the note as it is now.
pub fn update_note(view: &StatusView, in_reply_to: Option<String>, base_url: &str) -> Activity {
    let note = note(view, in_reply_to, base_url);
    let (to, cc) = (note.to.clone(), note.cc.clone());
    Activity::new(
        format!("{}#updates/{}", view.status.uri, crate::id::next()),
        ActivityType::Update,
        view.account.uri.clone(),
        ActivityObject::Note(Box::new(note)),
    )
    .addressed(to, cc)
}

/// `voter`'s vote `vote_uri` for the option `name` of the poll `question_uri` by `author_uri`:
/// a `Create` of a named `Note`, for the author alone (Mastodon's shape).
pub fn poll_vote(
    voter: &Account,
    vote_uri: &str,
    question_uri: &str,
    author_uri: &str,
    name: &str,
) -> Activity {
    let vote = Vote {
        id: vote_uri.to_string(),
        kind: "Note",
        name: name.to_string(),
        attributed_to: voter.uri.clone(),
        in_reply_to: question_uri.to_string(),
        to: author_uri.to_string(),
    };
    Activity::new(
        format!("{vote_uri}/activity"),
        ActivityType::Create,
        voter.uri.clone(),
        ActivityObject::Vote(Box::new(vote)),
    )
    .to(vec![author_uri.to_string()])
}

/// `actor`'s `Delete` of its status at `uri`, with a `Tombstone` as Mastodon sends it.
pub fn delete_note(actor: &Account, uri: &str) -> Activity {
    Activity::new(
        format!("{uri}#delete"),
        ActivityType::Delete,
        actor.uri.clone(),
        ActivityObject::Tombstone(Tombstone::of(uri.to_string())),
    )
    .to(vec![vocab::PUBLIC.into()])
}

/// The `Announce` of a boost (its own URI is the activity's id).
pub fn announce(boost: &Status, booster: &Account, original_uri: &str) -> Activity {
    let (to, cc) = match boost.visibility {
        Visibility::Public => (
            vec![vocab::PUBLIC.to_string()],
            vec![booster.followers_url.clone()],
        ),
        Visibility::Unlisted => (
            vec![booster.followers_url.clone()],
            vec![vocab::PUBLIC.to_string()],
        ),
        _ => (vec![booster.followers_url.clone()], Vec::new()),
    };
    Activity::new(
        boost.uri.clone(),
        ActivityType::Announce,
        booster.uri.clone(),
        ActivityObject::Id(original_uri.to_string()),
    )
    .published(datetime(&boost.created_at))
    .addressed(to, cc)
}

/// `actor`'s `Like` of the status at `uri`; its id is stable per (actor, status), so the
/// `Undo` names the same one.
pub fn like(actor: &Account, uri: &str) -> Activity {
    let digest = crate::crypto::sha256_hex(uri);
    Activity::new(
        format!("{}#likes/{}", actor.uri, &digest[..16]),
        ActivityType::Like,
        actor.uri.clone(),
        ActivityObject::Id(uri.to_string()),
    )
}

/// `actor`'s `Block` of `target`, with an id stable per pair so its `Undo` names it.
pub fn block(actor: &Account, target: &Account) -> Activity {
    let digest = crate::crypto::sha256_hex(&target.uri);
    Activity::new(
        format!("{}#blocks/{}", actor.uri, &digest[..16]),
        ActivityType::Block,
        actor.uri.clone(),
        ActivityObject::Id(target.uri.clone()),
    )
}

/// A `Move` of the actor `object` to the actor `target`, by `actor`: the old actor itself
/// (Mastodon's move), or the new one when the old server is gone (FEP-7628's pull mode).
/// Addressed to the mover's followers and Public, as Mastodon and the FEP address it.
pub fn move_actor(actor: &Account, object: &str, target: &str) -> Activity {
    Activity {
        target: Some(target.to_string()),
        ..Activity::new(
            format!("{}#moves/{}", actor.uri, crate::id::next()),
            ActivityType::Move,
            actor.uri.clone(),
            ActivityObject::Id(object.to_string()),
        )
        .addressed(
            vec![actor.followers_url.clone()],
            vec![vocab::PUBLIC.into()],
        )
    }
}

/// The id of `follower`'s follow (or request) number `follow_id`, served at that URL.
pub fn follow_uri(follower: &Account, follow_id: i64) -> String {
    format!("{}/follows/{follow_id}", follower.uri)
}

/// A `Follow` of `target` by `follower`.
pub fn follow(id: &str, follower: &Account, target: &Account) -> Activity {
    follow_of(id, &follower.uri, &target.uri)
}

fn follow_of(id: &str, follower: &str, target: &str) -> Activity {
    Activity::new(
        id.to_string(),
        ActivityType::Follow,
        follower.to_string(),
        ActivityObject::Id(target.to_string()),
    )
}

/// `actor`'s `Accept` of the follow `follow_id` by `follower`, embedding it.
pub fn accept_follow(actor: &Account, follow_id: &str, follower: &Account) -> Activity {
    answer_follow(ActivityType::Accept, actor, follow_id, follower)
}

/// `actor`'s `Reject` of the follow (or request) `follow_id` by `follower`, embedding it.
pub fn reject_follow(actor: &Account, follow_id: &str, follower: &Account) -> Activity {
    answer_follow(ActivityType::Reject, actor, follow_id, follower)
}

fn answer_follow(
    kind: ActivityType,
    actor: &Account,
    follow_id: &str,
    follower: &Account,
) -> Activity {
    let fragment = match kind {
        ActivityType::Reject => "reject",
        _ => "accept",
    };
    Activity::new(
        format!("{}#{fragment}/{}", actor.uri, crate::id::next()),
        kind,
        actor.uri.clone(),
        ActivityObject::Activity(Box::new(follow_of(follow_id, &follower.uri, &actor.uri))),
    )
}

/// `actor`'s `Undo` of an earlier activity of its own, embedded.
pub fn undo(actor: &Account, activity: Activity) -> Activity {
    Activity::new(
        format!("{}#undo/{}", actor.uri, crate::id::next()),
        ActivityType::Undo,
        actor.uri.clone(),
        ActivityObject::Activity(Box::new(activity)),
    )
}
