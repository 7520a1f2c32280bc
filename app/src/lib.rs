//! The demo site's Leptos app: the pages `server/` renders and `frontend/` hydrates. It
//! shows every piece of `leptos-cognito-auth` in a few small pages.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod app;
mod layout;
mod pages;
mod server_fns;
mod settings;

pub use app::{protected_paths, shell, App};
pub use server_fns::{admin_report, whoami};
pub use settings::{redact_password, DemoSettings, SettingsError, SETTINGS_ELEMENT_ID};

/// Reads the settings the server rendered into the page and hydrates the app (called by
/// `frontend`'s `hydrate()`).
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    let settings = DemoSettings::from_document();
    leptos::mount::hydrate_body(move || leptos::view! { <App settings=settings/> });
}
