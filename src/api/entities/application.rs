//! Application (and CredentialApplication, with its secret) and the token response.

use serde::Serialize;

use crate::model::App;

#[derive(Debug, Serialize)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
    /// Deprecated by Mastodon but still read by older clients: the URIs, newline-separated.
    pub redirect_uri: String,
    pub vapid_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
}

impl Application {
    /// `vapid_key`: the instance's Web Push public key (deprecated here by Mastodon 4.3 in
    /// favour of the instance's, still read by older clients).
    pub fn render(app: &App, vapid_key: String) -> Application {
        Application {
            id: app.id.to_string(),
            name: app.name.clone(),
            website: app.website.clone(),
            scopes: app.scopes.clone(),
            redirect_uris: app.redirect_uris.clone(),
            redirect_uri: app.redirect_uris.join("\n"),
            vapid_key,
            client_id: None,
            client_secret: None,
            client_secret_expires_at: None,
        }
    }

    /// The answer to `POST /api/v1/apps`, the only time the secret is shown.
    pub fn with_credentials(app: &App, secret: &str, vapid_key: String) -> Application {
        Application {
            client_id: Some(app.client_id.clone()),
            client_secret: Some(secret.to_string()),
            client_secret_expires_at: Some(0),
            ..Application::render(app, vapid_key)
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Token {
    pub access_token: String,
    pub token_type: &'static str,
    pub scope: String,
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl Token {
    pub fn render(t: &crate::service::oauth::IssuedToken) -> Token {
        Token {
            access_token: t.access_token.clone(),
            token_type: "Bearer",
            scope: t.scopes.joined(),
            created_at: t.created_at.timestamp(),
            refresh_token: t.refresh_token.clone(),
        }
    }
}
