//! The awaitable client: the original SDK's operations as `async fn`s over four traits
//! (storage, HTTP, navigation, environment), so the same code runs in the browser, on the
//! server and in tests.

mod auth;
mod clock;
mod memory;
mod traits;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use auth::{call_with_retry, CognitoAuth, SignInOutcome};
pub use clock::Clock;
#[cfg(not(target_arch = "wasm32"))]
pub use clock::SystemClock;
#[cfg(not(target_arch = "wasm32"))]
pub use memory::SystemEnvironment;
pub use memory::{ManualEnvironment, MemoryNavigator};
pub use traits::{CrossTabGuard, Environment, HttpClient, Navigator};
