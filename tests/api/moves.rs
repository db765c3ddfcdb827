//! Account moves (issue 21): aliases, moving out, moving in, local moves and FEP-7628's pull
//! mode, across two and three instances; captured GoToSocial and Fedify `Move` and moved-actor
//! documents; refused moves (no alias, a third party, the old actor still answering).

use reqwest::StatusCode;
use rookery::federation::vocab::inbound::{Incoming, Reference};
use rookery::federation::vocab::RemoteActor;
use serde_json::{json, Value};

use crate::helpers::federation::{
    actor, eve, eventually, follow_remotely, post_signed, relationship, resolve,
};
use crate::helpers::{browser, TestApp, TestUser, PASSWORD};

fn handle(app: &TestApp, user: &TestUser) -> String {
    format!("{}@{}", user.username, app.state.config.domain)
}

fn actor_uri(app: &TestApp, user: &TestUser) -> String {
    app.url(&format!("/users/{}", user.username))
}

async fn set_aliases(app: &TestApp, user: &TestUser, aliases: &[String]) -> (StatusCode, Value) {
    app.post(
        "/api/v1/accounts/alias",
        Some(&user.token),
        json!({ "also_known_as_uris": aliases }),
    )
    .await
}

async fn move_to(app: &TestApp, user: &TestUser, password: &str, to: &str) -> (StatusCode, Value) {
    app.post_form(
        "/api/v1/accounts/move",
        Some(&user.token),
        &[("password", password), ("moved_to_uri", to)],
    )
    .await
}

/// `who`'s notifications of type `move` on `app`.
async fn move_notifications(app: &TestApp, who: &TestUser) -> Vec<Value> {
    let (status, notes) = app
        .get("/api/v1/notifications?types[]=move", Some(&who.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{notes}");
    notes.as_array().cloned().unwrap_or_default()
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/activitypub/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

#[tokio::test]
async fn aliases_are_resolved_and_shown_in_the_source() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    let alice = a.register("alice").await;
    let newalice = b.register("newalice").await;
    let old = actor_uri(&a, &alice);

    // By actor URL, in JSON; and the form shape with brackets.
    let (status, account) = set_aliases(&b, &newalice, std::slice::from_ref(&old)).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["source"]["also_known_as_uris"], json!([old]));
    let (_, me) = b
        .get("/api/v1/accounts/verify_credentials", Some(&newalice.token))
        .await;
    assert_eq!(me["source"]["also_known_as_uris"], json!([old]));
    let actor_doc: Value = b
        .client
        .get(b.url("/users/newalice"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    assert_eq!(actor_doc["alsoKnownAs"], json!([old]));
    assert!(actor_doc.get("movedTo").is_none(), "{actor_doc}");

    // A handle resolves to the same actor.
    let (status, account) = b
        .post_form(
            "/api/v1/accounts/alias",
            Some(&newalice.token),
            &[("also_known_as_uris[]", &handle(&a, &alice))],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["source"]["also_known_as_uris"], json!([old]));

    // Bad aliases: nothing stored.
    for bad in [
        format!("nobody@{}", a.state.config.domain),
        a.url("/users/nobody"),
        "not an alias".to_string(),
        "ftp://example.com/users/x".to_string(),
    ] {
        let (status, body) = set_aliases(&b, &newalice, std::slice::from_ref(&bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    let (_, me) = b
        .get("/api/v1/accounts/verify_credentials", Some(&newalice.token))
        .await;
    assert_eq!(me["source"]["also_known_as_uris"], json!([old]));

    // An empty list clears them; the field is then absent, as on GoToSocial.
    let (status, account) = set_aliases(&b, &newalice, &[]).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert!(
        account["source"].get("also_known_as_uris").is_none(),
        "{account}"
    );
    let (status, _) = b
        .post(
            "/api/v1/accounts/alias",
            None,
            json!({ "also_known_as_uris": [] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_move_out_takes_followers_on_a_third_instance_along() {
    let (a, b, c) = tokio::join!(TestApp::spawn(), TestApp::spawn(), TestApp::spawn());
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let newalice = b.register("newalice").await;
    let carol = c.register("carol").await;
    let dave = c.register("dave").await;
    let erin = c.register("erin").await;

    // Carol follows alice (boosts hidden, notified) and keeps her in a list; dave blocks her,
    // erin mutes her.
    let alice_on_c = follow_remotely(&a, &c, &carol, &handle(&a, &alice)).await;
    let (status, rel) = c
        .post(
            &format!("/api/v1/accounts/{alice_on_c}/follow"),
            Some(&carol.token),
            json!({ "reblogs": false, "notify": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    let (_, list) = c
        .post(
            "/api/v1/lists",
            Some(&carol.token),
            json!({ "title": "friends" }),
        )
        .await;
    let list_id = list["id"].as_str().expect("list id").to_string();
    let (status, body) = c
        .post(
            &format!("/api/v1/lists/{list_id}/accounts"),
            Some(&carol.token),
            json!({ "account_ids": [alice_on_c] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    resolve(&c, &dave, &handle(&a, &alice)).await;
    let (status, _) = c
        .post(
            &format!("/api/v1/accounts/{alice_on_c}/block"),
            Some(&dave.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = c
        .post(
            &format!("/api/v1/accounts/{alice_on_c}/mute"),
            Some(&erin.token),
            json!({ "notifications": false }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let new_uri = actor_uri(&b, &newalice);
    // Without the alias on the new account, no move.
    let (status, body) = move_to(&a, &alice, PASSWORD, &new_uri).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"].as_str().unwrap_or("").contains("alsoKnownAs"),
        "{body}"
    );
    let (status, body) = set_aliases(&b, &newalice, &[actor_uri(&a, &alice)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A wrong password, a missing one, an account that does not alias her: refused.
    let (status, body) = move_to(&a, &alice, "wrong password", &new_uri).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = move_to(&a, &alice, "", &new_uri).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = move_to(&a, &alice, PASSWORD, &actor_uri(&b, &bob)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, me) = a.get(&format!("/api/v1/accounts/{}", alice.id), None).await;
    assert!(me.get("moved").is_none(), "{me}");

    let (status, body) = move_to(&a, &alice, PASSWORD, &new_uri).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // The old account shows where it went, here and in its actor; its page redirects.
    let (_, me) = a.get(&format!("/api/v1/accounts/{}", alice.id), None).await;
    assert_eq!(me["moved"]["acct"], handle(&b, &newalice), "{me}");
    let actor_doc: Value = a
        .client
        .get(a.url("/users/alice"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    assert_eq!(actor_doc["movedTo"], new_uri);
    let page = browser().get(a.url("/@alice")).send().await.expect("page");
    assert!(page.status().is_redirection(), "{}", page.status());
    assert_eq!(
        page.headers()["location"].to_str().expect("location"),
        b.url("/@newalice")
    );

    // Readable, but no longer posting, boosting or following.
    let (status, body) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "still here?" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"].as_str().unwrap_or("").contains("moved"),
        "{body}"
    );
    let someone = a.register("someone").await;
    let post = a.post_status(&someone, "boost me", json!({})).await;
    let (status, body) = a
        .post(
            &format!(
                "/api/v1/statuses/{}/reblog",
                post["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = a
        .post(
            &format!("/api/v1/accounts/{}/follow", someone.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // A second move within 30 days is refused.
    let (status, body) = move_to(&a, &alice, PASSWORD, &new_uri).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"].as_str().unwrap_or("").contains("30 days"),
        "{body}"
    );

    // On the third instance: carol follows the new account with her options and her list,
    // dave blocks it, erin mutes it, and carol was told.
    let new_on_c = resolve(&c, &carol, &handle(&b, &newalice)).await;
    eventually(&a, &c, "carol follows the new account", async || {
        b.drain_jobs().await;
        relationship(&c, &carol, &new_on_c).await["following"] == true
    })
    .await;
    let rel = relationship(&c, &carol, &new_on_c).await;
    assert_eq!(rel["showing_reblogs"], false, "{rel}");
    assert_eq!(rel["notifying"], true, "{rel}");
    let old_rel = relationship(&c, &carol, &alice_on_c).await;
    assert_eq!(old_rel["following"], false, "{old_rel}");
    let (_, members) = c
        .get(
            &format!("/api/v1/lists/{list_id}/accounts"),
            Some(&carol.token),
        )
        .await;
    assert!(
        members
            .as_array()
            .is_some_and(|m| m.iter().any(|a| a["id"] == new_on_c.as_str())),
        "{members}"
    );
    assert_eq!(relationship(&c, &dave, &new_on_c).await["blocking"], true);
    let erin_rel = relationship(&c, &erin, &new_on_c).await;
    assert_eq!(erin_rel["muting"], true, "{erin_rel}");
    assert_eq!(erin_rel["muting_notifications"], false, "{erin_rel}");
    let notes = move_notifications(&c, &carol).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["type"], "move");
    assert_eq!(notes[0]["account"]["id"], alice_on_c.as_str());
    assert_eq!(notes[0]["account"]["moved"]["id"], new_on_c.as_str());
    let (_, old_on_c) = c
        .get(
            &format!("/api/v1/accounts/{alice_on_c}"),
            Some(&carol.token),
        )
        .await;
    assert_eq!(
        old_on_c["moved"]["acct"],
        handle(&b, &newalice),
        "{old_on_c}"
    );
    // Neither dave nor erin followed her: no notification for them.
    assert!(move_notifications(&c, &dave).await.is_empty());
    // The new account has carol among its followers.
    let (_, followers) = b
        .get(&format!("/api/v1/accounts/{}/followers", newalice.id), None)
        .await;
    assert_eq!(followers.as_array().map(Vec::len), Some(1), "{followers}");
}

#[tokio::test]
async fn a_local_move_goes_the_same_way() {
    let app = TestApp::spawn().await;
    let old = app.register("old").await;
    let new = app.register("new").await;
    let fan = app.register("fan").await;
    let hater = app.register("hater").await;
    app.follow(&fan, &old).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/block", old.id),
            Some(&hater.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = set_aliases(&app, &new, &[handle(&app, &old)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["source"]["also_known_as_uris"],
        json!([actor_uri(&app, &old)])
    );
    let (status, body) = move_to(&app, &old, PASSWORD, &handle(&app, &new)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    app.drain_jobs().await;
    let (_, rels) = app
        .get(
            &format!(
                "/api/v1/accounts/relationships?id[]={}&id[]={}",
                new.id, old.id
            ),
            Some(&fan.token),
        )
        .await;
    assert_eq!(rels[0]["following"], true, "{rels}");
    assert_eq!(rels[1]["following"], false, "{rels}");
    let (_, rels) = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", new.id),
            Some(&hater.token),
        )
        .await;
    assert_eq!(rels[0]["blocking"], true, "{rels}");
    let notes = move_notifications(&app, &fan).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["account"]["id"], old.id.as_str());
    assert_eq!(notes[0]["account"]["moved"]["id"], new.id.as_str());
    let (_, looked_up) = app.get("/api/v1/accounts/lookup?acct=old", None).await;
    assert_eq!(looked_up["moved"]["id"], new.id.as_str(), "{looked_up}");
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&old.token))
        .await;
    assert_eq!(me["moved"]["id"], new.id.as_str(), "{me}");
    // Moving to oneself, or to an account that is not there: refused.
    let (status, _) = move_to(&app, &new, PASSWORD, &actor_uri(&app, &new)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = move_to(&app, &new, PASSWORD, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn pull_mode_moves_followers_only_when_the_old_server_is_gone() {
    let (a, b, c) = tokio::join!(TestApp::spawn(), TestApp::spawn(), TestApp::spawn());
    let alice = a.register("alice").await;
    let olivia = a.register("olivia").await;
    let newalice = b.register("newalice").await;
    let newolivia = b.register("newolivia").await;
    let carol = c.register("carol").await;
    let chris = c.register("chris").await;
    let alice_on_c = follow_remotely(&a, &c, &carol, &handle(&a, &alice)).await;
    let olivia_on_c = follow_remotely(&a, &c, &chris, &handle(&a, &olivia)).await;

    // The new accounts alias the old ones; only alice aliases back, and carol's instance
    // hears of it through the actor's Update.
    let alice_uri = actor_uri(&a, &alice);
    let olivia_uri = actor_uri(&a, &olivia);
    assert_eq!(
        set_aliases(&b, &newalice, std::slice::from_ref(&alice_uri))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        set_aliases(&b, &newolivia, std::slice::from_ref(&olivia_uri))
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = set_aliases(&a, &alice, &[actor_uri(&b, &newalice)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new_uri = actor_uri(&b, &newalice);
    eventually(
        &a,
        &c,
        "the old actor's alias reaches carol's instance",
        async || {
            rookery::store::accounts::by_uri(&c.state.db, &alice_uri)
                .await
                .expect("db")
                .is_some_and(|stored| stored.also_known_as.contains(&new_uri))
        },
    )
    .await;

    let upload = |app: &TestApp, user: &TestUser, from: &str, csv: &str| {
        let (app, token, from, csv) = (
            app.url("/api/v1/settings/move_followers"),
            user.token.clone(),
            from.to_string(),
            csv.to_string(),
        );
        async move {
            let res = reqwest::Client::new()
                .post(app)
                .bearer_auth(token)
                .json(&json!({ "from_actor_id": from, "followers_csv": csv }))
                .send()
                .await
                .expect("upload");
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let carol_csv = format!("Account address\n{}\nnonsense\n", handle(&c, &carol));
    // Bad uploads: an old actor that is not an alias, nothing usable.
    let (status, body) = upload(&b, &newalice, &olivia_uri, &carol_csv).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = upload(&b, &newalice, &alice_uri, "nonsense\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // While the old server answers, carol's instance refuses the new actor's Move.
    let (status, body) = upload(&b, &newalice, &alice_uri, &carol_csv).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["followers"], 1, "{body}");
    assert_eq!(body["invalid_lines"][0]["line"], 3, "{body}");
    b.drain_jobs().await;
    c.drain_jobs().await;
    let new_on_c = resolve(&c, &carol, &handle(&b, &newalice)).await;
    let rel = relationship(&c, &carol, &new_on_c).await;
    assert_eq!(rel["following"], false, "{rel}");
    assert_eq!(rel["requested"], false, "{rel}");

    // The old server goes away.
    let a_domain = a.state.config.domain.clone();
    drop(a);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    // Olivia never aliased her new account: chris stays.
    let chris_csv = format!("{}\n", handle(&c, &chris));
    let (status, body) = upload(&b, &newolivia, &olivia_uri, &chris_csv).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    // Alice did: carol follows her new account.
    let (status, body) = upload(&b, &newalice, &alice_uri, &carol_csv).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    eventually(&b, &c, "carol follows the new account", async || {
        relationship(&c, &carol, &new_on_c).await["following"] == true
    })
    .await;
    let notes = move_notifications(&c, &carol).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["account"]["id"], alice_on_c.as_str());
    assert_eq!(notes[0]["account"]["moved"]["id"], new_on_c.as_str());
    let newolivia_on_c = resolve(&c, &chris, &handle(&b, &newolivia)).await;
    b.drain_jobs().await;
    c.drain_jobs().await;
    let rel = relationship(&c, &chris, &newolivia_on_c).await;
    assert_eq!(rel["following"], false, "{rel}");
    assert_eq!(rel["requested"], false, "{rel}");
    assert_eq!(
        relationship(&c, &chris, &olivia_on_c).await["following"],
        true
    );
    let (_, olivia_entity) = c
        .get(
            &format!("/api/v1/accounts/{olivia_on_c}"),
            Some(&chris.token),
        )
        .await;
    assert!(
        olivia_entity.get("moved").is_none(),
        "{a_domain}: {olivia_entity}"
    );
}

#[tokio::test]
async fn moves_without_an_alias_or_by_a_third_party_are_refused() {
    let (a, c) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    let alice = a.register("alice").await;
    let carol = c.register("carol").await;
    let alice_on_c = follow_remotely(&a, &c, &carol, &handle(&a, &alice)).await;

    // A stub server with eve, mallory (no alias of eve) and eve2 (who aliases eve).
    let (stub, host, eve_key) = eve(|_| {}).await;
    let eve_uri = format!("http://{host}/users/eve");
    for (name, aliases) in [("mallory", json!([])), ("eve2", json!([eve_uri]))] {
        let (mut doc, _) = actor(&host, &format!("/users/{name}"), name);
        doc["alsoKnownAs"] = aliases;
        stub.serve(&format!("/users/{name}"), doc);
        stub.finger(
            &format!("{name}@{host}"),
            &format!("{name}@{host}"),
            &format!("http://{host}/users/{name}"),
        );
    }
    let eve_on_c = resolve(&c, &carol, &format!("eve@{host}")).await;
    let moving = |n: u32, target: &str, object: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{eve_uri}#moves/{n}"),
            "type": "Move",
            "actor": eve_uri,
            "object": object,
            "target": target,
        })
    };

    // A target that does not alias eve: refused.
    let to_mallory = moving(1, &format!("http://{host}/users/mallory"), &eve_uri);
    assert_eq!(
        post_signed(&c, &eve_key, &to_mallory).await,
        StatusCode::ACCEPTED
    );
    c.drain_jobs().await;
    let (_, eve_entity) = c.get(&format!("/api/v1/accounts/{eve_on_c}"), None).await;
    assert!(eve_entity.get("moved").is_none(), "{eve_entity}");

    // Eve moving alice (a third party): refused; a Move in alice's name signed by eve: 401.
    let alice_uri = actor_uri(&a, &alice);
    let third_party = moving(2, &format!("http://{host}/users/eve2"), &alice_uri);
    assert_eq!(
        post_signed(&c, &eve_key, &third_party).await,
        StatusCode::ACCEPTED
    );
    let mut forged = moving(3, &format!("http://{host}/users/eve2"), &alice_uri);
    forged["actor"] = json!(alice_uri);
    forged["id"] = json!(format!("{alice_uri}#moves/1"));
    assert_eq!(
        post_signed(&c, &eve_key, &forged).await,
        StatusCode::UNAUTHORIZED
    );
    c.drain_jobs().await;
    let (_, alice_entity) = c.get(&format!("/api/v1/accounts/{alice_on_c}"), None).await;
    assert!(alice_entity.get("moved").is_none(), "{alice_entity}");
    assert_eq!(
        relationship(&c, &carol, &alice_on_c).await["following"],
        true
    );

    // A target that aliases eve: accepted (the refusals above were not for another reason).
    let to_eve2 = moving(4, &format!("http://{host}/users/eve2"), &eve_uri);
    assert_eq!(
        post_signed(&c, &eve_key, &to_eve2).await,
        StatusCode::ACCEPTED
    );
    c.drain_jobs().await;
    let (_, eve_entity) = c.get(&format!("/api/v1/accounts/{eve_on_c}"), None).await;
    assert_eq!(
        eve_entity["moved"]["acct"],
        format!("eve2@{host}"),
        "{eve_entity}"
    );
}

#[tokio::test]
async fn captured_move_and_moved_actor_documents_are_read() {
    for name in ["fedify_move", "gotosocial_move"] {
        let parsed = Incoming::parse(fixture(name)).expect("an activity");
        let Incoming::Move(activity) = parsed else {
            panic!("{name} is not read as a Move: {parsed:?}");
        };
        assert_eq!(activity.actor_id(), activity.object_id(), "{name}");
        assert!(
            activity.target.as_ref().and_then(Reference::id).is_some(),
            "{name}"
        );
    }
    let Incoming::Update(_, Some(updated)) =
        Incoming::parse(fixture("fedify_update_person_moved")).expect("an activity")
    else {
        panic!("not an Update of an actor");
    };
    assert_eq!(
        updated.moved_to.as_deref(),
        Some("http://127.0.0.1:18241/users/zoe2")
    );

    // Stored, a moved actor points to its target when the target is known here.
    let app = TestApp::spawn().await;
    let store = async |name: &str| {
        let actor: RemoteActor = serde_json::from_value(fixture(name)).expect("an actor");
        let handle = rookery::service::remote::Handle {
            username: actor.preferred_username.clone(),
            domain: rookery::service::moderation::domains::host_of(&actor.id).expect("host"),
        };
        rookery::service::remote::store_as(&app.state, &actor, &handle)
            .await
            .expect("stored")
    };
    let target = store("fedify_actor_move_target").await;
    assert_eq!(
        target.also_known_as,
        vec!["http://127.0.0.1:18241/users/zoe".to_string()]
    );
    let moved = store("fedify_actor_moved").await;
    assert_eq!(moved.moved_to_account_id, Some(target.id));
    let (_, entity) = app
        .get(&format!("/api/v1/accounts/{}", moved.id), None)
        .await;
    assert_eq!(entity["moved"]["id"], target.id.to_string(), "{entity}");
    let gts: RemoteActor =
        serde_json::from_value(fixture("gotosocial_actor_moved")).expect("an actor");
    assert_eq!(
        gts.moved_to.as_deref(),
        Some("http://127.0.0.1:18240/users/rec")
    );
    assert_eq!(
        gts.also_known_as,
        vec!["http://127.0.0.1:18240/users/rec".to_string()]
    );
}
