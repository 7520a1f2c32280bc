//! The demo site (feature `demo`): the pages served by `server/` and its `hydrate()`
//! entry point. It shows every piece of the kit in a few small pages.

mod app;
mod layout;
mod pages;
mod server_fns;
mod settings;

pub use app::{shell, App};
pub use server_fns::{admin_report, whoami};
pub use settings::{DemoSettings, SettingsError, SETTINGS_ELEMENT_ID};

/// The browser entry point: reads the settings the server rendered into the page and
/// hydrates the app.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let settings = DemoSettings::from_document();
    leptos::mount::hydrate_body(move || leptos::view! { <App settings=settings/> });
}
