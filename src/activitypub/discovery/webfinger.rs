//! `GET /.well-known/webfinger?resource=…[&rel=…]` (RFC 7033): turns a handle or a URL into
//! the ActivityPub id of a local account, answered as Mastodon answers it.
//!
//! Resources understood, all matched against this instance's configured domain and origin:
//! - `acct:alice@domain`, also without `acct:` (as Mastodon accepts) and with a leading `@`;
//!   the username matches case-insensitively, the subject carries its stored spelling;
//! - the actor id `{base}/users/alice` and the profile URL `{base}/@alice`;
//! - the instance actor: `acct:{domain}@{domain}`, `{base}/actor`, and the origin `{base}/`
//!   itself (FEP-d556).
//!
//! A missing or empty `resource` is a 400, as is one that is neither a URL nor a handle (no
//! `@`). Anything well-formed that is not here (another domain, an unknown or suspended
//! account, another path) is a 404. `rel` filters the links (RFC 7033 §4.3); Mastodon ignores
//! it, which a client cannot tell apart from every link matching.

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use url::Url;

use super::{instance_actor_uri, JRD_CONTENT_TYPE};
use crate::app::AppState;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::Account;
use crate::service;

/// The person's HTML profile.
const REL_PROFILE_PAGE: &str = "http://webfinger.net/rel/profile-page";
/// The ActivityPub actor.
const REL_SELF: &str = "self";
/// OStatus remote follow: where a visitor goes to interact with `{uri}` from this instance.
const REL_SUBSCRIBE: &str = "http://ostatus.org/schema/1.0/subscribe";
const ACTIVITY_JSON: &str = "application/activity+json";
const HTML: &str = "text/html";

/// Answers a WebFinger query with the JRD of a local account or of the instance actor.
pub async fn show(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response> {
    let query = Query::parse(raw.as_deref())?;
    let jrd = match Resource::parse(&query.resource, &state.config)? {
        Resource::Account(username) => {
            let account = service::accounts::lookup(&state, &username).await?;
            Jrd::for_account(&account, &state.config)
        }
        Resource::InstanceActor => Jrd::for_instance_actor(&state.config),
    };
    Ok(jrd.only_rels(&query.rels).into_response())
}

/// The parameters of a query. Read from the raw query string because `rel` may repeat.
#[derive(Debug)]
struct Query {
    resource: String,
    rels: Vec<String>,
}

impl Query {
    fn parse(raw: Option<&str>) -> Result<Query> {
        let mut resource = None;
        let mut rels = Vec::new();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match &*key {
                "resource" if resource.is_none() => resource = Some(value.trim().to_string()),
                "rel" => rels.push(value.into_owned()),
                _ => {}
            }
        }
        match resource {
            Some(resource) if !resource.is_empty() => Ok(Query { resource, rels }),
            _ => Err(Error::bad_request("The resource parameter is required")),
        }
    }
}

/// A resource this instance can describe, parsed once at the edge.
#[derive(Debug, PartialEq, Eq)]
enum Resource {
    /// A local account, by a syntactically valid username, as asked (any case).
    Account(String),
    /// The instance actor.
    InstanceActor,
}

impl Resource {
    /// Parses `resource` against this instance: 400 when it is no handle or URL at all,
    /// 404 when it names something that is not here.
    fn parse(resource: &str, config: &Config) -> Result<Resource> {
        if starts_with_ignore_case(resource, "http://")
            || starts_with_ignore_case(resource, "https://")
        {
            return Resource::from_url(resource, config);
        }
        // RFC 7565 `acct:` URI, or a bare handle as Mastodon also accepts.
        let handle = if starts_with_ignore_case(resource, "acct:") {
            &resource["acct:".len()..]
        } else {
            resource
        };
        let handle = handle.strip_prefix('@').unwrap_or(handle);
        let (user, host) = handle
            .split_once('@')
            .ok_or_else(|| Error::bad_request("The resource must be an acct: URI or a URL"))?;
        if !host.eq_ignore_ascii_case(&config.domain) {
            return Err(Error::NotFound);
        }
        if user.eq_ignore_ascii_case(&config.domain) {
            Ok(Resource::InstanceActor)
        } else {
            Resource::account(user)
        }
    }

    /// An actor id or profile URL on this instance's origin.
    fn from_url(resource: &str, config: &Config) -> Result<Resource> {
        let url = Url::parse(resource)
            .map_err(|_| Error::bad_request("The resource is not a valid URL"))?;
        let base = Url::parse(&config.base_url()).map_err(|e| Error::Internal(e.into()))?;
        if url.origin() != base.origin() {
            return Err(Error::NotFound);
        }
        let path = url.path();
        let path = path.strip_suffix('/').unwrap_or(path);
        if path.is_empty() || path == "/actor" {
            return Ok(Resource::InstanceActor);
        }
        match path
            .strip_prefix("/users/")
            .or_else(|| path.strip_prefix("/@"))
        {
            Some(username) => Resource::account(username),
            None => Err(Error::NotFound),
        }
    }

    /// Only names a local account could have reach the database; the rest are not here.
    fn account(username: &str) -> Result<Resource> {
        let valid = !username.is_empty()
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid {
            Ok(Resource::Account(username.to_string()))
        } else {
            Err(Error::NotFound)
        }
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// A JSON Resource Descriptor (RFC 7033 §4.4), as much of it as Rookery sends.
#[derive(Debug, Serialize)]
struct Jrd {
    subject: String,
    aliases: Vec<String>,
    links: Vec<Link>,
}

/// One link of a JRD: a plain link (`href`) or a template (`template`).
#[derive(Debug, Serialize)]
struct Link {
    rel: &'static str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    media_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    href: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<String>,
}

impl Link {
    fn href(rel: &'static str, media_type: &'static str, href: String) -> Link {
        Link {
            rel,
            media_type: Some(media_type),
            href: Some(href),
            template: None,
        }
    }

    fn template(rel: &'static str, template: String) -> Link {
        Link {
            rel,
            media_type: None,
            href: None,
            template: Some(template),
        }
    }
}

impl Jrd {
    /// Mastodon's answer for an account: its profile page, its actor, and remote follow.
    fn for_account(account: &Account, config: &Config) -> Jrd {
        let profile = account.profile_url().to_string();
        Jrd {
            subject: format!("acct:{}@{}", account.username, config.domain),
            aliases: vec![profile.clone(), account.uri.clone()],
            links: vec![
                Link::href(REL_PROFILE_PAGE, HTML, profile),
                Link::href(REL_SELF, ACTIVITY_JSON, account.uri.clone()),
                Link::template(
                    REL_SUBSCRIBE,
                    format!("{}/authorize_interaction?uri={{uri}}", config.base_url()),
                ),
            ],
        }
    }

    /// Mastodon's answer for its instance actor, whose username is the domain.
    fn for_instance_actor(config: &Config) -> Jrd {
        let actor = instance_actor_uri(config);
        Jrd {
            subject: format!("acct:{0}@{0}", config.domain),
            aliases: vec![actor.clone()],
            links: vec![
                Link::href(
                    REL_PROFILE_PAGE,
                    HTML,
                    format!("{}/about", config.base_url()),
                ),
                Link::href(REL_SELF, ACTIVITY_JSON, actor),
                // As Mastodon: a visitor who names only this server is sent here too.
                Link::template(
                    REL_SUBSCRIBE,
                    format!("{}/authorize_interaction?uri={{uri}}", config.base_url()),
                ),
            ],
        }
    }

    /// Keeps only the links whose relation was asked for; all of them when none was.
    fn only_rels(mut self, rels: &[String]) -> Jrd {
        if !rels.is_empty() {
            self.links.retain(|link| rels.iter().any(|r| r == link.rel));
        }
        self
    }
}

impl IntoResponse for Jrd {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, JRD_CONTENT_TYPE)], Json(self)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(domain: &str) -> Config {
        let mut c = Config::defaults();
        c.domain = domain.into();
        c
    }

    fn parse(resource: &str) -> Result<Resource> {
        Resource::parse(resource, &config("Social.example:8080"))
    }

    fn account(name: &str) -> Resource {
        Resource::Account(name.into())
    }

    #[test]
    fn handles() {
        for ok in [
            "acct:alice@social.example:8080",
            "ACCT:alice@SOCIAL.EXAMPLE:8080",
            "alice@social.example:8080",
            "@alice@social.example:8080",
            "acct:@alice@social.example:8080",
        ] {
            assert_eq!(parse(ok).ok(), Some(account("alice")), "{ok}");
        }
        assert_eq!(
            parse("acct:Alice_2@social.example:8080").ok(),
            Some(account("Alice_2"))
        );
        assert_eq!(
            parse("acct:social.example:8080@social.example:8080").ok(),
            Some(Resource::InstanceActor)
        );
    }

    #[test]
    fn handles_elsewhere_or_impossible_are_not_found() {
        for missing in [
            "acct:alice@social.example",
            "acct:alice@other.example:8080",
            "acct:alice@social.example:8080@other.example",
            "acct:al.ice@social.example:8080",
            "mailto:alice@social.example:8080",
        ] {
            assert!(matches!(parse(missing), Err(Error::NotFound)), "{missing}");
        }
    }

    #[test]
    fn malformed_is_a_bad_request() {
        for bad in [
            "alice",
            "acct:alice",
            "acct:@social.example:8080",
            "http://",
            "https://[::1",
        ] {
            assert!(matches!(parse(bad), Err(Error::BadRequest(_))), "{bad}");
        }
    }

    #[test]
    fn urls() {
        for (url, expected) in [
            ("http://social.example:8080/users/alice", account("alice")),
            ("http://SOCIAL.example:8080/users/alice/", account("alice")),
            ("http://social.example:8080/@alice", account("alice")),
            (
                "http://social.example:8080/users/alice#main-key",
                account("alice"),
            ),
            ("http://social.example:8080/actor", Resource::InstanceActor),
            ("http://social.example:8080/", Resource::InstanceActor),
            ("http://social.example:8080", Resource::InstanceActor),
        ] {
            assert_eq!(parse(url).ok(), Some(expected), "{url}");
        }
        for missing in [
            "https://social.example:8080/users/alice",
            "http://social.example/users/alice",
            "http://other.example:8080/users/alice",
            "http://social.example:8080/users/alice/outbox",
            "http://social.example:8080/@alice@remote.example",
            "http://social.example:8080/users/",
            "http://social.example:8080/about",
        ] {
            assert!(matches!(parse(missing), Err(Error::NotFound)), "{missing}");
        }
    }

    #[test]
    fn default_ports_are_the_same_origin() {
        let mut c = config("social.example");
        c.protocol = crate::config::Protocol::Https;
        assert_eq!(
            Resource::parse("https://social.example:443/@alice", &c).ok(),
            Some(account("alice"))
        );
    }

    #[test]
    fn query_parameters() {
        let q = Query::parse(Some(
            "resource=acct%3Aalice%40social.example&rel=self&rel=http%3A%2F%2Fwebfinger.net%2Frel%2Fprofile-page&resource=x",
        ))
        .expect("query");
        assert_eq!(q.resource, "acct:alice@social.example");
        assert_eq!(q.rels, ["self", "http://webfinger.net/rel/profile-page"]);
        for missing in [
            None,
            Some(""),
            Some("resource="),
            Some("resource=+"),
            Some("rel=self"),
        ] {
            assert!(
                matches!(Query::parse(missing), Err(Error::BadRequest(_))),
                "{missing:?}"
            );
        }
    }

    /// Properties of the parsing of `resource` and the query, which read what any stranger
    /// asks: any input gives a resource or an error, never a panic, and what this server
    /// prints about an account (its JRD) leads back to that account.
    mod properties {
        use proptest::prelude::*;

        use super::*;

        fn domain() -> impl Strategy<Value = String> {
            // `xn--` starts a punycode label, which must then decode: not a plain name.
            "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,6}){1,2}(:[1-9][0-9]{1,3})?"
                .prop_filter("no punycode labels", |d| !d.starts_with("xn--"))
        }

        fn configured(domain: &str, https: bool) -> Config {
            let mut c = config(domain);
            c.protocol = if https {
                crate::config::Protocol::Https
            } else {
                crate::config::Protocol::Http
            };
            c
        }

        /// A local account as `store::accounts` creates one (what the JRD reads of it).
        fn local(username: &str, config: &Config) -> Account {
            let base = config.base_url();
            Account {
                username: username.to_string(),
                uri: format!("{base}/users/{username}"),
                url: Some(format!("{base}/@{username}")),
                ..Account::default()
            }
        }

        /// Text shaped like a resource: schemes, handles, hosts and paths mixed with anything.
        fn resource_like() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                prop::sample::select(vec![
                    "acct:",
                    "ACCT:",
                    "@",
                    "http://",
                    "https://",
                    "social.example",
                    ":8080",
                    "/users/",
                    "/@",
                    "/actor",
                    "/",
                    "#main-key",
                    "[",
                    "]",
                    "::1",
                    "%40",
                    ".",
                ])
                .prop_map(str::to_owned),
                "[A-Za-z0-9_]{0,10}",
                any::<char>().prop_map(String::from),
            ];
            prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
        }

        fn string_of(value: &serde_json::Value) -> &str {
            value.as_str().unwrap_or_default()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn any_resource_is_an_answer_or_an_error(
                resource in prop_oneof![any::<String>(), resource_like()],
                domain in prop_oneof![domain(), Just("social.example:8080".to_string())],
                https in any::<bool>(),
            ) {
                match Resource::parse(&resource, &configured(&domain, https)) {
                    Ok(Resource::Account(name)) => prop_assert!(
                        !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    ),
                    Ok(Resource::InstanceActor) => {}
                    Err(Error::BadRequest(_) | Error::NotFound) => {}
                    Err(other) => prop_assert!(false, "{resource:?}: unexpected {other:?}"),
                }
            }

            #[test]
            fn any_query_is_an_answer_or_a_bad_request(raw in prop::option::of(any::<String>())) {
                match Query::parse(raw.as_deref()) {
                    Ok(query) => prop_assert!(
                        !query.resource.is_empty() && query.resource == query.resource.trim()
                    ),
                    Err(e) => prop_assert!(matches!(e, Error::BadRequest(_)), "{e:?}"),
                }
            }

            #[test]
            fn an_accounts_jrd_leads_back_to_it(
                username in "[A-Za-z0-9_]{1,30}",
                domain in domain(),
                https in any::<bool>(),
                rels in prop::collection::vec("[ -~]{0,20}", 0..3),
            ) {
                let config = configured(&domain, https);
                let account = local(&username, &config);
                let jrd = serde_json::to_value(Jrd::for_account(&account, &config))
                    .expect("a JRD serialises");
                let back = Resource::parse(string_of(&jrd["subject"]), &config);
                prop_assert_eq!(back.ok(), Some(Resource::Account(username.clone())));
                for alias in jrd["aliases"].as_array().into_iter().flatten() {
                    let back = Resource::parse(string_of(alias), &config);
                    prop_assert_eq!(back.ok(), Some(Resource::Account(username.clone())));
                }
                for link in jrd["links"].as_array().into_iter().flatten() {
                    if let Some(href) = link["href"].as_str() {
                        let back = Resource::parse(href, &config);
                        prop_assert_eq!(back.ok(), Some(Resource::Account(username.clone())));
                    }
                }
                // The query a client sends for that subject reads back the same way.
                let mut query = url::form_urlencoded::Serializer::new(String::new());
                query.append_pair("resource", string_of(&jrd["subject"]));
                for rel in &rels {
                    query.append_pair("rel", rel);
                }
                let query = Query::parse(Some(&query.finish()));
                prop_assert!(query.is_ok());
                let query = query.expect("checked above");
                prop_assert_eq!(query.resource.as_str(), string_of(&jrd["subject"]));
                prop_assert_eq!(query.rels, rels);
            }

            #[test]
            fn the_instance_actors_jrd_leads_back_to_it(
                domain in domain(),
                https in any::<bool>(),
            ) {
                let config = configured(&domain, https);
                let jrd = serde_json::to_value(Jrd::for_instance_actor(&config))
                    .expect("a JRD serialises");
                let back = Resource::parse(string_of(&jrd["subject"]), &config);
                prop_assert_eq!(back.ok(), Some(Resource::InstanceActor));
                let back = Resource::parse(string_of(&jrd["aliases"][0]), &config);
                prop_assert_eq!(back.ok(), Some(Resource::InstanceActor));
            }
        }
    }
}
