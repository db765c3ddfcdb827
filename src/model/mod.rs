//! Domain types: plain data, no I/O. The store returns them, services reason about them, and
//! the faces convert them into the wire shapes of clients (`api::entities`) and peers.

pub mod account;
pub mod announcement;
pub mod archive;
pub mod card;
pub mod conversation;
pub mod emoji;
pub mod host;
pub mod import;
pub mod instance;
pub mod language;
pub mod list;
pub mod media;
pub mod moderation;
pub mod notification;
pub mod notification_policy;
pub mod oauth;
pub mod page;
pub mod poll;
pub mod push;
pub mod quote;
pub mod relationship;
pub mod scheduled;
pub mod status;
pub mod tag;
pub mod timeline;
pub mod user;

pub use account::{Account, AccountStats, ProfileField};
pub use card::PreviewCard;
pub use conversation::Conversation;
pub use emoji::CustomEmoji;
pub use host::Host;
pub use list::{List, RepliesPolicy};
pub use media::Media;
pub use moderation::AuditEntry;
pub use notification::NotificationType;
pub use oauth::{App, AuthCode, Scopes, TokenGrant};
pub use page::Page;
pub use poll::{Poll, PollView};
pub use quote::{QuoteBarrier, QuotePolicy, QuoteState, QuoteView};
pub use scheduled::{ScheduledStatus, ScheduledView};
pub use status::{Status, StatusEdit, StatusView, ViewerFlags};
pub use tag::{FeaturedTag, Tag, TagDay, TagView};
pub use user::{Role, User, Visibility};
