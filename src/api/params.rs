//! Request parameters as Mastodon clients send them: a JSON body, a form body
//! (`application/x-www-form-urlencoded` or `multipart/form-data`), the query string, or a mix
//! of them, with Rails-style bracket keys (`source[privacy]=public`, `id[]=1&id[]=2`,
//! `fields_attributes[0][name]=x`). Everything is gathered into one JSON object and then
//! deserialised, so a handler declares one struct and gets any of these forms.
//!
//! Type errors become a 422 that names the field; unknown parameters are ignored.
//!
//! The bracket keys are parsed here rather than by `serde_qs` because clients rely on Rails'
//! grouping of `a[][k]=1&a[][j]=2` into one hash, which `serde_qs` does not do. Nesting and
//! the number of parameters are bounded ([`MAX_DEPTH`], [`MAX_PARAMS`]) as Rack bounds them:
//! a key of unbounded depth would build a value whose deserialisation and drop recurse past
//! the stack. JSON bodies are bounded by `serde_json`'s own recursion limit.

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::Error;

/// The deepest nesting a bracket key may have: `a[b][c]` has three levels.
pub const MAX_DEPTH: usize = 8;

/// The most parameters (query string, form fields and multipart parts together) one
/// request may carry.
pub const MAX_PARAMS: usize = 1000;

/// Parameters from the query string and the body together (body wins on conflicts).
pub struct Params<T>(pub T);

/// Parameters from the query string alone (GET requests).
pub struct Query<T>(pub T);

/// A file part of a multipart body.
#[derive(Debug)]
pub struct Upload {
    pub field: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Bytes,
}

/// Parameters and any uploaded files.
pub struct ParamsWithFiles<T> {
    pub params: T,
    pub files: Vec<Upload>,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        let mut form = Form::default();
        form.merge(parts.uri.query().unwrap_or("").as_bytes())?;
        Ok(Query(deserialize(Value::Object(form.object))?))
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Params<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let with_files = ParamsWithFiles::<T>::from_request(req, state).await?;
        Ok(Params(with_files.params))
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ParamsWithFiles<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let mut form = Form::default();
        form.merge(req.uri().query().unwrap_or("").as_bytes())?;
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut files = Vec::new();
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(req, state).await.map_err(|e| {
                Error::bad_request(format!("Malformed multipart body: {}", e.body_text()))
            })?;
            loop {
                let field = match multipart.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => return Err(multipart_error(e)),
                };
                let name = field.name().unwrap_or("").to_string();
                let file_name = field.file_name().map(str::to_string);
                let part_type = field.content_type().map(str::to_string);
                let data = field.bytes().await.map_err(multipart_error)?;
                if file_name.is_some() {
                    files.push(Upload {
                        field: name,
                        file_name,
                        content_type: part_type,
                        data,
                    });
                } else {
                    let text = String::from_utf8(data.to_vec()).map_err(|_| {
                        Error::bad_request(format!("Parameter {name} is not UTF-8"))
                    })?;
                    form.insert(&name, Value::String(text))?;
                }
            }
        } else {
            let body = Bytes::from_request(req, state)
                .await
                .map_err(|e| match e.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => {
                        Error::PayloadTooLarge("Request body is too large".into())
                    }
                    _ => Error::bad_request(e.body_text()),
                })?;
            let trimmed = body.iter().position(|b| !b.is_ascii_whitespace());
            if trimmed.is_some() {
                let is_json = content_type.starts_with("application/json")
                    || content_type.contains("+json")
                    || (content_type.is_empty() && body.get(trimmed.unwrap_or(0)) == Some(&b'{'));
                if is_json {
                    match serde_json::from_slice::<Value>(&body) {
                        Ok(Value::Object(map)) => form.object.extend(map),
                        Ok(_) => {
                            return Err(Error::bad_request(
                                "The request body must be a JSON object",
                            ))
                        }
                        Err(e) => return Err(Error::bad_request(format!("Malformed JSON: {e}"))),
                    }
                } else if content_type.is_empty()
                    || content_type.starts_with("application/x-www-form-urlencoded")
                {
                    form.merge(&body)?;
                } else {
                    return Err(Error::UnsupportedMediaType(format!(
                        "Unsupported content type {content_type:?}: send JSON, a form, or multipart"
                    )));
                }
            }
        }
        Ok(ParamsWithFiles {
            params: deserialize(Value::Object(form.object))?,
            files,
        })
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge("Request body is too large".into())
    } else {
        Error::bad_request(format!("Malformed multipart body: {}", e.body_text()))
    }
}

/// Deserialises the gathered parameters; a type error names the parameter.
pub fn deserialize<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let field = if path.is_empty() || path == "." {
            "params".to_string()
        } else {
            path
        };
        let mut v = crate::error::Validation::default();
        v.add(&field, "ERR_INVALID", format!("is invalid: {inner}"));
        v.into_error()
    })
}

/// Parameters gathered so far, with the count that [`MAX_PARAMS`] bounds.
#[derive(Default)]
struct Form {
    object: Map<String, Value>,
    count: usize,
}

impl Form {
    /// Adds `a=1&b[c]=2&d[]=3`.
    fn merge(&mut self, raw: &[u8]) -> Result<(), Error> {
        for (key, value) in url::form_urlencoded::parse(raw) {
            self.insert(&key, Value::String(value.into_owned()))?;
        }
        Ok(())
    }

    /// Inserts `value` at a Rails-style key: `a` , `a[b][c]`, `a[]` (appends).
    fn insert(&mut self, key: &str, value: Value) -> Result<(), Error> {
        self.count += 1;
        if self.count > MAX_PARAMS {
            return Err(Error::bad_request(format!(
                "Too many parameters (at most {MAX_PARAMS})"
            )));
        }
        let (head, rest) = match key.find('[') {
            Some(i) => (&key[..i], &key[i..]),
            None => (key, ""),
        };
        if head.is_empty() {
            return Ok(());
        }
        let segments: Vec<&str> = rest
            .split(']')
            .filter_map(|s| s.strip_prefix('['))
            .take(MAX_DEPTH + 1)
            .collect();
        if segments.len() >= MAX_DEPTH {
            return Err(Error::bad_request(format!(
                "Parameter {head} is nested too deeply (at most {MAX_DEPTH} levels)"
            )));
        }
        let mut slot = self.object.entry(head.to_string()).or_insert(Value::Null);
        for (i, segment) in segments.iter().enumerate() {
            if segment.is_empty() {
                if !slot.is_array() {
                    *slot = Value::Array(Vec::new());
                }
                if let Value::Array(list) = slot {
                    // Rails: `a[][k]=1&a[][j]=2` fills one hash until a key repeats.
                    let next = segments.get(i + 1).filter(|n| !n.is_empty());
                    let reuse = matches!((list.last(), next),
                        (Some(Value::Object(last)), Some(n)) if !last.contains_key(*n));
                    if !reuse {
                        list.push(Value::Null);
                    }
                    slot = match list.last_mut() {
                        Some(last) => last,
                        None => return Ok(()),
                    };
                }
            } else {
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                if let Value::Object(map) = slot {
                    slot = map.entry(segment.to_string()).or_insert(Value::Null);
                }
            }
        }
        *slot = value;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn parse(raw: &[u8]) -> Result<Value, Error> {
        let mut form = Form::default();
        form.merge(raw)?;
        Ok(Value::Object(form.object))
    }

    fn depth(v: &Value) -> usize {
        match v {
            Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    #[test]
    fn rails_style_keys() {
        assert_eq!(
            parse(
                b"a=1&s%5Bprivacy%5D=public&id[]=1&id[]=2&f[0][name]=x&f[0][value]=y&f[1][name]=z"
            )
            .ok(),
            Some(
                json!({"a": "1", "s": {"privacy": "public"}, "id": ["1", "2"],
                   "f": {"0": {"name": "x", "value": "y"}, "1": {"name": "z"}}})
            )
        );
        assert_eq!(
            parse(b"k[][a]=1&k[][b]=2&k[][a]=3").ok(),
            Some(json!({"k": [{"a": "1", "b": "2"}, {"a": "3"}]}))
        );
        assert_eq!(
            parse(b"force_login=False&state=None").ok(),
            Some(json!({"force_login": "False", "state": "None"}))
        );
    }

    #[test]
    fn nesting_and_count_are_bounded() {
        let deepest = format!("a{}=1", "[b]".repeat(MAX_DEPTH - 1));
        assert_eq!(
            parse(deepest.as_bytes()).map(|v| depth(&v)).ok(),
            Some(MAX_DEPTH)
        );
        let too_deep = format!("a{}=1", "[b]".repeat(MAX_DEPTH));
        assert!(matches!(
            parse(too_deep.as_bytes()),
            Err(Error::BadRequest(_))
        ));
        // The attack as it was sent: thousands of levels in one key.
        let attack = format!("a{}=1", "[b]".repeat(3000));
        assert!(matches!(
            parse(attack.as_bytes()),
            Err(Error::BadRequest(_))
        ));
        let many: Vec<String> = (0..=MAX_PARAMS).map(|i| format!("k{i}=1")).collect();
        assert!(matches!(
            parse(many.join("&").as_bytes()),
            Err(Error::BadRequest(_))
        ));
        let enough: Vec<String> = (0..MAX_PARAMS).map(|i| format!("k[]={i}")).collect();
        assert!(parse(enough.join("&").as_bytes()).is_ok());
    }

    proptest! {
        #![proptest_config(crate::proptest_config(512))]

        /// Any bytes at all: parameters within the bounds, or a 400; never a panic.
        #[test]
        fn any_form_is_bounded_or_refused(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
            match parse(&raw) {
                Ok(v) => prop_assert!(depth(&v) <= MAX_DEPTH),
                Err(e) => prop_assert!(matches!(e, Error::BadRequest(_))),
            }
        }

        /// Keys built from brackets and names, the shapes an attacker would vary.
        #[test]
        fn bracket_keys_are_bounded_or_refused(
            keys in proptest::collection::vec("[a-c]{0,2}(\\[[a-c0-9]{0,2}\\]?){0,12}", 1..40)
        ) {
            let raw = keys.iter().map(|k| format!("{k}=v")).collect::<Vec<_>>().join("&");
            match parse(raw.as_bytes()) {
                Ok(v) => prop_assert!(depth(&v) <= MAX_DEPTH),
                Err(e) => prop_assert!(matches!(e, Error::BadRequest(_))),
            }
        }
    }
}
