//! [`CognitoJwtVerifierBuilder`]: every setting of a verifier, each default documented.

use std::sync::Arc;
use std::time::Duration;

use super::error::VerifierConfigError;
use super::fetch::{HttpJwksFetcher, JwksFetcher};
use super::jwks::{JwksCache, DEFAULT_JWKS_REFETCH_INTERVAL};
use super::validation::{ExpectedTokenUse, Validation, MAX_LEEWAY};
use super::verified_cache::{VerifiedCache, DEFAULT_VERIFIED_CACHE_CAPACITY};
use super::verify::{CognitoJwtVerifier, Inner, Issuer};
use crate::client::{Clock, SystemClock};
use crate::protocol::config::rules::{
    check_url, issuer_url, pool_issuers, pool_issuers_in, UrlRule,
};

/// Builds a [`CognitoJwtVerifier`]. Start from
/// [`CognitoJwtVerifier::for_user_pool`] or [`CognitoJwtVerifier::for_issuer`].
///
/// Defaults (secure unless changed, see [`Validation`]): access tokens only, no client
/// accepted until one is named (building without one fails), no group or scope required,
/// 10 s leeway (60 s at most), a user pool's issuers in its own Region only, each issuer's
/// JWKS at `<issuer>/.well-known/jwks.json`
/// fetched over HTTPS with [`HttpJwksFetcher`], at most one
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
    /// The accepted issuers, the primary one first.
    issuers: Result<Vec<String>, VerifierConfigError>,
    /// The user pool id, for a verifier for a user pool.
    pool_id: Option<String>,
    /// Other Regions of the user pool (multi-Region replication).
    regions: Vec<String>,
    /// Where every issuer's JWKS is, unless `jwks_urls` names another place for it.
    jwks_url: Option<String>,
    /// (issuer, JWKS location) pairs.
    jwks_urls: Vec<(String, String)>,
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
    fn with_issuers(issuers: Result<Vec<String>, VerifierConfigError>) -> Self {
        Self {
            issuers,
            pool_id: None,
            regions: Vec::new(),
            jwks_url: None,
            jwks_urls: Vec::new(),
            validation: Validation::default(),
            refetch_interval: DEFAULT_JWKS_REFETCH_INTERVAL,
            fetcher: None,
            clock: Arc::new(SystemClock),
            token_cookie: None,
            verified_capacity: DEFAULT_VERIFIED_CACHE_CAPACITY,
        }
    }

    pub(crate) fn for_user_pool(pool_id: &str) -> Self {
        Self {
            pool_id: Some(pool_id.to_owned()),
            ..Self::with_issuers(
                pool_issuers(pool_id)
                    .map(Vec::from)
                    .ok_or_else(|| VerifierConfigError::InvalidUserPoolId(pool_id.to_owned())),
            )
        }
    }

    pub(crate) fn for_issuer(issuer: &str) -> Self {
        Self::with_issuers(
            issuer_url(issuer, false)
                .map(|issuer| vec![issuer])
                .map_err(|_| VerifierConfigError::InsecureUrl(issuer.to_owned())),
        )
    }

    /// Fetch the JWKS of every accepted issuer from this one URL instead of
    /// `<issuer>/.well-known/jwks.json` (a mirror or a proxy of it, an emulator), except for
    /// issuers given their own location with [`jwks_url_for`](Self::jwks_url_for).
    /// `https` is required except for loopback hosts.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Fetch the JWKS of the accepted issuer `issuer` from `url` instead of
    /// `<issuer>/.well-known/jwks.json`: for a server that cannot reach AWS directly and
    /// reads the pool's keys from a mirror or a proxy, or for a development server (such as
    /// `cognito-local`) that issues tokens in a Cognito issuer format but serves the keys
    /// itself. The issuer still has to be one the verifier accepts (building fails with
    /// [`VerifierConfigError::UnknownIssuer`] otherwise), tokens naming it still need its
    /// keys' signatures, and the location is chosen here, never by a token. `https` is
    /// required except for loopback hosts.
    ///
    /// ```
    /// use leptos_cognito_auth::ssr::CognitoJwtVerifier;
    /// let updated = "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123";
    /// let v = CognitoJwtVerifier::for_user_pool("eu-west-1_AbC123")
    ///     .client_id("c")
    ///     .jwks_url_for(updated, "http://127.0.0.1:9229/eu-west-1_AbC123/.well-known/jwks.json")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(v.jwks_url_for(updated), Some("http://127.0.0.1:9229/eu-west-1_AbC123/.well-known/jwks.json"));
    /// // The original-format issuer keeps its own JWKS.
    /// assert_eq!(v.jwks_url(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json");
    /// ```
    pub fn jwks_url_for(mut self, issuer: impl Into<String>, url: impl Into<String>) -> Self {
        self.jwks_urls.push((issuer.into(), url.into()));
        self
    }

    /// Also accepts the user pool's issuer in these AWS Regions, each in both
    /// [formats](crate::protocol::IssuerFormat), for a pool with multi-Region replication:
    /// the pool id and app client ids are the same in every Region, and with the original
    /// issuer format a token issued in a replica Region names that Region's issuer
    /// (`https://cognito-idp.<replica>.amazonaws.com/<pool id>`). Default: none, only the
    /// pool's own Region (the one in its id; naming it here changes nothing).
    ///
    /// Each issuer's keys come from its own JWKS (`<issuer>/.well-known/jwks.json`, or
    /// [`jwks_url_for`](Self::jwks_url_for)), each with its own cache and fetch: a JWKS that
    /// fails (an error status such as the 403 of an issuer the pool does not use, a
    /// timeout, a broken document) makes only the tokens naming that issuer wait or fail
    /// with `jwks_unavailable`, never the others. A Region that is not a Region name fails
    /// the build ([`VerifierConfigError::InvalidRegion`]), and so do Regions on a verifier
    /// [for an issuer](CognitoJwtVerifier::for_issuer).
    ///
    /// ```
    /// use leptos_cognito_auth::ssr::CognitoJwtVerifier;
    /// let v = CognitoJwtVerifier::for_user_pool("eu-west-1_AbC123")
    ///     .client_id("c")
    ///     .additional_regions(["us-east-1"])
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(v.issuers(), [
    ///     "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    ///     "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    ///     "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_AbC123",
    ///     "https://issuer-cognito-idp.us-east-1.amazonaws.com/eu-west-1_AbC123",
    /// ]);
    /// assert_eq!(
    ///     v.jwks_url_for("https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_AbC123"),
    ///     Some("https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json")
    /// );
    /// ```
    pub fn additional_regions<I, S>(mut self, regions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.regions.extend(regions.into_iter().map(Into::into));
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
    /// `kid`s cause at most one fetch per interval. A cache with no keys yet is fetched on
    /// the first token that needs it (concurrent requests share one fetch); after a failed
    /// fetch, tokens are refused with its error for 1 s before the next one, then 2 s,
    /// 4 s, ... up to this interval while the failures last (a pool's issuer in the format
    /// it does not use answers 403 for ever, and tokens naming it cost nothing to forge).
    /// [`prefetch_jwks`](super::CognitoJwtVerifier::prefetch_jwks) fetches whatever the
    /// pause. `Duration::ZERO` turns every pause off. Default: 30 s.
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

    /// A cookie the axum extractor and [`require_user`](crate::ssr::require_user) read the
    /// token from when the request has no `Authorization` header (cookie session mode).
    /// Like every session cookie, it is not read for a state-changing request another site
    /// made (a cross-site form post: see
    /// [`is_same_origin_request`](crate::ssr::is_same_origin_request)), so that other sites
    /// cannot act with it. Default: none, only `Authorization: Bearer` is read.
    pub fn token_cookie(mut self, name: impl Into<String>) -> Self {
        self.token_cookie = Some(name.into());
        self
    }

    /// How many verified tokens to remember, so a token reused across requests is checked
    /// with one hash lookup instead of an RSA signature verification. Only tokens that
    /// passed every check are remembered, found by their signature and used only for the
    /// very same token (compared byte for byte); `exp`, `nbf` and `iat` are checked again on
    /// each use; a JWKS refetch invalidates them.
    /// When full, the cache is emptied. `0` disables it. Default: 4096 (a few MB).
    pub fn verified_token_cache(mut self, capacity: usize) -> Self {
        self.verified_capacity = capacity;
        self
    }

    /// Checks the settings and builds the verifier. No I/O happens here.
    pub fn build(self) -> Result<CognitoJwtVerifier, VerifierConfigError> {
        let mut accepted = self.issuers?;
        if !self.regions.is_empty() {
            let pool = self
                .pool_id
                .as_deref()
                .ok_or(VerifierConfigError::RegionsWithoutUserPool)?;
            for region in &self.regions {
                let issuers = pool_issuers_in(pool, region)
                    .ok_or_else(|| VerifierConfigError::InvalidRegion(region.clone()))?;
                // The pool's own Region, or a repeated one, adds nothing.
                for issuer in issuers {
                    if !accepted.contains(&issuer) {
                        accepted.push(issuer);
                    }
                }
            }
        }
        let shared_url = self.jwks_url.as_deref().map(secure_url).transpose()?;
        for (issuer, url) in &self.jwks_urls {
            if !accepted.contains(issuer) {
                return Err(VerifierConfigError::UnknownIssuer(issuer.clone()));
            }
            secure_url(url)?;
        }
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
        // One cache per JWKS location: issuers whose keys are at the same place share it.
        let mut issuers: Vec<Issuer> = Vec::with_capacity(accepted.len());
        for iss in accepted {
            let url = match self.jwks_urls.iter().rev().find(|(i, _)| *i == iss) {
                Some((_, url)) => url.clone(),
                None => shared_url
                    .clone()
                    .unwrap_or_else(|| format!("{iss}/.well-known/jwks.json")),
            };
            let jwks = match issuers.iter().find(|i| i.jwks.url() == url) {
                Some(sharing) => sharing.jwks.clone(),
                None => Arc::new(JwksCache::new(url, fetcher.clone(), self.refetch_interval)),
            };
            issuers.push(Issuer { iss, jwks });
        }
        Ok(CognitoJwtVerifier::from_inner(Inner {
            issuers,
            validation,
            verified: VerifiedCache::new(self.verified_capacity),
            clock: self.clock,
            token_cookie: self.token_cookie,
        }))
    }
}

/// The verifier's constructors: a builder for a user pool or for one issuer.
impl CognitoJwtVerifier {
    /// A builder for the user pool `pool_id` (`<region>_<id>`). Tokens naming the pool's
    /// issuer in either [format](crate::protocol::IssuerFormat) are accepted (in the pool's
    /// Region, and in the Regions named with
    /// [`additional_regions`](CognitoJwtVerifierBuilder::additional_regions)):
    /// `https://cognito-idp.<region>.amazonaws.com/<pool_id>` (the original one, the
    /// primary [`issuer`](Self::issuer)) and
    /// `https://issuer-cognito-idp.<region>.amazonaws.com/<pool_id>` (the updated one). Each
    /// token's keys come from the JWKS of the issuer it names, `<issuer>/.well-known/jwks.json`
    /// (see [`CognitoJwtVerifierBuilder::jwks_url_for`] to fetch it from elsewhere).
    ///
    /// ```
    /// use leptos_cognito_auth::ssr::CognitoJwtVerifier;
    /// let v = CognitoJwtVerifier::for_user_pool("eu-west-1_AbC123").client_id("c").build().unwrap();
    /// assert_eq!(v.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
    /// assert_eq!(v.jwks_url(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json");
    /// assert_eq!(v.issuers(), [
    ///     "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    ///     "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    /// ]);
    /// assert_eq!(
    ///     v.jwks_url_for("https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"),
    ///     Some("https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json")
    /// );
    /// ```
    pub fn for_user_pool(pool_id: &str) -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder::for_user_pool(pool_id)
    }

    /// A builder for exactly one explicit issuer (a local emulator, another
    /// Cognito-compatible server, or one of a pool's two issuers alone). The JWKS defaults
    /// to `<issuer>/.well-known/jwks.json`; change it with
    /// [`CognitoJwtVerifierBuilder::jwks_url`]. `https` is required except for loopback hosts.
    ///
    /// ```
    /// use leptos_cognito_auth::ssr::CognitoJwtVerifier;
    /// let v = CognitoJwtVerifier::for_issuer("http://127.0.0.1:9229/us-east-1_LocalPool")
    ///     .client_id("local-spa-client")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(v.jwks_url(), "http://127.0.0.1:9229/us-east-1_LocalPool/.well-known/jwks.json");
    /// assert_eq!(v.issuers(), ["http://127.0.0.1:9229/us-east-1_LocalPool"]);
    /// assert!(CognitoJwtVerifier::for_issuer("http://idp.example.com/x").client_id("c").build().is_err());
    /// ```
    pub fn for_issuer(issuer: &str) -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder::for_issuer(issuer)
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
