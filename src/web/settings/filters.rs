//! `/settings/filters`: keyword filters (Mastodon's v2 filters), listed, created, edited and
//! deleted through `service::moderation::filters`, as the API does.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{checked, refusal, Chrome, NoticeQuery, Shown};
use crate::app::AppState;
use crate::model::moderation::{Filter, FilterKeyword, FILTER_CONTEXTS};
use crate::service::moderation::filters::{self, FilterInput, KeywordInput};
use crate::web::auth::Empty;
use crate::web::session::{SessionForm, SignedIn};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/filters", get(index).post(create))
        .route("/settings/filters/{id}", get(edit).post(update))
        .route("/settings/filters/{id}/delete", post(delete))
}

/// A filter as the list and the form show it.
pub struct FilterView {
    pub id: i64,
    pub title: String,
    pub contexts: Vec<String>,
    pub action: String,
    pub keywords: Vec<String>,
    /// The keywords, one a line, for the form.
    pub keywords_text: String,
    pub whole_word: bool,
    pub expires: Option<String>,
}

impl FilterView {
    fn of(f: &Filter) -> FilterView {
        let keywords: Vec<String> = f.keywords.iter().map(|k| k.keyword.clone()).collect();
        FilterView {
            id: f.id,
            title: f.title.clone(),
            contexts: f.context.clone(),
            action: f.filter_action.clone(),
            keywords_text: keywords.join("\n"),
            keywords,
            whole_word: f.keywords.iter().all(|k| k.whole_word),
            expires: f
                .expires_at
                .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
        }
    }

    fn blank() -> FilterView {
        FilterView {
            id: 0,
            title: String::new(),
            contexts: vec!["home".into(), "public".into()],
            action: "warn".into(),
            keywords: vec![],
            keywords_text: String::new(),
            whole_word: true,
            expires: None,
        }
    }

    /// Whether the filter applies in `context` (for the form's checkboxes).
    pub fn has(&self, context: &str) -> bool {
        self.contexts.iter().any(|c| c == context)
    }
}

#[derive(Template)]
#[template(path = "settings/filters.html", config = "src/web/askama.toml")]
struct FiltersPage {
    chrome: Chrome,
    filters: Vec<FilterView>,
    /// The form: a new filter, or the one being edited.
    form: FilterView,
    editing: bool,
    contexts: &'static [&'static str],
}

async fn page(
    state: &AppState,
    session: &SignedIn,
    shown: Shown,
    form: Option<FilterView>,
) -> Response {
    let list = match filters::list(state, &session.account).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let editing = form.as_ref().is_some_and(|f| f.id != 0);
    crate::web::render(
        shown.status,
        &FiltersPage {
            chrome: Chrome::new(state, session, "filters", &shown).await,
            filters: list.iter().map(FilterView::of).collect(),
            form: form.unwrap_or_else(FilterView::blank),
            editing,
            contexts: FILTER_CONTEXTS,
        },
    )
}

/// `GET /settings/filters`
pub async fn index(
    State(state): State<AppState>,
    session: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    page(&state, &session, Shown::asked(&q), None).await
}

/// `GET /settings/filters/:id`: the list, with the form filled with this filter.
pub async fn edit(
    State(state): State<AppState>,
    session: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    match filters::get(&state, &session.account, id).await {
        Ok(f) => page(&state, &session, Shown::ok(), Some(FilterView::of(&f))).await,
        Err(e) => match refusal(e) {
            Ok((status, why)) => page(&state, &session, Shown::refused(status, why), None).await,
            Err(response) => response,
        },
    }
}

#[derive(Deserialize)]
pub struct FilterForm {
    #[serde(default)]
    title: String,
    context_home: Option<String>,
    context_notifications: Option<String>,
    context_public: Option<String>,
    context_thread: Option<String>,
    context_account: Option<String>,
    #[serde(default)]
    filter_action: String,
    #[serde(default)]
    keywords: String,
    whole_word: Option<String>,
    /// Seconds from now; empty: never; `keep`: as it is.
    #[serde(default)]
    expires_in: String,
}

impl FilterForm {
    fn contexts(&self) -> Vec<String> {
        [
            ("home", &self.context_home),
            ("notifications", &self.context_notifications),
            ("public", &self.context_public),
            ("thread", &self.context_thread),
            ("account", &self.context_account),
        ]
        .into_iter()
        .filter(|(_, v)| checked(v))
        .map(|(c, _)| c.to_string())
        .collect()
    }

    fn words(&self) -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        for w in self
            .keywords
            .lines()
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            if !words.iter().any(|x| x == w) {
                words.push(w.to_string());
            }
        }
        words
    }

    /// The service's input; `existing` are the keywords of the filter being edited (those
    /// no longer listed are removed).
    fn input(&self, existing: &[FilterKeyword]) -> Result<FilterInput, String> {
        let expires_in = match self.expires_in.trim() {
            "keep" => None,
            "" => Some(None),
            raw => {
                Some(Some(raw.parse::<i64>().map_err(|_| {
                    "Choose when the filter expires.".to_string()
                })?))
            }
        };
        let words = self.words();
        let whole_word = checked(&self.whole_word);
        let mut keywords: Vec<KeywordInput> = existing
            .iter()
            .map(|k| KeywordInput {
                id: Some(k.id),
                keyword: None,
                whole_word: Some(whole_word),
                destroy: !words.contains(&k.keyword),
            })
            .collect();
        for w in words {
            if !existing.iter().any(|k| k.keyword == w) {
                keywords.push(KeywordInput {
                    id: None,
                    keyword: Some(w),
                    whole_word: Some(whole_word),
                    destroy: false,
                });
            }
        }
        Ok(FilterInput {
            title: Some(self.title.clone()),
            context: Some(self.contexts()),
            filter_action: Some(self.filter_action.clone()),
            expires_in,
            keywords,
        })
    }

    /// The form as typed, to show again with an error.
    fn view(&self, id: i64) -> FilterView {
        FilterView {
            id,
            title: self.title.clone(),
            contexts: self.contexts(),
            action: self.filter_action.clone(),
            keywords: self.words(),
            keywords_text: self.keywords.clone(),
            whole_word: checked(&self.whole_word),
            expires: None,
        }
    }
}

async fn saved(
    state: &AppState,
    session: &SignedIn,
    form: &FilterForm,
    id: i64,
    result: crate::error::Result<Filter>,
    notice: &str,
) -> Response {
    super::finish(result, "/settings/filters", notice, |shown| {
        page(state, session, shown, Some(form.view(id)))
    })
    .await
}

/// `POST /settings/filters`: a new filter.
pub async fn create(
    State(state): State<AppState>,
    SessionForm { session, form }: SessionForm<FilterForm>,
) -> Response {
    let input = match form.input(&[]) {
        Ok(i) => i,
        Err(why) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(
                &state,
                &session,
                Shown::refused(status, why),
                Some(form.view(0)),
            )
            .await;
        }
    };
    let result = filters::create(&state, &session.account, &input).await;
    saved(&state, &session, &form, 0, result, "created").await
}

/// `POST /settings/filters/:id`: changes a filter.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SessionForm { session, form }: SessionForm<FilterForm>,
) -> Response {
    let existing = match filters::get(&state, &session.account, id).await {
        Ok(f) => f.keywords,
        Err(e) => {
            return match refusal(e) {
                Ok((status, why)) => {
                    page(&state, &session, Shown::refused(status, why), None).await
                }
                Err(response) => response,
            }
        }
    };
    let input = match form.input(&existing) {
        Ok(i) => i,
        Err(why) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(
                &state,
                &session,
                Shown::refused(status, why),
                Some(form.view(id)),
            )
            .await;
        }
    };
    let result = filters::update(&state, &session.account, id, &input).await;
    saved(&state, &session, &form, id, result, "saved").await
}

/// `POST /settings/filters/:id/delete`
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SessionForm { session, .. }: SessionForm<Empty>,
) -> Response {
    let result = filters::delete(&state, &session.account, id).await;
    super::finish(result, "/settings/filters", "deleted", |shown| {
        page(&state, &session, shown, None)
    })
    .await
}
