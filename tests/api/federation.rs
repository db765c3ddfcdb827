//! Federation: discovery, documents, signatures, inboxes.
