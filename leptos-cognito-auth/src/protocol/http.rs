//! HTTP requests and responses as plain data. The core builds requests and parses
//! responses; only a thin adapter (fetch in the browser, reqwest on the server, a script
//! in tests) sends them.

use std::fmt;

use super::secret::Secret;

/// An HTTP method used by the Hosted UI endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl Method {
    /// The method's name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request to send: method, absolute URL, headers and an optional body.
///
/// Header values that carry credentials (`Authorization`) are kept as [`Secret`]s, so a
/// request can be logged with `{:?}` without leaking them; so is the body, which holds
/// codes, verifiers and refresh tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, query included.
    pub url: String,
    /// Header names and values, in the order they are to be sent.
    pub headers: Vec<(String, Secret)>,
    /// The body (form encoded for the token and revoke endpoints), if any.
    pub body: Option<Secret>,
}

impl HttpRequest {
    /// The value of the first header with this name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.expose())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .field("body", &self.body.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// A response as received: status, headers and the body as text.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body, decoded as UTF-8 (lossily).
    pub body: String,
}

impl HttpResponse {
    /// A response with a status and a body and no headers.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The value of the first header with this name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body of a token response holds tokens: print only its size.
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Why a request got no HTTP response at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The connection could not be made or was dropped (offline, DNS, reset, CORS).
    Network,
    /// No response arrived within the configured time.
    Timeout,
}

/// A request that got no HTTP response, as reported by an HTTP adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransportError {
    /// What kind of failure it was.
    pub kind: TransportErrorKind,
    /// A description for people (never contains the request body).
    pub message: String,
}

impl TransportError {
    /// A network failure with a message.
    pub fn network(message: impl Into<String>) -> Self {
        Self {
            kind: TransportErrorKind::Network,
            message: message.into(),
        }
    }

    /// A timeout with a message.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self {
            kind: TransportErrorKind::Timeout,
            message: message.into(),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_debug_hides_credentials_and_body() {
        let req = HttpRequest {
            method: Method::Post,
            url: "https://auth.example.com/oauth2/token".into(),
            headers: vec![("Authorization".into(), Secret::new("Basic c2VjcmV0"))],
            body: Some(Secret::new("refresh_token=abc")),
        };
        let dbg = format!("{req:?}");
        assert!(!dbg.contains("c2VjcmV0"), "{dbg}");
        assert!(!dbg.contains("refresh_token=abc"), "{dbg}");
        assert!(dbg.contains("Authorization"));
        assert_eq!(req.header("authorization"), Some("Basic c2VjcmV0"));
    }

    #[test]
    fn response_debug_hides_body() {
        let res = HttpResponse::new(200, r#"{"access_token":"tok"}"#);
        assert!(!format!("{res:?}").contains("tok\""));
    }
}
