//! Token storage: the key-value trait and its in-memory implementation ([`kv`]), the
//! original SDK's key layout ([`keys`]), and the store of sessions and pending sign-ins
//! over them ([`session_store`]).

pub mod keys;
pub mod kv;
pub mod session_store;

pub use keys::StorageKeys;
pub use kv::{MemoryStorage, Storage, StorageError};
pub use session_store::{SessionStore, MAX_PENDING_SIGN_INS};
