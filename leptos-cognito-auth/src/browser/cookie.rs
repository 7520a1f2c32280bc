//! Token storage in cookies: one cookie per key, values percent-encoded, `SameSite=Lax`,
//! `Secure` unless the page is plain http on a loopback host. Unlike the original SDK's
//! `CookieStorage`, [`keys`](crate::protocol::Storage::keys) and
//! [`remove`](crate::protocol::Storage::remove) work, so signing out really clears them.

use wasm_bindgen::JsCast;

use super::js;
use super::web_storage::PROBE_KEY;
use crate::protocol::config::rules::{cookies_need_secure, MAX_COOKIE_BYTES};
use crate::protocol::encoding::{encode, percent_decode_lossy};
use crate::protocol::{Storage, StorageError};

/// One year: how long the original SDK's `CookieStorage` kept its cookies.
const DEFAULT_MAX_AGE_SECS: u64 = 365 * 24 * 60 * 60;

/// How the token cookies are written. `SameSite` is always `Lax`.
///
/// ```
/// use leptos_cognito_auth::browser::CookieOptions;
///
/// let options = CookieOptions {
///     domain: Some("example.com".into()),
///     ..CookieOptions::default()
/// };
/// assert_eq!(options.path, "/");
/// assert_eq!(options.secure, None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieOptions {
    /// The `Domain` attribute. `None` (the default) leaves it out: the cookies go back only
    /// to the exact host that set them.
    pub domain: Option<String>,
    /// The `Path` attribute (default `/`). Must start with `/`.
    pub path: String,
    /// The `Secure` attribute. `None` (the default) decides from the page: `Secure`, unless
    /// the page is served over plain `http` from a loopback host (`localhost`, `127.0.0.1`,
    /// `[::1]`), where browsers would refuse to send it back.
    pub secure: Option<bool>,
    /// The `Max-Age` attribute in seconds. The default is one year, as in the original SDK
    /// (the tokens' own expiry still applies); `None` writes session cookies, which the
    /// browser drops when it closes.
    pub max_age_secs: Option<u64>,
}

impl Default for CookieOptions {
    fn default() -> Self {
        Self {
            domain: None,
            path: "/".to_owned(),
            secure: None,
            max_age_secs: Some(DEFAULT_MAX_AGE_SECS),
        }
    }
}

/// Whether an attribute value could end the attribute early or smuggle in another one.
fn is_unsafe_attribute(value: &str) -> bool {
    value
        .chars()
        .any(|c| c == ';' || c == ',' || c.is_whitespace() || c.is_control())
}

/// `document.cookie` as a [`Storage`]: one cookie per key.
///
/// Names and values are percent-encoded (so any key and value can be stored, and values
/// written by `js-cookie`, which the original SDK used, read back as they were). A value
/// that would make a cookie larger than 4096 bytes is refused with an error rather than
/// silently dropped by the browser, and every write is read back to confirm the browser
/// kept it.
#[derive(Clone, Debug)]
pub struct CookieStorage {
    document: web_sys::HtmlDocument,
    /// `; Path=...; Domain=...; Max-Age=...; SameSite=Lax; Secure`
    attributes: String,
    /// The same attributes with an expiry in the past.
    removal_attributes: String,
    secure: bool,
}

impl CookieStorage {
    /// Cookie storage on the current page, with these options. Checks the options and
    /// that the browser keeps a test cookie written with them.
    ///
    /// # Errors
    /// [`StorageError::Unavailable`] when there is no HTML document or the browser refuses
    /// cookies (disabled, or `Secure` on an http page); [`StorageError::Failed`] when the
    /// domain or path is not a valid attribute value.
    pub fn new(options: &CookieOptions) -> Result<Self, StorageError> {
        if !options.path.starts_with('/') || is_unsafe_attribute(&options.path) {
            return Err(StorageError::Failed(format!(
                "invalid cookie path `{}`: it must start with `/` and contain no `;`, `,` or spaces",
                options.path
            )));
        }
        if let Some(domain) = &options.domain {
            if domain.is_empty() || is_unsafe_attribute(domain) {
                return Err(StorageError::Failed(format!(
                    "invalid cookie domain `{domain}`"
                )));
            }
        }
        let window = web_sys::window()
            .ok_or_else(|| StorageError::Unavailable("there is no window".into()))?;
        let document = window
            .document()
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
            .ok_or_else(|| StorageError::Unavailable("there is no HTML document".into()))?;
        let secure = options
            .secure
            .unwrap_or_else(|| !is_insecure_loopback(&window.location()));

        let mut common = format!("; Path={}", options.path);
        if let Some(domain) = &options.domain {
            common.push_str("; Domain=");
            common.push_str(domain);
        }
        let mut tail = String::from("; SameSite=Lax");
        if secure {
            tail.push_str("; Secure");
        }
        let max_age = options
            .max_age_secs
            .map(|secs| format!("; Max-Age={secs}"))
            .unwrap_or_default();
        let storage = Self {
            document,
            attributes: format!("{common}{max_age}{tail}"),
            removal_attributes: format!(
                "{common}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT{tail}"
            ),
            secure,
        };
        storage.probe()?;
        Ok(storage)
    }

    /// Whether the cookies are written with the `Secure` attribute.
    pub fn secure(&self) -> bool {
        self.secure
    }

    fn probe(&self) -> Result<(), StorageError> {
        let result = self.set(PROBE_KEY, "1");
        self.remove(PROBE_KEY);
        result.map_err(|e| match e {
            StorageError::Failed(reason) => StorageError::Unavailable(format!(
                "the browser refuses cookies here ({reason}); cookies may be disabled, or \
                 `Secure` cookies cannot be set on this http page"
            )),
            other => other,
        })
    }

    /// Every `(name, value)` pair in `document.cookie`, decoded.
    fn pairs(&self) -> Vec<(String, String)> {
        let raw = self.document.cookie().unwrap_or_default();
        raw.split(';')
            .filter_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                let value = value.trim().trim_matches('"');
                Some((
                    percent_decode_lossy(name.trim()),
                    percent_decode_lossy(value),
                ))
            })
            .collect()
    }

    fn write(&self, cookie: &str) -> Result<(), StorageError> {
        self.document
            .set_cookie(cookie)
            .map_err(|e| StorageError::Failed(js::describe(&e)))
    }
}

/// Whether the page is plain http on a loopback host (where `Secure` cookies are not sent).
fn is_insecure_loopback(location: &web_sys::Location) -> bool {
    let protocol = location.protocol().unwrap_or_default();
    let hostname = location.hostname().unwrap_or_default();
    !cookies_need_secure(protocol.trim_end_matches(':'), &hostname)
}

impl Storage for CookieStorage {
    fn get(&self, key: &str) -> Option<String> {
        self.pairs()
            .into_iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        let name = encode(key);
        if name.is_empty() {
            return Err(StorageError::Failed("a cookie needs a name".into()));
        }
        let encoded = encode(value);
        let size = name.len() + 1 + encoded.len();
        if size > MAX_COOKIE_BYTES {
            return Err(StorageError::Failed(format!(
                "`{key}` would be a {size}-byte cookie; browsers keep at most {MAX_COOKIE_BYTES} bytes"
            )));
        }
        self.write(&format!("{name}={encoded}{}", self.attributes))?;
        if self.get(key).as_deref() == Some(value) {
            Ok(())
        } else {
            Err(StorageError::Failed(format!(
                "the browser did not keep the cookie `{key}`"
            )))
        }
    }

    fn remove(&self, key: &str) {
        let name = encode(key);
        if !name.is_empty() {
            // Nothing to report: a cookie that cannot be written cannot be left behind by us.
            let _ = self.write(&format!("{name}={}", self.removal_attributes));
        }
    }

    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for (name, _) in self.pairs() {
            if !name.is_empty() && !keys.contains(&name) {
                keys.push(name);
            }
        }
        keys
    }
}
