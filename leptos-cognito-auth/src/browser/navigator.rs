//! Navigation through `window.location` and `window.history`.

use wasm_bindgen::JsValue;

use super::js;
use crate::client::Navigator;
use crate::protocol::AuthError;

/// Leaves the page with `window.location.assign(url)` (so the back button returns here);
/// the current path is `pathname + search + hash`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BrowserNavigator;

impl Navigator for BrowserNavigator {
    fn redirect(&self, url: &str) -> Result<(), AuthError> {
        let window = web_sys::window()
            .ok_or_else(|| AuthError::Navigation("there is no window to navigate".into()))?;
        window
            .location()
            .assign(url)
            .map_err(|e| AuthError::Navigation(js::describe(&e)))
    }

    fn current_path(&self) -> Option<String> {
        let location = web_sys::window()?.location();
        let path = location.pathname().ok()?;
        let search = location.search().ok()?;
        let hash = location.hash().ok()?;
        Some(format!("{path}{search}{hash}"))
    }

    fn current_origin(&self) -> Option<String> {
        web_sys::window()?.location().origin().ok()
    }
}

/// The page's full address, `window.location.href`; `None` without a window.
pub fn current_url() -> Option<String> {
    web_sys::window()?.location().href().ok()
}

/// Replaces the current history entry's address with `url` (same origin, absolute or
/// relative) without loading anything: `history.replaceState(null, "", url)`. The callback
/// route uses it to drop `?code=...` or `#access_token=...` from the address bar and from
/// the history, so going back never replays them.
///
/// # Errors
/// [`AuthError::Navigation`] without a window or history, or when the browser refuses the
/// URL (another origin, or not a URL).
pub fn replace_url(url: &str) -> Result<(), AuthError> {
    let history = web_sys::window()
        .ok_or_else(|| AuthError::Navigation("there is no window".into()))?
        .history()
        .map_err(|e| AuthError::Navigation(js::describe(&e)))?;
    history
        .replace_state_with_url(&JsValue::NULL, "", Some(url))
        .map_err(|e| AuthError::Navigation(js::describe(&e)))
}
