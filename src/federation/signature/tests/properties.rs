//! Properties of the `Signature` header parser, which reads whatever a stranger sends: any
//! input gives parameters or an error, never a panic; a header printed from known parameters
//! (in any of the forms senders use) parses back to them; and what [`sign_request`] prints
//! parses back and verifies.

use proptest::prelude::*;

use super::*;

/// Text shaped like a `Signature` header (its parameter names, quotes, escapes, separators and
/// values, with stray characters among them), so that cases get past the first byte.
fn header_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "keyId",
            "KeyID",
            "algorithm",
            "headers",
            "signature",
            "created",
            "expires",
            "=",
            "\"",
            "\\",
            ",",
            ", ",
            " ",
            "\t",
            "Signature ",
            "rsa-sha256",
            "hs2019",
            "(request-target) host date",
            "1709985600",
            ".",
        ])
        .prop_map(str::to_owned),
        "[A-Za-z0-9+/=]{0,16}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// Parameters as a sender means them, before printing.
#[derive(Clone, Debug)]
struct Meant {
    key_id: String,
    algorithm: Algorithm,
    headers: Vec<String>,
    signature: Vec<u8>,
    created: Option<String>,
    expires: Option<String>,
}

fn meant() -> impl Strategy<Value = Meant> {
    // Any text a quoted value may hold: control characters other than tab are refused there.
    let key_id = "[\t -~\u{a0}-\u{17f}\u{4e00}-\u{4e20}]{1,60}";
    let name = prop_oneof![
        prop::sample::select(vec![
            "(request-target)",
            "(created)",
            "(expires)",
            "host",
            "date",
            "digest",
            "content-type",
        ])
        .prop_map(str::to_owned),
        "[a-z0-9!#$%&'*+.^_`|~-]{1,12}",
    ];
    (
        key_id,
        prop::bool::ANY,
        prop::collection::vec(name, 1..8),
        prop::collection::vec(any::<u8>(), 1..300),
        prop::option::of("[0-9]{1,12}"),
        prop::option::of(("[0-9]{1,12}", prop::option::of("[0-9]{1,6}"))),
    )
        .prop_map(
            |(key_id, rsa, headers, signature, created, expires)| Meant {
                key_id,
                algorithm: if rsa {
                    Algorithm::RsaSha256
                } else {
                    Algorithm::Hs2019
                },
                headers,
                signature,
                created,
                expires: expires.map(|(whole, fraction)| match fraction {
                    Some(f) => format!("{whole}.{f}"),
                    None => whole,
                }),
            },
        )
}

/// How a sender happens to write a header: parameter order, name case, spacing, padding,
/// quoting of token values, the old `Signature ` prefix, and leaving out `algorithm="hs2019"`.
#[derive(Clone, Debug)]
struct Style {
    order: Vec<usize>,
    upper_names: Vec<bool>,
    spaces: Vec<(&'static str, &'static str)>,
    header_separator: &'static str,
    padded: bool,
    quote_tokens: bool,
    prefix: bool,
    omit_hs2019: bool,
    upper_header_names: bool,
}

fn style() -> impl Strategy<Value = Style> {
    let ows = prop::sample::select(vec!["", " ", "\t", "  "]);
    (
        Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
        prop::collection::vec(prop::bool::ANY, 6),
        prop::collection::vec((ows.clone(), ows), 6),
        prop::sample::select(vec![" ", "  ", "\t", " \t "]),
        (prop::bool::ANY, prop::bool::ANY, prop::bool::ANY),
        (prop::bool::ANY, prop::bool::ANY),
    )
        .prop_map(
            |(
                order,
                upper_names,
                spaces,
                header_separator,
                (padded, quote_tokens, prefix),
                (omit_hs2019, upper_header_names),
            )| Style {
                order,
                upper_names,
                spaces,
                header_separator,
                padded,
                quote_tokens,
                prefix,
                omit_hs2019,
                upper_header_names,
            },
        )
}

/// Prints `meant` in `style`, as some sender would.
fn print(meant: &Meant, style: &Style) -> String {
    let signature = if style.padded {
        STANDARD.encode(&meant.signature)
    } else {
        STANDARD
            .encode(&meant.signature)
            .trim_end_matches('=')
            .to_owned()
    };
    let headers = meant
        .headers
        .iter()
        .map(|h| {
            if style.upper_header_names {
                h.to_ascii_uppercase()
            } else {
                h.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(style.header_separator);
    let algorithm = match meant.algorithm {
        Algorithm::RsaSha256 => Some("rsa-sha256"),
        Algorithm::Hs2019 if style.omit_hs2019 => None,
        Algorithm::Hs2019 => Some("hs2019"),
    };
    let token = |value: &str| {
        if style.quote_tokens {
            format!("\"{value}\"")
        } else {
            value.to_owned()
        }
    };
    // (name, printed value) per parameter, in a fixed order the style then shuffles.
    let params: [Option<(&str, String)>; 6] = [
        Some(("keyId", format!("\"{}\"", escape_quoted(&meant.key_id)))),
        algorithm.map(|a| ("algorithm", token(a))),
        Some(("headers", format!("\"{headers}\""))),
        Some(("signature", format!("\"{signature}\""))),
        meant.created.as_deref().map(|c| ("created", token(c))),
        meant.expires.as_deref().map(|e| ("expires", token(e))),
    ];
    let printed = style
        .order
        .iter()
        .filter_map(|&i| {
            let (name, value) = params[i].as_ref()?;
            let name = if style.upper_names[i] {
                name.to_ascii_uppercase()
            } else {
                (*name).to_owned()
            };
            let (before, after) = style.spaces[i];
            Some(format!("{name}{before}={after}{value}"))
        })
        .collect::<Vec<_>>();
    let mut out = printed.join(", ");
    if style.prefix {
        out.insert_str(0, "Signature ");
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_parses_or_is_refused(text in any::<String>()) {
        let _ = parse_signature_header(&text);
    }

    #[test]
    fn header_like_text_parses_to_well_formed_parameters_or_is_refused(text in header_like()) {
        if let Ok(params) = parse_signature_header(&text) {
            prop_assert!(!params.key_id().is_empty());
            prop_assert!(!params.headers().is_empty());
            prop_assert!(params
                .headers()
                .iter()
                .all(|h| !h.is_empty() && *h == h.to_ascii_lowercase()));
            prop_assert!(!params.signature().is_empty());
            prop_assert!(params
                .created()
                .is_none_or(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit())));
        }
    }

    #[test]
    fn printed_parameters_parse_back(meant in meant(), style in style()) {
        let printed = print(&meant, &style);
        let params = parse_signature_header(&printed);
        prop_assert!(params.is_ok(), "{printed:?}: {params:?}");
        let params = params.expect("checked above");
        prop_assert_eq!(params.key_id(), meant.key_id.as_str());
        prop_assert_eq!(params.algorithm(), meant.algorithm);
        prop_assert_eq!(params.headers(), meant.headers.as_slice());
        prop_assert_eq!(params.signature(), meant.signature.as_slice());
        prop_assert_eq!(params.created(), meant.created.as_deref());
        prop_assert_eq!(params.expires(), meant.expires.as_deref());
    }
}

proptest! {
    // Each case signs with RSA: fewer of them.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn what_the_signer_prints_parses_back_and_verifies(
        key_id in "[ -~\u{a0}-\u{17f}]{1,60}",
        path in "/[A-Za-z0-9/_.~-]{0,40}",
        host in "[a-z0-9.-]{1,20}(:[0-9]{1,5})?",
        body in prop::option::of(prop::collection::vec(any::<u8>(), 0..200)),
    ) {
        let content_type = body.as_ref().map(|_| CONTENT_TYPE);
        let method = if body.is_some() { "POST" } else { "GET" };
        let signed = sign_request(
            &key_a(),
            &key_id,
            method,
            &path,
            &host,
            DATE,
            body.as_deref(),
            content_type,
        );
        let params = parse_signature_header(&signed.signature);
        prop_assert!(params.is_ok(), "{:?}: {params:?}", signed.signature);
        let params = params.expect("checked above");
        prop_assert_eq!(params.key_id(), key_id.as_str());
        prop_assert_eq!(params.algorithm(), Algorithm::RsaSha256);
        let mut names = vec!["(request-target)", "host", "date"];
        if body.is_some() {
            names.extend(["digest", "content-type"]);
        }
        prop_assert_eq!(params.headers(), names.as_slice());

        let mut headers = HeaderMap::new();
        let mut set = |name: &str, value: &str| {
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
                HeaderValue::from_str(value).expect("a header value"),
            );
        };
        set("host", &host);
        if let Some(ct) = content_type {
            set("content-type", ct);
        }
        // The Signature header itself is not read back: the parsed parameters stand for it.
        for (name, value) in signed.pairs().filter(|(name, _)| *name != "signature") {
            set(name, value);
        }
        let verified = verify_request(
            &params,
            method,
            &path,
            None,
            &headers,
            body.as_deref(),
            &public_a(),
            now(),
        );
        prop_assert_eq!(verified, Ok(()));
    }
}
