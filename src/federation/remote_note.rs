//! Reading remote note objects: who they belong to and what they become here. Shared by the
//! inbox job (notes that arrive) and `service::remote` (notes fetched by id).

use serde_json::Value;

use crate::error::Error;
use crate::model::Account;

/// An id given as a string or as an object with an `id`.
pub fn id_of(value: Option<&Value>) -> Option<&str> {
    let v = value?;
    v.as_str().or_else(|| v.get("id").and_then(Value::as_str))
}

/// Visibility from addressing, as Mastodon reads it.
pub fn visibility_of(object: &Value, author: &Account) -> crate::model::Visibility {
    use crate::model::Visibility;
    let list = |key: &str| -> Vec<String> {
        match object.get(key) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let (to, cc) = (list("to"), list("cc"));
    let public = |l: &[String]| {
        l.iter()
            .any(|a| a == crate::federation::vocab::PUBLIC || a == "as:Public" || a == "Public")
    };
    if public(&to) {
        Visibility::Public
    } else if public(&cc) {
        Visibility::Unlisted
    } else if !author.followers_url.is_empty()
        && to
            .iter()
            .chain(cc.iter())
            .any(|a| *a == author.followers_url)
    {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

/// A note object as the service layer takes it.
pub fn note_from(
    object: &Value,
    signer: &Account,
    uri: &str,
) -> crate::service::statuses::RemoteNote {
    // JSON-LD compaction writes a single tag as an object rather than a one-item array.
    let tags = match object.get("tag") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    let of_type = |t: &str| -> Vec<String> {
        tags.iter()
            .filter(|x| x.get("type").and_then(Value::as_str) == Some(t))
            .filter_map(|x| {
                if t == "Mention" {
                    x.get("href").and_then(Value::as_str).map(str::to_string)
                } else {
                    x.get("name").and_then(Value::as_str).map(str::to_string)
                }
            })
            .collect()
    };
    let published = object
        .get("published")
        .and_then(Value::as_str)
        .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_else(chrono::Utc::now);
    let language = object
        .get("contentMap")
        .and_then(Value::as_object)
        .and_then(|m| m.keys().next().cloned());
    let text = |k: &str| {
        object
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let note = crate::service::statuses::RemoteNote {
        uri: uri.to_string(),
        // Display data only, and only on the note's own origin: a `url` naming another
        // server's status would otherwise make this note answer for that one.
        url: object
            .get("url")
            .and_then(crate::federation::vocab::first_url)
            .filter(|u| same_origin(u, uri)),
        content: text("content"),
        summary: text("summary"),
        sensitive: object
            .get("sensitive")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        language,
        visibility: visibility_of(object, signer),
        in_reply_to: id_of(object.get("inReplyTo")).map(str::to_string),
        mentions: of_type("Mention"),
        tags: of_type("Hashtag"),
        published,
        attachments: crate::federation::convert::attachments_of(object),
    };
    note
}

/// Checks that a note object is the signer's own: its id on the signer's origin and
/// `attributedTo` the signer. Returns its id.
pub fn own_note<'a>(object: &'a Value, signer: &Account) -> Result<&'a str, Error> {
    let uri = object
        .get("id")
        .and_then(Value::as_str)
        .ok_or(Error::NotFound)?;
    if !same_origin(uri, &signer.uri)
        || id_of(object.get("attributedTo")) != Some(signer.uri.as_str())
    {
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

    proptest! {
        #![proptest_config(crate::proptest_config(512))]

        /// Whatever a peer sends as a note: refused or read, never a panic; and what is read
        /// carries only web links on the note's own origin.
        #[test]
        fn any_document_is_read_or_refused(object in document()) {
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
            let _ = serde_json::from_value::<crate::federation::vocab::RemoteActor>(object);
        }
    }
}
