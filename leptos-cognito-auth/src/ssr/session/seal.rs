//! Sealing: what the server puts in a cookie or a store, encrypted and authenticated with
//! AES-256-GCM from aws-lc-rs (the crypto library the server already links for JWT
//! signatures and TLS). Nothing here is cryptography of our own: keys come from HKDF-SHA256,
//! nonces from aws-lc-rs's own generator (`RandomizedNonceKey`), never from the injected
//! randomness, so that a test's predictable random source can never repeat a nonce.
//!
//! A sealed value is `base64url(version || nonce || ciphertext || tag)`, bound by its
//! additional data to one purpose (a pending sign-in cannot be replayed as a session record).

use aws_lc_rs::aead::{Aad, Nonce, RandomizedNonceKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hkdf::{KeyType, Salt, HKDF_SHA256};

use crate::protocol::encoding::{base64url, base64url_decode};

/// The format byte in front of every sealed value.
const VERSION: u8 = 1;
/// The HKDF salt of every key the session layers derive.
const SALT: &[u8] = b"leptos-cognito-auth/session/v1";
/// The shortest secret accepted (characters): 256 bits of entropy need at least 32
/// random bytes; a passphrase should be longer.
pub(crate) const MIN_SECRET_LEN: usize = 32;

/// What a sealed value is for: the additional authenticated data and the HKDF info.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The pending sign-ins of a browser (server sessions' short-lived cookie).
    PendingSignIn,
    /// A server session's record in the store (keyed by the session id).
    Record,
    /// What a user's session index holds of each session (keyed by the secret).
    SessionIndex,
    /// A server session's record in the browser's cookies (the cookie store; keyed by the
    /// secret).
    SessionCookie,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::PendingSignIn => b"pending-sign-in",
            Self::Record => b"session-record",
            Self::SessionIndex => b"session-index",
            Self::SessionCookie => b"session-cookie",
        }
    }
}

/// HKDF's output length for a 256-bit key.
struct KeyLen;

impl KeyType for KeyLen {
    fn len(&self) -> usize {
        32
    }
}

/// One AES-256-GCM key for one purpose.
pub(crate) struct SealingKey {
    key: RandomizedNonceKey,
    purpose: Purpose,
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealingKey")
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

impl SealingKey {
    /// The key for `purpose` derived from `input` (a secret, or a session id) by
    /// HKDF-SHA256.
    pub fn derive(input: &[u8], purpose: Purpose) -> Self {
        let mut bytes = [0u8; 32];
        // HKDF-SHA256 can expand up to 8160 bytes: 32 cannot fail.
        let prk = Salt::new(HKDF_SHA256, SALT).extract(input);
        let info = [purpose.label()];
        let okm = prk
            .expand(&info, KeyLen)
            .expect("32 bytes are within HKDF-SHA256's limit");
        okm.fill(&mut bytes)
            .expect("the output buffer has the requested length");
        let key = RandomizedNonceKey::new(&AES_256_GCM, &bytes)
            .expect("a 32-byte key is an AES-256-GCM key");
        Self { key, purpose }
    }

    /// `plaintext`, sealed.
    pub fn seal(&self, plaintext: &[u8]) -> String {
        let mut in_out = plaintext.to_vec();
        // Sealing with a valid key fails only if the system's random generator does.
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(self.purpose.label()), &mut in_out)
            .expect("AES-256-GCM sealing with a fresh nonce");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + in_out.len());
        out.push(VERSION);
        out.extend_from_slice(nonce.as_ref());
        out.extend_from_slice(&in_out);
        base64url(&out)
    }

    /// The plaintext of `sealed`, or `None` when it was not sealed by this key for this
    /// purpose, or was changed in any way.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let mut bytes = base64url_decode(sealed)?;
        if bytes.len() < 1 + NONCE_LEN + AES_256_GCM.tag_len() || bytes[0] != VERSION {
            return None;
        }
        let nonce = Nonce::try_assume_unique_for_key(&bytes[1..1 + NONCE_LEN]).ok()?;
        let plain = self
            .key
            .open_in_place(
                nonce,
                Aad::from(self.purpose.label()),
                &mut bytes[1 + NONCE_LEN..],
            )
            .ok()?;
        Some(plain.to_vec())
    }
}

/// The keys of one purpose derived from the configured secrets: the first seals, every one
/// opens (so a secret can be rotated: put the new one first and keep the old one until
/// what it sealed has expired).
#[derive(Debug)]
pub(crate) struct Keyring {
    keys: Vec<SealingKey>,
}

impl Keyring {
    /// The keyring of `purpose` for `secrets` (at least one).
    pub fn new<S: AsRef<[u8]>>(secrets: &[S], purpose: Purpose) -> Self {
        Self {
            keys: secrets
                .iter()
                .map(|s| SealingKey::derive(s.as_ref(), purpose))
                .collect(),
        }
    }

    /// `plaintext`, sealed with the first key.
    pub fn seal(&self, plaintext: &[u8]) -> String {
        self.keys[0].seal(plaintext)
    }

    /// The plaintext of `sealed` under any of the keys.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        self.keys.iter().find_map(|key| key.open(sealed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &[u8] = b"a secret of at least thirty-two characters";
    const B: &[u8] = b"another secret, just as long as the first";

    #[test]
    fn round_trip_and_every_change_is_refused() {
        let key = SealingKey::derive(A, Purpose::PendingSignIn);
        let sealed = key.seal(b"state and verifier");
        assert_eq!(
            key.open(&sealed).as_deref(),
            Some(&b"state and verifier"[..])
        );
        // Two seals of the same value differ (a fresh nonce each time).
        assert_ne!(key.seal(b"x"), key.seal(b"x"));
        // Any changed character is refused.
        for i in 0..sealed.len() {
            let mut bytes = sealed.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            if changed != sealed {
                assert_eq!(key.open(&changed), None, "changed at {i}");
            }
        }
        // Truncated, empty, junk.
        for junk in ["", "AQ", "not base64!", &sealed[..sealed.len() - 2]] {
            assert_eq!(key.open(junk), None, "{junk}");
        }
    }

    #[test]
    fn another_key_or_purpose_cannot_open_it() {
        let sealed = SealingKey::derive(A, Purpose::PendingSignIn).seal(b"x");
        assert_eq!(
            SealingKey::derive(B, Purpose::PendingSignIn).open(&sealed),
            None
        );
        assert_eq!(SealingKey::derive(A, Purpose::Record).open(&sealed), None);
    }

    #[test]
    fn rotation_the_first_seals_every_one_opens() {
        let old = Keyring::new(&[A], Purpose::PendingSignIn);
        let rotated = Keyring::new(&[B, A], Purpose::PendingSignIn);
        let before = old.seal(b"sealed before the rotation");
        assert_eq!(
            rotated.open(&before).as_deref(),
            Some(&b"sealed before the rotation"[..])
        );
        let after = rotated.seal(b"new");
        // Sealed with the new key: the old keyring cannot open it, the new key alone can.
        assert_eq!(old.open(&after), None);
        assert_eq!(
            Keyring::new(&[B], Purpose::PendingSignIn)
                .open(&after)
                .as_deref(),
            Some(&b"new"[..])
        );
    }
}
