//! How the server's view of the session ([`ServerSessionView`]) reaches the page: as JSON,
//! written by the server with serde_json (the session route's answer and the page's
//! hydration data) and read in the browser with the browser's own `JSON.parse`.
//!
//! Why not serde_json in the browser as well: its deserializer was 13 KiB gzip of what
//! server-session mode added to the smallest app (`scripts/size-report.sh`), against a
//! 15 KiB budget for the whole mode. The browser already has a JSON parser; this module
//! only reads the parsed object's fields. The view carries no claims (see
//! [`ServerSessionView::user`]), so there is no JSON value to rebuild.

use std::fmt;
use std::str::FromStr;

use crate::protocol::ServerSessionView;

/// The view as the page's hydration data carries it: `Display` writes the JSON (on the
/// server), `FromStr` reads it (in the browser), for leptos's `FromToStringCodec`.
pub(crate) struct WireView(pub ServerSessionView);

impl fmt::Display for WireView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never an error (`to_string` would panic on one): a view that cannot be written
        // goes as `null`, which the page reads as signed out.
        match serde_json::to_string(&self.0) {
            Ok(json) => f.write_str(&json),
            Err(_) => f.write_str("null"),
        }
    }
}

impl FromStr for WireView {
    type Err = String;

    fn from_str(json: &str) -> Result<Self, String> {
        parse_view(json).map(WireView)
    }
}

/// Reads the view from its JSON.
#[cfg(not(all(target_arch = "wasm32", feature = "hydrate-server-session")))]
pub(crate) fn parse_view(json: &str) -> Result<ServerSessionView, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

/// Reads the view from its JSON, parsed by the browser.
#[cfg(all(target_arch = "wasm32", feature = "hydrate-server-session"))]
pub(crate) fn parse_view(json: &str) -> Result<ServerSessionView, String> {
    let value = js_sys::JSON::parse(json).map_err(|_| "the session view is not JSON".to_owned())?;
    browser::view_from_js(&value)
}

#[cfg(all(target_arch = "wasm32", feature = "hydrate-server-session"))]
pub(crate) mod browser {
    use js_sys::{Array, Reflect};
    use wasm_bindgen::JsValue;

    use crate::protocol::{AuthUser, ServerSessionView};

    /// The largest integer a JavaScript number holds exactly.
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

    /// `object[name]`; `undefined` when there is none (or `object` has no fields).
    pub(crate) fn field(object: &JsValue, name: &str) -> JsValue {
        item(object, &JsValue::from_str(name))
    }

    /// `object[key]`; `undefined` when there is none (or `object` has no fields).
    pub(crate) fn item(object: &JsValue, key: &JsValue) -> JsValue {
        Reflect::get(object, key).unwrap_or(JsValue::UNDEFINED)
    }

    /// An optional field: absent and `null` are `None`.
    fn optional(object: &JsValue, name: &str) -> Option<JsValue> {
        let value = field(object, name);
        (!value.is_null() && !value.is_undefined()).then_some(value)
    }

    fn missing(name: &str) -> String {
        format!("the session view has no valid `{name}`")
    }

    fn string(object: &JsValue, name: &str) -> Result<String, String> {
        field(object, name).as_string().ok_or_else(|| missing(name))
    }

    /// An optional string: absent and `null` are `None`; anything else but a string is
    /// an error.
    fn optional_string(object: &JsValue, name: &str) -> Result<Option<String>, String> {
        match optional(object, name) {
            None => Ok(None),
            Some(value) => value.as_string().map(Some).ok_or_else(|| missing(name)),
        }
    }

    fn strings(object: &JsValue, name: &str) -> Result<Vec<String>, String> {
        let value = field(object, name);
        if !Array::is_array(&value) {
            return Err(missing(name));
        }
        // Read by index through the fields' getter (`JSON.parse` makes no `undefined` item,
        // so the first one is the end): 130 B gzip less than iterating a `js_sys::Array`
        // and collecting into a `Result` (`scripts/size-report.sh --budget`).
        let mut strings = Vec::new();
        loop {
            let next = item(&value, &JsValue::from(strings.len() as u32));
            if next.is_undefined() {
                return Ok(strings);
            }
            strings.push(next.as_string().ok_or_else(|| missing(name))?);
        }
    }

    /// The view from the object `JSON.parse` made of the server's JSON.
    pub(crate) fn view_from_js(value: &JsValue) -> Result<ServerSessionView, String> {
        if !value.is_object() {
            return Err("the session view is not an object".to_owned());
        }
        let user = match optional(value, "user") {
            None => None,
            Some(user) => Some(user_from_js(&user)?),
        };
        Ok(ServerSessionView {
            user,
            csrf_token: optional_string(value, "csrf_token")?,
            error: optional_string(value, "error")?,
            sign_in_path: string(value, "sign_in_path")?,
            sign_out_path: string(value, "sign_out_path")?,
            session_path: string(value, "session_path")?,
        })
    }

    fn user_from_js(user: &JsValue) -> Result<AuthUser, String> {
        if !user.is_object() {
            return Err(missing("user"));
        }
        let email_verified = match optional(user, "email_verified") {
            None => None,
            Some(value) => Some(value.as_bool().ok_or_else(|| missing("email_verified"))?),
        };
        let expires_at = field(user, "expires_at")
            .as_f64()
            .filter(|n| n.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(n))
            .ok_or_else(|| missing("expires_at"))?;
        Ok(AuthUser {
            username: string(user, "username")?,
            sub: optional_string(user, "sub")?,
            email: optional_string(user, "email")?,
            email_verified,
            groups: strings(user, "groups")?,
            scopes: strings(user, "scopes")?,
            expires_at: expires_at as u64,
            // The server keeps the claims (with the tokens).
            claims: serde_json::Map::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AuthUser;

    /// What the server writes, the page reads back (natively through serde_json; the
    /// browser's reader is covered end to end).
    #[test]
    fn the_view_round_trips_and_junk_is_an_error() {
        let view = ServerSessionView {
            user: Some(AuthUser {
                username: "alice".into(),
                sub: Some("s-1".into()),
                email: Some("alice@example.com".into()),
                email_verified: Some(true),
                groups: vec!["admins".into()],
                scopes: vec!["openid".into(), "email".into()],
                expires_at: 1_900_000_000,
                claims: serde_json::Map::new(),
            }),
            csrf_token: Some("t".into()),
            error: None,
            ..ServerSessionView::default()
        };
        let written = WireView(view.clone()).to_string();
        assert_eq!(written.parse::<WireView>().unwrap().0, view);
        for junk in ["", "null", "{}", "{\"user\": 5}", "[1,2]"] {
            assert!(junk.parse::<WireView>().is_err(), "{junk}");
        }
    }
}
