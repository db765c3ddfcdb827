//! The last step before an activity is handed to the delivery queue: the `@context` every
//! sent document carries. Queueing itself is a service decision (who gets it, which hosts get
//! nothing) and lives in `service::delivery::deliver`.

use serde_json::Value;

/// An activity with its `@context`, ready to send.
pub fn with_context<T: serde::Serialize>(activity: T) -> crate::error::Result<Value> {
    serde_json::to_value(crate::federation::vocab::WithContext::new(activity))
        .map_err(|e| crate::error::Error::Internal(e.into()))
}
