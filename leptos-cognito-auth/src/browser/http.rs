//! HTTP through the browser's `fetch` (via `gloo-net`), with a timeout that aborts the
//! request.

use std::future::Future;
use std::time::Duration;

use futures::future::{select, Either};
use gloo_net::http::{Headers, Method as FetchMethod, RequestBuilder};
use web_sys::{AbortController, AbortSignal, RequestCache};

use super::js;
use crate::client::HttpClient;
use crate::protocol::{HttpRequest, HttpResponse, Method, TransportError};

/// How long [`FetchHttp::new`] waits for a response.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends requests with `fetch`.
///
/// Every answer is an `Ok(HttpResponse)` with its status, headers (those CORS lets the page
/// see) and body, whatever the status. No answer at all (offline, DNS, connection refused,
/// a CORS refusal) is a [`TransportError`] of kind `Network`; no complete answer within
/// the timeout aborts the request (`AbortController`) and is a `Timeout`. Responses are
/// never taken from or written to the HTTP cache (`cache: "no-store"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchHttp {
    timeout: Duration,
}

impl Default for FetchHttp {
    fn default() -> Self {
        Self::new()
    }
}

impl FetchHttp {
    /// A client that waits at most 10 seconds for a response.
    pub fn new() -> Self {
        Self::with_timeout(DEFAULT_TIMEOUT)
    }

    /// A client that waits at most `timeout` for the whole exchange (headers and body).
    pub fn with_timeout(timeout: Duration) -> Self {
        Self { timeout }
    }

    /// The configured timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

impl HttpClient for FetchHttp {
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        let millis = u32::try_from(self.timeout.as_millis()).unwrap_or(u32::MAX);
        async move {
            let target = without_query(&request.url).to_owned();
            // Without an AbortController the request still times out; it just keeps running.
            let controller = AbortController::new().ok();
            let exchange = exchange(request, controller.as_ref().map(|c| c.signal()));
            let timer = gloo_timers::future::TimeoutFuture::new(millis);
            futures::pin_mut!(exchange);
            match select(exchange, timer).await {
                Either::Left((result, _)) => result,
                Either::Right(((), _)) => {
                    if let Some(controller) = controller {
                        controller.abort();
                    }
                    Err(TransportError::timeout(format!(
                        "no response from {target} within {millis} ms"
                    )))
                }
            }
        }
    }
}

/// The URL without its query and fragment, for messages.
/// What went wrong in gloo-net, written out rather than through its `Display`, which
/// covers its serde_json variant too: the kit reads bodies as text, so that variant never
/// comes, and its messages need not be in the browser build.
fn fetch_error(e: gloo_net::Error) -> String {
    match e {
        gloo_net::Error::JsError(thrown) => format!("{}: {}", thrown.name, thrown.message),
        gloo_net::Error::GlooError(message) => message,
        gloo_net::Error::SerdeError(_) => "the body could not be read".to_owned(),
    }
}

fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

async fn exchange(
    request: HttpRequest,
    signal: Option<AbortSignal>,
) -> Result<HttpResponse, TransportError> {
    let target = without_query(&request.url).to_owned();
    let method = match request.method {
        Method::Get => FetchMethod::GET,
        Method::Post => FetchMethod::POST,
    };
    // The headers are set on a raw `Headers` so that an invalid one is an error here
    // rather than a panic inside gloo-net.
    let headers = web_sys::Headers::new().map_err(|e| {
        TransportError::network(format!(
            "could not build a request to {target}: {}",
            js::describe(&e)
        ))
    })?;
    for (name, value) in &request.headers {
        headers.set(name, value.expose()).map_err(|e| {
            TransportError::network(format!(
                "could not build a request to {target}: header `{name}`: {}",
                js::describe(&e)
            ))
        })?;
    }
    let builder = RequestBuilder::new(&request.url)
        .method(method)
        .headers(Headers::from_raw(headers))
        .cache(RequestCache::NoStore)
        .abort_signal(signal.as_ref());
    let built = match &request.body {
        Some(body) => builder.body(body.expose().to_owned()),
        None => builder.build(),
    };
    let fetch_request = built.map_err(|e| {
        TransportError::network(format!(
            "could not build a request to {target}: {}",
            fetch_error(e)
        ))
    })?;
    let response = fetch_request.send().await.map_err(|e| {
        TransportError::network(format!("no response from {target}: {}", fetch_error(e)))
    })?;
    let status = response.status();
    let headers = response.headers().entries().collect();
    let body = response.text().await.map_err(|e| {
        TransportError::network(format!(
            "the response from {target} (HTTP {status}) broke off: {}",
            fetch_error(e)
        ))
    })?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}
