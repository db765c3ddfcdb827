//! Remote HTML, cut down to what Mastodon lets through: paragraphs, line breaks, links (made
//! safe: `rel="nofollow noopener noreferrer"`, http(s) and a few other schemes only), spans
//! with the classes Mastodon uses for mentions and hashtags, and simple formatting. Scripts,
//! styles, images, iframes, event handlers and unknown attributes are dropped.

use std::collections::HashSet;
use std::sync::OnceLock;

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.add_tags([
            "p",
            "br",
            "span",
            "a",
            "del",
            "pre",
            "code",
            "em",
            "strong",
            "b",
            "i",
            "u",
            "ul",
            "ol",
            "li",
            "blockquote",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "sub",
            "sup",
        ])
        .add_tag_attributes("a", ["href", "translate"])
        .add_tag_attributes("span", ["translate"])
        .add_tag_attributes("ol", ["start", "reversed"])
        .add_tag_attributes("li", ["value"])
        .url_schemes(HashSet::from([
            "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet",
            "gemini",
        ]))
        .link_rel(Some("nofollow noopener noreferrer"))
        .allowed_classes(std::collections::HashMap::from([
            (
                "a",
                HashSet::from([
                    "h-card",
                    "u-url",
                    "mention",
                    "hashtag",
                    "invisible",
                    "ellipsis",
                ]),
            ),
            ("span", HashSet::from(["h-card", "invisible", "ellipsis"])),
        ]))
        .strip_comments(true);
        b
    })
}

/// Remote HTML made safe to store and show.
pub fn sanitize(html: &str) -> String {
    cleaner().clean(html).to_string()
}

/// Text for fields that must not carry markup at all (names, display names).
pub fn strip_all(text: &str) -> String {
    ammonia::Builder::empty().clean(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_html_is_cleaned() {
        let out = sanitize("<p onclick=\"x()\">hi<script>alert(1)</script><img src=x onerror=y><a href=\"javascript:alert(1)\">j</a><a href=\"https://ok.example\" class=\"mention evil\">ok</a></p>");
        assert!(
            !out.contains("script")
                && !out.contains("onclick")
                && !out.contains("img")
                && !out.contains("javascript"),
            "{out}"
        );
        assert!(out.contains("href=\"https://ok.example\""), "{out}");
        assert!(
            out.contains("rel=\"nofollow noopener noreferrer\""),
            "{out}"
        );
        assert!(out.contains("class=\"mention\""), "{out}");
        assert_eq!(strip_all("<b>Bob</b> &amp; co"), "Bob &amp; co");
    }
}
