//! Token storage: the key-value trait and its in-memory implementation ([`kv`]), the
//! original SDK's key layout ([`keys`]), the codecs of the values kept (`codec`), and the
//! sessions and pending sign-ins kept in that layout ([`cognito_storage`]).

pub(crate) mod codec;
pub mod cognito_storage;
pub mod keys;
pub mod kv;

pub use cognito_storage::{CognitoStorage, MAX_PENDING_SIGN_INS};
pub use keys::StorageKeys;
pub use kv::{MemoryStorage, Storage, StorageError};
