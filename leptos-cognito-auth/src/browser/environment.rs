//! The browser's clock, its secure random generator, and AWS's advanced security data
//! collection script.

use wasm_bindgen::{JsCast, JsValue};

use super::js;
use crate::client::{Clock, CrossTabGuard, Environment};

/// The global name of AWS's advanced security data collection script.
const ADVANCED_SECURITY_GLOBAL: &str = "AmazonCognitoAdvancedSecurityData";

/// `crypto.getRandomValues` fills at most this many bytes per call.
const MAX_RANDOM_CHUNK: usize = 65_536;

/// The page's clock (`Date.now()`), randomness (`crypto.getRandomValues`) and, when AWS's
/// script is on the page, `userContextData` for Cognito advanced security.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BrowserEnvironment;

impl Clock for BrowserEnvironment {
    fn now(&self) -> u64 {
        let millis = js_sys::Date::now();
        if millis.is_finite() && millis > 0.0 {
            (millis / 1000.0).floor() as u64
        } else {
            0
        }
    }
}

impl Environment for BrowserEnvironment {
    /// # Panics
    /// When the global `crypto.getRandomValues` is missing or throws. Every browser and
    /// worker has it; were it ever absent, going on with predictable `state`, `nonce` and
    /// PKCE values would be worse than stopping.
    fn fill_random(&self, buf: &mut [u8]) {
        let crypto =
            js::global_property("crypto").and_then(|c| c.dyn_into::<web_sys::Crypto>().ok());
        let Some(crypto) = crypto else {
            panic!("crypto.getRandomValues is not available: refusing to sign in without secure randomness");
        };
        for chunk in buf.chunks_mut(MAX_RANDOM_CHUNK) {
            if let Err(e) = crypto.get_random_values_with_u8_array(chunk) {
                panic!("crypto.getRandomValues failed: {}", js::describe(&e));
            }
        }
    }

    /// Calls `AmazonCognitoAdvancedSecurityData.getData(username, userPoolId, clientId)`
    /// when the global exists and has a `getData` function, and returns its string
    /// result. Anything else (no script, a throw, a non-string or empty result) is `None`.
    fn user_context_data(
        &self,
        username: &str,
        user_pool_id: &str,
        client_id: &str,
    ) -> Option<String> {
        let collector = js::global_property(ADVANCED_SECURITY_GLOBAL)?;
        let get_data = js_sys::Reflect::get(&collector, &JsValue::from_str("getData"))
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        get_data
            .call3(
                &collector,
                &JsValue::from_str(username),
                &JsValue::from_str(user_pool_id),
                &JsValue::from_str(client_id),
            )
            .ok()?
            .as_string()
            .filter(|data| !data.is_empty())
    }

    /// The Web Locks API, else a lease in `localStorage`: see
    /// [`cross_tab_lock`](super::cross_tab_lock).
    async fn cross_tab_lock(&self, name: &str) -> CrossTabGuard {
        super::tabs::cross_tab_lock(name).await
    }
}
