//! Fetching the JWKS document: the [`JwksFetcher`] trait and its HTTP implementation.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::future::BoxFuture;

use crate::core::encoding::{is_loopback_host, split_url};

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

/// The default fetcher: `reqwest` over HTTPS (rustls with the `ring` provider and the
/// platform's root certificates), plain HTTP only for loopback hosts. No redirects are
/// followed, a request times out after 5 seconds, bodies over 256 KiB are refused.
#[derive(Clone, Default)]
pub struct HttpJwksFetcher {
    inner: Arc<Clients>,
}

#[derive(Default)]
struct Clients {
    https: OnceLock<Result<reqwest::Client, String>>,
    loopback: OnceLock<Result<reqwest::Client, String>>,
}

impl std::fmt::Debug for HttpJwksFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpJwksFetcher").finish_non_exhaustive()
    }
}

const TIMEOUT: Duration = Duration::from_secs(5);

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn https_client() -> Result<reqwest::Client, String> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let tls = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .https_only(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .build()
        .map_err(|e| format!("HTTP client setup failed: {e}"))
}

/// Plain HTTP to loopback hosts: no proxy (a proxy would leave the machine), and a TLS
/// configuration that trusts nothing (reqwest needs one; it is never used).
fn loopback_client() -> Result<reqwest::Client, String> {
    let tls = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .build()
        .map_err(|e| format!("HTTP client setup failed: {e}"))
}

impl HttpJwksFetcher {
    /// A fetcher; its HTTP clients are built on first use.
    pub fn new() -> Self {
        Self::default()
    }

    fn client_for(&self, url: &str) -> Result<reqwest::Client, JwksFetchError> {
        let parts =
            split_url(url).ok_or_else(|| JwksFetchError(format!("not an absolute URL: {url}")))?;
        let slot = match parts.scheme.as_str() {
            "https" => self.inner.https.get_or_init(https_client),
            "http" if is_loopback_host(&parts.host) => {
                self.inner.loopback.get_or_init(loopback_client)
            }
            _ => {
                return Err(JwksFetchError(format!(
                    "refusing plain HTTP to a non-loopback host: {url}"
                )))
            }
        };
        slot.clone().map_err(JwksFetchError)
    }
}

impl JwksFetcher for HttpJwksFetcher {
    fn fetch(&self, url: String) -> BoxFuture<'static, Result<Vec<u8>, JwksFetchError>> {
        let client = self.client_for(&url);
        Box::pin(async move {
            let client = client?;
            let mut response = client
                .get(&url)
                .header("accept", "application/json")
                .send()
                .await
                .map_err(|e| JwksFetchError(format!("GET {url} failed: {e}")))?;
            if !response.status().is_success() {
                return Err(JwksFetchError(format!(
                    "GET {url} answered HTTP {}",
                    response.status().as_u16()
                )));
            }
            if response
                .content_length()
                .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
            {
                return Err(JwksFetchError(format!("GET {url}: body too large")));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| JwksFetchError(format!("GET {url}: reading the body failed: {e}")))?
            {
                if body.len() + chunk.len() > MAX_JWKS_BYTES {
                    return Err(JwksFetchError(format!("GET {url}: body too large")));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        })
    }
}
