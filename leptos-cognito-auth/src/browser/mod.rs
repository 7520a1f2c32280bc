//! Browser adapters (feature `hydrate`): the client's storage, HTTP, navigation and
//! environment traits over `localStorage`/`sessionStorage`/cookies, `fetch`,
//! `window.location` and `crypto.getRandomValues`, and the coordination between tabs
//! (a cross-tab lock, a session-change channel).

mod auth;
mod cookie;
mod environment;
mod http;
mod js;
mod navigator;
mod storage;
mod tabs;
mod web_storage;

pub use auth::{browser_auth, BrowserAuth};
pub use cookie::{CookieOptions, CookieStorage};
pub use environment::BrowserEnvironment;
pub use http::FetchHttp;
pub use navigator::{current_url, replace_url, BrowserNavigator};
pub use storage::BrowserStorage;
pub use tabs::{cross_tab_lock, storage_lease, SessionChannel};
