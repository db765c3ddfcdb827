//! What Rookery sends, checked two ways: against the documents it sent before the outbound
//! vocabulary was typed (tests/fixtures/rookery/, so that no peer sees a change), and read
//! back through Rookery's own inbound parser (every field read equals the field sent).
//!
//! [`documents`] builds every kind of document Rookery sends; [`golden`] compares them with
//! the fixtures; [`resend`] writes a document again from what the inbound types read of it;
//! [`read_back`] checks Rookery's and peers' documents through it; [`understood`] checks what
//! the services act on.

mod documents;
mod golden;
mod read_back;
mod resend;
mod understood;
