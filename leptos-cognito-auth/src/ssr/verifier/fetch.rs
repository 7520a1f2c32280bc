//! Fetching the JWKS document: the [`JwksFetcher`] trait and its HTTP implementation.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::header::{ACCEPT, USER_AGENT};
use axum::http::Request;
use futures::future::BoxFuture;
use http_body_util::{BodyExt as _, Empty, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;

use crate::protocol::config::rules::{check_url, UrlProblem, UrlRule};

/// The largest JWKS body read, in bytes.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Why a JWKS could not be fetched (the verifier reports it as `jwks_unavailable`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JwksFetchError(pub String);

/// Fetches the raw JWKS document from a URL. The only I/O the verifier does goes through
/// this trait, so tests can count, delay or fail fetches; the default is
/// [`HttpJwksFetcher`].
///
/// A closure `Fn(String) -> impl Future<Output = Result<Vec<u8>, JwksFetchError>>`
/// implements it:
///
/// ```
/// use leptos_cognito_auth::ssr::{CognitoJwtVerifier, JwksFetchError};
/// let jwks = r#"{"keys":[]}"#;
/// let verifier = CognitoJwtVerifier::for_user_pool("eu-west-1_AbC123")
///     .client_id("my-client")
///     .jwks_fetcher(move |_url: String| async move {
///         Ok::<_, JwksFetchError>(jwks.as_bytes().to_vec())
///     })
///     .build()
///     .unwrap();
/// # let _ = verifier;
/// ```
pub trait JwksFetcher: Send + Sync + 'static {
    /// Fetches the body at `url`. Any status other than success is an error.
    fn fetch(&self, url: String) -> BoxFuture<'static, Result<Vec<u8>, JwksFetchError>>;
}

impl<F, Fut> JwksFetcher for F
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<u8>, JwksFetchError>> + Send + 'static,
{
    fn fetch(&self, url: String) -> BoxFuture<'static, Result<Vec<u8>, JwksFetchError>> {
        Box::pin(self(url))
    }
}

/// The default fetcher: hyper over HTTPS (rustls with the `aws-lc-rs` provider and the
/// platform's root certificates), plain HTTP only for loopback hosts. No redirects are
/// followed, no proxy is used, a fetch times out after 5 seconds (see
/// [`with_timeout`](Self::with_timeout)), bodies over 256 KiB are refused. Behind a proxy,
/// or to reuse your own HTTP client, implement [`JwksFetcher`].
#[derive(Clone)]
pub struct HttpJwksFetcher {
    client: Arc<OnceLock<Result<HttpClient, String>>>,
    timeout: Duration,
}

impl Default for HttpJwksFetcher {
    fn default() -> Self {
        Self::with_timeout(DEFAULT_JWKS_TIMEOUT)
    }
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

impl std::fmt::Debug for HttpJwksFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpJwksFetcher")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// How long [`HttpJwksFetcher`] waits for a JWKS by default: 5 seconds.
pub const DEFAULT_JWKS_TIMEOUT: Duration = Duration::from_secs(5);

impl HttpJwksFetcher {
    /// A fetcher; its HTTP client is built on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fetcher whose fetches (connection, headers and body) fail after `timeout`
    /// (default [`DEFAULT_JWKS_TIMEOUT`]). A fetch that times out fails only the tokens
    /// waiting for that JWKS.
    ///
    /// ```
    /// use std::time::Duration;
    /// use leptos_cognito_auth::ssr::{CognitoJwtVerifier, HttpJwksFetcher};
    /// let verifier = CognitoJwtVerifier::for_user_pool("eu-west-1_AbC123")
    ///     .client_id("c")
    ///     .jwks_fetcher(HttpJwksFetcher::with_timeout(Duration::from_secs(2)))
    ///     .build()
    ///     .unwrap();
    /// # let _ = verifier;
    /// ```
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            client: Arc::default(),
            timeout,
        }
    }

    fn request(&self, url: &str) -> Result<(HttpClient, Request<Empty<Bytes>>), JwksFetchError> {
        let rule = UrlRule {
            query: true,
            fragment: true,
            insecure_http: false,
        };
        check_url(url, rule).map_err(|problem| match problem {
            UrlProblem::PlainHttp(_) => {
                JwksFetchError(format!("refusing plain HTTP to a non-loopback host: {url}"))
            }
            _ => JwksFetchError(format!("not an absolute URL: {url}")),
        })?;
        let request = Request::get(url)
            .header(ACCEPT, "application/json")
            .header(
                USER_AGENT,
                concat!("leptos-cognito-auth/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::new())
            .map_err(|e| JwksFetchError(format!("bad JWKS URL {url}: {e}")))?;
        let client = self
            .client
            .get_or_init(|| crate::ssr::http::https_client(self.timeout))
            .clone();
        Ok((client.map_err(JwksFetchError)?, request))
    }
}

impl JwksFetcher for HttpJwksFetcher {
    fn fetch(&self, url: String) -> BoxFuture<'static, Result<Vec<u8>, JwksFetchError>> {
        let prepared = self.request(&url);
        let timeout = self.timeout;
        Box::pin(async move {
            let (client, request) = prepared?;
            let exchange = async {
                let response = client
                    .request(request)
                    .await
                    .map_err(|e| JwksFetchError(format!("GET {url} failed: {e}")))?;
                if !response.status().is_success() {
                    return Err(JwksFetchError(format!(
                        "GET {url} answered HTTP {}",
                        response.status().as_u16()
                    )));
                }
                Limited::new(response.into_body(), MAX_JWKS_BYTES)
                    .collect()
                    .await
                    .map(|body| body.to_bytes().to_vec())
                    .map_err(|e| {
                        if e.is::<LengthLimitError>() {
                            JwksFetchError(format!("GET {url}: body too large"))
                        } else {
                            JwksFetchError(format!("GET {url}: reading the body failed: {e}"))
                        }
                    })
            };
            tokio::time::timeout(timeout, exchange)
                .await
                .map_err(|_| JwksFetchError(format!("GET {url} timed out")))?
        })
    }
}
