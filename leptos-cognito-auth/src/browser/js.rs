//! Small helpers for values coming back from JavaScript: error names and messages, and
//! the global object's properties. Nothing here panics on an unexpected value.

use wasm_bindgen::JsValue;

/// The `name` of a thrown value (`"QuotaExceededError"`, `"TypeError"`, ...), if it has one.
pub(crate) fn error_name(error: &JsValue) -> Option<String> {
    js_sys::Reflect::get(error, &JsValue::from_str("name"))
        .ok()?
        .as_string()
}

/// A one-line description of a thrown value, for people: `name: message` for errors, the
/// value itself for strings, a fixed text otherwise.
pub(crate) fn describe(error: &JsValue) -> String {
    if let Some(text) = error.as_string() {
        return text;
    }
    let message = js_sys::Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string());
    match (error_name(error), message) {
        (Some(name), Some(message)) if !message.is_empty() => format!("{name}: {message}"),
        (Some(name), _) => name,
        (None, Some(message)) => message,
        (None, None) => "an unknown JavaScript error".to_owned(),
    }
}

/// The global object's property `name` (`window.<name>` on a page), if it is set.
pub(crate) fn global_property(name: &str) -> Option<JsValue> {
    let value = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(name)).ok()?;
    (!value.is_undefined() && !value.is_null()).then_some(value)
}
