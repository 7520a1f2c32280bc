//! [`CognitoJwtVerifier`]: checks Cognito ID and access tokens the way AWS prescribes.

use std::sync::Arc;
use std::time::Duration;

use super::builder::CognitoJwtVerifierBuilder;
use super::claims::{check, VerifiedUser};
use super::error::VerifyError;
use super::jwks::{JwksCache, JwksStats};
use super::keys::VerifyingKey;
use super::token::{parse_jws, Jws, MAX_TOKEN_BYTES};
use super::validation::Validation;
use super::verified_cache::{digest, VerifiedCache};
use crate::client::Clock;

/// Verifies Cognito JWTs against the user pool's JWKS: structure, `alg` = RS256, key by
/// `kid`, RSA PKCS#1 v1.5 SHA-256 signature, `exp` / `nbf` / `iat` with a small leeway,
/// `iss`, `token_use`, the app client, then required groups and scopes. Tokens that passed
/// are remembered (by SHA-256, bounded, see
/// [`CognitoJwtVerifierBuilder::verified_token_cache`]) so a token reused across requests
/// is not RSA-checked again; its time checks are redone on every use.
///
/// Cheap to clone (the JWKS cache is shared): keep one per user pool in the axum state, an
/// `Extension`, or the Leptos context.
///
/// ```no_run
/// use leptos_cognito_auth::ssr::{CognitoJwtVerifier, ExpectedTokenUse};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = CognitoJwtVerifier::for_user_pool("eu-west-1_AbCdEf123")
///     .client_id("4n0th3r-app-client-id")
///     .token_use(ExpectedTokenUse::Access)
///     .build()?;
/// let user = verifier.verify("eyJraWQiOi...").await?;
/// println!("hello {}", user.username().unwrap_or(user.sub()));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CognitoJwtVerifier {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub issuer: String,
    pub validation: Validation,
    pub jwks: JwksCache,
    pub verified: VerifiedCache,
    pub clock: Arc<dyn Clock + Send + Sync>,
    pub token_cookie: Option<String>,
}

impl std::fmt::Debug for CognitoJwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CognitoJwtVerifier")
            .field("issuer", &self.inner.issuer)
            .field("jwks_url", &self.inner.jwks.url())
            .field("validation", &self.inner.validation)
            .field("token_cookie", &self.inner.token_cookie)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Remembered {
    digest: Option<[u8; 32]>,
    hit: Option<Result<VerifiedUser, VerifyError>>,
}

impl CognitoJwtVerifier {
    /// A builder for the user pool `pool_id` (`<region>_<id>`): the issuer is
    /// `https://cognito-idp.<region>.amazonaws.com/<pool_id>`, the JWKS is under it at
    /// `/.well-known/jwks.json`.
    ///
    /// ```
    /// use leptos_cognito_auth::ssr::CognitoJwtVerifier;
    /// let v = CognitoJwtVerifier::for_user_pool("eu-west-1_AbC123").client_id("c").build().unwrap();
    /// assert_eq!(v.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
    /// assert_eq!(v.jwks_url(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json");
    /// ```
    pub fn for_user_pool(pool_id: &str) -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder::for_user_pool(pool_id)
    }

    /// A builder for an explicit issuer (a local emulator, another region's endpoint). The
    /// JWKS defaults to `<issuer>/.well-known/jwks.json`; change it with
    /// [`CognitoJwtVerifierBuilder::jwks_url`]. `https` is required except for loopback hosts.
    ///
    /// ```
    /// use leptos_cognito_auth::ssr::CognitoJwtVerifier;
    /// let v = CognitoJwtVerifier::for_issuer("http://127.0.0.1:9229/us-east-1_LocalPool")
    ///     .client_id("local-spa-client")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(v.jwks_url(), "http://127.0.0.1:9229/us-east-1_LocalPool/.well-known/jwks.json");
    /// assert!(CognitoJwtVerifier::for_issuer("http://idp.example.com/x").client_id("c").build().is_err());
    /// ```
    pub fn for_issuer(issuer: &str) -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder::for_issuer(issuer)
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The issuer tokens must name in `iss`.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// Where the signing keys are fetched from.
    pub fn jwks_url(&self) -> &str {
        self.inner.jwks.url()
    }

    /// The claim checks in force.
    pub fn validation(&self) -> &Validation {
        &self.inner.validation
    }

    /// The cookie the axum extractor and [`require_user`](super::require_user) read the
    /// token from when there is no `Authorization` header (see
    /// [`CognitoJwtVerifierBuilder::token_cookie`]).
    pub fn token_cookie(&self) -> Option<&str> {
        self.inner.token_cookie.as_deref()
    }

    /// What the JWKS cache has done so far.
    pub fn jwks_stats(&self) -> JwksStats {
        self.inner.jwks.stats()
    }

    /// Fetches the JWKS now, so the first request does not wait for it. A failure is
    /// returned and not cached: verification fetches again.
    pub async fn prefetch_jwks(&self) -> Result<(), VerifyError> {
        self.inner.jwks.refresh().await
    }

    /// Loads a JWKS document into the cache without fetching (keys shipped with the app,
    /// or a cache shared between processes). A document with no usable key is refused.
    pub fn hydrate_jwks(&self, jwks_json: &[u8]) -> Result<(), VerifyError> {
        self.inner.jwks.hydrate(jwks_json)
    }

    /// Verifies a compact JWT and returns the user it vouches for.
    ///
    /// The only await is the JWKS: on a cold cache, or for a `kid` the cache does not know
    /// (at most one refetch per refetch interval), the keys are fetched; concurrent callers
    /// share that one fetch.
    pub async fn verify(&self, token: &str) -> Result<VerifiedUser, VerifyError> {
        let remembered = self.remembered(token);
        if let Some(hit) = remembered.hit {
            return hit;
        }
        let jws = parse_jws(token)?;
        let key = self.inner.jwks.key(&jws.kid).await?;
        self.finish(token, &jws, key, remembered.digest)
    }

    /// Verifies with the cached keys only, without awaiting: a token whose key is not cached
    /// (cold cache, unknown `kid`) fails with `unknown_kid`. For synchronous code paths
    /// after [`prefetch_jwks`](Self::prefetch_jwks) or [`hydrate_jwks`](Self::hydrate_jwks).
    pub fn verify_cached(&self, token: &str) -> Result<VerifiedUser, VerifyError> {
        let remembered = self.remembered(token);
        if let Some(hit) = remembered.hit {
            return hit;
        }
        let jws = parse_jws(token)?;
        let key = self
            .inner
            .jwks
            .cached(&jws.kid)
            .ok_or(VerifyError::UnknownKid)?;
        self.finish(token, &jws, key, remembered.digest)
    }

    /// How many verified tokens are remembered (see
    /// [`CognitoJwtVerifierBuilder::verified_token_cache`]).
    pub fn verified_tokens_cached(&self) -> usize {
        self.inner.verified.len()
    }

    /// A token verified before, with its key still current: its time checks are redone.
    fn remembered(&self, token: &str) -> Remembered {
        if !self.inner.verified.enabled() || token.len() > MAX_TOKEN_BYTES {
            return Remembered::default();
        }
        let digest = digest(token);
        let hit = self
            .inner
            .verified
            .get(&digest, |kid| self.inner.jwks.cached(kid))
            .map(|user| {
                let now = self.inner.clock.now();
                user.check_time(now, self.inner.validation.leeway.as_secs())
                    .map(|()| user)
            });
        Remembered {
            digest: Some(digest),
            hit,
        }
    }

    fn finish(
        &self,
        token: &str,
        jws: &Jws<'_>,
        key: Arc<VerifyingKey>,
        digest: Option<[u8; 32]>,
    ) -> Result<VerifiedUser, VerifyError> {
        if !key.verify(jws.signing_input, &jws.signature) {
            return Err(VerifyError::BadSignature);
        }
        let user = check(
            &jws.payload,
            token,
            &self.inner.issuer,
            &self.inner.validation,
            self.inner.clock.now(),
        )?;
        if let Some(digest) = digest {
            self.inner.verified.insert(digest, &user, &jws.kid, key);
        }
        Ok(user)
    }

    /// The refetch interval in force (for diagnostics).
    pub fn jwks_refetch_interval(&self) -> Duration {
        self.inner.jwks.refetch_interval()
    }
}
