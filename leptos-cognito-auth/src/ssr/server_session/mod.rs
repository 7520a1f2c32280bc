//! Server sessions (RFC 10017's backend-for-frontend): the server exchanges the code,
//! keeps the tokens and refreshes them; the browser holds only an `HttpOnly` session
//! cookie. [`ServerSession`], built with [`ServerSessionBuilder`], is the whole of it: one
//! layer to mount (it answers its own routes), over a [`SessionStore`]
//! ([`MemorySessionStore`], [`RedisSessionStore`] with feature `redis` for several server
//! instances, or [`CookieSessionStore`] for hosts with no shared store).
//!
//! Its parts: the handle and its builder (`session`), the layer's work per request
//! (`mode`), its routes (`routes`), the sealed pending sign-in cookie (`pending`), the
//! sealed record (`record`), what to do with a record now (`decision`, pure) and the
//! refresh that carries it out (`refresh`), and the stores (`store`).

mod decision;
mod index;
mod local;
mod mode;
mod pending;
mod record;
mod refresh;
mod routes;
mod session;
mod store;

pub use routes::SessionInfo;
pub use session::{IntoStore, Lifetimes, ServerSession, ServerSessionBuilder, ServerSettings};
#[cfg(feature = "redis")]
pub use store::RedisSessionStore;
pub use store::{CookieSessionStore, IndexFields, MemorySessionStore, SessionStore, StoreError};

/// What the fuzz targets reach of server sessions (`--cfg fuzzing` only).
#[cfg(fuzzing)]
pub(crate) mod fuzzing {
    use super::pending::PendingSignIns;
    use super::record::Record;
    use crate::ssr::session::seal::Keyring;

    /// Reads a pending cookie; what it holds seals and reads back the same states.
    pub fn pending_round_trip(keys: &Keyring, value: &str, now: u64) {
        let mut read = PendingSignIns::read(keys, Some(value), now);
        let states = read.states();
        let sealed = read.seal(keys);
        let again = PendingSignIns::read(keys, sealed.as_deref(), now);
        assert_eq!(again.states(), states);
    }

    /// Opens a stored record; one that opens reads, and does not open for another id.
    pub fn record_round_trip(id: &str, stored: &[u8]) {
        if let Some(record) = Record::open(id, stored) {
            let _ = record.session();
            let other = format!("{id}-other");
            assert!(Record::open(&other, &record.seal(id)).is_none());
            assert!(Record::open(id, &record.seal(id)).is_some());
        }
    }
}
