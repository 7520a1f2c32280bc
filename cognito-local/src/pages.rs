//! The Hosted UI's HTML: the sign-in page, error pages and the index page. Small, accessible,
//! styled inline, and every page says it is a development server.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f2f4f8;color:#16191f}\
.dev{background:#8a3b00;color:#fff;text-align:center;padding:.4rem 1rem;font-size:.875rem}\
main{max-width:24rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 4px rgba(0,0,0,.15)}\
main.wide{max-width:40rem}\
h1{font-size:1.375rem;margin:0 0 1rem}\
label{display:block;font-weight:600;margin:1rem 0 .25rem}\
input{width:100%;padding:.55rem .65rem;font:inherit;border:1px solid #8d99a8;border-radius:.25rem}\
input:focus,button:focus{outline:3px solid #539fe5;outline-offset:1px}\
button{margin-top:1.5rem;width:100%;padding:.65rem;font:inherit;font-weight:600;color:#fff;background:#0972d3;border:0;border-radius:.25rem;cursor:pointer}\
button:hover{background:#033160}\
.error{background:#fff1f0;border-left:4px solid #d91515;padding:.5rem .75rem;margin:0 0 1rem}\
.hint{color:#5f6b7a;font-size:.875rem;margin-top:1.5rem}\
code{background:#f2f4f8;padding:0 .25rem;border-radius:.2rem}\
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e9ebed}";

/// The banner every page carries.
pub const DEV_BANNER: &str =
    "Development server: a local Amazon Cognito Hosted UI emulator. Not Amazon Cognito; do not enter real credentials.";

/// Wraps `body` in the common layout, in English.
pub fn layout(title: &str, body: &str, wide: bool) -> String {
    layout_in("en", title, body, wide)
}

/// Wraps `body` in the common layout, its `<html lang>` set to `lang`.
pub fn layout_in(lang: &str, title: &str, body: &str, wide: bool) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title} · cognito-local (development server)</title>\
<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"><style>{STYLE}</style></head>\
<body><div class=\"dev\" role=\"note\">{DEV_BANNER}</div>\
<main{class}>{body}</main></body></html>",
        lang = escape(lang),
        title = escape(title),
        class = if wide { " class=\"wide\"" } else { "" },
    )
}

/// An HTML response with the given status, not cacheable.
pub fn html(status: StatusCode, page: String) -> Response {
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The error page shown instead of a redirect (unknown client, unregistered URL, ...).
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<h1>Something went wrong</h1><p class=\"error\" role=\"alert\">{}</p>\
<p class=\"hint\">HTTP {} from the local Hosted UI emulator.</p>",
        escape(message),
        status.as_u16()
    );
    html(status, layout("Error", &body, false))
}

/// What the sign-in page shows.
#[derive(Debug, Default)]
pub struct LoginPage<'a> {
    /// The authorize parameters, re-encoded, for the form's action URL.
    pub query: &'a str,
    /// An error to show above the form.
    pub error: Option<&'a str>,
    /// The user name to pre-fill: the `login_hint`, or the one of a failed attempt.
    pub username: &'a str,
    /// The identity provider being emulated, when not the user pool itself.
    pub identity_provider: Option<&'a str>,
    /// The client's id, shown for orientation.
    pub client_id: &'a str,
    /// The page's language (`<html lang>`), from the authorize request's `lang`; English
    /// without one.
    pub lang: Option<&'a str>,
}

/// The sign-in page: labelled `username` and `password` fields and a "Sign in" button.
pub fn login_page(status: StatusCode, page: &LoginPage<'_>) -> Response {
    let error = page
        .error
        .map(|e| {
            format!(
                "<p class=\"error\" role=\"alert\" id=\"login-error\">{}</p>",
                escape(e)
            )
        })
        .unwrap_or_default();
    let described_by = if page.error.is_some() {
        " aria-describedby=\"login-error\" aria-invalid=\"true\""
    } else {
        ""
    };
    let idp = page
        .identity_provider
        .map(|p| {
            format!(
                "<p>Signing in through the identity provider <strong>{}</strong> (emulated by this page).</p>",
                escape(p)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1>{idp}{error}\
<form method=\"post\" action=\"/login?{action}\">\
<label for=\"username\">Username</label>\
<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" autocapitalize=\"none\" required autofocus value=\"{username}\"{described_by}>\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required{described_by}>\
<button type=\"submit\">Sign in</button></form>\
<p class=\"hint\">App client <code>{client}</code>. Demo users: <code>alice</code> / <code>Passw0rd!</code> and <code>bob</code> / <code>Passw0rd!</code> (unless the emulator's configuration says otherwise).</p>",
        action = escape(page.query),
        username = escape(page.username),
        client = escape(page.client_id),
    );
    html(
        status,
        layout_in(page.lang.unwrap_or("en"), "Sign in", &body, false),
    )
}
