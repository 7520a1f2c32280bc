//! Lenient, panic-free parsing of query strings and form bodies, and URL building.
//!
//! The emulator parses parameters itself instead of using axum's extractors so that every
//! malformed request gets Cognito's error response rather than a framework rejection.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Characters left unescaped in query components: RFC 3986 unreserved.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Decoded `application/x-www-form-urlencoded` pairs, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses `a=1&b=2`. `+` means a space; bad percent escapes are kept literally and invalid
    /// UTF-8 is replaced, so parsing never fails.
    pub fn parse(input: &str) -> Self {
        let pairs = input
            .split('&')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (name, value) = part.split_once('=').unwrap_or((part, ""));
                (decode(name), decode(value))
            })
            .collect();
        Self { pairs }
    }

    /// Parses an optional raw query string.
    pub fn from_query(query: Option<&str>) -> Self {
        Self::parse(query.unwrap_or(""))
    }

    /// The value of `name` if present exactly once and non-empty. Empty values count as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        let first = values.next()?;
        if first.is_empty() {
            None
        } else {
            Some(first)
        }
    }

    /// The first parameter sent more than once, if any (OAuth forbids repeating parameters).
    pub fn repeated(&self) -> Option<&str> {
        self.pairs.iter().enumerate().find_map(|(i, (name, _))| {
            self.pairs[..i]
                .iter()
                .any(|(n, _)| n == name)
                .then_some(name.as_str())
        })
    }

    /// Re-encodes the pairs as a query string.
    pub fn to_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = self
            .pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        encode_pairs(&pairs)
    }

    /// Keeps only the named parameters (e.g. to carry authorize parameters to `/login`).
    pub fn only(&self, names: &[&str]) -> Self {
        Self {
            pairs: self
                .pairs
                .iter()
                .filter(|(n, _)| names.contains(&n.as_str()))
                .cloned()
                .collect(),
        }
    }
}

fn decode(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// Percent-encodes one query component.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// Encodes `name=value` pairs joined by `&`.
pub fn encode_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Appends query pairs to a URL that may already have a query.
pub fn append_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{}", encode_pairs(pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let p = Params::parse("a=1&b=x+y%20z&c=%E2%82%AC&d=&e");
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.get("b"), Some("x y z"));
        assert_eq!(p.get("c"), Some("€"));
        assert_eq!(p.get("d"), None);
        assert_eq!(p.get("e"), None);
        assert_eq!(p.repeated(), None);
        assert_eq!(Params::parse(&p.to_query()), p);
    }

    #[test]
    fn never_panics_on_garbage() {
        let p = Params::parse("%%%=%zz&&=&a=%ff%fe&a=2");
        assert_eq!(p.repeated(), Some("a"));
        assert!(p.get("%%%").is_some());
    }

    #[test]
    fn appends_to_urls() {
        assert_eq!(
            append_query("http://x/cb", &[("code", "a b")]),
            "http://x/cb?code=a%20b"
        );
        assert_eq!(
            append_query("http://x/cb?k=1", &[("s", "&")]),
            "http://x/cb?k=1&s=%26"
        );
    }
}
