//! `/admin/trends`: the hashtags, posts and links drawing attention now, each with its
//! review (approved, rejected, or not yet) and buttons to approve or reject it for trends.
//! Through `service::trends`, as the admin API; each review is in the audit log.

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;

use super::{done, id, page, when, Chrome, NoFields, Page, SessionForm, Staff};
use crate::app::AppState;
use crate::error::Error;
use crate::service::trends;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/trends", get(index))
        .route("/admin/trends/{kind}/{id}/{verdict}", post(review))
}

struct Item {
    id: i64,
    /// The tag's name, the post's author, or the link's title.
    name: String,
    /// The post's HTML, the link's URL.
    detail: String,
    review: &'static str,
    /// Uses in the last day (tags, links).
    uses: i64,
}

#[derive(Template)]
#[template(path = "admin/trends.html", config = "src/web/askama.toml")]
struct TrendsPage {
    chrome: Chrome,
    tags: Vec<Item>,
    statuses: Vec<Item>,
    links: Vec<Item>,
}

fn verdict(r: Option<bool>) -> &'static str {
    match r {
        None => "not reviewed",
        Some(true) => "approved",
        Some(false) => "rejected",
    }
}

pub async fn index(State(state): State<AppState>, Staff(staff): Staff) -> Page {
    let tags = trends::tags_for_review(&state, &staff.account)
        .await?
        .into_iter()
        .map(|t| Item {
            id: t.tag.id,
            uses: t.history.first().map(|d| d.accounts).unwrap_or_default(),
            name: format!("#{}", t.tag.name),
            detail: String::new(),
            review: verdict(t.tag.trendable),
        })
        .collect();
    let statuses = trends::statuses_for_review(&state, &staff.account)
        .await?
        .into_iter()
        .map(|v| Item {
            id: v.status.id,
            name: format!("{}, {}", v.account.acct(), when(v.status.created_at)),
            detail: v.status.content.clone(),
            review: "",
            uses: 0,
        })
        .collect();
    let links = trends::links_for_review(&state)
        .await?
        .into_iter()
        .map(|l| Item {
            id: l.card.id,
            name: if l.card.title.is_empty() {
                l.card.url.clone()
            } else {
                l.card.title.clone()
            },
            detail: l.card.url.clone(),
            review: verdict(l.review),
            uses: l.history.first().map(|d| d.accounts).unwrap_or_default(),
        })
        .collect();
    page(&state, &staff, "trends", |chrome| TrendsPage {
        chrome,
        tags,
        statuses,
        links,
    })
    .await
}

/// `POST /admin/trends/{tags,statuses,links}/:id/{approve,reject}`
pub async fn review(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path((kind, raw, verdict)): Path<(String, String, String)>,
    _form: SessionForm<NoFields>,
) -> Page {
    let id = id(&raw)?;
    let approve = match verdict.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(Error::NotFound.into()),
    };
    match kind.as_str() {
        "tags" => {
            trends::review_tag(&state, &staff.account, id, approve).await?;
        }
        "statuses" => {
            trends::review_status(&state, &staff.account, id, approve).await?;
        }
        "links" => {
            trends::review_link(&state, &staff.account, id, approve).await?;
        }
        _ => return Err(Error::NotFound.into()),
    }
    done(&format!("/admin/trends#{kind}"))
}
