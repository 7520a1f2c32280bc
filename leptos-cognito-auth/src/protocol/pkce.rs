//! PKCE (RFC 7636, S256 only) and the random values of a sign-in request.

use sha2::{Digest, Sha256};

use super::encoding::base64url;

/// A source of cryptographically secure random bytes: `crypto.getRandomValues` in the
/// browser, the OS generator on the server, a fixed sequence in tests.
pub trait RandomSource {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

impl<F: Fn(&mut [u8])> RandomSource for F {
    fn fill(&self, buf: &mut [u8]) {
        self(buf)
    }
}

/// 32 random bytes (256 bits) as 43 base64url characters: used for `state`, `nonce` and
/// the PKCE code verifier (which RFC 7636 wants 43 to 128 characters long).
pub(crate) fn random_token(rng: &dyn RandomSource) -> String {
    let mut bytes = [0u8; 32];
    rng.fill(&mut bytes);
    base64url(&bytes)
}

/// The S256 code challenge of a verifier: `base64url(sha256(verifier))`.
///
/// ```
/// use leptos_cognito_auth::protocol::code_challenge_s256;
/// // The example from RFC 7636, appendix B.
/// assert_eq!(
///     code_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
///     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
/// );
/// ```
pub fn code_challenge_s256(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_token_has_256_bits_and_rfc_length() {
        let counter = std::cell::Cell::new(0u8);
        let rng = |buf: &mut [u8]| {
            for b in buf {
                *b = counter.get();
                counter.set(counter.get().wrapping_add(1));
            }
        };
        let a = random_token(&rng);
        let b = random_token(&rng);
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }
}
