//! Mastodon's `/api/v1/…`: one module per URL prefix (a folder where the prefix has actions
//! of its own), each with its `routes()`, merged here.

pub mod accounts;
pub mod admin;
pub mod announcements;
pub mod apps;
pub mod blocks;
pub mod bookmarks;
pub mod conversations;
pub mod custom_emojis;
pub mod directory;
pub mod domain_blocks;
pub mod endorsements;
pub mod exports;
pub mod favourites;
pub mod featured_tags;
pub mod filters;
pub mod follow_requests;
pub mod followed_tags;
pub mod import;
pub mod instance;
pub mod lists;
pub mod markers;
pub mod media;
pub mod mutes;
pub mod notifications;
pub mod polls;
pub mod preferences;
pub mod profile;
pub mod push;
pub mod reports;
pub mod scheduled_statuses;
pub mod settings;
pub mod statuses;
pub mod streaming;
pub mod suggestions;
pub mod tags;
pub mod timelines;
pub mod trends;

use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(accounts::routes())
        .merge(admin::routes())
        .merge(announcements::routes())
        .merge(apps::routes())
        .merge(blocks::routes())
        .merge(bookmarks::routes())
        .merge(conversations::routes())
        .merge(custom_emojis::routes())
        .merge(directory::routes())
        .merge(domain_blocks::routes())
        .merge(endorsements::routes())
        .merge(exports::routes())
        .merge(favourites::routes())
        .merge(featured_tags::routes())
        .merge(filters::routes())
        .merge(follow_requests::routes())
        .merge(followed_tags::routes())
        .merge(import::routes())
        .merge(instance::routes())
        .merge(lists::routes())
        .merge(markers::routes())
        .merge(media::routes())
        .merge(mutes::routes())
        .merge(notifications::routes())
        .merge(polls::routes())
        .merge(preferences::routes())
        .merge(profile::routes())
        .merge(push::routes())
        .merge(reports::routes())
        .merge(scheduled_statuses::routes())
        .merge(settings::routes())
        .merge(statuses::routes())
        .merge(streaming::routes())
        .merge(suggestions::routes())
        .merge(tags::routes())
        .merge(timelines::routes())
        .merge(trends::routes())
}
