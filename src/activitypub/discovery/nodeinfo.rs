//! NodeInfo (<https://nodeinfo.diaspora.software>): `GET /.well-known/nodeinfo` lists the
//! documents, `GET /nodeinfo/2.0` and `GET /nodeinfo/2.1` describe the software, protocols,
//! registrations and usage of this instance, each exactly as its JSON schema allows.
//!
//! `metadata` is always present and carries `upstream: {name: "mastodon", …}`: megalodon
//! (used by several desktop clients) reads `metadata.upstream.name` without checking that
//! `metadata` exists, and recognises a Mastodon-compatible server only by it.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;

use crate::app::AppState;
use crate::config::{Config, RegistrationMode};
use crate::error::Result;
use crate::service;
use crate::service::instance::{Usage, MASTODON_API_VERSION, SOURCE_URL};

/// The `software.name` of Rookery: lower case letters, digits and dashes, as the schema asks.
const SOFTWARE_NAME: &str = "rookery";

/// A NodeInfo schema version this instance serves.
#[derive(Clone, Copy, Debug)]
enum Schema {
    V2_0,
    V2_1,
}

impl Schema {
    const ALL: [Schema; 2] = [Schema::V2_0, Schema::V2_1];

    fn version(self) -> &'static str {
        match self {
            Schema::V2_0 => "2.0",
            Schema::V2_1 => "2.1",
        }
    }

    /// The link relation and schema id, `http://nodeinfo.diaspora.software/ns/schema/2.x`.
    fn rel(self) -> String {
        format!(
            "http://nodeinfo.diaspora.software/ns/schema/{}",
            self.version()
        )
    }

    /// `application/json` with the schema as profile, as the protocol recommends.
    fn content_type(self) -> &'static str {
        match self {
            Schema::V2_0 => {
                "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.0#\""
            }
            Schema::V2_1 => {
                "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\""
            }
        }
    }
}

/// The discovery document: one link per schema version served.
pub async fn index(State(state): State<AppState>) -> Json<serde_json::Value> {
    let base = state.base_url();
    let links: Vec<_> = Schema::ALL
        .iter()
        .map(|s| json!({ "rel": s.rel(), "href": format!("{base}/nodeinfo/{}", s.version()) }))
        .collect();
    Json(json!({ "links": links }))
}

/// NodeInfo 2.0.
pub async fn show_2_0(State(state): State<AppState>) -> Result<Response> {
    show(&state, Schema::V2_0).await
}

/// NodeInfo 2.1: 2.0 plus the software's repository and homepage.
pub async fn show_2_1(State(state): State<AppState>) -> Result<Response> {
    show(&state, Schema::V2_1).await
}

async fn show(state: &AppState, schema: Schema) -> Result<Response> {
    let usage = service::instance::usage(state).await?;
    let config = service::instance_settings::config(state).await?;
    let document = NodeInfo::render(&config, schema, &usage);
    Ok((
        [(header::CONTENT_TYPE, schema.content_type())],
        Json(document),
    )
        .into_response())
}

/// A NodeInfo document (schemas 2.0 and 2.1, which differ only in `software`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeInfo {
    version: &'static str,
    software: Software,
    protocols: [&'static str; 1],
    services: Services,
    open_registrations: bool,
    usage: UsageDocument,
    metadata: Metadata,
}

#[derive(Debug, Serialize)]
struct Software {
    name: &'static str,
    version: &'static str,
    /// 2.1 only.
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'static str>,
    /// 2.1 only.
    #[serde(skip_serializing_if = "Option::is_none")]
    homepage: Option<&'static str>,
}

/// Third-party services bridged: none.
#[derive(Debug, Serialize)]
struct Services {
    inbound: [&'static str; 0],
    outbound: [&'static str; 0],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UsageDocument {
    users: Users,
    local_posts: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Users {
    total: i64,
    active_month: i64,
    active_halfyear: i64,
}

/// Free-form: what Mastodon, GoToSocial and others put here, and what megalodon needs.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    node_name: String,
    node_description: String,
    upstream: Upstream,
}

/// The server whose client API Rookery implements, at which level.
#[derive(Debug, Serialize)]
struct Upstream {
    name: &'static str,
    version: &'static str,
}

impl NodeInfo {
    fn render(config: &Config, schema: Schema, usage: &Usage) -> NodeInfo {
        let v2_1 = matches!(schema, Schema::V2_1);
        NodeInfo {
            version: schema.version(),
            software: Software {
                name: SOFTWARE_NAME,
                version: env!("CARGO_PKG_VERSION"),
                repository: v2_1.then_some(SOURCE_URL),
                homepage: v2_1.then_some(SOURCE_URL),
            },
            protocols: ["activitypub"],
            services: Services {
                inbound: [],
                outbound: [],
            },
            open_registrations: config.registrations != RegistrationMode::Closed,
            usage: UsageDocument {
                users: Users {
                    total: usage.users_total,
                    active_month: usage.active_month,
                    active_halfyear: usage.active_halfyear,
                },
                local_posts: usage.local_posts,
            },
            metadata: Metadata {
                node_name: config.instance.title.clone(),
                node_description: config.instance.description.clone(),
                upstream: Upstream {
                    name: "mastodon",
                    version: MASTODON_API_VERSION,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    fn usage() -> impl Strategy<Value = Usage> {
        (any::<i64>(), any::<i64>(), any::<i64>(), any::<i64>()).prop_map(
            |(users_total, active_month, active_halfyear, local_posts)| Usage {
                users_total,
                active_month,
                active_halfyear,
                local_posts,
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the counts and whatever an admin typed as title and description, the
        /// document is JSON that reads back to what was rendered, in the schema's shape.
        #[test]
        fn any_instance_renders_a_document_that_reads_back(
            usage in usage(),
            title in any::<String>(),
            description in any::<String>(),
            registrations in prop::sample::select(vec![
                RegistrationMode::Open,
                RegistrationMode::Approval,
                RegistrationMode::Closed,
            ]),
            v2_1 in any::<bool>(),
        ) {
            let mut config = Config::defaults();
            config.instance.title = title.clone();
            config.instance.description = description.clone();
            config.registrations = registrations;
            let schema = if v2_1 { Schema::V2_1 } else { Schema::V2_0 };
            let printed = serde_json::to_string(&NodeInfo::render(&config, schema, &usage))
                .expect("a document serialises");
            let read: Value = serde_json::from_str(&printed).expect("the document is JSON");

            prop_assert_eq!(read["version"].as_str(), Some(schema.version()));
            let name = read["software"]["name"].as_str().unwrap_or_default();
            prop_assert!(
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            prop_assert_eq!(read["software"].get("repository").is_some(), v2_1);
            prop_assert_eq!(&read["protocols"], &serde_json::json!(["activitypub"]));
            prop_assert_eq!(
                read["openRegistrations"].as_bool(),
                Some(registrations != RegistrationMode::Closed)
            );
            prop_assert_eq!(read["usage"]["users"]["total"].as_i64(), Some(usage.users_total));
            prop_assert_eq!(
                read["usage"]["users"]["activeMonth"].as_i64(),
                Some(usage.active_month)
            );
            prop_assert_eq!(
                read["usage"]["users"]["activeHalfyear"].as_i64(),
                Some(usage.active_halfyear)
            );
            prop_assert_eq!(read["usage"]["localPosts"].as_i64(), Some(usage.local_posts));
            prop_assert_eq!(read["metadata"]["nodeName"].as_str(), Some(title.as_str()));
            prop_assert_eq!(
                read["metadata"]["nodeDescription"].as_str(),
                Some(description.as_str())
            );
            prop_assert_eq!(read["metadata"]["upstream"]["name"].as_str(), Some("mastodon"));
        }
    }
}
