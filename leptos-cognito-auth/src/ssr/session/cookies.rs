//! The one cookie module of the server side, on the `cookie` crate: every cookie a session
//! layer or the extractor reads from a request, and every `Set-Cookie` they write.

use std::borrow::Cow;

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use cookie::time::Duration as CookieDuration;
use cookie::{Cookie, SameSite};

pub(crate) use crate::protocol::config::rules::cookies_need_secure_for as secure_for;

/// Every cookie of a request, names and values percent-decoded (`Cookie::split_parse_encoded`:
/// the browser's cookie storage writes them percent-encoded, and a plain value decodes to
/// itself). Pairs that do not parse are skipped. Bytes that are not UTF-8 (another app's
/// cookie in Latin-1, say) become U+FFFD in the cookie that holds them, and hide no other.
pub(crate) fn request_cookies(headers: &HeaderMap) -> impl Iterator<Item = Cookie<'static>> + '_ {
    borrowed(headers).map(Cookie::into_owned)
}

/// [`request_cookies`], borrowing from the request: nothing is copied but what a percent
/// escape decodes.
fn borrowed(headers: &HeaderMap) -> impl Iterator<Item = Cookie<'_>> + '_ {
    headers
        .get_all(COOKIE)
        .iter()
        .flat_map(|v| split(text_of(v)))
        .filter_map(Result::ok)
}

/// A `Cookie` header's text. Not `HeaderValue::to_str`, which refuses the whole header
/// (every cookie of the site) for one byte outside ASCII: bytes that are not UTF-8 become
/// U+FFFD where they are. `from_utf8` first: its pass is quick over ASCII, where
/// `from_utf8_lossy` walks the text in chunks (perf: about 2% of a session request).
fn text_of(value: &HeaderValue) -> Cow<'_, str> {
    match std::str::from_utf8(value.as_bytes()) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value.as_bytes()),
    }
}

/// The cookies of one header's text, as the `cookie` crate parses them; percent-decoded
/// only when the text has a `%` (decoding text without one changes nothing, and a header
/// of the kit's own values, which are base64url, skips the decoder's pass).
fn split(text: Cow<'_, str>) -> cookie::SplitCookies<'_> {
    if text.contains('%') {
        Cookie::split_parse_encoded(text)
    } else {
        Cookie::split_parse(text)
    }
}

/// The value of the request's cookie `name` (the first, if the browser sent several).
pub(crate) fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    let [value] = get_each(headers, [name]);
    value.map(Cow::into_owned)
}

/// The values of the request's cookies `names` (the first of each, if the browser sent
/// several), in one pass over the request's cookies; borrowed from the request unless a
/// percent escape or the quotes around a value had to go. The same values as reading
/// [`request_cookies`] (the fuzz target `request_cookies` checks it).
pub(crate) fn get_each<'h, const N: usize>(
    headers: &'h HeaderMap,
    names: [&str; N],
) -> [Option<Cow<'h, str>>; N] {
    let mut values = [const { None }; N];
    for header in headers.get_all(COOKIE) {
        match text_of(header) {
            // The usual header: UTF-8, nothing percent-encoded. It is cut at its `;`s and
            // each pair's name trimmed as the `cookie` crate does (`SplitCookies`), and only
            // the pairs named here are handed to the crate to parse. Measured with
            // callgrind: the crate parses every pair whole (a Unicode whitespace check over
            // each value, two trims, a `Cookie` of about 200 bytes), so a browser's header
            // of 8 cookies cost 9,978 instructions read whole and costs 4,842 this way; a
            // session request with its one cookie, about 450 fewer
            // (`LOAD_INSTRUCTIONS=1 scripts/load-api.sh`).
            Cow::Borrowed(text) if !text.contains('%') => {
                for pair in text.split(';') {
                    // The name as the crate reads it: up to the first `=`, trimmed.
                    let named = pair
                        .find('=')
                        .and_then(|i| names.iter().position(|n| *n == pair[..i].trim()));
                    if let Some(i) = named.filter(|i| values[*i].is_none()) {
                        if let Ok(cookie) = Cookie::parse(pair.trim()) {
                            if keep(&mut values, i, &cookie) {
                                return values;
                            }
                        }
                    }
                }
            }
            text => {
                for cookie in split(text).filter_map(Result::ok) {
                    let named = names.iter().position(|n| *n == cookie.name());
                    if named.is_some_and(|i| keep(&mut values, i, &cookie)) {
                        return values;
                    }
                }
            }
        }
    }
    values
}

/// Keeps `cookie`'s value as the `i`th of `values` unless the first of its name is kept
/// already; whether every name has its value now.
fn keep<'h, const N: usize>(
    values: &mut [Option<Cow<'h, str>>; N],
    i: usize,
    cookie: &Cookie<'h>,
) -> bool {
    values[i].get_or_insert_with(|| value_of(cookie));
    values.iter().all(Option::is_some)
}

/// A cookie's value without the quotes around it: borrowed from the request when the
/// crate's value is the header's own text (no quotes removed, nothing decoded).
fn value_of<'h>(cookie: &Cookie<'h>) -> Cow<'h, str> {
    let value = cookie.value_trimmed();
    match cookie.value_raw() {
        Some(raw) if raw.len() == value.len() => Cow::Borrowed(raw),
        _ => Cow::Owned(value.to_owned()),
    }
}

/// A cookie's name: with the `__Host-` prefix where `Secure` allows it (the browser then
/// refuses the cookie from any other host or path, and any copy without `Secure`).
pub(crate) fn name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

/// Who may read a cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Readers {
    /// `HttpOnly`: the server only (sessions, pending sign-ins).
    Server,
    /// The page's JavaScript too (cookie mode's tokens and pending sign-ins, which the
    /// browser client reads).
    Page,
}

/// A cookie of the session layers: `Path=/`, `SameSite=Lax` (the return from the Hosted UI
/// is a cross-site top-level navigation), `Secure` as given, `HttpOnly` for
/// [`Readers::Server`], living `max_age` seconds (`None`: until the browser closes).
pub(crate) fn build(
    name: impl Into<String>,
    value: impl Into<String>,
    secure: bool,
    readers: Readers,
    max_age: Option<i64>,
) -> Cookie<'static> {
    let mut cookie = Cookie::build((name.into(), value.into()))
        .path("/")
        .http_only(readers == Readers::Server)
        .secure(secure)
        .same_site(SameSite::Lax);
    if let Some(seconds) = max_age {
        cookie = cookie.max_age(CookieDuration::seconds(seconds));
    }
    cookie.build()
}

/// A cookie that removes cookie `name` (the same attributes, `Max-Age=0`).
pub(crate) fn removal(name: impl Into<String>, secure: bool, readers: Readers) -> Cookie<'static> {
    build(name, "", secure, readers, Some(0))
}

/// Adds `cookies` to `headers` as `Set-Cookie`, percent-encoded. An encoded cookie is
/// always a valid header value; one that is not would be a bug here, and is logged rather
/// than dropped silently.
pub(crate) fn append(headers: &mut HeaderMap, cookies: &[Cookie<'static>]) {
    for cookie in cookies {
        match HeaderValue::from_str(&cookie.encoded().to_string()) {
            Ok(value) => {
                headers.append(SET_COOKIE, value);
            }
            Err(e) => tracing::error!(
                cookie = cookie.name(),
                "a Set-Cookie could not be written: {e}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_except_on_loopback_http() {
        assert!(secure_for("https://app.example/callback"));
        assert!(secure_for("https://localhost:3000/callback"));
        assert!(secure_for("http://app.example/callback"));
        assert!(!secure_for("http://localhost:3000/callback"));
        assert!(!secure_for("http://127.0.0.1:3000/callback"));
        assert!(!secure_for("http://[::1]:3000/callback"));
        assert!(secure_for("not a url"));
        assert_eq!(name("lca-session", true), "__Host-lca-session");
        assert_eq!(name("lca-session", false), "lca-session");
    }

    fn set_cookie(cookie: Cookie<'static>) -> String {
        let mut headers = HeaderMap::new();
        append(&mut headers, &[cookie]);
        headers[SET_COOKIE].to_str().unwrap().to_owned()
    }

    #[test]
    fn session_cookie_attributes() {
        let c = set_cookie(build(
            "__Host-lca-session",
            "abc",
            true,
            Readers::Server,
            None,
        ));
        for part in [
            "__Host-lca-session=abc",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/",
        ] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
        assert!(!c.contains("Domain"), "{c}");
        let plain = set_cookie(build("lca-session", "abc", false, Readers::Page, Some(60)));
        assert!(
            !plain.contains("Secure")
                && !plain.contains("HttpOnly")
                && plain.contains("Max-Age=60"),
            "{plain}"
        );
        assert!(set_cookie(removal("lca-session", false, Readers::Server)).contains("Max-Age=0"));
    }

    #[test]
    fn values_are_encoded_and_read_back_decoded() {
        let c = set_cookie(build(
            "k.pending",
            "{\"a\": \"b c\"}",
            false,
            Readers::Page,
            None,
        ));
        assert!(c.starts_with("k.pending=%7B%22a%22"), "{c}");
        let mut headers = HeaderMap::new();
        let pair = c.split(';').next().unwrap();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("x=1; {pair}")).unwrap(),
        );
        assert_eq!(
            get(&headers, "k.pending").as_deref(),
            Some("{\"a\": \"b c\"}")
        );
    }

    #[test]
    fn reads_one_cookie_among_many_and_skips_junk() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; lca-session=xyz; ;junk; b=2"),
        );
        headers.append(COOKIE, HeaderValue::from_static("c=3"));
        assert_eq!(get(&headers, "lca-session").as_deref(), Some("xyz"));
        assert_eq!(get(&headers, "c").as_deref(), Some("3"));
        assert_eq!(get(&headers, "missing"), None);
    }

    #[test]
    fn reads_what_the_crate_reads_of_every_cookie() {
        // The pairs not named are skipped without the crate: what is found must be what
        // the crate reads of all the cookies (the first of the name), whatever the spacing.
        let headers_of = |lines: &[&[u8]]| {
            let mut headers = HeaderMap::new();
            for line in lines {
                headers.append(COOKIE, HeaderValue::from_bytes(line).unwrap());
            }
            headers
        };
        // The request's header lines, the cookie's name, what is read.
        type Case<'a> = (&'a [&'a [u8]], &'a str, Option<&'a str>);
        let cases: &[Case] = &[
            (&[b"s=1"], "s", Some("1")),
            (&[b" s = 1 ;t=2"], "s", Some("1")),
            (&[b"\ts\t=\t\"1\"\t"], "s", Some("1")),
            (&[b"s=\""], "s", Some("\"")),
            (&[b"s"], "s", None),
            (&[b"=1; s=2"], "s", Some("2")),
            (&[b"s=1; s=2"], "s", Some("1")),
            (&[b"ss=1; s=2"], "s", Some("2")),
            (&[b"s=a=b"], "s", Some("a=b")),
            (&[b"s=; s=2"], "s", Some("")),
            (&[b";;; ;"], "s", None),
            (&[b"t=1", b"s=2", b"s=3"], "s", Some("2")),
            (&[b"s%3D=1; s=2"], "s", Some("2")),
            (&[b"%73=1; s=2"], "s", Some("1")),
            (&[b"s=%41"], "s", Some("A")),
            (&[b"t=\xe9; s=\xe9"], "s", Some("\u{fffd}")),
            (&["\u{a0}s\u{a0}=1".as_bytes()], "s", Some("1")),
        ];
        for (lines, name, expected) in cases {
            let headers = headers_of(lines);
            let crate_reads = request_cookies(&headers)
                .find(|c| c.name() == *name)
                .map(|c| c.value_trimmed().to_owned());
            assert_eq!(crate_reads.as_deref(), *expected, "{lines:?}");
            assert_eq!(get(&headers, name).as_deref(), *expected, "{lines:?}");
        }
        let headers = headers_of(&[b"x=0; a=1; b=\"2\"", b"a=3"]);
        let [a, b, c] = get_each(&headers, ["a", "b", "c"]);
        assert_eq!(
            (a.as_deref(), b.as_deref(), c),
            (Some("1"), Some("2"), None)
        );
        assert!(
            matches!(a, Some(Cow::Borrowed(_))),
            "borrowed from the request"
        );
    }

    #[test]
    fn a_cookie_that_is_not_ascii_hides_no_other() {
        // Browsers send every cookie of the site in one header: another app's cookie in
        // UTF-8 or Latin-1 must not sign the user out.
        for header in [
            &b"pref=Jos\xc3\xa9; lca-session=xyz"[..],
            b"pref=Jos\xe9; lca-session=xyz",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(COOKIE, HeaderValue::from_bytes(header).unwrap());
            assert_eq!(get(&headers, "lca-session").as_deref(), Some("xyz"));
            assert!(get(&headers, "pref").is_some_and(|v| v.starts_with("Jos")));
        }
    }
}
