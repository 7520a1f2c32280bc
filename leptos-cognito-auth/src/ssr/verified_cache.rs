//! A bounded cache of tokens that passed full verification, so a token reused across many
//! requests pays for its RSA signature check once.
//!
//! Sound because verification is deterministic: the same bytes, checked against the same
//! key, give the same result, except for time, which is checked again on every hit. An
//! entry is keyed by the SHA-256 of the whole token, holds only a successful result, and is
//! used only while the JWKS cache still holds the very key object that verified it (a
//! refetch replaces the objects, so results from before a refetch are re-verified).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use super::claims::VerifiedUser;
use super::keys::VerifyingKey;

/// The default number of verified tokens remembered.
pub const DEFAULT_VERIFIED_CACHE_CAPACITY: usize = 4096;

pub(crate) type TokenDigest = [u8; 32];

pub(crate) fn digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

struct Entry {
    user: VerifiedUser,
    /// The issuer (its index in the verifier) and the `kid` of the key that verified it.
    issuer: usize,
    kid: String,
    key: Arc<VerifyingKey>,
}

pub(crate) struct VerifiedCache {
    capacity: usize,
    entries: RwLock<HashMap<TokenDigest, Entry>>,
}

impl VerifiedCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: RwLock::new(HashMap::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// The remembered user for this token, if its key is still `current(issuer, kid)`.
    pub fn get(
        &self,
        digest: &TokenDigest,
        current: impl FnOnce(usize, &str) -> Option<Arc<VerifyingKey>>,
    ) -> Option<VerifiedUser> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get(digest)?;
        let key = current(entry.issuer, &entry.kid)?;
        Arc::ptr_eq(&key, &entry.key).then(|| entry.user.clone())
    }

    /// Remembers a verified token. When full, everything is forgotten at once (bounded
    /// memory, no bookkeeping on the hot path; the busy tokens come back at once).
    pub fn insert(
        &self,
        digest: TokenDigest,
        user: &VerifiedUser,
        issuer: usize,
        kid: &str,
        key: Arc<VerifyingKey>,
    ) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(
            digest,
            Entry {
                user: user.clone(),
                issuer,
                kid: kid.to_owned(),
                key,
            },
        );
    }

    pub fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or(0)
    }
}
