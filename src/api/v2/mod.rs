pub mod filters;
pub mod instance;
pub mod media;
pub mod search;
