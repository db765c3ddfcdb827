//! Text that people write, turned into the HTML that clients and peers receive.
//!
//! Local text is never trusted as HTML: it is escaped, then paragraphs, line breaks and links
//! are added. (Mentions and hashtags join in with statuses.)

pub mod page;
pub mod sanitize;
pub mod status;

use linkify::{LinkFinder, LinkKind};

/// Displayed characters of a link before it is shortened with an ellipsis, as Mastodon does.
const LINK_DISPLAY_CHARS: usize = 30;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Plain text to HTML: `<p>` per paragraph (blank-line separated), `<br>` per line break,
/// http(s) URLs as links. Empty text gives an empty string.
pub fn render_plain(text: &str) -> String {
    let normalized = text.replace("\r\n", "\n");
    let trimmed = normalized.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    trimmed
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|paragraph| {
            let lines: Vec<String> = paragraph.lines().map(linkify_line).collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect()
}

/// One line, escaped, with its URLs made links.
pub fn linkify_line(line: &str) -> String {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    let mut out = String::new();
    for span in finder.spans(line) {
        match span.kind() {
            Some(LinkKind::Url) if is_web_url(span.as_str()) => out.push_str(&link(span.as_str())),
            _ => out.push_str(&escape(span.as_str())),
        }
    }
    out
}

fn is_web_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A link shown as Mastodon shows one: the scheme hidden, long remainders cut with an ellipsis.
pub fn link(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (prefix, rest) = match rest.strip_prefix("www.") {
        Some(r) => ("www.", r),
        None => ("", rest),
    };
    let (visible, hidden, ellipsis) = if rest.chars().count() > LINK_DISPLAY_CHARS {
        let cut: usize = rest
            .char_indices()
            .nth(LINK_DISPLAY_CHARS)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        (&rest[..cut], &rest[cut..], " ellipsis")
    } else {
        (rest, "", "")
    };
    format!(
        "<a href=\"{href}\" target=\"_blank\" rel=\"nofollow noopener noreferrer\">\
         <span class=\"invisible\">{scheme}://{prefix}</span>\
         <span class=\"{ellipsis_class}\">{visible}</span>\
         <span class=\"invisible\">{hidden}</span></a>",
        href = escape(url),
        scheme = escape(scheme),
        prefix = escape(prefix),
        ellipsis_class = ellipsis.trim(),
        visible = escape(visible),
        hidden = escape(hidden),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_paragraphs() {
        assert_eq!(render_plain(""), "");
        assert_eq!(render_plain("<b>hi</b>"), "<p>&lt;b&gt;hi&lt;/b&gt;</p>");
        assert_eq!(render_plain("a\nb\n\nc"), "<p>a<br>b</p><p>c</p>");
    }

    #[test]
    fn links() {
        let html = render_plain("see https://example.com/x?a=1&b=2 now");
        assert!(html.contains("href=\"https://example.com/x?a=1&amp;b=2\""));
        assert!(html.contains("rel=\"nofollow noopener noreferrer\""));
        let long = render_plain("https://example.com/a/very/long/path/that/goes/on/and/on");
        assert!(long.contains("class=\"ellipsis\""));
        assert!(!render_plain("javascript:alert(1)").contains("<a"));
    }
}
