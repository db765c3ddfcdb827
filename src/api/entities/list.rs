//! Mastodon's `List`.

use serde::Serialize;

use crate::model;

/// A list as clients receive it.
#[derive(Serialize, Debug)]
pub struct List {
    pub id: String,
    pub title: String,
    pub replies_policy: &'static str,
    pub exclusive: bool,
}

impl List {
    pub fn render(list: &model::List) -> List {
        List {
            id: list.id.to_string(),
            title: list.title.clone(),
            replies_policy: list.replies_policy.as_str(),
            exclusive: list.exclusive,
        }
    }

    pub fn render_all(lists: &[model::List]) -> Vec<List> {
        lists.iter().map(List::render).collect()
    }
}
