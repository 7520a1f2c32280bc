//! What both session layers share (cookie mode and server sessions): the one tower layer,
//! the cookie module, the answers, what the provider renders, the protected pages, the
//! same-origin rule and sealing.

mod builder;
pub(crate) mod cookies;
mod initial;
mod layer;
pub(crate) mod protected;
pub(crate) mod response;
mod same_origin;
pub(crate) mod seal;
mod setup;

pub use builder::SessionBuilder;
pub use initial::InitialAuth;
pub(crate) use layer::{Loaded, SessionMode, Work};
pub use layer::{SessionLayer, SessionService};
pub use same_origin::is_same_origin_request;
pub(crate) use same_origin::{changes_state, check_sign_in_host, cookie_acts};
pub use setup::SessionSetupError;
pub(crate) use setup::{callback_path_for, check_distinct, check_protected, Env};
