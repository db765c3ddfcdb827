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
        // A relative link (`/oauth/authorize?…`, `//evil.example/`) would resolve against
        // whichever server shows it, this one included: only absolute links are kept, as on
        // Mastodon, whose sanitizer drops them too.
        .url_relative(ammonia::UrlRelative::Deny)
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
            // Mastodon 4.5's `RE:` fallback of a quote, which clients showing the quote hide.
            ("p", HashSet::from(["quote-inline"])),
        ]))
        .strip_comments(true);
        b
    })
}

/// Remote HTML made safe to store and show.
pub fn sanitize(html: &str) -> String {
    cleaner().clean(html).to_string()
}

/// The embed HTML of an oEmbed answer reduced to what Mastodon lets through: one `<iframe>`
/// with an http(s) `src`, rebuilt here from its size and a few presentational attributes, so
/// nothing else of the provider's markup (scripts above all) survives. `None` without one.
pub fn oembed_iframe(html: &str) -> Option<String> {
    let fragment = scraper::Html::parse_fragment(html);
    let iframe = fragment
        .root_element()
        .descendent_elements()
        .find(|e| e.value().name() == "iframe")?;
    let e = iframe.value();
    let src = super::page::web_url(e.attr("src")?, None)?;
    let mut out = format!("<iframe src=\"{}\"", super::escape(src.as_str()));
    for name in ["width", "height"] {
        if let Some(v) = e
            .attr(name)
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 5 && v.chars().all(|c| c.is_ascii_digit()))
        {
            out.push_str(&format!(" {name}=\"{v}\""));
        }
    }
    out.push_str(" frameborder=\"0\"");
    if e.attr("allowfullscreen").is_some() {
        out.push_str(" allowfullscreen=\"true\"");
    }
    out.push_str("></iframe>");
    Some(out)
}

/// The plain text of what a peer sends as a name (of an actor, a profile field, a poll option,
/// an attachment), a content warning or an oEmbed title, for what clients treat as plain
/// text. Peers are not trusted to send no markup there, and some clients render names as
/// HTML, so tags are dropped (`script` and `style` with their content), and character
/// references decoded: a `<` that starts no tag, and an `&`, stay as typed. Whoever shows it in
/// HTML escapes it, as for any plain text.
pub fn plain_text(html: &str) -> String {
    let escaped = ammonia::Builder::empty().clean(html).to_string();
    // The serialiser writes text with exactly these four references; `&amp;` goes last so an
    // escaped reference (`&amp;lt;`) comes back as the text `&lt;`.
    escaped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// HTML (a status's content, a bio) as the text it was written as: paragraphs and line breaks
/// as newlines, everything else as [`plain_text`], trimmed.
pub fn text_with_breaks(html: &str) -> String {
    let spaced = html
        .replace("</p><p>", "\n\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n");
    plain_text(&spaced).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oembed_html_keeps_one_iframe_only() {
        let html = "<div><script>alert(1)</script><iframe src=\"https://video.example/embed/1\" width=\"640\" height=\"360\" onload=\"x()\" style=\"a\" allowfullscreen></iframe><img src=x></div>";
        assert_eq!(
            oembed_iframe(html).as_deref(),
            Some("<iframe src=\"https://video.example/embed/1\" width=\"640\" height=\"360\" frameborder=\"0\" allowfullscreen=\"true\"></iframe>")
        );
        assert_eq!(
            oembed_iframe("<iframe src=\"javascript:alert(1)\"></iframe>"),
            None
        );
        assert_eq!(
            oembed_iframe("<script src=\"https://x.example/a.js\"></script>"),
            None
        );
        let odd =
            oembed_iframe("<iframe src=\"https://v.example/\\\"><x>\" width=\"100%\"></iframe>")
                .expect("iframe");
        assert!(!odd.contains("<x>") && !odd.contains("100%"), "{odd}");
    }

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
        assert_eq!(plain_text("<b>Bob</b> &amp; co"), "Bob & co");
        assert_eq!(plain_text("a &amp;lt; b &lt;i&gt;"), "a &lt; b <i>");
        assert_eq!(plain_text("Tom & Jerry<script>x()</script>"), "Tom & Jerry");
        assert_eq!(plain_text("&#x1F426;&nbsp;bird"), "\u{1F426}\u{a0}bird");
        assert_eq!(
            text_with_breaks("<p>one &amp; <b>two</b></p><p>three<br>four</p>"),
            "one & two\n\nthree\nfour"
        );
    }

    #[test]
    fn relative_links_are_dropped() {
        for href in [
            "/oauth/authorize?client_id=x",
            "//evil.example/phish",
            "../settings",
            "?q=1",
            "#top",
            "jav&#x09;ascript:alert(1)",
            " javascript:alert(1)",
        ] {
            let out = sanitize(&format!("<p><a href=\"{href}\">x</a></p>"));
            assert!(!out.contains("href"), "{href} survived: {out}");
            assert!(out.contains(">x</a>"), "{out}");
        }
    }

    #[test]
    fn deep_nesting_does_not_exhaust_the_stack() {
        // A remote post of the largest accepted size, nested as deeply as it can be.
        let depth = 200_000;
        let html = format!("{}x{}", "<b>".repeat(depth), "</b>".repeat(depth));
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || sanitize(&html).len())
            .expect("thread");
        assert!(handle.join().is_ok_and(|len| len > 0));
    }

    /// The attributes of all tags in serialised HTML, names lower-cased, values unescaped as
    /// far as `&amp;` (text is escaped there, so every `<` opens a tag).
    fn attributes(html: &str) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for tag in html.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            let mut quote = None;
            let (mut name, mut value) = (String::new(), String::new());
            let mut in_name = false;
            for c in tag.chars() {
                match quote {
                    Some(q) if c == q => {
                        quote = None;
                        found.push((std::mem::take(&mut name), value.replace("&amp;", "&")));
                        value.clear();
                    }
                    Some(_) => value.push(c),
                    None if c == '"' || c == '\'' => quote = Some(c),
                    None if c.is_whitespace() => in_name = true,
                    None if c == '=' => in_name = false,
                    None if in_name => name.push(c.to_ascii_lowercase()),
                    None => {}
                }
            }
        }
        found
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_config(512))]

        /// Markup assembled from the pieces attacks are made of.
        #[test]
        fn cleaned_html_is_safe_and_stable(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "<p>", "</p>", "<a href=\"", "\">", "</a>", "javascript:", "JaVaScRiPt:",
                "java\tscript:", "//evil.example/", "/oauth/authorize", "https://ok.example/",
                "data:text/html,", "<script>", "</script>", "<img src=x onerror=alert(1)>",
                " onclick=\"x()\"", "<span class=\"h-card evil\">", "</span>", "&#106;",
                "<b>", "<svg><a href=\"", "<!--", "-->", "<style>", "x", " ", "\"", "'", "<",
                ">", "<br>", "<iframe src=\"https://e/\">",
            ]), 0..40),
        ) {
            let html: String = parts.concat();
            let once = sanitize(&html);
            let lower = once.to_ascii_lowercase();
            proptest::prop_assert!(!lower.contains("<script"), "{}", once);
            proptest::prop_assert!(!lower.contains("<iframe"), "{}", once);
            for (name, value) in attributes(&once) {
                proptest::prop_assert!(
                    ["href", "rel", "class", "translate", "start", "reversed", "value"]
                        .contains(&name.as_str()),
                    "attribute {} in {}", name, once
                );
                // Browsers, like the url crate, strip the spaces around a URL.
                let value = value.trim().to_ascii_lowercase();
                proptest::prop_assert!(
                    name != "href" || value.starts_with("http://") || value.starts_with("https://"),
                    "href {} in {}", value, once
                );
            }
            proptest::prop_assert_eq!(sanitize(&once), once.clone());
        }

        /// Any text at all: an answer, never a panic.
        #[test]
        fn any_text_is_cleaned(text in ".{0,400}") {
            let _ = sanitize(&text);
            let _ = plain_text(&text);
        }
    }
}
