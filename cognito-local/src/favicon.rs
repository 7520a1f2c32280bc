//! The emulator's icon: `GET /favicon.svg` and `GET /favicon.ico`, so that a browser showing
//! one of its pages (or a JSON document such as the JWKS) does not log a 404 for the icon.
//!
//! One small SVG (a "c" on the development banner's colour) answers both paths, as
//! `image/svg+xml`:
//! - every HTML page links `/favicon.svg` with `type="image/svg+xml"`, which Chrome, Edge and
//!   Firefox use, so they never ask for `/favicon.ico` on those pages;
//! - a browser still asks for `/favicon.ico` on a page without that link (the JSON documents)
//!   or when it does not take SVG icons (Safari before 26): it gets a `200` with an image, so
//!   there is no console error. Chrome and Firefox display the SVG from there too, because
//!   they go by the content type, not the `.ico` name; a browser that cannot draw it shows
//!   its default icon, silently. A real ICO file would only add bytes to this crate for the
//!   old-Safari case.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The icon: a rounded square in the development banner's colour with a white "c".
const FAVICON_SVG: &str = concat!(
    r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">"##,
    r##"<rect width="32" height="32" rx="6" fill="#8a3b00"/>"##,
    r##"<path d="M21.66 10.34A8 8 0 1 0 21.66 21.66" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round"/>"##,
    "</svg>",
);

/// `GET /favicon.svg` and `GET /favicon.ico`: the SVG icon, cacheable for a day.
pub async fn favicon() -> Response {
    let mut response = FAVICON_SVG.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}
