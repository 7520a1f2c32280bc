//! [`CognitoJwtVerifierBuilder`]: every setting of a verifier, each default documented.

use std::sync::Arc;
use std::time::Duration;

use super::error::VerifierConfigError;
use super::fetch::{HttpJwksFetcher, JwksFetcher};
use super::jwks::{JwksCache, DEFAULT_JWKS_REFETCH_INTERVAL};
use super::validation::{ExpectedTokenUse, Validation, MAX_LEEWAY};
use super::verified_cache::{VerifiedCache, DEFAULT_VERIFIED_CACHE_CAPACITY};
use super::verifier::{CognitoJwtVerifier, Inner};
use crate::client::{Clock, SystemClock};
use crate::protocol::config::rules::{check_url, issuer_url, UrlRule};
use crate::protocol::IssuerFormat;

/// Builds a [`CognitoJwtVerifier`]. Start from
/// [`CognitoJwtVerifier::for_user_pool`] or [`CognitoJwtVerifier::for_issuer`].
///
/// Defaults (secure unless changed, see [`Validation`]): access tokens only, no client
/// accepted until one is named (building without one fails), no group or scope required,
/// 10 s leeway (60 s at most), JWKS over HTTPS with [`HttpJwksFetcher`], at most one
/// fruitless unknown-`kid` refetch per 30 s, the system clock, no token cookie, 4096 verified tokens
/// remembered.
///
/// ```
/// use std::time::Duration;
/// use leptos_cognito_auth::ssr::{CognitoJwtVerifier, ExpectedTokenUse};
/// let verifier = CognitoJwtVerifier::for_user_pool("us-east-1_AbC123")
///     .client_ids(["web-client", "mobile-client"])
///     .token_use(ExpectedTokenUse::Either)
///     .require_group("staff")
///     .leeway(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// assert_eq!(verifier.validation().client_ids.len(), 2);
/// assert!(CognitoJwtVerifier::for_user_pool("us-east-1_AbC123").build().is_err()); // no client
/// ```
#[must_use]
pub struct CognitoJwtVerifierBuilder {
    issuer: Result<String, VerifierConfigError>,
    jwks_url: Option<String>,
    validation: Validation,
    refetch_interval: Duration,
    fetcher: Option<Arc<dyn JwksFetcher>>,
    clock: Arc<dyn Clock + Send + Sync>,
    token_cookie: Option<String>,
    verified_capacity: usize,
}

/// `https://`, or `http://` to a loopback host; no fragment, no query.
fn secure_url(url: &str) -> Result<String, VerifierConfigError> {
    check_url(url, UrlRule::BASE)
        .map(|_| url.to_owned())
        .map_err(|_| VerifierConfigError::InsecureUrl(url.to_owned()))
}

impl CognitoJwtVerifierBuilder {
    fn with_issuer(issuer: Result<String, VerifierConfigError>) -> Self {
        Self {
            issuer,
            jwks_url: None,
            validation: Validation::default(),
            refetch_interval: DEFAULT_JWKS_REFETCH_INTERVAL,
            fetcher: None,
            clock: Arc::new(SystemClock),
            token_cookie: None,
            verified_capacity: DEFAULT_VERIFIED_CACHE_CAPACITY,
        }
    }

    pub(crate) fn for_user_pool(pool_id: &str) -> Self {
        Self::with_issuer(
            IssuerFormat::Original
                .issuer(pool_id)
                .ok_or_else(|| VerifierConfigError::InvalidUserPoolId(pool_id.to_owned())),
        )
    }

    pub(crate) fn for_issuer(issuer: &str) -> Self {
        Self::with_issuer(
            issuer_url(issuer, false)
                .map_err(|_| VerifierConfigError::InsecureUrl(issuer.to_owned())),
        )
    }

    /// Fetch the JWKS from this URL instead of `<issuer>/.well-known/jwks.json`.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Which tokens to accept. Default: [`ExpectedTokenUse::Access`].
    pub fn token_use(mut self, token_use: ExpectedTokenUse) -> Self {
        self.validation.token_use = token_use;
        self
    }

    /// Adds an allowed app client id. At least one is required.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.validation.client_ids.push(client_id.into());
        self
    }

    /// Adds several allowed app client ids.
    pub fn client_ids<I, S>(mut self, client_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.validation
            .client_ids
            .extend(client_ids.into_iter().map(Into::into));
        self
    }

    /// Requires membership of `group` (`cognito:groups`); repeated calls require all of
    /// them. A missing group is `missing_group` (403). Default: none.
    pub fn require_group(mut self, group: impl Into<String>) -> Self {
        self.validation.required_groups.push(group.into());
        self
    }

    /// Requires membership of at least one of `groups`. Default: none.
    pub fn require_any_group<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.validation
            .any_of_groups
            .extend(groups.into_iter().map(Into::into));
        self
    }

    /// Requires the access token to carry `scope`; repeated calls require all of them. A
    /// missing scope is `missing_scope` (403). Needs access tokens: ID tokens carry no
    /// scopes, so with [`ExpectedTokenUse::Id`] building fails, and with
    /// [`ExpectedTokenUse::Either`] an ID token is refused with `missing_scope`.
    pub fn require_scope(mut self, scope: impl Into<String>) -> Self {
        self.validation.required_scopes.push(scope.into());
        self
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat`. Default 10 s; more than 60 s fails
    /// the build.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.validation.leeway = leeway;
        self
    }

    /// Rate limit for JWKS refetches caused by unknown `kid`s: after such a refetch fails or
    /// does not find the `kid`, unknown `kid`s are refused without fetching for this long
    /// (a refetch that finds a rotated key starts no quiet period). So tokens with made-up
    /// `kid`s cause at most one fetch per interval. A cold cache is always fetched
    /// (concurrent requests share one fetch) and a failed fetch is not cached. Default: 30 s.
    pub fn jwks_refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// How the JWKS is fetched. Default: [`HttpJwksFetcher`].
    pub fn jwks_fetcher(mut self, fetcher: impl JwksFetcher) -> Self {
        self.fetcher = Some(Arc::new(fetcher));
        self
    }

    /// The clock used for `exp`, `nbf` and `iat`. Default: [`SystemClock`].
    pub fn clock(mut self, clock: impl Clock + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// A cookie the axum extractor and [`require_user`](super::require_user) read the
    /// token from when the request has no `Authorization` header (cookie session mode).
    /// Default: none, only `Authorization: Bearer` is read.
    pub fn token_cookie(mut self, name: impl Into<String>) -> Self {
        self.token_cookie = Some(name.into());
        self
    }

    /// How many verified tokens to remember, so a token reused across requests is checked
    /// with one hash lookup instead of an RSA signature verification. Only tokens that
    /// passed every check are remembered, keyed by the SHA-256 of the whole token; `exp`,
    /// `nbf` and `iat` are checked again on each use; a JWKS refetch invalidates them.
    /// When full, the cache is emptied. `0` disables it. Default: 4096 (a few MB).
    pub fn verified_token_cache(mut self, capacity: usize) -> Self {
        self.verified_capacity = capacity;
        self
    }

    /// Checks the settings and builds the verifier. No I/O happens here.
    pub fn build(self) -> Result<CognitoJwtVerifier, VerifierConfigError> {
        let issuer = self.issuer?;
        let jwks_url = match self.jwks_url {
            Some(url) => secure_url(&url)?,
            None => format!("{issuer}/.well-known/jwks.json"),
        };
        let mut validation = self.validation;
        validation.client_ids.retain(|c| !c.is_empty());
        if validation.client_ids.is_empty() {
            return Err(VerifierConfigError::NoClientId);
        }
        if validation.leeway > MAX_LEEWAY {
            return Err(VerifierConfigError::LeewayTooLarge);
        }
        if !validation.required_scopes.is_empty() && validation.token_use == ExpectedTokenUse::Id {
            return Err(VerifierConfigError::ScopesWithIdTokens);
        }
        let fetcher = self
            .fetcher
            .unwrap_or_else(|| Arc::new(HttpJwksFetcher::new()));
        Ok(CognitoJwtVerifier::from_inner(Inner {
            issuer,
            validation,
            jwks: JwksCache::new(jwks_url, fetcher, self.refetch_interval),
            verified: VerifiedCache::new(self.verified_capacity),
            clock: self.clock,
            token_cookie: self.token_cookie,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(secure_url("https://idp.example.com/pool").is_ok());
        assert!(secure_url("http://localhost:9229/pool").is_ok());
        assert!(secure_url("http://[::1]:9229/pool").is_ok());
        for bad in [
            "http://idp.example.com/pool",
            "ftp://x/y",
            "https://x/y?q",
            "https://x/y#f",
            "/rel",
        ] {
            assert!(secure_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn build_errors() {
        let b = || CognitoJwtVerifier::for_issuer("https://idp.example.com/p").client_id("c");
        assert!(b().build().is_ok());
        assert_eq!(
            b().leeway(Duration::from_secs(61)).build().unwrap_err(),
            VerifierConfigError::LeewayTooLarge
        );
        assert_eq!(
            b().token_use(ExpectedTokenUse::Id)
                .require_scope("s")
                .build()
                .unwrap_err(),
            VerifierConfigError::ScopesWithIdTokens
        );
        assert!(matches!(
            b().jwks_url("http://keys.example.com/jwks")
                .build()
                .unwrap_err(),
            VerifierConfigError::InsecureUrl(_)
        ));
        assert_eq!(
            CognitoJwtVerifier::for_issuer("https://idp.example.com/p")
                .client_id("")
                .build()
                .unwrap_err(),
            VerifierConfigError::NoClientId
        );
    }
}
