//! The timelines a client can subscribe to, named and checked as Mastodon's streaming server
//! does.

/// A timeline a client can subscribe to, as Mastodon names them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Home feed and notifications.
    User,
    /// Notifications only.
    UserNotification,
    /// `public`, `public:local`, `public:remote`, each optionally `:media`.
    Public {
        local: bool,
        remote: bool,
        media: bool,
    },
    /// `hashtag` / `hashtag:local`; the tag is kept lower-cased.
    Hashtag { tag: String, local: bool },
    /// Direct conversations.
    Direct,
    /// One of the subscriber's lists (whether it is theirs is checked on subscribing).
    List { id: i64 },
}

/// Why a stream cannot be subscribed to, with the HTTP status Mastodon's streaming server
/// answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamError {
    Unknown,
    MissingTag,
    MissingList,
    /// The list id is not one: no list can be found.
    NoSuchList,
    NeedsUser,
    Scope,
}

impl StreamError {
    pub fn status(&self) -> u16 {
        match self {
            StreamError::Unknown | StreamError::MissingTag | StreamError::MissingList => 400,
            StreamError::NoSuchList => 404,
            StreamError::NeedsUser => 401,
            StreamError::Scope => 403,
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            StreamError::Unknown => "Unknown stream type",
            StreamError::MissingTag => "Missing tag name parameter",
            StreamError::MissingList => "Missing list name parameter",
            StreamError::NoSuchList => "Record not found",
            StreamError::NeedsUser => "Missing access token",
            StreamError::Scope => "Access token does not have the required scopes",
        }
    }
}

impl Stream {
    /// Parses Mastodon's stream name with its `tag` or `list` parameter.
    pub fn parse(name: &str, tag: Option<&str>, list: Option<&str>) -> Result<Stream, StreamError> {
        let tag = || {
            tag.map(|t| t.trim().trim_start_matches('#').to_lowercase())
                .filter(|t| !t.is_empty())
                .ok_or(StreamError::MissingTag)
        };
        Ok(match name {
            "user" => Stream::User,
            "user:notification" => Stream::UserNotification,
            "public"
            | "public:media"
            | "public:local"
            | "public:local:media"
            | "public:remote"
            | "public:remote:media" => Stream::Public {
                local: name.starts_with("public:local"),
                remote: name.starts_with("public:remote"),
                media: name.ends_with(":media"),
            },
            "hashtag" => Stream::Hashtag {
                tag: tag()?,
                local: false,
            },
            "hashtag:local" => Stream::Hashtag {
                tag: tag()?,
                local: true,
            },
            "direct" => Stream::Direct,
            "list" => match list.map(str::trim).filter(|l| !l.is_empty()) {
                None => return Err(StreamError::MissingList),
                Some(raw) => Stream::List {
                    id: raw
                        .parse::<i64>()
                        .ok()
                        .filter(|id| *id > 0)
                        .ok_or(StreamError::NoSuchList)?,
                },
            },
            _ => return Err(StreamError::Unknown),
        })
    }

    /// Whether the stream needs a signed-in person (public ones do not). A `list` stream
    /// without one is refused as not found: nobody's list is found.
    pub fn needs_user(&self) -> bool {
        matches!(
            self,
            Stream::User | Stream::UserNotification | Stream::Direct
        )
    }

    /// The scope (or a broader one) a token needs, as Mastodon checks: `read:notifications`
    /// for notifications only, `read:statuses` for the rest.
    pub fn scope(&self) -> &'static str {
        match self {
            Stream::UserNotification => "read:notifications",
            _ => "read:statuses",
        }
    }

    /// The `stream` array of a WebSocket message: `["hashtag", "rust"]`, `["user"]`.
    pub fn label(&self) -> Vec<String> {
        match self {
            Stream::User => vec!["user".into()],
            Stream::UserNotification => vec!["user:notification".into()],
            Stream::Public {
                local,
                remote,
                media,
            } => {
                let mut name = String::from("public");
                if *local {
                    name.push_str(":local");
                } else if *remote {
                    name.push_str(":remote");
                }
                if *media {
                    name.push_str(":media");
                }
                vec![name]
            }
            Stream::Hashtag { tag, local } => vec![
                if *local { "hashtag:local" } else { "hashtag" }.into(),
                tag.clone(),
            ],
            Stream::Direct => vec!["direct".into()],
            Stream::List { id } => vec!["list".into(), id.to_string()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names() {
        assert_eq!(Stream::parse("user", None, None), Ok(Stream::User));
        assert_eq!(
            Stream::parse("hashtag:local", Some("#Rust"), None),
            Ok(Stream::Hashtag {
                tag: "rust".into(),
                local: true
            })
        );
        assert_eq!(
            Stream::parse("hashtag", None, None),
            Err(StreamError::MissingTag)
        );
        assert_eq!(
            Stream::parse("list", Some("x"), Some("12")),
            Ok(Stream::List { id: 12 })
        );
        assert_eq!(
            Stream::parse("list", None, Some("twelve")),
            Err(StreamError::NoSuchList)
        );
        assert_eq!(
            Stream::parse("list", None, None),
            Err(StreamError::MissingList)
        );
        assert_eq!(
            Stream::List { id: 12 }.label(),
            vec!["list".to_string(), "12".to_string()]
        );
        assert_eq!(Stream::parse("nope", None, None), Err(StreamError::Unknown));
        let s = Stream::parse("public:remote:media", None, None).expect("parse");
        assert_eq!(s.label(), vec!["public:remote:media".to_string()]);
        assert_eq!(
            Stream::parse("hashtag", Some("Rust"), None)
                .expect("parse")
                .label(),
            vec!["hashtag".to_string(), "rust".to_string()]
        );
    }
}
