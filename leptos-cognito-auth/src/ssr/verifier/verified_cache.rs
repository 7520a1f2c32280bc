//! A bounded cache of tokens that passed full verification, so a token reused across many
//! requests pays for its RSA signature check once.
//!
//! Sound because verification is deterministic: the same bytes, checked against the same
//! key, give the same result, except for time, which is checked again on every hit. An
//! entry is found by the token's signature segment and used only for the very same token
//! (compared byte for byte), holds only a successful result, and is used only while the
//! JWKS cache still holds the very key object that verified it (a refetch replaces the
//! objects, so results from before a refetch are re-verified).

use std::sync::Arc;

use super::claims::VerifiedUser;
use super::keys::VerifyingKey;
use crate::ssr::cache::BoundedCache;

/// The default number of verified tokens remembered.
pub const DEFAULT_VERIFIED_CACHE_CAPACITY: usize = 4096;

struct Entry {
    user: VerifiedUser,
    /// The issuer (its index in the verifier) and the `kid` of the key that verified it.
    issuer: usize,
    kid: String,
    key: Arc<VerifyingKey>,
}

/// The part of a compact token the cache looks it up by: its signature segment (random
/// for every signed token, so the map's keyed hash spreads entries; the whole token is
/// compared on a hit).
fn signature_of(token: &str) -> &str {
    token
        .rsplit_once('.')
        .map_or(token, |(_, signature)| signature)
}

pub(crate) struct VerifiedCache {
    entries: BoundedCache<Box<str>, Entry>,
}

impl VerifiedCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: BoundedCache::new(capacity),
        }
    }

    pub fn enabled(&self) -> bool {
        self.entries.enabled()
    }

    /// The remembered user for this very token, if its key is still
    /// `current(issuer, kid)`.
    pub fn get(
        &self,
        token: &str,
        current: impl FnOnce(usize, &str) -> Option<Arc<VerifyingKey>>,
    ) -> Option<VerifiedUser> {
        let entry = self.entries.get(signature_of(token))?;
        if entry.user.token().expose() != token {
            return None;
        }
        let key = current(entry.issuer, &entry.kid)?;
        Arc::ptr_eq(&key, &entry.key).then(|| entry.user.clone())
    }

    /// Remembers a verified token. When full, everything is forgotten at once (bounded
    /// memory, no bookkeeping on the hot path; the busy tokens come back at once).
    pub fn insert(&self, user: &VerifiedUser, issuer: usize, kid: &str, key: Arc<VerifyingKey>) {
        if !self.enabled() {
            return;
        }
        let signature = signature_of(user.token().expose()).into();
        let entry = Entry {
            user: user.clone(),
            issuer,
            kid: kid.to_owned(),
            key,
        };
        self.entries.insert(signature, Arc::new(entry));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}
