//! Status text: what it mentions and tags, how long it counts, and its HTML.
//!
//! Rendering is two steps because mentions must be resolved to accounts in between: `scan`
//! finds the candidates, the caller resolves them, `render` links the resolved ones (an
//! unknown `@name` stays plain text, as on Mastodon).

use linkify::{LinkFinder, LinkKind};

use super::{escape, link};

/// URLs count as this many characters, whatever their length.
pub const URL_WEIGHT: usize = 23;

/// One piece of a status text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    Text(&'a str),
    Url(&'a str),
    /// `@user` or `@user@domain`, without the `@`s.
    Mention {
        raw: &'a str,
        username: &'a str,
        domain: Option<&'a str>,
    },
    Hashtag {
        raw: &'a str,
        name: &'a str,
    },
}

/// A mention as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MentionRef {
    pub username: String,
    pub domain: Option<String>,
}

/// A mention resolved to an account.
#[derive(Debug, Clone)]
pub struct ResolvedMention {
    pub username: String,
    pub domain: Option<String>,
    pub url: String,
    pub account_id: i64,
}

/// The HTML of a status and what it tags.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub html: String,
    pub tags: Vec<String>,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits text into tokens: links first, then mentions and hashtags in the text between.
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    let mut out = Vec::new();
    for span in finder.spans(text) {
        match span.kind() {
            Some(LinkKind::Url) if is_web_url(span.as_str()) => out.push(Token::Url(span.as_str())),
            _ => scan_words(span.as_str(), &mut out),
        }
    }
    out
}

fn is_web_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn scan_words<'a>(text: &'a str, out: &mut Vec<Token<'a>>) {
    let mut plain_start = 0;
    let mut prev: Option<char> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let boundary =
            prev.is_none_or(|p| !is_word(p) && p != '@' && p != '#' && p != '/' && p != '&');
        if boundary && (c == '@' || c == '#') {
            let rest = &text[i + 1..];
            let token = if c == '@' {
                mention_at(rest)
            } else {
                hashtag_at(rest)
            };
            if let Some((len, token)) = token {
                if plain_start < i {
                    out.push(Token::Text(&text[plain_start..i]));
                }
                let end = i + 1 + len;
                out.push(match token {
                    Token::Mention {
                        username, domain, ..
                    } => Token::Mention {
                        raw: &text[i..end],
                        username,
                        domain,
                    },
                    Token::Hashtag { name, .. } => Token::Hashtag {
                        raw: &text[i..end],
                        name,
                    },
                    other => other,
                });
                plain_start = end;
                while let Some(&(j, _)) = iter.peek() {
                    if j < end {
                        iter.next();
                    } else {
                        break;
                    }
                }
                prev = text[..end].chars().next_back();
                continue;
            }
        }
        prev = Some(c);
    }
    if plain_start < text.len() {
        out.push(Token::Text(&text[plain_start..]));
    }
}

/// `user` or `user@domain[:port]` at the start of `rest`: (bytes used, token).
fn mention_at(rest: &str) -> Option<(usize, Token<'_>)> {
    let user_len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    if user_len == 0 {
        return None;
    }
    let username = &rest[..user_len];
    let after = &rest[user_len..];
    if let Some(domain_part) = after.strip_prefix('@') {
        let mut len = domain_part
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':')))
            .map(|(i, _)| i)
            .unwrap_or(domain_part.len());
        // A sentence may end right after the domain.
        while len > 0 && matches!(domain_part.as_bytes()[len - 1], b'.' | b':' | b'-') {
            len -= 1;
        }
        let domain = &domain_part[..len];
        if domain.contains('.') || domain.contains(':') || domain == "localhost" {
            return Some((
                user_len + 1 + len,
                Token::Mention {
                    raw: "",
                    username,
                    domain: Some(domain),
                },
            ));
        }
    }
    Some((
        user_len,
        Token::Mention {
            raw: "",
            username,
            domain: None,
        },
    ))
}

/// A hashtag name at the start of `rest`: letters, digits and underscores, not only digits.
fn hashtag_at(rest: &str) -> Option<(usize, Token<'_>)> {
    let len = rest
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let name = &rest[..len];
    if name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((len, Token::Hashtag { raw: "", name }))
}

/// The mentions a text makes, each once, in order.
pub fn mentions(text: &str) -> Vec<MentionRef> {
    let mut out: Vec<MentionRef> = Vec::new();
    for token in tokenize(text) {
        if let Token::Mention {
            username, domain, ..
        } = token
        {
            let m = MentionRef {
                username: username.to_string(),
                domain: domain.map(str::to_string),
            };
            if !out.iter().any(|o| {
                o.username.eq_ignore_ascii_case(&m.username)
                    && o.domain.as_deref().map(str::to_ascii_lowercase)
                        == m.domain.as_deref().map(str::to_ascii_lowercase)
            }) {
                out.push(m);
            }
        }
    }
    out
}

/// Length as Mastodon counts it: a URL is 23 characters, `@user@domain` counts as `@user`.
pub fn count_characters(text: &str) -> usize {
    tokenize(text)
        .iter()
        .map(|t| match t {
            Token::Text(s) => s.chars().count(),
            Token::Url(_) => URL_WEIGHT,
            Token::Mention { username, .. } => 1 + username.chars().count(),
            Token::Hashtag { raw, .. } => raw.chars().count(),
        })
        .sum()
}

/// The HTML of a status: paragraphs, line breaks, links, linked mentions (those in
/// `resolved`) and hashtags. Returns the distinct tags too.
pub fn render(text: &str, resolved: &[ResolvedMention], base_url: &str) -> Rendered {
    let mut tags: Vec<String> = Vec::new();
    let normalized = text.replace("\r\n", "\n");
    let paragraphs: Vec<String> = normalized
        .trim()
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p
                .lines()
                .map(|line| render_line(line, resolved, base_url, &mut tags))
                .collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect();
    Rendered {
        html: paragraphs.concat(),
        tags,
    }
}

fn render_line(
    line: &str,
    resolved: &[ResolvedMention],
    base_url: &str,
    tags: &mut Vec<String>,
) -> String {
    let mut out = String::new();
    for token in tokenize(line) {
        match token {
            Token::Text(s) => out.push_str(&escape(s)),
            Token::Url(u) => out.push_str(&link(u)),
            Token::Mention {
                raw,
                username,
                domain,
            } => {
                let found = resolved.iter().find(|r| {
                    r.username.eq_ignore_ascii_case(username)
                        && match domain {
                            None => true,
                            Some(d) => r
                                .domain
                                .as_deref()
                                .is_some_and(|rd| rd.eq_ignore_ascii_case(d)),
                        }
                });
                match found {
                    Some(r) => out.push_str(&format!(
                        "<span class=\"h-card\" translate=\"no\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                        escape(&r.url),
                        escape(&r.username)
                    )),
                    None => out.push_str(&escape(raw)),
                }
            }
            Token::Hashtag { name, .. } => {
                if !tags.iter().any(|t| t.to_lowercase() == name.to_lowercase()) {
                    tags.push(name.to_string());
                }
                let encoded: String =
                    url::form_urlencoded::byte_serialize(name.to_lowercase().as_bytes()).collect();
                out.push_str(&format!(
                    "<a href=\"{base_url}/tags/{encoded}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                    escape(name)
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_mentions_and_tags() {
        let m = mentions("hi @alice and @Bob@remote.example, @alice again; mail a@b.c #x");
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].domain.as_deref(), Some("remote.example"));
        let m = mentions("@carol@127.0.0.1:8080 hello");
        assert_eq!(m[0].domain.as_deref(), Some("127.0.0.1:8080"));
        let r = render("#Rust and #rust, #日本語 #123 x#no", &[], "https://h");
        assert_eq!(r.tags, vec!["Rust".to_string(), "日本語".to_string()]);
        assert!(r.html.contains("href=\"https://h/tags/rust\""));
        assert!(!r.html.contains("/tags/123"));
    }

    #[test]
    fn counts_like_mastodon() {
        assert_eq!(count_characters("hello"), 5);
        let url = format!("https://example.com/{}", "a".repeat(100));
        assert_eq!(count_characters(&format!("see {url}")), 4 + URL_WEIGHT);
        assert_eq!(count_characters("@bob@remote.example hi"), "@bob hi".len());
        assert_eq!(count_characters("héllo"), 5);
    }

    #[test]
    fn renders_resolved_mentions_only() {
        let resolved = vec![ResolvedMention {
            username: "alice".into(),
            domain: None,
            url: "https://h/@alice".into(),
            account_id: 1,
        }];
        let html = render("@alice @nobody <b>", &resolved, "https://h").html;
        assert!(html.contains("class=\"u-url mention\""));
        assert!(html.contains("@nobody"));
        assert!(html.contains("&lt;b&gt;"));
        assert_eq!(html.matches("<a ").count(), 1);
    }
}
