//! HTTP through the browser's `fetch`, with a timeout that aborts the
//! request.

use std::future::Future;
use std::time::Duration;

use futures::future::{select, Either};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, Request, RequestCache, RequestInit, Response,
};

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
fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

// `fetch` through web-sys itself rather than gloo-net's request builder: the kit needs a
// method, headers, a text body, `cache: "no-store"` and an abort signal, and gloo-net's
// builder brings the `http` crate's method names and its panicking conversions with it.
// Measured, December 2026 (scripts/size-report.sh --budget): the kit's share of the smallest
// sign-in app in client mode fell from 92,130 B to 90,137 B gzip this way.
async fn exchange(
    request: HttpRequest,
    signal: Option<AbortSignal>,
) -> Result<HttpResponse, TransportError> {
    let target = without_query(&request.url);
    let failed = |what: &str, e: JsValue| {
        TransportError::network(format!("{what} {target}: {}", js::describe(&e)))
    };
    let unbuilt = |e| failed("could not build a request to", e);
    // The headers are set one by one, so that an invalid one is named.
    let headers = Headers::new().map_err(unbuilt)?;
    for (name, value) in &request.headers {
        headers.set(name, value.expose()).map_err(|e| {
            TransportError::network(format!(
                "could not build a request to {target}: header `{name}`: {}",
                js::describe(&e)
            ))
        })?;
    }
    let init = RequestInit::new();
    init.set_method(match request.method {
        Method::Get => "GET",
        Method::Post => "POST",
    });
    init.set_headers(&headers);
    init.set_cache(RequestCache::NoStore);
    init.set_signal(signal.as_ref());
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body.expose()));
    }
    let fetch_request = Request::new_with_str_and_init(&request.url, &init).map_err(unbuilt)?;
    let window = web_sys::window()
        .ok_or_else(|| TransportError::network("there is no window".to_owned()))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&fetch_request))
        .await
        .map_err(|e| failed("no response from", e))?
        .unchecked_into();
    let status = response.status();
    let headers = response
        .headers()
        .entries()
        .into_iter()
        .filter_map(|entry| {
            let entry: js_sys::Array = entry.ok()?.unchecked_into();
            Some((entry.get(0).as_string()?, entry.get(1).as_string()?))
        })
        .collect();
    let broke_off = |e: JsValue| {
        TransportError::network(format!(
            "the response from {target} (HTTP {status}) broke off: {}",
            js::describe(&e)
        ))
    };
    let text = response.text().map_err(broke_off)?;
    let body = JsFuture::from(text)
        .await
        .map_err(broke_off)?
        .as_string()
        .unwrap_or_default();
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}
