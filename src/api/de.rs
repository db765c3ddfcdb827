//! Lenient field deserialisers for parameters that arrive as JSON values or as form strings:
//! `true`, `"true"`, `"1"`, `"on"` are all true; `"20"` and `20` are both twenty. Use with
//! `#[serde(default, deserialize_with = "de::…")]`.

use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::Value;

fn bool_from(value: &Value) -> Result<Option<bool>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(format!("expected a boolean, got {n}")),
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "1" | "on" | "yes" | "t" => Ok(Some(true)),
            "false" | "0" | "off" | "no" | "f" => Ok(Some(false)),
            other => Err(format!("expected a boolean, got {other:?}")),
        },
        other => Err(format!("expected a boolean, got {}", kind(other))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// An optional boolean in any of its spellings.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Value::deserialize(d)?;
    bool_from(&v).map_err(de::Error::custom)
}

/// An optional integer, from a number or a numeric string.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected an integer, got {n}"))),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected an integer, got {s:?}"))),
        other => Err(de::Error::custom(format!(
            "expected an integer, got {}",
            kind(&other)
        ))),
    }
}

/// An optional string; numbers and booleans are taken as their text (forms lose types).
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(de::Error::custom(format!(
            "expected a string, got {}",
            kind(&other)
        ))),
    }
}

/// One string or a list of them (`id=1`, `id[]=1&id[]=2`, `"redirect_uris": [..]`).
pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    fn one(v: Value) -> Result<Option<String>, String> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            other => Err(format!("expected a string, got {}", kind(&other))),
        }
    }
    let items = match Value::deserialize(d)? {
        Value::Array(list) => list,
        // `{"0": "a", "1": "b"}` from `x[0]=a&x[1]=b`.
        Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        single => vec![single],
    };
    items
        .into_iter()
        .filter_map(|v| one(v).transpose())
        .collect::<Result<Vec<_>, _>>()
        .map_err(de::Error::custom)
}

/// [`string_list`] for a field that may be absent (`None`) or given empty (`Some(vec![])`).
pub fn opt_string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    string_list(d).map(Some)
}

/// A list given as a JSON array, a Rails-bracket map or a single string (read from a field
/// kept as a [`Value`] because its shape varies).
pub fn strings_in(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Value::Object(map) => map
            .values()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// A boolean given as JSON or as form text; `field` names it in the error.
pub fn flag_in(field: &str, v: Option<&Value>) -> crate::error::Result<Option<bool>> {
    let invalid = || crate::error::Error::invalid(field, "ERR_INVALID", "is not a boolean");
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) => match s.as_str() {
            "" => Ok(None),
            "true" | "1" | "on" => Ok(Some(true)),
            "false" | "0" | "off" => Ok(Some(false)),
            _ => Err(invalid()),
        },
        Some(Value::Number(n)) => Ok(Some(n.as_i64() == Some(1))),
        Some(_) => Err(invalid()),
    }
}

/// `expires_in` as given: absent is `None` (unchanged), empty or null `Some(None)` (never
/// expires), otherwise a number of seconds.
pub fn expires_in(v: Option<Value>) -> crate::error::Result<Option<Option<i64>>> {
    let invalid =
        || crate::error::Error::invalid("expires_in", "ERR_INVALID", "must be a number of seconds");
    match v {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.trim().parse::<i64>().map_err(|_| invalid())?))),
        Some(Value::Number(n)) => Ok(Some(Some(n.as_i64().ok_or_else(invalid)?))),
        Some(_) => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct P {
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "opt_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "string_list")]
        l: Vec<String>,
    }

    #[test]
    fn lenient() {
        let p: P = serde_json::from_value(json!({"b": "1", "n": "20", "l": "x"})).expect("ok");
        assert_eq!(
            (p.b, p.n, p.l),
            (Some(true), Some(20), vec!["x".to_string()])
        );
        let p: P =
            serde_json::from_value(json!({"b": false, "n": 3, "l": ["a", "b"]})).expect("ok");
        assert_eq!((p.b, p.n, p.l.len()), (Some(false), Some(3), 2));
        let p: P = serde_json::from_value(json!({})).expect("ok");
        assert_eq!((p.b, p.n, p.l.len()), (None, None, 0));
        assert!(serde_json::from_value::<P>(json!({"b": "maybe"})).is_err());
        assert!(serde_json::from_value::<P>(json!({"n": "x"})).is_err());
    }
}
