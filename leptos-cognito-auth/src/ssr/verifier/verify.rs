//! [`CognitoJwtVerifier`]: checks Cognito ID and access tokens the way AWS prescribes.

use std::sync::Arc;
use std::time::Duration;

use super::claims::{check, VerifiedUser};
use super::error::VerifyError;
use super::jwks::{JwksCache, JwksStats};
use super::keys::VerifyingKey;
use super::token::{parse_jws, Jws, Payload, MAX_TOKEN_BYTES};
use super::validation::Validation;
use super::verified_cache::VerifiedCache;
use crate::client::Clock;

/// Verifies Cognito JWTs against the user pool's JWKS: structure, `alg` = RS256, key by
/// `kid` from the JWKS of the issuer the token names (when it is an accepted one), RSA
/// PKCS#1 v1.5 SHA-256 signature (aws-lc-rs), `exp` / `nbf` / `iat` with a small leeway,
/// `iss` (one of the accepted issuers: for a user pool, its issuer in either
/// [format](crate::protocol::IssuerFormat), in its Region and any
/// [additional Regions](super::CognitoJwtVerifierBuilder::additional_regions)), `token_use`,
/// the app client, then required
/// groups and scopes. Tokens that passed are remembered (bounded, see
/// [`CognitoJwtVerifierBuilder::verified_token_cache`](super::CognitoJwtVerifierBuilder::verified_token_cache)) so a token reused across requests
/// is not RSA-checked again; its time checks are redone on every use.
///
/// Cheap to clone (the JWKS caches are shared): keep one per user pool in the axum state,
/// an `Extension`, or the Leptos context.
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
    /// The accepted issuers, at least one; the first is the primary one.
    pub issuers: Vec<Issuer>,
    pub validation: Validation,
    pub verified: VerifiedCache,
    pub clock: Arc<dyn Clock + Send + Sync>,
    pub token_cookie: Option<String>,
}

/// An accepted issuer and the JWKS cache its keys come from (shared by issuers whose JWKS
/// is at the same location).
pub(crate) struct Issuer {
    pub iss: String,
    pub jwks: Arc<JwksCache>,
}

impl std::fmt::Debug for CognitoJwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let issuers: Vec<(&str, &str)> = self
            .inner
            .issuers
            .iter()
            .map(|i| (i.iss.as_str(), i.jwks.url()))
            .collect();
        f.debug_struct("CognitoJwtVerifier")
            .field("issuers_and_jwks_urls", &issuers)
            .field("validation", &self.inner.validation)
            .field("token_cookie", &self.inner.token_cookie)
            .finish_non_exhaustive()
    }
}

impl CognitoJwtVerifier {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The primary issuer: the only one of a verifier [for an issuer](Self::for_issuer),
    /// the original-format one of a verifier [for a user pool](Self::for_user_pool).
    pub fn issuer(&self) -> &str {
        &self.primary().iss
    }

    /// Every issuer tokens may name in `iss`, the primary one first.
    pub fn issuers(&self) -> Vec<&str> {
        self.inner.issuers.iter().map(|i| i.iss.as_str()).collect()
    }

    /// Where the primary issuer's signing keys are fetched from.
    pub fn jwks_url(&self) -> &str {
        self.primary().jwks.url()
    }

    /// Where the signing keys of the accepted issuer `issuer` are fetched from; `None` if
    /// `issuer` is not accepted.
    pub fn jwks_url_for(&self, issuer: &str) -> Option<&str> {
        self.issuer_named(issuer).map(|i| i.jwks.url())
    }

    /// The claim checks in force.
    pub fn validation(&self) -> &Validation {
        &self.inner.validation
    }

    /// The cookie the axum extractor and [`require_user`](crate::ssr::require_user) read the
    /// token from when there is no `Authorization` header (see
    /// [`CognitoJwtVerifierBuilder::token_cookie`](super::CognitoJwtVerifierBuilder::token_cookie)).
    pub fn token_cookie(&self) -> Option<&str> {
        self.inner.token_cookie.as_deref()
    }

    /// What the JWKS caches have done so far, added up over the distinct JWKS locations
    /// (see [`jwks_stats_for`](Self::jwks_stats_for) for one issuer's).
    pub fn jwks_stats(&self) -> JwksStats {
        self.distinct_caches()
            .map(|cache| cache.stats())
            .fold(JwksStats::default(), |sum, s| JwksStats {
                fetches: sum.fetches + s.fetches,
                failures: sum.failures + s.failures,
                keys: sum.keys + s.keys,
            })
    }

    /// What the JWKS cache of the accepted issuer `issuer` has done so far (shared with the
    /// issuers whose keys are at the same location); `None` if `issuer` is not accepted.
    pub fn jwks_stats_for(&self, issuer: &str) -> Option<JwksStats> {
        self.issuer_named(issuer).map(|i| i.jwks.stats())
    }

    /// Fetches the primary issuer's JWKS now, so the first request does not wait for it.
    /// A failure is returned and no keys are kept from it: verification fetches again,
    /// after the pause [`jwks_refetch_interval`](super::CognitoJwtVerifierBuilder::jwks_refetch_interval)
    /// describes. (A user pool's
    /// other issuers are fetched when a token first names them, or now with
    /// [`prefetch_jwks_for`](Self::prefetch_jwks_for) or
    /// [`prefetch_all_jwks`](Self::prefetch_all_jwks).)
    pub async fn prefetch_jwks(&self) -> Result<(), VerifyError> {
        self.primary().jwks.refresh().await
    }

    /// Fetches the JWKS of every accepted issuer now, all at once, and reports each
    /// issuer's outcome (in [`issuers`](Self::issuers)' order) instead of failing as a whole:
    /// a pool's issuer in a format or Region it does not use answers an error (Cognito: 403),
    /// and that must not stop the others from being ready. Returns when every fetch has
    /// ended (each within the fetcher's timeout). A failed issuer is fetched again when a
    /// token names it, after a pause that grows while it keeps failing.
    ///
    /// ```no_run
    /// # async fn warm(verifier: leptos_cognito_auth::ssr::CognitoJwtVerifier) {
    /// for (issuer, outcome) in verifier.prefetch_all_jwks().await {
    ///     if let Err(e) = outcome {
    ///         eprintln!("no keys yet for {issuer}: {}", e.detail().unwrap_or(e.code()));
    ///     }
    /// }
    /// # }
    /// ```
    pub async fn prefetch_all_jwks(&self) -> Vec<(&str, Result<(), VerifyError>)> {
        let caches: Vec<&Arc<JwksCache>> = self.distinct_caches().collect();
        let outcomes = futures::future::join_all(caches.iter().map(|cache| cache.refresh())).await;
        self.inner
            .issuers
            .iter()
            .map(|issuer| {
                let outcome = caches
                    .iter()
                    .zip(&outcomes)
                    .find(|(cache, _)| Arc::ptr_eq(cache, &issuer.jwks))
                    .map_or(Ok(()), |(_, outcome)| outcome.clone());
                (issuer.iss.as_str(), outcome)
            })
            .collect()
    }

    /// Fetches the JWKS of the accepted issuer `issuer` now (`wrong_issuer` if it is not
    /// accepted).
    pub async fn prefetch_jwks_for(&self, issuer: &str) -> Result<(), VerifyError> {
        let issuer = self.issuer_named(issuer).ok_or(VerifyError::WrongIssuer)?;
        issuer.jwks.refresh().await
    }

    /// Loads a JWKS document into the primary issuer's cache without fetching (keys shipped
    /// with the app, or a cache shared between processes). A document with no usable key is
    /// refused.
    pub fn hydrate_jwks(&self, jwks_json: &[u8]) -> Result<(), VerifyError> {
        self.primary().jwks.hydrate(jwks_json)
    }

    /// [`hydrate_jwks`](Self::hydrate_jwks) for the accepted issuer `issuer`
    /// (`wrong_issuer` if it is not accepted).
    pub fn hydrate_jwks_for(&self, issuer: &str, jwks_json: &[u8]) -> Result<(), VerifyError> {
        let issuer = self.issuer_named(issuer).ok_or(VerifyError::WrongIssuer)?;
        issuer.jwks.hydrate(jwks_json)
    }

    /// Verifies a compact JWT and returns the user it vouches for.
    ///
    /// The only await is the JWKS: on a cold cache, or for a `kid` the cache does not know
    /// (at most one refetch per refetch interval), the keys are fetched; concurrent callers
    /// share that one fetch.
    pub async fn verify(&self, token: &str) -> Result<VerifiedUser, VerifyError> {
        if let Some(hit) = self.remembered(token) {
            return hit;
        }
        let jws = parse_jws(token)?;
        let claims = Payload::read(&jws.payload);
        let issuer = self.issuer_of(claims.as_ref());
        let key = self.inner.issuers[issuer].jwks.key(&jws.kid).await?;
        self.finish(token, &jws, claims, issuer, key)
    }

    /// Verifies with the cached keys only, without awaiting: a token whose key is not cached
    /// (cold cache, unknown `kid`) fails with `unknown_kid`. For synchronous code paths
    /// after [`prefetch_jwks`](Self::prefetch_jwks) or [`hydrate_jwks`](Self::hydrate_jwks).
    pub fn verify_cached(&self, token: &str) -> Result<VerifiedUser, VerifyError> {
        if let Some(hit) = self.remembered(token) {
            return hit;
        }
        let jws = parse_jws(token)?;
        let claims = Payload::read(&jws.payload);
        let issuer = self.issuer_of(claims.as_ref());
        let key = self.inner.issuers[issuer]
            .jwks
            .cached(&jws.kid)
            .ok_or(VerifyError::UnknownKid)?;
        self.finish(token, &jws, claims, issuer, key)
    }

    /// How many verified tokens are remembered (see
    /// [`CognitoJwtVerifierBuilder::verified_token_cache`](super::CognitoJwtVerifierBuilder::verified_token_cache)).
    pub fn verified_tokens_cached(&self) -> usize {
        self.inner.verified.len()
    }

    /// The refetch interval in force (for diagnostics).
    pub fn jwks_refetch_interval(&self) -> Duration {
        self.primary().jwks.refetch_interval()
    }

    fn primary(&self) -> &Issuer {
        &self.inner.issuers[0]
    }

    fn issuer_named(&self, iss: &str) -> Option<&Issuer> {
        self.inner.issuers.iter().find(|i| i.iss == iss)
    }

    /// Each JWKS cache once (issuers may share one).
    fn distinct_caches(&self) -> impl Iterator<Item = &Arc<JwksCache>> {
        let issuers = &self.inner.issuers;
        issuers.iter().enumerate().filter_map(move |(at, issuer)| {
            let first = issuers[..at]
                .iter()
                .all(|earlier| !Arc::ptr_eq(&earlier.jwks, &issuer.jwks));
            first.then_some(&issuer.jwks)
        })
    }

    /// The issuer whose JWKS must hold the key of a token with these claims (`None`: its
    /// payload is not a JSON object, refused after the signature check so that a forged
    /// token is reported as such): the one its `iss` names if that is an accepted issuer,
    /// else the primary one (the claim checks then refuse it, should its signature
    /// verify). No key is ever fetched from a location the token chose.
    fn issuer_of(&self, claims: Option<&Payload<'_>>) -> usize {
        claims
            .and_then(Payload::iss)
            .and_then(|iss| self.inner.issuers.iter().position(|i| i.iss == iss))
            .unwrap_or(0)
    }

    /// A token verified before, with its key still current: its time checks are redone.
    fn remembered(&self, token: &str) -> Option<Result<VerifiedUser, VerifyError>> {
        if !self.inner.verified.enabled() || token.len() > MAX_TOKEN_BYTES {
            return None;
        }
        let user = self.inner.verified.get(token, |issuer, kid| {
            self.inner.issuers.get(issuer)?.jwks.cached(kid)
        })?;
        let now = self.inner.clock.now();
        Some(
            user.check_time(now, self.inner.validation.leeway.as_secs())
                .map(|()| user),
        )
    }

    /// The signature, then the claims.
    fn finish(
        &self,
        token: &str,
        jws: &Jws<'_>,
        claims: Option<Payload<'_>>,
        issuer: usize,
        key: Arc<VerifyingKey>,
    ) -> Result<VerifiedUser, VerifyError> {
        if !key.verify(jws.signing_input, &jws.signature) {
            return Err(VerifyError::BadSignature);
        }
        let claims = claims.ok_or(VerifyError::Malformed("the payload is not a JSON object"))?;
        let accepted = &self.inner.issuers[issuer].iss;
        let user = check(
            claims,
            token,
            accepted,
            &self.inner.validation,
            self.inner.clock.now(),
        )?;
        self.inner.verified.insert(&user, issuer, &jws.kid, key);
        Ok(user)
    }
}
