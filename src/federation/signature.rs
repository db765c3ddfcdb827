//! HTTP Signatures (draft-cavage-http-signatures-12 as Mastodon uses it): pure functions.
