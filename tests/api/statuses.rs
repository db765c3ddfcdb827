//! Statuses, timelines, notifications and markers.
