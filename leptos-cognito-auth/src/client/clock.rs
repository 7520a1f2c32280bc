//! The one clock of the kit: [`Clock`], read by the client, the components and the server
//! side's verifier. Passed in, so that tests are deterministic.

/// The current time, as seconds since the Unix epoch.
///
/// Closures implement it:
///
/// ```
/// use leptos_cognito_auth::client::Clock;
/// let frozen = || 1_700_000_000u64;
/// assert_eq!(frozen.now(), 1_700_000_000);
/// ```
pub trait Clock {
    /// Seconds since the Unix epoch.
    fn now(&self) -> u64;
}

impl<F: Fn() -> u64> Clock for F {
    fn now(&self) -> u64 {
        self()
    }
}

/// The operating system's clock (native code: servers, command-line tools, tests).
/// In the browser, [`BrowserEnvironment`] reads `Date.now()`.
///
/// [`BrowserEnvironment`]: https://docs.rs/leptos-cognito-auth/latest/leptos_cognito_auth/browser/struct.BrowserEnvironment.html
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemClock;

#[cfg(not(target_arch = "wasm32"))]
impl Clock for SystemClock {
    fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}
