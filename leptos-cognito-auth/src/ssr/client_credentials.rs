//! [`ClientCredentials`]: access tokens for the calls a server makes on its own behalf
//! (machine to machine), from Cognito's `client_credentials` grant, cached until shortly
//! before they expire and fetched once for any number of concurrent callers.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::http::ServerHttp;
use crate::client::{Clock, HttpClient, SystemClock};
use crate::protocol::config::rules::{check_url, UrlRule};
use crate::protocol::jwt::decode_claims;
use crate::protocol::token::client_credentials_request;
use crate::protocol::{doubling_backoff, AuthError, CognitoConfig, ConfigError, Secret, TokenSet};

/// How long before its expiry a cached token stops being handed out (by default): 60
/// seconds, and never more than half of the token's lifetime, so that a short-lived token
/// is still reused for the first half of its life. A token handed out is then good for at
/// least this long, time enough for the call it is for to reach the API.
pub const DEFAULT_M2M_EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// How many requests a token fetch makes at most (by default): the first and two retries.
const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// The most requests a token fetch may be allowed ([`ClientCredentialsBuilder::max_attempts`]).
pub const MAX_M2M_ATTEMPTS: u32 = 5;

/// The wait before the first retry; it doubles before each further one (200 ms, 400 ms,
/// 800 ms, 1.6 s).
const RETRY_DELAY: Duration = Duration::from_millis(200);

/// The longest pause after failed fetches (seconds), before the token endpoint is asked
/// again.
const MAX_PAUSE_SECS: u64 = 30;

/// The timeout of each request when none is configured (the [`CognitoConfig`] default).
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(10_000);

/// Builds a [`ClientCredentials`]; start with [`ClientCredentials::builder`].
#[derive(Clone)]
pub struct ClientCredentialsBuilder {
    client_id: String,
    client_secret: Secret,
    token_endpoint: Option<String>,
    scopes: Vec<String>,
    timeout: Duration,
    expiry_margin: Duration,
    max_attempts: u32,
    clock: Arc<dyn Clock + Send + Sync>,
}

impl std::fmt::Debug for ClientCredentialsBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentialsBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("token_endpoint", &self.token_endpoint)
            .field("scopes", &self.scopes)
            .field("timeout", &self.timeout)
            .field("expiry_margin", &self.expiry_margin)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsBuilder {
    /// The token endpoint of `config`'s Hosted UI domain (`<domain>/oauth2/token`), and its
    /// `http_timeout_ms` as the timeout of each request. Only the domain and the timeout
    /// are taken: the client id and secret are the builder's (an app's machine-to-machine
    /// client is usually not the one its users sign in with).
    pub fn domain_of(mut self, config: &CognitoConfig) -> Self {
        self.token_endpoint = Some(format!("{}/oauth2/token", config.domain_base()));
        self.timeout = Duration::from_millis(u64::from(config.http_timeout_ms()));
        self
    }

    /// The token endpoint's URL, explicitly: `https`, or plain `http` to a loopback host
    /// (a local Hosted UI), without query or fragment.
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// Adds a custom scope to ask for, `<resource server identifier>/<scope>`. Without any,
    /// Cognito grants every custom scope the app client is allowed.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Adds several custom scopes (see [`scope`](Self::scope)).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// How long one request to the token endpoint may take, headers and body (default 10
    /// s, or the configuration's with [`domain_of`](Self::domain_of); 100 ms to 120 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long before its expiry a cached token is replaced (default
    /// [`DEFAULT_M2M_EXPIRY_MARGIN`], 60 s); in any case at most half of the token's lifetime.
    pub fn expiry_margin(mut self, margin: Duration) -> Self {
        self.expiry_margin = margin;
        self
    }

    /// How many requests one token fetch makes at most, 1 to [`MAX_M2M_ATTEMPTS`] (default
    /// 3: the first and two retries). Only failures that may pass are retried (no answer, a
    /// timeout, a 5xx, a `server_error`), after 200 ms, then 400 ms, ...; Cognito's refusals
    /// (`invalid_client`, `invalid_scope`, `unauthorized_client`, ...) are not.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The clock that decides when a cached token is due (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The token source, sending its requests with [`ServerHttp`] (the configured timeout).
    /// Fails with [`AuthError::Config`] naming the setting at fault: an empty client id or
    /// secret, a missing or unusable token endpoint, a scope with a space, a timeout or an
    /// attempt count out of range.
    pub fn build(self) -> Result<ClientCredentials, AuthError> {
        let http = ServerHttp::new(self.timeout);
        self.build_with(http)
    }

    /// The token source, sending its requests with `http` (another transport, or a script
    /// in tests); the timeout setting is then `http`'s business.
    pub fn build_with<H: HttpClient>(self, http: H) -> Result<ClientCredentials<H>, AuthError> {
        let invalid = |field: &'static str, reason: String| {
            AuthError::Config(ConfigError::Invalid { field, reason })
        };
        let client_id = self.client_id.trim().to_owned();
        if client_id.is_empty() {
            return Err(AuthError::Config(ConfigError::Missing {
                field: "client_id",
            }));
        }
        if client_id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid("client_id", "contains whitespace".into()));
        }
        if self.client_secret.is_empty() {
            return Err(AuthError::Config(ConfigError::Missing {
                field: "client_secret",
            }));
        }
        let endpoint = self
            .token_endpoint
            .map(|url| url.trim().to_owned())
            .filter(|url| !url.is_empty())
            .ok_or(AuthError::Config(ConfigError::Missing {
                field: "token_endpoint",
            }))?;
        if let Err(problem) = check_url(&endpoint, UrlRule::BASE) {
            return Err(invalid("token_endpoint", problem.reason(&endpoint)));
        }
        let mut scopes: Vec<String> = Vec::with_capacity(self.scopes.len());
        for scope in self.scopes {
            if scope.is_empty()
                || scope
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\')
            {
                return Err(invalid(
                    "scopes",
                    format!("`{scope}` is not a scope (empty or with a space or quote)"),
                ));
            }
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if !(Duration::from_millis(100)..=Duration::from_secs(120)).contains(&self.timeout) {
            return Err(invalid(
                "timeout",
                format!("{:?} is outside 100 ms to 120 s", self.timeout),
            ));
        }
        if !(1..=MAX_M2M_ATTEMPTS).contains(&self.max_attempts) {
            return Err(invalid(
                "max_attempts",
                format!("{} is outside 1 to {MAX_M2M_ATTEMPTS}", self.max_attempts),
            ));
        }
        Ok(ClientCredentials {
            inner: Arc::new(Inner {
                client_id,
                client_secret: self.client_secret,
                token_endpoint: endpoint,
                scopes,
                margin_secs: self.expiry_margin.as_secs(),
                max_attempts: self.max_attempts,
                clock: self.clock,
                http,
                state: Mutex::new(State::default()),
                flight: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

/// Access tokens of a confidential app client for its own calls to an API (Cognito's
/// `client_credentials` grant): no user, an access token alone, whose `sub` and
/// `client_id` are the client id and whose `scope` holds the custom scopes granted.
///
/// - **Cached**: a token is reused until [a margin](DEFAULT_M2M_EXPIRY_MARGIN) before it
///   expires (by this server's clock, from the `expires_in` Cognito sends), so the API
///   behind it never sees an expired one, and Cognito (which bills and throttles this
///   grant) sees one request per token lifetime.
/// - **One request for all**: callers that find no usable token while one is being
///   fetched wait for that fetch and share its token, or its error; no more than one
///   request is ever in flight.
/// - **Bounded**: each request has a [timeout](ClientCredentialsBuilder::timeout), and a
///   fetch makes at most [`max_attempts`](ClientCredentialsBuilder::max_attempts)
///   requests, retrying only failures that may pass.
/// - **Typed errors**: Cognito's refusals are [`AuthError::OAuth`] with the code
///   `invalid_client` (wrong secret, unknown client), `unauthorized_client` (the client
///   may not use the grant: a public client, or the flow is not enabled), or
///   `invalid_scope` (a scope that does not exist or that the client is not allowed);
///   no answer is `network_error` or `timeout`.
///
/// The secret is a [`Secret`]: `Debug` prints `[redacted]`. Cheap to clone: clones share
/// the cache.
///
/// ```
/// use leptos_cognito_auth::ssr::ClientCredentials;
///
/// let tokens = ClientCredentials::builder("7d8ex4mpl3m2m", "the client secret")
///     .token_endpoint("https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/token")
///     .scope("orders-api/read")
///     .build()
///     .unwrap();
/// assert_eq!(tokens.scopes(), ["orders-api/read"]);
/// assert!(!format!("{tokens:?}").contains("the client secret"));
///
/// // In a handler: the cached token, or a new one.
/// async fn call_orders(tokens: &ClientCredentials) -> Result<(), leptos_cognito_auth::AuthError> {
///     let token = tokens.access_token().await?;
///     let _authorization = format!("Bearer {}", token.expose());
///     // ... send the request to the orders API with it ...
///     Ok(())
/// }
/// ```
///
/// With a user pool's configuration, [`domain_of`](ClientCredentialsBuilder::domain_of)
/// takes the token endpoint and the timeout from it.
pub struct ClientCredentials<H = ServerHttp> {
    inner: Arc<Inner<H>>,
}

impl<H> Clone for ClientCredentials<H> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<H> std::fmt::Debug for ClientCredentials<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("ClientCredentials")
            .field("client_id", &inner.client_id)
            .field("client_secret", &inner.client_secret)
            .field("token_endpoint", &inner.token_endpoint)
            .field("scopes", &inner.scopes)
            .field("margin_secs", &inner.margin_secs)
            .field("max_attempts", &inner.max_attempts)
            .finish_non_exhaustive()
    }
}

struct Inner<H> {
    client_id: String,
    client_secret: Secret,
    token_endpoint: String,
    scopes: Vec<String>,
    margin_secs: u64,
    max_attempts: u32,
    clock: Arc<dyn Clock + Send + Sync>,
    http: H,
    state: Mutex<State>,
    /// Held by the one caller fetching a token; the others wait on it.
    flight: tokio::sync::Mutex<()>,
}

/// The cache and what the last fetch brought.
#[derive(Default)]
struct State {
    token: Option<Cached>,
    /// Fetches finished (with a token or an error).
    fetches: u64,
    /// The error the last fetch ended with, shared with the callers that waited for it.
    last_error: Option<AuthError>,
    /// Requests sent to the token endpoint, retries included.
    requests: u64,
    /// Fetches that failed in a row (0 after one that brought a token).
    failed_in_a_row: u32,
    /// Until when (clock seconds) callers get the last fetch's error without a new fetch.
    paused_until: u64,
}

struct Cached {
    token: Secret,
    /// Handed out while the clock reads less than this.
    fresh_until: u64,
}

impl State {
    fn fresh(&self, now: u64) -> Option<Secret> {
        self.token
            .as_ref()
            .filter(|cached| now < cached.fresh_until)
            .map(|cached| cached.token.clone())
    }

    /// The last fetch's error, while the pause after it lasts.
    fn paused(&self, now: u64) -> Option<AuthError> {
        self.last_error.clone().filter(|_| now < self.paused_until)
    }
}

impl ClientCredentials {
    /// Starts a token source for the confidential app client `client_id` with its secret.
    /// Set the token endpoint with [`domain_of`](ClientCredentialsBuilder::domain_of) or
    /// [`token_endpoint`](ClientCredentialsBuilder::token_endpoint).
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_endpoint: None,
            scopes: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            expiry_margin: DEFAULT_M2M_EXPIRY_MARGIN,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            clock: Arc::new(SystemClock),
        }
    }
}

impl<H> ClientCredentials<H> {
    /// The app client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The token endpoint the requests go to.
    pub fn token_endpoint(&self) -> &str {
        &self.inner.token_endpoint
    }

    /// The custom scopes asked for (empty: all the client is allowed).
    pub fn scopes(&self) -> &[String] {
        &self.inner.scopes
    }

    /// How many requests were sent to the token endpoint so far, retries included.
    pub fn token_requests(&self) -> u64 {
        self.state().requests
    }

    /// Forgets the cached token, so that the next [`access_token`](Self::access_token)
    /// fetches a new one: for when the API refused the cached one (a 401), say after the
    /// client's secret or scopes changed.
    pub fn invalidate(&self) {
        self.state().token = None;
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves a consistent state behind.
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<H: HttpClient> ClientCredentials<H> {
    /// An access token good for at least the expiry margin: the cached one, or a new one
    /// from the token endpoint, fetched once for every caller waiting at the time.
    ///
    /// After a fetch that failed (its retries spent), callers get its error without a new
    /// request for 1 s, then 2 s, 4 s, ... up to 30 s while fetches keep failing: however
    /// often the app asks, a token endpoint that refuses or is down is not asked more often
    /// than that (Cognito bills and throttles machine-to-machine token requests).
    pub async fn access_token(&self) -> Result<Secret, AuthError> {
        let seen = {
            let state = self.state();
            let now = self.inner.clock.now();
            if let Some(token) = state.fresh(now) {
                return Ok(token);
            }
            if let Some(error) = state.paused(now) {
                return Err(error);
            }
            state.fetches
        };
        let _flight = self.inner.flight.lock().await;
        {
            let state = self.state();
            if let Some(token) = state.fresh(self.inner.clock.now()) {
                return Ok(token);
            }
            // A fetch ended while this caller waited: its error is this caller's answer
            // too, rather than one more request to an endpoint that just refused.
            if state.fetches != seen {
                if let Some(error) = &state.last_error {
                    return Err(error.clone());
                }
            }
        }
        let result = self.fetch().await;
        let mut state = self.state();
        state.fetches += 1;
        match result {
            Ok(cached) => {
                let token = cached.token.clone();
                state.token = Some(cached);
                state.last_error = None;
                state.failed_in_a_row = 0;
                Ok(token)
            }
            Err(error) => {
                state.last_error = Some(error.clone());
                state.failed_in_a_row = state.failed_in_a_row.saturating_add(1);
                let pause = doubling_backoff(state.failed_in_a_row, 1, MAX_PAUSE_SECS);
                state.paused_until = self.inner.clock.now().saturating_add(pause);
                Err(error)
            }
        }
    }

    /// Requests a token, retrying failures that may pass, at most `max_attempts` times.
    async fn fetch(&self) -> Result<Cached, AuthError> {
        let inner = &*self.inner;
        let mut delay = RETRY_DELAY;
        let mut attempt = 1;
        loop {
            let sent_at = inner.clock.now();
            let request = client_credentials_request(
                &inner.token_endpoint,
                &inner.client_id,
                &inner.client_secret,
                &inner.scopes,
            );
            self.state().requests += 1;
            let result = match inner.http.send(request).await {
                Ok(response) => TokenSet::from_response(&response)
                    .and_then(|set| cache_entry(set, sent_at, inner.margin_secs)),
                Err(error) => Err(AuthError::Transport(error)),
            };
            match result {
                Err(error) if error.is_transient() && attempt < inner.max_attempts => {
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                    attempt += 1;
                }
                done => return done,
            }
        }
    }
}

/// The cache entry for a token received in answer to a request sent at `sent_at`: its
/// lifetime is `expires_in` (else its `exp` claim), counted from the request, so that the
/// time the answer took is on the safe side.
fn cache_entry(set: TokenSet, sent_at: u64, margin_secs: u64) -> Result<Cached, AuthError> {
    let lifetime = match set.expires_in {
        Some(secs) => secs,
        None => decode_claims(set.access_token.expose())
            .ok()
            .and_then(|claims| claims.seconds("exp"))
            .map(|exp| exp.saturating_sub(sent_at))
            .ok_or_else(|| AuthError::InvalidResponse {
                endpoint: "token",
                reason: "neither expires_in nor an access token with exp".into(),
            })?,
    };
    // A token already due would be fetched again on every call.
    if lifetime == 0 {
        return Err(AuthError::TokensExpireTooSoon { lifetime_secs: 0 });
    }
    let margin = margin_secs.min(lifetime / 2);
    Ok(Cached {
        token: set.access_token,
        fresh_until: sent_at.saturating_add(lifetime - margin),
    })
}

#[cfg(test)]
mod tests;
