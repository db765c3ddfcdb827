//! Browser sessions over plain HTTP for the web pages' tests: a cookie-keeping client signed
//! in through `/auth/sign_in`, and forms posted with the page's CSRF token.

use reqwest::StatusCode;

use super::{browser as http_browser, hidden, TestApp, PASSWORD};

/// A signed-in browser (cookies kept, redirects not followed).
pub struct WebSession {
    pub client: reqwest::Client,
    pub base: String,
}

/// A page's status, `Location` (if any) and body.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

async fn read(res: reqwest::Response) -> Page {
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Page {
        status,
        location,
        body: res.text().await.expect("body"),
    }
}

impl WebSession {
    /// A browser with no session.
    pub fn anonymous(app: &TestApp) -> WebSession {
        WebSession {
            client: http_browser(),
            base: app.base.clone(),
        }
    }

    /// Signs `login` in with the test password; panics unless the sign-in succeeds.
    pub async fn sign_in(app: &TestApp, login: &str) -> WebSession {
        let web = WebSession::anonymous(app);
        let page = web.sign_in_with(login, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        web
    }

    /// Posts the sign-in form; returns what it answered.
    pub async fn sign_in_with(&self, login: &str, password: &str) -> Page {
        let form = self.get("/auth/sign_in").await;
        let token = hidden(&form.body, "authenticity_token");
        self.post_raw(
            "/auth/sign_in",
            &[
                ("authenticity_token", token.as_str()),
                ("login", login),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Page {
        read(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    /// Posts `fields` as they are (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        read(
            self.client
                .post(format!("{}{path}", self.base))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// The CSRF token the page at `path` carries.
    pub async fn token(&self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        hidden(&page.body, "authenticity_token")
    }

    /// Posts a form to `action` with the token of the page at `from`.
    pub async fn submit(&self, from: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.token(from).await;
        let mut all = vec![("authenticity_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }
}

/// Whether `body` holds `raw` with its angle brackets escaped (as `&lt;` or `&#60;`).
pub fn escaped(body: &str, raw: &str) -> bool {
    let named = raw.replace('<', "&lt;").replace('>', "&gt;");
    let numeric = raw.replace('<', "&#60;").replace('>', "&#62;");
    body.contains(&named) || body.contains(&numeric)
}
