//! Domain types to ActivityStreams documents (and, when the inbox lands, back).

use serde_json::{json, Value};

use super::vocab::{
    self, Activity, Actor, Endpoints, Image, Note, PropertyValue, PublicKey, TagLink,
};
use crate::clock::timestamp as datetime;
use crate::model::account::{default_avatar, default_header};
use crate::model::{Account, Status, StatusView, Visibility};

/// The actor document of a local account.
pub fn actor(a: &Account, base_url: &str) -> Actor {
    Actor {
        id: a.uri.clone(),
        kind: a.actor_type.clone(),
        preferred_username: a.username.clone(),
        name: a.display_name.clone(),
        summary: a.note.clone(),
        url: a.profile_url().to_string(),
        inbox: a.inbox_url.clone(),
        outbox: a.outbox_url.clone(),
        followers: a.followers_url.clone(),
        following: a.following_url.clone(),
        featured: a.featured_url.clone(),
        endpoints: Endpoints {
            shared_inbox: a
                .shared_inbox_url
                .clone()
                .unwrap_or_else(|| format!("{base_url}/inbox")),
        },
        public_key: PublicKey {
            id: a.public_key_id.clone(),
            owner: a.uri.clone(),
            public_key_pem: a.public_key_pem.clone(),
        },
        manually_approves_followers: a.locked,
        discoverable: a.discoverable,
        indexable: a.indexable,
        memorial: a.memorial,
        published: datetime(&a.created_at),
        icon: Image {
            kind: "Image".into(),
            media_type: Some("image/png".into()),
            url: a
                .avatar_url
                .clone()
                .unwrap_or_else(|| default_avatar(base_url)),
        },
        image: Image {
            kind: "Image".into(),
            media_type: Some("image/png".into()),
            url: a
                .header_url
                .clone()
                .unwrap_or_else(|| default_header(base_url)),
        },
        attachment: a
            .fields
            .iter()
            .map(|f| PropertyValue {
                kind: "PropertyValue".into(),
                name: f.name.clone(),
                value: f.value.clone(),
            })
            .collect(),
        also_known_as: a.also_known_as.clone(),
        tag: Vec::new(),
    }
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
    let mut tag: Vec<TagLink> = view
        .mentions
        .iter()
        .map(|m| TagLink {
            kind: "Mention".into(),
            href: m.uri.clone(),
            name: format!(
                "@{}@{}",
                m.username,
                m.domain.clone().unwrap_or_else(|| domain_of(base_url))
            ),
        })
        .collect();
    tag.extend(view.tags.iter().map(|t| TagLink {
        kind: "Hashtag".into(),
        href: format!("{base_url}/tags/{}", t.to_lowercase()),
        name: format!("#{}", t.to_lowercase()),
    }));
    Note {
        id: s.uri.clone(),
        kind: "Note",
        summary: Some(s.spoiler_text.clone()).filter(|x| !x.is_empty()),
        in_reply_to,
        published: datetime(&s.created_at),
        updated: s.edited_at.as_ref().map(datetime),
        url: s.url.clone(),
        attributed_to: view.account.uri.clone(),
        to,
        cc,
        sensitive: s.sensitive,
        content: s.content.clone(),
        content_map: s.language.as_ref().map(|l| json!({ l: s.content })),
        attachment: view.media.iter().filter_map(document).collect(),
        tag,
        replies: json!({
            "id": format!("{}/replies", s.uri),
            "type": "Collection",
            "first": {
                "type": "CollectionPage",
                "next": format!("{}/replies?page=true", s.uri),
                "partOf": format!("{}/replies", s.uri),
                "items": []
            }
        }),
    }
}

/// A local attachment as the `Document` Mastodon sends: alt text in `name`, focal point, size.
fn document(m: &crate::model::Media) -> Option<Value> {
    let url = m.url.clone()?;
    let mut doc = json!({
        "type": "Document",
        "mediaType": m.content_type,
        "url": url,
        "name": Some(m.description.clone()).filter(|d| !d.is_empty()),
        "blurhash": m.blurhash,
    });
    if m.kind == "image" {
        doc["focalPoint"] = json!([m.focus_x, m.focus_y]);
    }
    if let (Some(w), Some(h)) = (m.width, m.height) {
        doc["width"] = json!(w);
        doc["height"] = json!(h);
    }
    // A video's or an audio file's own thumbnail travels as `icon`, as Mastodon sends it.
    let own_thumbnail = m
        .preview_key
        .as_deref()
        .filter(|k| m.kind != "image" && *k != crate::media::process::placeholder_key());
    if let (Some(key), Some(preview)) = (own_thumbnail, &m.preview_url) {
        let mime = key
            .rsplit_once('.')
            .and_then(|(_, ext)| crate::media::Sniffed::from_extension(ext))
            .map(|s| s.mime());
        doc["icon"] = json!({ "type": "Image", "mediaType": mime, "url": preview });
    }
    Some(doc)
}

fn domain_of(base_url: &str) -> String {
    base_url
        .split_once("://")
        .map(|(_, d)| d)
        .unwrap_or(base_url)
        .to_string()
}

/// The `Create` of a status, at `{uri}/activity`.
pub fn create(view: &StatusView, in_reply_to: Option<String>, base_url: &str) -> Activity<Note> {
    let note = note(view, in_reply_to, base_url);
    Activity {
        id: format!("{}/activity", view.status.uri),
        kind: "Create",
        actor: view.account.uri.clone(),
        published: note.published.clone(),
        to: note.to.clone(),
        cc: note.cc.clone(),
        object: note,
    }
}

/// The `Announce` of a boost (its own URI is the activity's id).
pub fn announce(boost: &Status, booster: &Account, original_uri: &str) -> Activity<Value> {
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
    Activity {
        id: boost.uri.clone(),
        kind: "Announce",
        actor: booster.uri.clone(),
        published: datetime(&boost.created_at),
        to,
        cc,
        object: Value::String(original_uri.to_string()),
    }
}

/// The id of `follower`'s follow (or request) number `follow_id`, served at that URL.
pub fn follow_uri(follower: &Account, follow_id: i64) -> String {
    format!("{}/follows/{follow_id}", follower.uri)
}

/// A `Follow` of `target` by `follower`.
pub fn follow(id: &str, follower: &Account, target: &Account) -> Value {
    json!({
        "@context": vocab::context(),
        "id": id,
        "type": "Follow",
        "actor": follower.uri,
        "object": target.uri,
    })
}

/// `actor`'s answer (`Accept` or `Reject`) to a follow, embedding it.
pub fn answer_follow(kind: &str, actor: &Account, follow_id: &str, follower: &Account) -> Value {
    json!({
        "@context": vocab::context(),
        "id": format!("{}#{}/{}", actor.uri, kind.to_lowercase(), crate::id::next()),
        "type": kind,
        "actor": actor.uri,
        "object": {
            "id": follow_id,
            "type": "Follow",
            "actor": follower.uri,
            "object": actor.uri,
        },
    })
}

/// `actor`'s `Undo` of an earlier activity (embedded).
pub fn undo(actor: &Account, object: Value) -> Value {
    let mut object = object;
    if let Some(map) = object.as_object_mut() {
        map.remove("@context");
    }
    json!({
        "@context": vocab::context(),
        "id": format!("{}#undo/{}", actor.uri, crate::id::next()),
        "type": "Undo",
        "actor": actor.uri,
        "object": object,
    })
}
