//! Percent-encoding, form decoding, a small URL splitter, and base64 (the `base64` crate's
//! engines, with the kit's rules for padding).
//!
//! The `url` crate would do for URLs, but it costs the browser bundle tens of kilobytes for
//! features (IDNA, relative resolution) the protocol does not need.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// Percent-encodes a query or form value: everything but RFC 3986's unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) becomes `%XX` (upper-case hex) of its UTF-8 bytes, so the result
/// is safe in a query value, a form body and a cookie.
///
/// Written here, as is [`percent_decode`], rather than taken from the `percent-encoding`
/// crate, whose `Display`-based encoder brings formatting code and a 768-byte table to the
/// browser build: measured (December 2026) on the smallest sign-in app in client mode, the
/// crate in its place (`utf8_percent_encode`, `percent_decode_str`) adds 0.9 KiB gzip to
/// the wasm. The property test below checks both against the crate.
pub(crate) fn encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// The bytes of percent-encoded `raw`: each `%XX` (either case of hex) becomes its byte; a
/// `%` not followed by two hex digits stays as it is.
pub(crate) fn percent_decode(raw: &str) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Percent-decodes `raw`, replacing bytes that are not UTF-8 with U+FFFD.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(crate) fn percent_decode_lossy(raw: &str) -> String {
    match String::from_utf8(percent_decode(raw)) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Builds `name=value&name=value` with every name and value encoded.
// A slice, not any iterator: one copy of this in the browser's wasm rather than one per
// caller's array length or vector.
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&encode(name));
        out.push('=');
        out.push_str(&encode(value));
    }
    out
}

/// Why a form-encoded string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormError {
    /// A name or value was not valid UTF-8 once decoded.
    NotUtf8,
    /// The same name appeared twice.
    Duplicate(String),
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space), refusing duplicate
/// names: a response carrying two `state`s or two `code`s is not one we can trust.
pub(crate) fn parse_form(input: &str) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in input.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        let name = decode_component(name)?;
        let value = decode_component(value)?;
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(FormError::Duplicate(name));
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn decode_component(raw: &str) -> Result<String, FormError> {
    String::from_utf8(percent_decode(&raw.replace('+', " "))).map_err(|_| FormError::NotUtf8)
}

/// An absolute `http(s)` URL split into the parts the protocol needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitUrl<'a> {
    /// `http` or `https`, lower case.
    pub scheme: String,
    /// Host and optional port, as written.
    pub authority: &'a str,
    /// The host without port or brackets, lower case.
    pub host: String,
    /// The path, possibly empty.
    pub path: &'a str,
    /// The query without `?`, if a `?` was present.
    pub query: Option<&'a str>,
    /// The fragment without `#`, if a `#` was present.
    pub fragment: Option<&'a str>,
}

impl SplitUrl<'_> {
    /// `scheme://authority`.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.authority.to_ascii_lowercase())
    }
}

/// Splits an absolute `http://` or `https://` URL. Returns `None` for anything else
/// (relative references, other schemes, an empty host, user info, whitespace).
pub(crate) fn split_url(input: &str) -> Option<SplitUrl<'_>> {
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (scheme, rest) = input.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (before_fragment, fragment) = match rest.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (rest, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    if authority.is_empty() || authority.contains('@') || authority.contains('\\') {
        return None;
    }
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split_once(']')?.0
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return None;
    }
    if let Some(port) = authority.rsplit_once("]:").map(|(_, p)| p).or_else(|| {
        (!authority.starts_with('['))
            .then(|| authority.split_once(':').map(|(_, p)| p))
            .flatten()
    }) {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.len() > 5 {
            return None;
        }
    }
    Some(SplitUrl {
        scheme,
        authority,
        host: host.to_ascii_lowercase(),
        path,
        query,
        fragment,
    })
}

/// Whether a host name is the loopback interface (`localhost`, `127.0.0.0/8`, `::1`).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host == "localhost" || host.ends_with(".localhost") || host == "::1" || is_ipv4_loopback(host)
}

/// Whether `host` is a dotted-quad IPv4 address in 127.0.0.0/8, read as
/// `std::net::Ipv4Addr` reads it (four decimal octets, no leading zeros), without its
/// parser: the browser build needs only this answer.
fn is_ipv4_loopback(host: &str) -> bool {
    let mut octets = 0;
    for (i, part) in host.split('.').enumerate() {
        let valid = matches!(part.len(), 1..=3)
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
            && part.parse::<u8>().is_ok();
        if !valid || (i == 0 && part != "127") {
            return false;
        }
        octets += 1;
    }
    octets == 4
}

/// base64url without padding (RFC 7515), as used by JWTs and PKCE.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// [`base64url`], appended to `out`.
#[cfg(feature = "ssr")]
pub(crate) fn base64url_append(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// Decodes base64url, tolerating (but not requiring) `=` padding. Strict otherwise: only
/// the base64url alphabet, no length that leaves a lone character, and no bits set in the
/// unused low bits of the last character (so every byte string has exactly one encoding),
/// which is how the `base64` crate's engines decode.
pub(crate) fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(input.trim_end_matches('=')).ok()
}

/// `base64(user:password)` for HTTP Basic authentication (standard alphabet, padded).
pub(crate) fn basic_credentials(user: &str, password: &str) -> String {
    // RFC 6749 2.3.1: the client id and secret are form-encoded before Basic encoding.
    STANDARD.encode(format!("{}:{}", encode(user), encode(password)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (raw, std, url) in [
            ("", "", ""),
            ("f", "Zg==", "Zg"),
            ("fo", "Zm8=", "Zm8"),
            ("foo", "Zm9v", "Zm9v"),
            ("foob", "Zm9vYg==", "Zm9vYg"),
            ("fooba", "Zm9vYmE=", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy", "Zm9vYmFy"),
            ("\u{fb}\u{ff}", "w7vDvw==", "w7vDvw"),
        ] {
            assert_eq!(STANDARD.encode(raw.as_bytes()), std);
            assert_eq!(base64url(raw.as_bytes()), url);
            assert_eq!(base64url_decode(url).as_deref(), Some(raw.as_bytes()));
            assert_eq!(
                base64url_decode(&format!("{url}==")).as_deref(),
                Some(raw.as_bytes())
            );
        }
        assert_eq!(base64url(&[0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(
            base64url_decode("-_-_").as_deref(),
            Some(&[0xfb, 0xff, 0xbf][..])
        );
        // Not base64url: the standard alphabet's `+` and `/`, a lone last character, bits
        // left over in the last character, spaces.
        for bad in ["+/+/", "Zm9vY", "Zh", "Zm9=", "Zm 9v", "Zm9v\n"] {
            assert_eq!(base64url_decode(bad), None, "{bad}");
        }
    }

    // proptest and the percent-encoding crate are native-only dev-dependencies.
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// base64url round-trips, with or without `=` padding.
        #[test]
        fn base64url_round_trips_padded_or_not(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            use base64::engine::general_purpose::URL_SAFE;
            proptest::prop_assert_eq!(base64url_decode(&base64url(&bytes)), Some(bytes.clone()));
            proptest::prop_assert_eq!(base64url_decode(&URL_SAFE.encode(&bytes)), Some(bytes));
        }

        /// The same results as the `percent-encoding` crate the kit used before.
        #[test]
        fn percent_coding_agrees_with_the_percent_encoding_crate(
            text in "\\PC{0,24}",
            raw in "([A-Za-z0-9+ ]|%[0-9a-fA-FgG]{0,2}|%C3%A9|%FF){0,12}",
        ) {
            use percent_encoding::{
                percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC,
            };
            const SET: &AsciiSet =
                &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
            proptest::prop_assert_eq!(encode(&text), utf8_percent_encode(&text, SET).to_string());
            proptest::prop_assert_eq!(percent_decode(&encode(&text)), text.as_bytes().to_vec());
            proptest::prop_assert_eq!(percent_decode(&raw), percent_decode_str(&raw).collect::<Vec<u8>>());
            proptest::prop_assert_eq!(
                percent_decode_lossy(&raw),
                percent_decode_str(&raw).decode_utf8_lossy().into_owned()
            );
        }

        /// The same answer as `std::net::Ipv4Addr`'s parser and `is_loopback`.
        #[test]
        fn ipv4_loopback_agrees_with_std(
            host in proptest::prop_oneof![
                "(127|0?12[0-9]|1?[0-9]{1,3}|256|00)(\\.(0|00|0?[0-9]{1,3}|25[0-9])){0,4}\\.?",
                "[0-9.]{0,16}",
            ],
        ) {
            let std_says = host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
            proptest::prop_assert_eq!(is_ipv4_loopback(&host), std_says, "{}", host);
        }
    }

    #[test]
    fn encode_escapes_everything_but_unreserved() {
        assert_eq!(encode("a b+c/d?e=f&g#h"), "a%20b%2Bc%2Fd%3Fe%3Df%26g%23h");
        assert_eq!(encode("Zürich-._~"), "Z%C3%BCrich-._~");
        assert_eq!(
            form(&[("redirect_uri", "http://x/cb"), ("scope", "openid email")]),
            "redirect_uri=http%3A%2F%2Fx%2Fcb&scope=openid%20email"
        );
    }

    #[test]
    fn parse_form_decodes_and_rejects_duplicates() {
        let pairs = parse_form("a=1+2&b=%C3%A9t%C3%A9&c&&d=").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "été".into()),
                ("c".into(), "".into()),
                ("d".into(), "".into())
            ]
        );
        assert_eq!(
            parse_form("state=1&state=2"),
            Err(FormError::Duplicate("state".into()))
        );
        assert_eq!(parse_form("a=%FF"), Err(FormError::NotUtf8));
    }

    #[test]
    fn split_url_handles_the_usual_shapes() {
        let u = split_url("https://Auth.Example.com:8443/p/q?x=1#frag").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.host, "auth.example.com");
        assert_eq!(u.path, "/p/q");
        assert_eq!(u.query, Some("x=1"));
        assert_eq!(u.fragment, Some("frag"));
        assert_eq!(u.origin(), "https://auth.example.com:8443");
        let v = split_url("http://[::1]:3000").unwrap();
        assert_eq!(v.host, "::1");
        assert_eq!(v.path, "");
        for bad in [
            "/callback",
            "ftp://x/",
            "https://",
            "https://user@host/",
            "https://host:abc/",
            "https://ho st/",
            "javascript:alert(1)",
            "https://host:/",
        ] {
            assert!(split_url(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "app.localhost",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "example.com",
            "10.0.0.1",
            "localhost.example.com",
            "128.0.0.1",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn base64url_round_trip_and_padding() {
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
        assert_eq!(base64url_decode("-_8").unwrap(), b"\xfb\xff");
        assert_eq!(base64url_decode("-_8=").unwrap(), b"\xfb\xff");
        assert!(base64url_decode("+/8").is_none());
        assert_eq!(basic_credentials("id", "s:cr t"), "aWQ6cyUzQWNyJTIwdA==");
    }
}
