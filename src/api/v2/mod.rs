pub mod filters;
pub mod instance;
pub mod search;
