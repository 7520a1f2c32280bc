//! Entry points for the fuzz targets (`fuzz/`), compiled only under `cargo fuzz`
//! (`--cfg fuzzing`): the parsers of what the server reads from a browser or a store, which
//! are otherwise internal. Each asserts what must hold whatever the input.

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};

use super::server_session::fuzzing as server_session;
use super::session::cookies;
use super::session::seal::{Keyring, Purpose};

/// The secret the targets seal with.
const SECRET: &str = "the fuzz targets' secret, 32 characters or more";

/// The sealed pending sign-in cookie: any value reads without a panic (and as nothing
/// unless this key sealed it); what is read seals and reads back the same.
pub fn pending_cookie(value: &str, now: u64) {
    let keys = Keyring::new(&[SECRET], Purpose::PendingSignIn);
    server_session::pending_round_trip(&keys, value, now);
}

/// The sealed session record: any bytes open to nothing or to a record whose session
/// reads without a panic; a record sealed for one id never opens for another.
pub fn sealed_record(id: &str, stored: &[u8]) {
    server_session::record_round_trip(id, stored);
}

/// A request's `Cookie` headers: any bytes parse without a panic, and the cookie module
/// finds the value of the first cookie named `name` among all the cookies the crate reads,
/// and only that.
pub fn request_cookies(raw: &[u8], name: &str) {
    let mut headers = HeaderMap::new();
    for part in raw.split(|b| *b == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(part) {
            headers.append(COOKIE, value);
        }
    }
    let first = cookies::request_cookies(&headers)
        .find(|c| c.name() == name)
        .map(|c| c.value_trimmed().to_owned());
    assert_eq!(cookies::get(&headers, name), first, "cookie {name}");
}
