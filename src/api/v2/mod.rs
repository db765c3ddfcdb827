pub mod instance;
pub mod search;
