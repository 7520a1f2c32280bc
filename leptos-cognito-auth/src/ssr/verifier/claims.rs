//! The verified user ([`VerifiedUser`]) and the claim checks that produce it.

use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use super::error::VerifyError;
use super::json::Slot;
use super::token::{payload_of, Payload};
use super::validation::{TokenUse, Validation};
use crate::protocol::jwt::{json_object, numeric_date};
use crate::protocol::Secret;

/// A user whose token passed every check: typed claims plus the raw claim map.
///
/// For an ID token, `username` is `cognito:username` and `client_id` is the matching
/// `aud`; for an access token they are `username` and `client_id`, and only access tokens
/// carry `scopes`.
///
/// A machine-to-machine access token (Cognito's `client_credentials` grant, see
/// [`ClientCredentials`](crate::ssr::ClientCredentials)) is accepted like any access token
/// of an allowed app client: it has no `username`, its `sub` is the app client id, and its
/// `scope` holds custom scopes (`<resource server identifier>/<scope>`), which
/// [`require_scope`](Self::require_scope) checks; [`is_machine`](Self::is_machine) tells
/// it from a user's.
///
/// ```
/// # async fn handler(user: leptos_cognito_auth::ssr::VerifiedUser) {
/// if user.in_group("admin") {
///     println!("{} ({}) is an admin", user.username().unwrap_or("?"), user.sub());
/// }
/// # }
/// ```
///
/// Cheap to clone: the claims are shared, not copied.
#[derive(Clone, PartialEq)]
pub struct VerifiedUser {
    inner: Arc<Verified>,
}

struct Verified {
    sub: String,
    username: Option<String>,
    groups: Vec<String>,
    scopes: Vec<String>,
    client_id: String,
    token_use: TokenUse,
    expires_at: u64,
    issued_at: Option<u64>,
    /// `nbf`, checked again (with `exp` and `iat`) whenever a remembered token is reused.
    not_before: Option<u64>,
    email: Option<String>,
    /// Every claim, read from the token on first use: verification reads only the claims
    /// it checks.
    claims: OnceLock<Map<String, Value>>,
    token: Secret,
}

/// Everything but the claim map, which the token determines.
impl PartialEq for Verified {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token
            && self.sub == other.sub
            && self.username == other.username
            && self.groups == other.groups
            && self.scopes == other.scopes
            && self.client_id == other.client_id
            && self.token_use == other.token_use
            && self.expires_at == other.expires_at
            && self.issued_at == other.issued_at
            && self.not_before == other.not_before
            && self.email == other.email
    }
}

impl std::fmt::Debug for VerifiedUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let user = &*self.inner;
        f.debug_struct("VerifiedUser")
            .field("sub", &user.sub)
            .field("username", &user.username)
            .field("groups", &user.groups)
            .field("scopes", &user.scopes)
            .field("client_id", &user.client_id)
            .field("token_use", &user.token_use)
            .field("expires_at", &user.expires_at)
            .field("issued_at", &user.issued_at)
            .field("claims", self.claims())
            .field("token", &user.token)
            .finish()
    }
}

impl VerifiedUser {
    /// The user's stable id (`sub`).
    pub fn sub(&self) -> &str {
        &self.inner.sub
    }
    /// The user name (`cognito:username` in ID tokens, `username` in access tokens).
    /// Absent only in machine-to-machine access tokens.
    pub fn username(&self) -> Option<&str> {
        self.inner.username.as_deref()
    }
    /// The user's groups (`cognito:groups`), possibly empty.
    pub fn groups(&self) -> &[String] {
        &self.inner.groups
    }
    /// The access token's scopes (`scope`, split on spaces); empty for ID tokens.
    pub fn scopes(&self) -> &[String] {
        &self.inner.scopes
    }
    /// The app client the token was issued to (ID token `aud`, access token `client_id`).
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }
    /// Whether this came from an ID or an access token.
    pub fn token_use(&self) -> TokenUse {
        self.inner.token_use
    }
    /// Expiry (`exp`), seconds since the Unix epoch.
    pub fn expires_at(&self) -> u64 {
        self.inner.expires_at
    }
    /// Issue time (`iat`), if present.
    pub fn issued_at(&self) -> Option<u64> {
        self.inner.issued_at
    }
    /// The e-mail address (`email`, ID tokens only).
    pub fn email(&self) -> Option<&str> {
        self.inner.email.as_deref()
    }
    /// Every claim of the token, as sent. Read from the token on the first call (the checks
    /// read only the claims they need), then kept.
    pub fn claims(&self) -> &Map<String, Value> {
        let user = &*self.inner;
        user.claims.get_or_init(|| {
            // The verifier read this payload as a JSON object, and its reader accepts only
            // what this parse accepts: the fallback is never taken.
            payload_of(user.token.expose())
                .and_then(|payload| json_object(&payload))
                .unwrap_or_default()
        })
    }
    /// The verified token itself, e.g. to forward to another API.
    pub fn token(&self) -> &Secret {
        &self.inner.token
    }
    /// Whether the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.inner.groups.iter().any(|g| g == group)
    }
    /// Whether the access token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.inner.scopes.iter().any(|s| s == scope)
    }
    /// `Ok` if the user is in `group`, else [`VerifyError::MissingGroup`] (403): a per-route
    /// check on top of the verifier's own requirements.
    ///
    /// ```
    /// # fn f(user: &leptos_cognito_auth::ssr::VerifiedUser) -> Result<(), leptos_cognito_auth::ssr::VerifyError> {
    /// user.require_group("admin")?;
    /// # Ok(()) }
    /// ```
    pub fn require_group(&self, group: &str) -> Result<(), VerifyError> {
        if self.in_group(group) {
            Ok(())
        } else {
            Err(VerifyError::MissingGroup(group.to_owned()))
        }
    }
    /// Whether the token is a machine-to-machine access token (Cognito's
    /// `client_credentials` grant): an access token without `username` whose `sub` is its
    /// `client_id`. The caller is then an app client acting for itself, not a user.
    pub fn is_machine(&self) -> bool {
        let user = &*self.inner;
        user.token_use == TokenUse::Access && user.username.is_none() && user.sub == user.client_id
    }
    /// `Ok` if the access token carries `scope`, else [`VerifyError::MissingScope`] (403):
    /// a per-route check, for a user's token or a machine-to-machine one alike.
    ///
    /// ```
    /// # fn f(caller: &leptos_cognito_auth::ssr::VerifiedUser) -> Result<(), leptos_cognito_auth::ssr::VerifyError> {
    /// caller.require_scope("orders-api/read")?;
    /// # Ok(()) }
    /// ```
    pub fn require_scope(&self, scope: &str) -> Result<(), VerifyError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(VerifyError::MissingScope(scope.to_owned()))
        }
    }
}

/// A `NumericDate` ([`numeric_date`]'s rule). Absent is `None`; any other type, or a
/// negative number, is malformed.
fn date(claim: &Slot<'_>) -> Result<Option<u64>, VerifyError> {
    match claim {
        Slot::Absent => Ok(None),
        Slot::Other(value @ Value::Number(_)) => numeric_date(value).map(Some).ok_or(
            VerifyError::Malformed("a date claim is not a non-negative number"),
        ),
        _ => Err(VerifyError::Malformed("a date claim is not a number")),
    }
}

/// An optional string claim; any other type is malformed.
fn string<'s>(claim: &'s Slot<'_>) -> Result<Option<&'s str>, VerifyError> {
    match claim {
        Slot::Absent => Ok(None),
        Slot::Str(s) => Ok(Some(s)),
        Slot::Other(_) => Err(VerifyError::Malformed("a string claim has another type")),
    }
}

/// `cognito:groups`: absent, or an array of strings.
fn groups(claim: Slot<'_>) -> Result<Vec<String>, VerifyError> {
    match claim {
        Slot::Absent => Ok(Vec::new()),
        Slot::Other(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .ok_or(VerifyError::Malformed(
                "cognito:groups is not a list of strings",
            )),
        _ => Err(VerifyError::Malformed("cognito:groups is not a list")),
    }
}

/// The ID token's `aud`: a string or an array of strings; the first allowed one.
fn audience<'s>(claim: &'s Slot<'_>, allowed: &[String]) -> Result<&'s str, VerifyError> {
    let is_allowed = |aud: &&str| allowed.iter().any(|c| c == aud);
    match claim {
        Slot::Absent => Err(VerifyError::WrongClient),
        Slot::Str(s) => Some(&**s)
            .filter(is_allowed)
            .ok_or(VerifyError::WrongClient),
        Slot::Other(Value::Array(items)) => {
            let mut found = None;
            for item in items {
                let aud = item.as_str().ok_or(VerifyError::Malformed(
                    "aud is not a string or a list of strings",
                ))?;
                if found.is_none() && is_allowed(&aud) {
                    found = Some(aud);
                }
            }
            found.ok_or(VerifyError::WrongClient)
        }
        Slot::Other(_) => Err(VerifyError::Malformed("aud is not a string")),
    }
}

/// `exp` (with leeway) is in the future, `nbf` and `iat` are not (beyond the leeway).
fn check_time(
    exp: u64,
    nbf: Option<u64>,
    iat: Option<u64>,
    now: u64,
    leeway: u64,
) -> Result<(), VerifyError> {
    if now >= exp.saturating_add(leeway) {
        return Err(VerifyError::Expired);
    }
    let latest = now.saturating_add(leeway);
    if nbf.is_some_and(|t| t > latest) || iat.is_some_and(|t| t > latest) {
        return Err(VerifyError::NotYetValid);
    }
    Ok(())
}

impl VerifiedUser {
    /// The time checks again, for a user remembered from an earlier verification.
    pub(crate) fn check_time(&self, now: u64, leeway: u64) -> Result<(), VerifyError> {
        let user = &*self.inner;
        check_time(
            user.expires_at,
            user.not_before,
            user.issued_at,
            now,
            leeway,
        )
    }
}

/// Checks the claims of a signature-verified token against `validation` at time `now`;
/// `iss` must be `issuer`.
pub(crate) fn check(
    claims: Payload<'_>,
    token: &str,
    issuer: &str,
    validation: &Validation,
    now: u64,
) -> Result<VerifiedUser, VerifyError> {
    // Types first: a claim of the wrong type is malformed whatever else is wrong.
    let exp = date(&claims.exp)?.ok_or(VerifyError::Malformed("exp is missing"))?;
    let iat = date(&claims.iat)?;
    let nbf = date(&claims.nbf)?;
    let iss = string(&claims.iss)?;
    let token_use = string(&claims.token_use)?;
    let sub = string(&claims.sub)?.ok_or(VerifyError::Malformed("sub is missing"))?;
    let groups = groups(claims.groups)?;

    if iss != Some(issuer) {
        return Err(VerifyError::WrongIssuer);
    }
    let token_use = token_use
        .and_then(TokenUse::parse)
        .filter(|t| validation.token_use.accepts(*t))
        .ok_or(VerifyError::WrongTokenUse)?;
    let (client_id, username, scopes) = match token_use {
        TokenUse::Id => (
            audience(&claims.aud, &validation.client_ids)?,
            string(&claims.cognito_username)?,
            Vec::new(),
        ),
        TokenUse::Access => {
            let client = string(&claims.client_id)?
                .filter(|c| validation.client_ids.iter().any(|allowed| allowed == c))
                .ok_or(VerifyError::WrongClient)?;
            let scopes = string(&claims.scope)?
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default();
            (client, string(&claims.username)?, scopes)
        }
    };

    check_time(exp, nbf, iat, now, validation.leeway.as_secs())?;

    if let Some(missing) = validation
        .required_groups
        .iter()
        .find(|g| !groups.contains(g))
    {
        return Err(VerifyError::MissingGroup(missing.clone()));
    }
    if !validation.any_of_groups.is_empty()
        && !validation.any_of_groups.iter().any(|g| groups.contains(g))
    {
        return Err(VerifyError::MissingGroup(
            validation.any_of_groups.join(" or "),
        ));
    }
    if let Some(missing) = validation
        .required_scopes
        .iter()
        .find(|s| !scopes.contains(s))
    {
        return Err(VerifyError::MissingScope(missing.clone()));
    }

    let verified = Verified {
        sub: sub.to_owned(),
        username: username.map(str::to_owned),
        client_id: client_id.to_owned(),
        groups,
        scopes,
        token_use,
        expires_at: exp,
        issued_at: iat,
        not_before: nbf,
        email: claims.email.as_str().map(str::to_owned),
        claims: OnceLock::new(),
        token: Secret::new(token),
    };
    Ok(VerifiedUser {
        inner: Arc::new(verified),
    })
}
