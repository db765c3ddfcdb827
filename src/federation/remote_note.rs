//! Reading remote note objects: who they belong to and what they become here. Shared by the
//! inbox job (notes that arrive) and `service::remote` (notes fetched by id). The object is
//! already typed ([`Object`]); this decides what its addressing and tags mean.

use crate::error::Error;
use crate::federation::vocab::inbound::{is_public, Attachment, Object, Tag};
use crate::model::host::is_web_url;
use crate::model::{Account, QuotePolicy, Visibility};
use crate::service::emojis::RemoteEmoji;
use crate::service::media::RemoteAttachment;
use crate::service::quotes::RemoteQuote;
use crate::service::statuses::RemoteNote;

/// Visibility from addressing, as Mastodon reads it.
pub fn visibility_of(object: &Object, author: &Account) -> Visibility {
    if object.to.iter().any(|a| is_public(a)) {
        Visibility::Public
    } else if object.cc.iter().any(|a| is_public(a)) {
        Visibility::Unlisted
    } else if !author.followers_url.is_empty()
        && object
            .to
            .iter()
            .chain(&object.cc)
            .any(|a| *a == author.followers_url)
    {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

/// A note object as the service layer takes it.
pub fn note_from(object: &Object, signer: &Account, uri: &str) -> RemoteNote {
    let mentions = object
        .tag
        .iter()
        .filter_map(|t| match t {
            Tag::Mention { href, .. } => href.clone(),
            _ => None,
        })
        .collect();
    let tags = object
        .tag
        .iter()
        .filter_map(|t| match t {
            Tag::Hashtag { name, .. } => name.clone(),
            _ => None,
        })
        .collect();
    RemoteNote {
        uri: uri.to_string(),
        // Display data only, and only on the note's own origin: a `url` naming another
        // server's status would otherwise make this note answer for that one.
        url: object.url.iter().find(|u| same_origin(u, uri)).cloned(),
        content: object.html().to_string(),
        summary: object.summary.clone().unwrap_or_default(),
        sensitive: object.sensitive.unwrap_or(false),
        language: object.language().map(str::to_string),
        visibility: visibility_of(object, signer),
        in_reply_to: object
            .in_reply_to
            .as_ref()
            .and_then(|r| r.id())
            .map(str::to_string),
        mentions,
        tags,
        published: object.published.unwrap_or_else(chrono::Utc::now),
        updated: object.updated,
        attachments: object.attachment.iter().filter_map(attachment).collect(),
        poll: crate::service::polls::PollContent::from_question(object),
        emojis: emojis_of(&object.tag),
        quote: object
            .quoted()
            .filter(|q| is_web_url(q) && *q != uri)
            .map(|q| RemoteQuote {
                uri: q.to_string(),
                approval_uri: object.quote_authorization.clone().filter(|a| is_web_url(a)),
                legacy: object.legacy_quote(),
            }),
        quote_deleted: object.deleted_quote(),
        quote_policy: quote_policy_of(object, signer),
    }
}

/// Who may quote a note, as its `interactionPolicy.canQuote` says (as Mastodon 4.5 reads
/// it): the public or the author's followers approved at once; the public approved by hand;
/// else the author alone. `None` when it says nothing.
fn quote_policy_of(object: &Object, author: &Account) -> Option<QuotePolicy> {
    let rule = object.interaction_policy.as_ref()?.can_quote.as_ref()?;
    let names_public = |list: &[String]| list.iter().any(|a| is_public(a));
    Some(if names_public(&rule.automatic_approval) {
        QuotePolicy::Public
    } else if !author.followers_url.is_empty()
        && rule.automatic_approval.contains(&author.followers_url)
    {
        QuotePolicy::Followers
    } else if names_public(&rule.manual_approval) {
        QuotePolicy::Manual
    } else {
        QuotePolicy::Nobody
    })
}

/// The custom emoji among a note's or an actor's tags, as the emoji service records them:
/// a `:shortcode:` name and an icon with a web URL; the shortcode checked by the service.
pub fn emojis_of(tags: &[Tag]) -> Vec<RemoteEmoji> {
    tags.iter()
        .filter_map(|t| match t {
            Tag::Emoji(e) => Some(e),
            _ => None,
        })
        .filter_map(|e| {
            let name = e.name.as_deref()?.trim();
            let shortcode = name.strip_prefix(':').unwrap_or(name);
            let shortcode = shortcode.strip_suffix(':').unwrap_or(shortcode);
            Some(RemoteEmoji {
                shortcode: shortcode.to_string(),
                uri: e.id.clone().filter(|id| is_web_url(id)),
                url: e.icon.as_ref()?.url.first()?.clone(),
                updated: e.updated,
            })
        })
        .collect()
}

/// A received attachment as the media service records it: one with a web URL; focal points
/// outside the image are dropped.
fn attachment(a: &Attachment) -> Option<RemoteAttachment> {
    let dimension = |v: Option<u32>| v.and_then(|v| i32::try_from(v).ok());
    Some(RemoteAttachment {
        url: a.url.first()?.clone(),
        media_type: a.media_type.clone(),
        name: a.name.clone().or_else(|| a.summary.clone()),
        blurhash: a.blurhash.clone(),
        focal_point: a
            .focal_point
            .filter(|(x, y)| (-1.0..=1.0).contains(x) && (-1.0..=1.0).contains(y)),
        width: dimension(a.width),
        height: dimension(a.height),
        preview_url: a.icon.first().cloned(),
    })
}

/// Checks that a note object is the signer's own: its id on the signer's origin and
/// `attributedTo` the signer. Returns its id.
pub fn own_note<'a>(object: &'a Object, signer: &Account) -> Result<&'a str, Error> {
    let uri = object.id.as_deref().ok_or(Error::NotFound)?;
    if !same_origin(uri, &signer.uri) || object.author() != Some(signer.uri.as_str()) {
        return Err(Error::forbidden("the note is not the signer's"));
    }
    Ok(uri)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;
    use serde_json::Value;

    /// Any JSON, weighted towards the keys and values of ActivityStreams documents so that
    /// the interesting paths are reached.
    fn document() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
            select(vec![
                "Note",
                "Question",
                "Mention",
                "Hashtag",
                "Public",
                "as:Public",
                "https://www.w3.org/ns/activitystreams#Public",
                "https://a.example/users/alice",
                "https://a.example/users/alice/followers",
                "https://a.example/notes/1",
                "https://b.example/notes/2",
                "javascript:alert(1)",
                "7000-01-01T00:00:00Z",
                "2026-12-03T08:00:00Z",
                "<p>hi</p>",
                "image/png",
            ])
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 96, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec(
                    (
                        select(vec![
                            "id",
                            "type",
                            "url",
                            "href",
                            "to",
                            "cc",
                            "tag",
                            "name",
                            "content",
                            "contentMap",
                            "summary",
                            "sensitive",
                            "inReplyTo",
                            "attributedTo",
                            "published",
                            "attachment",
                            "mediaType",
                            "icon",
                            "blurhash",
                            "width",
                        ]),
                        inner
                    ),
                    0..10
                )
                .prop_map(|pairs| Value::Object(
                    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
            ]
        })
    }

    /// Every captured document with custom emoji (GoToSocial's and Fedify's notes, actors
    /// and their `Emoji` objects) gives each emoji a shortcode, a web image and its id.
    #[test]
    fn captured_emoji_are_read() {
        use crate::federation::vocab::inbound::Tag;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/peers");
        let read = |name: &str| -> Value {
            let text = std::fs::read_to_string(root.join(name)).expect("fixture");
            serde_json::from_str(&text).expect("JSON")
        };
        let mut seen = 0;
        for name in [
            "gotosocial-0.20/create-note-emoji.json",
            "gotosocial-0.20/note-public.json",
            "gotosocial-0.20/actor-person.json",
            "gotosocial-0.20/update-person.json",
            "gotosocial-0.20/emoji.json",
            "fedify-2.3.6/create-note-emoji.json",
            "fedify-2.3.6/note-emoji.json",
            "fedify-2.3.6/emoji.json",
        ] {
            let doc = read(name);
            let tags: Vec<Tag> = if doc["type"] == "Emoji" {
                vec![serde_json::from_value(doc).expect("an Emoji")]
            } else {
                let object: Object = serde_json::from_value(doc).expect("an object");
                match object.embedded() {
                    Some(inner) => inner.tag.clone(),
                    None => object.tag.clone(),
                }
            };
            let emojis = emojis_of(&tags);
            assert!(!emojis.is_empty(), "{name} has emoji");
            for e in emojis {
                assert!(
                    crate::model::emoji::is_shortcode(&e.shortcode),
                    "{name}: {e:?}"
                );
                assert!(is_web_url(&e.url), "{name}: {e:?}");
                assert!(e.uri.is_some(), "{name}: {e:?}");
                seen += 1;
            }
        }
        assert!(seen >= 8);
        let blobcat =
            emojis_of(&[serde_json::from_value(read("fedify-2.3.6/emoji.json")).expect("tag")]);
        assert_eq!(blobcat[0].shortcode, "blobcat");
        assert_eq!(blobcat[0].url, "http://127.0.0.1:18241/emoji/blobcat.png");
        assert!(blobcat[0].updated.is_some());
    }

    proptest! {
        #![proptest_config(crate::proptest_config(512))]

        /// Whatever a peer sends as a note: refused or read, never a panic; and what is read
        /// carries only web links on the note's own origin.
        #[test]
        fn any_document_is_read_or_refused(document in document()) {
            let object: Object = match serde_json::from_value(document.clone()) {
                Ok(object) => object,
                Err(_) => return Ok(()),
            };
            let signer = Account {
                id: 1,
                username: "alice".into(),
                domain: Some("a.example".into()),
                uri: "https://a.example/users/alice".into(),
                followers_url: "https://a.example/users/alice/followers".into(),
                ..Account::default()
            };
            let _ = own_note(&object, &signer);
            let note = note_from(&object, &signer, "https://a.example/notes/1");
            if let Some(url) = &note.url {
                prop_assert!(url.starts_with("https://a.example/"), "{}", url);
            }
            let _ = serde_json::from_value::<crate::federation::vocab::RemoteActor>(document);
        }
    }
}
