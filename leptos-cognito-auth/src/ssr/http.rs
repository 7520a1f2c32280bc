//! [`ServerHttp`]: the client's [`HttpClient`] on the server, over hyper and rustls, for the
//! token, revoke and userInfo endpoints (server sessions exchange and refresh tokens with
//! it).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::header::USER_AGENT;
use axum::http::{HeaderName, HeaderValue, Request};
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::client::HttpClient;
use crate::protocol::encoding::{is_loopback_host, split_url};
use crate::protocol::{HttpRequest, HttpResponse, Method, TransportError};

/// The largest response body read from Cognito, in bytes (token responses are a few KB).
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

type Hyper = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Sends the client's requests from the server: hyper over HTTPS (rustls with the `aws-lc-rs`
/// provider and the platform's root certificates), plain HTTP only to loopback hosts (a
/// local Hosted UI). No redirects are followed and no proxy is used; a request, headers and
/// body, must complete within the timeout (`CognitoConfig::http_timeout_ms`), and bodies
/// over 256 KiB are refused. Every failure is a [`TransportError`], never a panic.
///
/// Cloning shares the connection pool.
#[derive(Clone)]
pub struct ServerHttp {
    client: Arc<OnceLock<Result<Hyper, String>>>,
    timeout: Duration,
}

impl std::fmt::Debug for ServerHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHttp")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The kit's one HTTPS client setup on the server (the token endpoint's client here, the
/// JWKS fetcher's): hyper over rustls with the `aws-lc-rs` provider, passed explicitly (no
/// process-wide provider is installed), the platform's root certificates, HTTP/1, and a
/// connect timeout. Plain http is allowed by the connector; callers refuse it for
/// non-loopback hosts.
pub(crate) fn https_client<B>(
    connect_timeout: Duration,
) -> Result<Client<HttpsConnector<HttpConnector>, B>, String>
where
    B: axum::body::HttpBody + Send + 'static,
    B::Data: Send,
{
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(connect_timeout));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

impl ServerHttp {
    /// A client whose requests time out after `timeout`; its connection pool is built on
    /// first use.
    pub fn new(timeout: Duration) -> Self {
        Self {
            client: Arc::new(OnceLock::new()),
            timeout,
        }
    }

    /// Sends `request` and returns the response, whatever its status.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let url = request.url.clone();
        let parts = split_url(&url)
            .ok_or_else(|| TransportError::network(format!("not an absolute URL: {url}")))?;
        if parts.scheme != "https" && !is_loopback_host(&parts.host) {
            return Err(TransportError::network(format!(
                "refusing plain HTTP to a non-loopback host: {}",
                parts.host
            )));
        }
        let method = match request.method {
            Method::Get => axum::http::Method::GET,
            Method::Post => axum::http::Method::POST,
        };
        let mut builder = Request::builder().method(method).uri(&url).header(
            USER_AGENT,
            concat!("leptos-cognito-auth/", env!("CARGO_PKG_VERSION")),
        );
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| TransportError::network(format!("bad header name {name}")))?;
            let value = HeaderValue::from_str(value.expose())
                .map_err(|_| TransportError::network(format!("bad value for header {name}")))?;
            builder = builder.header(name, value);
        }
        let body = request
            .body
            .map(|b| Bytes::from(b.expose().to_owned()))
            .unwrap_or_default();
        let hyper_request = builder
            .body(Full::new(body))
            .map_err(|e| TransportError::network(format!("bad request to {url}: {e}")))?;
        let client = self
            .client
            .get_or_init(|| https_client(self.timeout))
            .clone()
            .map_err(TransportError::network)?;
        let exchange = async {
            let response = client
                .request(hyper_request)
                .await
                .map_err(|e| TransportError::network(format!("{url}: {e}")))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect();
            let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<LengthLimitError>() {
                        TransportError::network(format!("{url}: the response is too large"))
                    } else {
                        TransportError::network(format!("{url}: reading the body failed: {e}"))
                    }
                })?
                .to_bytes();
            Ok(HttpResponse {
                status,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| {
                TransportError::timeout(format!(
                    "{url} did not answer within {} ms",
                    self.timeout.as_millis()
                ))
            })?
    }
}

impl HttpClient for ServerHttp {
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl std::future::Future<Output = Result<HttpResponse, TransportError>> {
        ServerHttp::send(self, request)
    }
}
