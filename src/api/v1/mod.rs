pub mod accounts;
pub mod apps;
pub mod custom_emojis;
pub mod instance;
pub mod preferences;
pub mod relationships;
pub mod statuses;
