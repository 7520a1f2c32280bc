//! Rules the browser configuration and the server verifier share, each written once: what a
//! user pool id is, which issuers a user pool id stands for (Cognito's two formats), and
//! which URLs may be used (`https`, or plain `http` to a loopback host).

use super::ConfigError;
use crate::protocol::encoding::{is_loopback_host, split_url, SplitUrl};

/// The two formats of a Cognito user pool's issuer URL, the `iss` claim of its tokens. A
/// pool issues tokens in one of them, chosen in the pool's settings; AWS recommends the
/// updated format for every pool, and multi-Region replication needs it. Either way the
/// pool's JWKS is `<issuer>/.well-known/jwks.json`.
///
/// A user pool id in a [`CognitoConfig`](super::CognitoConfig) or a server verifier
/// (`CognitoJwtVerifier::for_user_pool`) stands for both: tokens naming either issuer of
/// that pool are accepted, and no other.
///
/// ```
/// use leptos_cognito_auth::protocol::IssuerFormat;
/// assert_eq!(
///     IssuerFormat::Original.issuer("eu-west-1_AbC123").as_deref(),
///     Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123")
/// );
/// assert_eq!(
///     IssuerFormat::Updated.issuer("eu-west-1_AbC123").as_deref(),
///     Some("https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123")
/// );
/// assert_eq!(IssuerFormat::Updated.issuer("not-a-pool"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IssuerFormat {
    /// `https://cognito-idp.<region>.amazonaws.com/<user pool id>`.
    Original,
    /// `https://issuer-cognito-idp.<region>.amazonaws.com/<user pool id>`.
    Updated,
}

impl IssuerFormat {
    /// Both formats, the original one first.
    pub const ALL: [Self; 2] = [Self::Original, Self::Updated];

    /// The issuer of the user pool `pool_id` in this format; `None` when `pool_id` is not a
    /// user pool id (`<region>_<id>`, see [`CognitoConfigBuilder::user_pool_id`](super::CognitoConfigBuilder::user_pool_id)).
    pub fn issuer(self, pool_id: &str) -> Option<String> {
        let region = pool_region(pool_id)?;
        Some(self.issuer_in(region, pool_id))
    }

    /// The issuer of `pool_id` in `region`, both already checked.
    fn issuer_in(self, region: &str, pool_id: &str) -> String {
        let host = match self {
            Self::Original => "cognito-idp",
            Self::Updated => "issuer-cognito-idp",
        };
        format!("https://{host}.{region}.amazonaws.com/{pool_id}")
    }
}

/// The region of a user pool id `<region>_<id>`: the region like `eu-west-1` or
/// `us-gov-west-1` (lower-case letters and digits in at least three dash-separated parts, 6
/// to 32 characters), the id alphanumeric (1 to 64 characters). `None` for anything else.
///
/// The region becomes part of a host name (the issuer's), so nothing but these characters
/// may reach it.
pub(crate) fn pool_region(pool_id: &str) -> Option<&str> {
    let (region, id) = pool_id.split_once('_')?;
    let id_ok = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric());
    (is_region(region) && id_ok).then_some(region)
}

/// Whether `region` is an AWS Region name as a user pool id carries it (`eu-west-1`,
/// `us-gov-west-1`: lower-case letters and digits in at least three dash-separated parts, 6
/// to 32 characters).
pub(crate) fn is_region(region: &str) -> bool {
    (6..=32).contains(&region.len())
        && region.split('-').count() >= 3
        && region.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The issuers a user pool id stands for, in [`IssuerFormat::ALL`]'s order; `None` when it
/// is not a user pool id.
pub(crate) fn pool_issuers(pool_id: &str) -> Option<[String; 2]> {
    let [original, updated] = IssuerFormat::ALL.map(|format| format.issuer(pool_id));
    Some([original?, updated?])
}

/// The issuers of the user pool `pool_id` in the AWS Region `region` (one of a multi-Region
/// pool's Regions), in [`IssuerFormat::ALL`]'s order; `None` when `pool_id` is not a user
/// pool id or `region` not a Region name.
#[cfg(feature = "ssr")]
pub(crate) fn pool_issuers_in(pool_id: &str, region: &str) -> Option<[String; 2]> {
    pool_region(pool_id)?;
    is_region(region).then(|| IssuerFormat::ALL.map(|format| format.issuer_in(region, pool_id)))
}

/// The largest `name=value` pair browsers keep (RFC 6265 asks for at least 4096 bytes, and
/// Chromium and Firefox refuse anything bigger): the browser's cookie storage refuses to
/// write more, and a sign-in the server starts in cookie session mode shortens its return
/// path to stay under it.
#[cfg(any(feature = "hydrate", feature = "ssr"))]
pub(crate) const MAX_COOKIE_BYTES: usize = 4096;

/// Whether cookies for a page (or callback) at `scheme://host` get the `Secure` attribute:
/// always, except plain http on a loopback host (a development machine), where a browser
/// would not send them back. The one rule of the browser's cookie storage and of both
/// server session layers.
#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub(crate) fn cookies_need_secure(scheme: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    !(scheme.eq_ignore_ascii_case("http") && is_loopback_host(host))
}

/// [`cookies_need_secure`] for the origin of `url`; a URL that cannot be read gets
/// `Secure`.
#[cfg(feature = "ssr")]
pub(crate) fn cookies_need_secure_for(url: &str) -> bool {
    split_url(url).is_none_or(|u| cookies_need_secure(&u.scheme, &u.host))
}

/// The configuration's check of a user pool id.
pub(super) fn check_pool_id(pool_id: &str) -> Result<(), ConfigError> {
    match pool_region(pool_id) {
        Some(_) => Ok(()),
        None => Err(ConfigError::invalid(
            "UserPoolId",
            format!("`{pool_id}` is not a user pool id like `us-east-1_AbC123`"),
        )),
    }
}

/// What a URL setting may hold besides an `https` scheme and a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UrlRule {
    /// A query (`?...`) is allowed.
    pub query: bool,
    /// A fragment (`#...`) is allowed.
    pub fragment: bool,
    /// Plain `http` is allowed to any host (the configuration's `insecure_allow_http`);
    /// otherwise only to loopback hosts.
    pub insecure_http: bool,
}

impl UrlRule {
    /// An issuer, a JWKS location or a Hosted UI domain: no query, no fragment.
    pub const BASE: Self = Self {
        query: false,
        fragment: false,
        insecure_http: false,
    };
}

/// Why a URL does not satisfy its [`UrlRule`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UrlProblem {
    /// Not an absolute `http(s)` URL.
    NotHttpUrl,
    /// A query where none is allowed.
    Query,
    /// A fragment where none is allowed.
    Fragment,
    /// Plain `http` to a host that is not a loopback host (the host).
    PlainHttp(String),
}

impl UrlProblem {
    /// What is wrong with the URL `input`, as a setting's error says it.
    pub(crate) fn reason(&self, input: &str) -> String {
        match self {
            Self::NotHttpUrl => format!("`{input}` is not an absolute http(s) URL"),
            Self::Query | Self::Fragment => format!("`{input}` must not have a query or fragment"),
            Self::PlainHttp(host) => {
                format!("plain http is only allowed for loopback hosts, not `{host}`; use https")
            }
        }
    }
}

/// Checks `url` against `rule`: an absolute `http(s)` URL, `https` unless the host is a
/// loopback host (`localhost`, `127.0.0.0/8`, `::1`) or the rule allows any plain `http`,
/// and a query or fragment only where allowed. Returns its parts.
pub(crate) fn check_url(url: &str, rule: UrlRule) -> Result<SplitUrl<'_>, UrlProblem> {
    let parts = split_url(url).ok_or(UrlProblem::NotHttpUrl)?;
    if parts.query.is_some() && !rule.query {
        return Err(UrlProblem::Query);
    }
    if parts.fragment.is_some() && !rule.fragment {
        return Err(UrlProblem::Fragment);
    }
    if parts.scheme == "http" && !rule.insecure_http && !is_loopback_host(&parts.host) {
        return Err(UrlProblem::PlainHttp(parts.host));
    }
    Ok(parts)
}

/// An explicit issuer: a [`UrlRule::BASE`] URL (plain `http` to any host with
/// `insecure_http`), without trailing slashes, as tokens carry it in `iss`.
pub(crate) fn issuer_url(issuer: &str, insecure_http: bool) -> Result<String, UrlProblem> {
    let rule = UrlRule {
        insecure_http,
        ..UrlRule::BASE
    };
    check_url(issuer, rule)?;
    Ok(issuer.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_ids() {
        assert_eq!(pool_region("eu-west-1_AbC123"), Some("eu-west-1"));
        assert_eq!(pool_region("us-gov-west-1_X9"), Some("us-gov-west-1"));
        assert_eq!(pool_region("us-east-1_LocalPool"), Some("us-east-1"));
        for bad in [
            "",
            "_x",
            "eu-west-1_",
            "eu_west_1",
            "EU-WEST-1_a",
            "eu-west-1_a-b",
            "x_y",
            "nounderscore",
            "us-east-1_a/b",
            "eu-west-1.evil.example_a",
            "eu-west-1_a_b",
            "eu--west-1_a",
        ] {
            assert_eq!(pool_region(bad), None, "{bad}");
            assert_eq!(pool_issuers(bad), None, "{bad}");
            assert!(check_pool_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn both_issuer_formats() {
        assert_eq!(
            pool_issuers("ap-southeast-2_Zz9"),
            Some([
                "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Zz9".to_owned(),
                "https://issuer-cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Zz9"
                    .to_owned(),
            ])
        );
    }

    #[test]
    fn urls() {
        let ok = |url| check_url(url, UrlRule::BASE).is_ok();
        assert!(ok("https://idp.example.com/pool"));
        assert!(ok("http://localhost:9229/pool"));
        assert!(ok("http://127.0.0.1:9229/pool"));
        assert!(ok("http://[::1]:9229/pool"));
        for (bad, problem) in [
            (
                "http://idp.example.com/pool",
                UrlProblem::PlainHttp("idp.example.com".into()),
            ),
            (
                "http://localhost.evil.example/pool",
                UrlProblem::PlainHttp("localhost.evil.example".into()),
            ),
            ("ftp://x/y", UrlProblem::NotHttpUrl),
            ("/rel", UrlProblem::NotHttpUrl),
            ("https://x/y?q", UrlProblem::Query),
            ("https://x/y#f", UrlProblem::Fragment),
        ] {
            assert_eq!(check_url(bad, UrlRule::BASE).err(), Some(problem), "{bad}");
        }
        let open = UrlRule {
            query: true,
            fragment: true,
            insecure_http: true,
        };
        assert!(check_url("http://idp.example.com/p?q#f", open).is_ok());
        assert_eq!(
            issuer_url("https://idp.example.com/pool//", false).as_deref(),
            Ok("https://idp.example.com/pool")
        );
        assert_eq!(
            issuer_url("http://idp.example.com/pool", false),
            Err(UrlProblem::PlainHttp("idp.example.com".into()))
        );
        assert!(issuer_url("http://idp.example.com/pool", true).is_ok());
    }
}
