//! The client API as an app uses it, for the benches that fill a server only through HTTP:
//! JSON answers checked, an app registered, accounts signed up and signed in with the
//! password grant (the server hashes with its real cost). Shared through `#[path]`; a bench
//! adds its own requests in an `impl Api` of its own.

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

/// The password of every account.
pub const PASSWORD: &str = "correct horse battery staple";
pub const SCOPES: &str = "read write follow";

#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
}

#[derive(Clone)]
pub struct User {
    pub id: String,
    pub token: String,
}

pub struct AppCredentials {
    pub client_id: String,
    pub client_secret: String,
    pub token: String,
}

impl Api {
    pub async fn json(&self, req: reqwest::RequestBuilder, what: &str) -> Result<Value> {
        let resp = req.send().await.with_context(|| what.to_string())?;
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        if !status.is_success() {
            bail!("{what}: {status}: {body}");
        }
        serde_json::from_str(&body).with_context(|| format!("{what}: not JSON: {body}"))
    }

    pub fn get(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    pub fn post(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    /// `POST /api/v1/apps`, then an app token from the `client_credentials` grant.
    pub async fn register_app(&self) -> Result<AppCredentials> {
        let app = self
            .json(
                self.client
                    .post(format!("{}/api/v1/apps", self.base))
                    .form(&[
                        ("client_name", "rookery bench"),
                        ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
                        ("scopes", SCOPES),
                    ]),
                "registering the app",
            )
            .await?;
        let client_id = string(&app, "client_id")?;
        let client_secret = string(&app, "client_secret")?;
        let token = self
            .json(
                self.client
                    .post(format!("{}/oauth/token", self.base))
                    .form(&[
                        ("grant_type", "client_credentials"),
                        ("client_id", &client_id),
                        ("client_secret", &client_secret),
                        ("scope", SCOPES),
                    ]),
                "the client_credentials grant",
            )
            .await?;
        Ok(AppCredentials {
            token: string(&token, "access_token")?,
            client_id,
            client_secret,
        })
    }

    /// Sign-up (`POST /api/v1/accounts`), then sign-in with the password grant, as a client
    /// app does; the sign-up's own token is not used.
    pub async fn sign_up(&self, app: &AppCredentials, username: &str) -> Result<User> {
        let email = format!("{username}@bench.example");
        self.json(
            self.post("/api/v1/accounts", &app.token).form(&[
                ("username", username),
                ("email", &email),
                ("password", PASSWORD),
                ("agreement", "true"),
                ("locale", "en"),
            ]),
            &format!("signing up {username}"),
        )
        .await?;
        let token = self
            .json(
                self.client
                    .post(format!("{}/oauth/token", self.base))
                    .form(&[
                        ("grant_type", "password"),
                        ("client_id", &app.client_id),
                        ("client_secret", &app.client_secret),
                        ("username", &email),
                        ("password", PASSWORD),
                        ("scope", SCOPES),
                    ]),
                &format!("signing in {username}"),
            )
            .await?;
        let token = string(&token, "access_token")?;
        let me = self
            .json(
                self.get("/api/v1/accounts/verify_credentials", &token),
                "verify_credentials",
            )
            .await?;
        Ok(User {
            id: string(&me, "id")?,
            token,
        })
    }
}

/// A string field of an answer, or an error naming it.
pub fn string(v: &Value, key: &str) -> Result<String> {
    v[key]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("no {key:?} in {v}"))
}
