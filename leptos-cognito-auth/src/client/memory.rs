//! In-memory and native implementations of the client's traits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::clock::Clock;
use super::traits::{Environment, Navigator};
use crate::protocol::AuthError;

/// A navigator that records where it was sent instead of leaving the page: for tests, and
/// for server-side code that turns the URL into a `302` itself.
#[derive(Clone, Debug, Default)]
pub struct MemoryNavigator {
    visited: Arc<Mutex<Vec<String>>>,
    current_path: Option<String>,
    origin: Option<String>,
}

impl MemoryNavigator {
    /// A navigator with no history and `/` as the current path.
    pub fn new() -> Self {
        Self::default()
    }

    /// A navigator whose current path is `path`.
    pub fn at(path: impl Into<String>) -> Self {
        Self {
            current_path: Some(path.into()),
            ..Self::default()
        }
    }

    /// The same navigator on a page at `origin` (`scheme://host[:port]`); without one the
    /// page's origin is not known and not checked.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Every URL it was sent to, oldest first.
    pub fn visited(&self) -> Vec<String> {
        self.visited
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The last URL it was sent to.
    pub fn last(&self) -> Option<String> {
        self.visited().pop()
    }
}

impl Navigator for MemoryNavigator {
    fn redirect(&self, url: &str) -> Result<(), AuthError> {
        self.visited
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(url.to_owned());
        Ok(())
    }
    fn current_path(&self) -> Option<String> {
        self.current_path.clone()
    }
    fn current_origin(&self) -> Option<String> {
        self.origin.clone()
    }
}

/// A clock that moves only when told to and a **predictable** byte sequence instead of
/// randomness: for tests only (its `state`, `nonce` and PKCE verifiers can be guessed).
#[derive(Clone, Debug)]
pub struct ManualEnvironment {
    now: Arc<AtomicU64>,
    counter: Arc<AtomicU64>,
}

impl ManualEnvironment {
    /// An environment whose clock reads `now` (seconds since the Unix epoch).
    pub fn new(now: u64) -> Self {
        Self {
            now: Arc::new(AtomicU64::new(now)),
            counter: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Sets the clock.
    pub fn set_now(&self, now: u64) {
        self.now.store(now, Ordering::SeqCst);
    }

    /// Moves the clock forward.
    pub fn advance(&self, secs: u64) {
        self.now.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualEnvironment {
    fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}

impl Environment for ManualEnvironment {
    fn fill_random(&self, buf: &mut [u8]) {
        // splitmix64 over a counter: distinct, repeatable, not secret.
        for chunk in buf.chunks_mut(8) {
            let mut z = self
                .counter
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::SeqCst);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// The operating system's clock and random generator: the environment for native code
/// (servers, command-line tools, tests against a real Hosted UI).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemEnvironment;

#[cfg(not(target_arch = "wasm32"))]
impl Clock for SystemEnvironment {
    fn now(&self) -> u64 {
        super::SystemClock.now()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Environment for SystemEnvironment {
    fn fill_random(&self, buf: &mut [u8]) {
        // The OS generator does not fail on supported platforms; if it ever did, sending a
        // predictable state or verifier would be worse than stopping.
        #[allow(clippy::expect_used)]
        getrandom::getrandom(buf).expect("the operating system's random generator failed");
    }
}
