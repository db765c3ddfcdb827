//! Rookery's activities as the inbox sorts them and the services read them.

use super::documents::{at, documents, local, remote, BASE, BOB_NOTE};
use crate::federation::moderation;
use crate::federation::vocab::inbound::{Incoming, Reference, Tag as InTag};

fn parsed(name: &str) -> Incoming {
    let (_, doc) = documents()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no document {name}"));
    Incoming::parse(doc).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Each activity Rookery sends is sorted by the inbox as the activity it is, and what the
/// services act on reads as Rookery meant it.
#[test]
fn rookery_activities_are_understood_as_meant() {
    let alice = local("alice");
    let bob = remote("bob", "mastodon.example");
    let Incoming::Create(create) = parsed("create-note") else {
        panic!("a Create")
    };
    let note = create.embedded().expect("the note embedded");
    assert!(create.is_public() && note.is_public());
    assert_eq!(note.author(), Some(alice.uri.as_str()));
    assert_eq!(note.language(), Some("en"));
    assert_eq!(note.html(), "<p>@bob look #Rust</p>");
    assert_eq!(note.summary.as_deref(), Some("birds"));
    assert_eq!(note.sensitive, Some(true));
    assert_eq!(
        note.in_reply_to.as_ref().and_then(Reference::id),
        Some(BOB_NOTE)
    );
    assert_eq!(note.published, Some(at(60)));
    assert_eq!(note.updated, Some(at(120)));
    assert!(note.tag.iter().any(|t| matches!(t,
        InTag::Mention { href: Some(h), name: Some(n) }
            if *h == bob.uri && n == "@bob@mastodon.example")));
    assert!(note.tag.iter().any(|t| matches!(t,
        InTag::Hashtag { name: Some(n), .. } if n == "#rust")));
    let emojis = crate::federation::remote_note::emojis_of(&note.tag);
    let codes: Vec<&str> = emojis.iter().map(|e| e.shortcode.as_str()).collect();
    assert_eq!(codes, vec!["blob_gif", "heron"]);
    assert_eq!(emojis[1].url, format!("{BASE}/system/media/heron.png"));
    assert_eq!(
        emojis[1].uri.as_deref(),
        Some(&*format!("{BASE}/emojis/11"))
    );
    assert_eq!(emojis[1].updated, Some(at(5)));
    let image = &note.attachment[0];
    assert_eq!(image.name.as_deref(), Some("a heron"));
    assert_eq!(image.focal_point, Some((0.25, -0.5)));
    assert_eq!((image.width, image.height), (Some(640), Some(480)));
    assert_eq!(
        note.attachment[1].icon,
        vec![format!("{BASE}/system/media/8-small.jpg")]
    );

    let Incoming::Create(direct) = parsed("create-note-direct") else {
        panic!("a Create")
    };
    assert!(!direct.is_public());
    assert_eq!(direct.to, vec![bob.uri.clone(), local("carol").uri]);

    let Incoming::Update(update, None) = parsed("update-note") else {
        panic!("an Update of a note")
    };
    assert_eq!(
        update.embedded().and_then(|n| n.id.as_deref()),
        note.id.as_deref()
    );
    let Incoming::Update(_, Some(actor)) = parsed("update-person") else {
        panic!("an Update of an actor")
    };
    assert_eq!(actor.id, alice.uri);
    assert_eq!(actor.manually_approves_followers, Some(true));
    assert_eq!(actor.also_known_as, alice.also_known_as);
    assert_eq!(actor.attribution_domains, alice.attribution_domains);

    let Incoming::Delete(delete) = parsed("delete-note") else {
        panic!("a Delete")
    };
    assert_eq!(delete.object_id(), note.id.as_deref());
    assert_eq!(
        delete.embedded().map(|t| t.kind.as_str()),
        Some("Tombstone")
    );
    let Incoming::Delete(gone) = parsed("delete-person") else {
        panic!("a Delete")
    };
    assert_eq!(gone.object_id(), gone.actor_id());

    assert!(matches!(parsed("like"), Incoming::Like(l) if l.object_id() == Some(BOB_NOTE)));
    assert!(matches!(parsed("announce"), Incoming::Announce(a) if a.is_public()));
    assert!(matches!(parsed("announce-private"), Incoming::Announce(a) if !a.is_public()));
    assert!(matches!(parsed("follow"),
        Incoming::Follow(f) if f.object_id() == Some(bob.uri.as_str())));
    assert!(matches!(parsed("block"),
        Incoming::Block(b) if b.object_id() == Some(bob.uri.as_str())));
    for (name, undone) in [
        ("undo-like", "Like"),
        ("undo-announce", "Announce"),
        ("undo-follow", "Follow"),
        ("undo-block", "Block"),
    ] {
        let Incoming::Undo(undo) = parsed(name) else {
            panic!("{name}: an Undo")
        };
        let embedded = undo.embedded().expect("the undone activity");
        assert_eq!(embedded.kind, undone, "{name}");
        assert_eq!(embedded.actor_id(), undo.actor_id(), "{name}");
    }
    for name in ["accept-follow", "reject-follow"] {
        let answer = parsed(name);
        assert!(matches!(answer, Incoming::Accept(_) | Incoming::Reject(_)));
        let follow = answer.activity().embedded().expect("the follow");
        assert_eq!(
            follow.id.as_deref(),
            Some("https://mastodon.example/follows/3")
        );
        assert_eq!(follow.actor_id(), Some(bob.uri.as_str()));
        assert_eq!(follow.object_id(), Some(alice.uri.as_str()));
    }
    let Incoming::Flag(flag) = parsed("flag") else {
        panic!("a Flag")
    };
    let flag = moderation::parse_flag(&flag);
    assert_eq!(flag.comment, "spam");
    assert_eq!(flag.objects, vec![bob.uri.clone(), BOB_NOTE.to_string()]);
}
