//! Server sessions (RFC 10017's backend-for-frontend): the server exchanges the code,
//! keeps the tokens and refreshes them; the browser holds only an `HttpOnly` session
//! cookie. [`ServerSession`], built with [`ServerSessionBuilder`], is the whole of it: one
//! layer to mount (it answers its own routes), over a [`SessionStore`]
//! ([`MemorySessionStore`], or [`RedisSessionStore`] with feature `redis` for several server
//! instances).
//!
//! Its parts: the handle and its builder (`session`), the layer's work per request
//! (`mode`), its routes (`routes`), the sealed pending sign-in cookie (`pending`), the
//! sealed record (`record`), what to do with a record now (`decision`, pure) and the
//! refresh that carries it out (`refresh`), and the stores (`store`).

mod decision;
mod mode;
mod pending;
mod record;
mod refresh;
mod routes;
mod session;
mod store;

pub use session::{IntoStore, ServerSession, ServerSessionBuilder};
#[cfg(feature = "redis")]
pub use store::RedisSessionStore;
pub use store::{MemorySessionStore, SessionStore, StoreError};
