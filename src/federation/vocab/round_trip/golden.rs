//! Rookery's documents against the fixtures of what it sent before its outbound vocabulary
//! was typed (tests/fixtures/rookery/).

use serde_json::Value;

use super::documents::{documents, stable};

fn golden_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rookery")
}

/// Writes the documents as fixtures, when a change to what Rookery sends is meant
/// (`ROOKERY_BLESS=1 cargo test --lib documents_are_what_peers_have_always_read`).
fn bless(documents: &[(&'static str, Value)]) {
    for (name, doc) in documents {
        let text = serde_json::to_string_pretty(&stable(doc.clone())).expect("serialises");
        std::fs::write(golden_dir().join(format!("{name}.json")), text + "\n").expect("written");
    }
}

fn golden(name: &str) -> Value {
    let path = golden_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).expect("JSON")
}

/// Peers see exactly the documents they saw before the outbound vocabulary was typed.
#[test]
fn documents_are_what_peers_have_always_read() {
    let documents = documents();
    if std::env::var_os("ROOKERY_BLESS").is_some() {
        bless(&documents);
    }
    assert_eq!(
        documents.len(),
        std::fs::read_dir(golden_dir()).expect("fixtures").count(),
        "one fixture per document"
    );
    for (name, doc) in documents {
        assert_eq!(stable(doc), golden(name), "{name}");
    }
}
