//! The demo site's browser entry point. This crate is a `cdylib` and nothing else, so that
//! the release profile's `lto = true` applies to the wasm (cargo does not run link-time
//! optimisation for a crate that is also an `rlib`).
#![forbid(unsafe_code)]

/// Called by the page's hydration script: panics go to the console, then the demo app
/// hydrates the server-rendered page.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::hydrate();
}
