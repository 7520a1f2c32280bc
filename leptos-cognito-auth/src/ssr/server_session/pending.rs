//! The sign-ins a browser has started, sealed in one short-lived `HttpOnly` cookie of that
//! browser: nothing is stored on the server before a sign-in completes, so a visitor (or a
//! loop of requests) who never signs in costs the server no memory.
//!
//! The cookie binds each pending sign-in to the browser that started it (a callback carried
//! to another browser finds nothing), and the callback consumes the entry it completes (a
//! replayed callback finds it gone). Several sign-ins started in several tabs each keep their
//! entry; at most [`MAX_PENDING_SIGN_INS`] are kept, the oldest dropped.

use crate::protocol::authorize::shorter_return_path;
use crate::protocol::secret::constant_time_eq;
use crate::protocol::storage::codec::{decode_record, encode_record};
use crate::protocol::{PendingSignIn, MAX_PENDING_SIGN_INS};
use crate::ssr::session::seal::Keyring;

/// The pending sign-in cookie's base name.
pub(crate) const COOKIE: &str = "lca-pending";

/// The largest sealed value written: a cookie holds about 4 KB with its name and
/// attributes; older entries are dropped to stay under it.
const MAX_SEALED_BYTES: usize = 3_800;

/// The pending sign-ins of one browser, oldest first.
#[derive(Debug, Default)]
pub(crate) struct PendingSignIns {
    entries: Vec<PendingSignIn>,
}

impl PendingSignIns {
    /// What the browser's cookie holds, without the entries expired at `now`. A cookie that
    /// cannot be opened (tampered, sealed with a retired secret, junk) holds nothing.
    pub fn read(keys: &Keyring, cookie: Option<&str>, now: u64) -> Self {
        let entries = cookie
            .and_then(|value| keys.open(value))
            .and_then(|json| decode_record::<Vec<String>>(&json))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|record| PendingSignIn::from_json(record.as_bytes()))
            .filter(|pending| !pending.is_expired(now))
            .collect();
        Self { entries }
    }

    /// Adds a sign-in, dropping the oldest beyond [`MAX_PENDING_SIGN_INS`].
    pub fn push(&mut self, pending: PendingSignIn) {
        self.entries.push(pending);
        let excess = self.entries.len().saturating_sub(MAX_PENDING_SIGN_INS);
        self.entries.drain(..excess);
    }

    /// Takes the sign-in pending under `state` (compared in constant time).
    pub fn take(&mut self, state: &str) -> Option<PendingSignIn> {
        let at = self
            .entries
            .iter()
            .position(|p| constant_time_eq(p.state.as_bytes(), state.as_bytes()))?;
        Some(self.entries.remove(at))
    }

    /// The states pending, oldest first.
    #[cfg(fuzzing)]
    pub fn states(&self) -> Vec<String> {
        self.entries.iter().map(|p| p.state.clone()).collect()
    }

    /// Whether no sign-in is pending.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The cookie's new value, sealed (the oldest entries dropped until it fits a cookie),
    /// or `None` when nothing is pending (the cookie goes). One entry too large on its own (a
    /// return path of quotes, each escaped in JSON) gives up its return path instead: its
    /// query, then all but `/`.
    pub fn seal(&mut self, keys: &Keyring) -> Option<String> {
        while !self.entries.is_empty() {
            let records: Vec<String> = self.entries.iter().map(PendingSignIn::to_json).collect();
            let sealed = keys.seal(encode_record(&records).as_bytes());
            if sealed.len() <= MAX_SEALED_BYTES {
                return Some(sealed);
            }
            if let [only] = self.entries.as_mut_slice() {
                match shorter_return_path(&only.return_to) {
                    Some(shorter) => only.return_to = shorter,
                    None => return Some(sealed),
                }
            } else {
                self.entries.remove(0);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{PendingResponseType, Secret, PENDING_SIGN_IN_TTL};
    use crate::ssr::session::seal::Purpose;

    const NOW: u64 = 1_700_000_000;

    fn keyring(secret: &str) -> Keyring {
        Keyring::new(&[secret], Purpose::PendingSignIn)
    }

    pub(crate) fn pending(state: &str, created_at: u64) -> PendingSignIn {
        PendingSignIn {
            state: state.into(),
            nonce: "nonce".into(),
            code_verifier: Some(Secret::new("verifier")),
            response_type: PendingResponseType::Code,
            redirect_uri: "http://localhost:3000/callback".into(),
            scopes: "openid".into(),
            return_to: "/protected".into(),
            app_state: None,
            created_at,
        }
    }

    const SECRET: &str = "a secret of at least thirty-two characters";

    #[test]
    fn sign_ins_of_several_tabs_each_complete_once() {
        let keys = keyring(SECRET);
        let mut jar = None;
        for state in ["tab-one-state-aaaaaaaaaa", "tab-two-state-bbbbbbbbbb"] {
            let mut pending = PendingSignIns::read(&keys, jar.as_deref(), NOW);
            pending.push(super::tests::pending(state, NOW));
            jar = pending.seal(&keys);
        }
        for state in ["tab-two-state-bbbbbbbbbb", "tab-one-state-aaaaaaaaaa"] {
            let mut pending = PendingSignIns::read(&keys, jar.as_deref(), NOW + 5);
            assert_eq!(pending.take(state).unwrap().return_to, "/protected");
            jar = pending.seal(&keys);
            // Replayed: gone.
            let mut again = PendingSignIns::read(&keys, jar.as_deref(), NOW + 5);
            assert!(again.take(state).is_none(), "{state} taken twice");
        }
        assert_eq!(jar, None, "nothing pending: the cookie goes");
    }

    #[test]
    fn bounded_oldest_dropped_and_expired_ones_forgotten() {
        let keys = keyring(SECRET);
        let mut pending = PendingSignIns::default();
        for i in 0..MAX_PENDING_SIGN_INS + 2 {
            pending.push(super::tests::pending(
                &format!("state-number-{i:010}"),
                NOW + i as u64,
            ));
        }
        let sealed = pending.seal(&keys);
        let mut read = PendingSignIns::read(&keys, sealed.as_deref(), NOW);
        assert_eq!(read.entries.len(), MAX_PENDING_SIGN_INS);
        assert!(
            read.take("state-number-0000000000").is_none(),
            "the oldest went"
        );
        let late = NOW + PENDING_SIGN_IN_TTL + 60;
        assert!(PendingSignIns::read(&keys, sealed.as_deref(), late).is_empty());
    }

    #[test]
    fn a_tampered_or_foreign_cookie_holds_nothing() {
        let keys = keyring(SECRET);
        let mut pending = PendingSignIns::default();
        pending.push(super::tests::pending("state-of-this-browser-x", NOW));
        let sealed = pending.seal(&keys).unwrap();
        let mut changed = sealed.clone().into_bytes();
        changed[20] = if changed[20] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap();
        for cookie in [changed.as_str(), "junk", ""] {
            assert!(
                PendingSignIns::read(&keys, Some(cookie), NOW).is_empty(),
                "{cookie}"
            );
        }
        let other = keyring("another secret of at least thirty-two chars");
        assert!(PendingSignIns::read(&other, Some(&sealed), NOW).is_empty());
    }

    #[test]
    fn huge_return_paths_still_fit_a_cookie() {
        let keys = keyring(SECRET);
        let mut pending = PendingSignIns::default();
        for i in 0..MAX_PENDING_SIGN_INS {
            let mut p = super::tests::pending(&format!("state-number-{i:010}"), NOW);
            p.return_to = format!("/{}", "x".repeat(2_000));
            pending.push(p);
        }
        let sealed = pending.seal(&keys).unwrap();
        assert!(sealed.len() <= MAX_SEALED_BYTES, "{}", sealed.len());
        let mut read = PendingSignIns::read(&keys, Some(&sealed), NOW);
        assert!(read
            .take(&format!("state-number-{:010}", MAX_PENDING_SIGN_INS - 1))
            .is_some());

        // One return path too large on its own (quotes, each escaped in JSON: a link's
        // `return_to=%22%22...`): its query goes, then all but `/`.
        for (return_to, lands_on) in [
            (format!("/search?q={}", "\"".repeat(2_000)), "/search"),
            (format!("/{}", "\"".repeat(2_000)), "/"),
        ] {
            let mut pending = PendingSignIns::default();
            pending.push(super::tests::pending("the-one-state", NOW));
            pending.entries[0].return_to = return_to;
            let sealed = pending.seal(&keys).unwrap();
            assert!(sealed.len() <= MAX_SEALED_BYTES, "{}", sealed.len());
            let mut read = PendingSignIns::read(&keys, Some(&sealed), NOW);
            assert_eq!(read.take("the-one-state").unwrap().return_to, lands_on);
        }
    }
}
