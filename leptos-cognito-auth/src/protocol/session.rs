//! A signed-in session: the three tokens, their scopes, and whether they are still good.

use super::config::CognitoConfig;
use super::error::AuthError;
use super::jwt::{AccessToken, IdToken};
use super::secret::{constant_time_eq, Secret};

/// The tokens of a signed-in user (the original SDK's `CognitoAuthSession`).
#[derive(Clone, Debug, PartialEq)]
pub struct CognitoSession {
    id_token: Option<IdToken>,
    access_token: AccessToken,
    refresh_token: Option<Secret>,
    scopes: String,
    clock_drift: i64,
}

/// Where a session stands at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// Both tokens are good for this many more seconds (clock skew already deducted).
    Valid {
        /// Seconds until the first token (minus the skew allowance) expires.
        expires_in: u64,
    },
    /// A token has expired, or is within the skew allowance of expiring.
    Expired,
}

impl CognitoSession {
    /// Builds a session from raw tokens, decoding the JWTs.
    pub fn from_tokens(
        id_token: Option<&str>,
        access_token: &str,
        refresh_token: Option<Secret>,
        scopes: impl Into<String>,
    ) -> Result<Self, AuthError> {
        let access_token =
            AccessToken::parse(access_token).map_err(|error| AuthError::MalformedToken {
                token: "access",
                error,
            })?;
        let id_token = id_token
            .map(IdToken::parse)
            .transpose()
            .map_err(|error| AuthError::MalformedToken { token: "id", error })?;
        Ok(Self {
            id_token,
            access_token,
            refresh_token: refresh_token.filter(|r| !r.is_empty()),
            scopes: scopes.into(),
            clock_drift: 0,
        })
    }

    /// The same session, remembering that this device's clock was `drift` seconds ahead of
    /// Cognito's (negative: behind) when the tokens were received.
    pub fn with_clock_drift(mut self, drift: i64) -> Self {
        self.clock_drift = drift;
        self
    }

    /// The same session with its clock drift measured now: this device's time `now` minus
    /// the access token's `iat` (when Cognito issued it, a moment ago). Differences under
    /// 5 seconds (the time the response took) count as none.
    pub fn with_clock_drift_at(self, now: u64) -> Self {
        let drift = self
            .access_token
            .issued_at()
            .map(|iat| (now as i64).saturating_sub(iat as i64))
            .filter(|d| d.unsigned_abs() >= 5)
            .unwrap_or(0);
        self.with_clock_drift(drift)
    }

    /// How many seconds this device's clock was ahead of Cognito's when the tokens were
    /// received (negative: behind). Validity checks subtract it from the local time, so a
    /// device whose clock is minutes off neither throws away good tokens nor keeps
    /// expired ones (the original SDK had neither the measurement nor the correction).
    pub fn clock_drift(&self) -> i64 {
        self.clock_drift
    }

    /// `now` on this device, as Cognito's clock reads it.
    fn server_time(&self, now: u64) -> u64 {
        if self.clock_drift >= 0 {
            now.saturating_sub(self.clock_drift.unsigned_abs())
        } else {
            now.saturating_add(self.clock_drift.unsigned_abs())
        }
    }

    /// The ID token (present when the `openid` scope was granted).
    pub fn id_token(&self) -> Option<&IdToken> {
        self.id_token.as_ref()
    }
    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    /// The refresh token (code flow only), opaque.
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.refresh_token.as_ref()
    }
    /// The scopes asked for when this session was made, joined by spaces.
    pub fn scopes_string(&self) -> &str {
        &self.scopes
    }

    /// The user name: the access token's `username`, else the ID token's
    /// `cognito:username` (the key the original SDK stored the session under).
    pub fn username(&self) -> Option<&str> {
        self.access_token
            .username()
            .or_else(|| self.id_token.as_ref().and_then(IdToken::username))
            .filter(|u| !u.is_empty())
    }

    /// The earliest expiry of the ID and access tokens.
    pub fn expires_at(&self) -> u64 {
        match &self.id_token {
            Some(id) => id.expiration().min(self.access_token.expiration()),
            None => self.access_token.expiration(),
        }
    }

    /// How long the tokens live, in seconds: from `iat` to `exp`, the shorter of the ID and
    /// the access token's (an hour for a token without `iat`, Cognito's default).
    pub fn lifetime_secs(&self) -> u64 {
        let access = &self.access_token;
        let lived = |iat: Option<u64>, exp: u64| iat.map_or(3600, |iat| exp.saturating_sub(iat));
        let access_lifetime = lived(access.issued_at(), access.expiration());
        match &self.id_token {
            Some(id) => access_lifetime.min(lived(id.issued_at(), id.expiration())),
            None => access_lifetime,
        }
    }

    /// The clock-skew allowance this session gets for a configured `skew_secs`: at most a
    /// quarter of the tokens' [lifetime](Self::lifetime_secs). Without the cap, tokens that
    /// live less than the allowance (a short-lived identity provider, a test pool, a large
    /// `clock_skew_secs`) would count as expired the moment they arrive, and every refresh
    /// would be due again at once.
    ///
    /// ```
    /// # use leptos_cognito_auth::CognitoSession;
    /// # fn check(one_hour: &CognitoSession, twenty_seconds: &CognitoSession) {
    /// assert_eq!(one_hour.skew_allowance(60), 60);
    /// assert_eq!(twenty_seconds.skew_allowance(60), 5);
    /// # }
    /// ```
    pub fn skew_allowance(&self, skew_secs: u64) -> u64 {
        skew_secs.min(self.lifetime_secs() / 4)
    }

    /// Where the session stands at `now` (seconds since the Unix epoch on this device,
    /// corrected by [`clock_drift`](Self::clock_drift)), counting a token as expired
    /// `skew_secs` before its `exp` ([capped](Self::skew_allowance) at a quarter of the
    /// tokens' lifetime). Both tokens are checked (the original SDK checked only the access
    /// token, and with no allowance for clock skew).
    pub fn validity(&self, now: u64, skew_secs: u64) -> Validity {
        let now = self.server_time(now);
        let deadline = self
            .expires_at()
            .saturating_sub(self.skew_allowance(skew_secs));
        if now < deadline {
            Validity::Valid {
                expires_in: deadline - now,
            }
        } else {
            Validity::Expired
        }
    }

    /// Whether the session is usable at `now`.
    pub fn is_valid(&self, now: u64, skew_secs: u64) -> bool {
        matches!(self.validity(now, skew_secs), Validity::Valid { .. })
    }

    /// Whether this session was made for the scopes `config` asks for now. A change of
    /// scopes needs a new sign-in, as in the original SDK.
    pub fn has_scopes_of(&self, config: &CognitoConfig) -> bool {
        config.is_scopes_string(&self.scopes)
    }

    /// The same session with new ID and access tokens from a refresh, keeping the refresh
    /// token unless the response carried a new one (refresh-token rotation).
    pub(crate) fn refreshed(&self, fresh: CognitoSession) -> CognitoSession {
        CognitoSession {
            refresh_token: fresh.refresh_token.or_else(|| self.refresh_token.clone()),
            ..fresh
        }
    }

    /// Checks that the tokens were issued to this app: ID token `aud` and access token
    /// `client_id` equal the client id, `token_use` is right, `iss` is one of the
    /// configured issuers (when one is known: the override, or the user pool's issuer in
    /// either format, see [`CognitoConfig::issuers`]), and the ID token's `nonce` is the one
    /// sent (when given).
    pub fn check_claims(
        &self,
        config: &CognitoConfig,
        expected_nonce: Option<&str>,
    ) -> Result<(), AuthError> {
        let reject =
            |token: &'static str, reason: String| AuthError::TokenRejected { token, reason };
        let wrong_issuer = || format!("issuer is not one of {:?}", config.issuers());
        let access = &self.access_token;
        if access.token_use() != Some("access") {
            return Err(reject("access", "token_use is not `access`".into()));
        }
        if access.client_id() != Some(config.client_id()) {
            return Err(reject("access", "client_id is not this app's".into()));
        }
        if !config.accepts_issuer(access.issuer()) {
            return Err(reject("access", wrong_issuer()));
        }
        if let Some(id) = &self.id_token {
            if id.token_use() != Some("id") {
                return Err(reject("id", "token_use is not `id`".into()));
            }
            if id.audience() != Some(config.client_id()) {
                return Err(reject("id", "aud is not this app's client id".into()));
            }
            if !config.accepts_issuer(id.issuer()) {
                return Err(reject("id", wrong_issuer()));
            }
            if let (Some(a), Some(b)) = (id.sub(), access.sub()) {
                if a != b {
                    return Err(reject("id", "sub differs from the access token's".into()));
                }
            }
            if let Some(expected) = expected_nonce {
                let ok = id
                    .nonce()
                    .is_some_and(|n| constant_time_eq(n.as_bytes(), expected.as_bytes()));
                if !ok {
                    return Err(AuthError::NonceMismatch);
                }
            }
        }
        Ok(())
    }
}

/// The session a sign-in's tokens make, accepted the one way the browser client and the
/// server both use: this device's clock drift measured at `now`, and the claims checked
/// for this app with the `nonce` the sign-in sent.
pub fn accept_sign_in(
    session: CognitoSession,
    config: &CognitoConfig,
    nonce: &str,
    now: u64,
) -> Result<CognitoSession, AuthError> {
    let session = session.with_clock_drift_at(now);
    session.check_claims(config, Some(nonce))?;
    Ok(session)
}

/// The session a refresh of `current` makes with the `fresh` tokens, accepted the one way
/// the browser client and the server both use: clock drift measured at `now`, claims
/// checked for this app, the same user (tokens for another user are refused), and the
/// refresh token kept unless a new one came (rotation).
pub fn accept_refresh(
    current: &CognitoSession,
    fresh: CognitoSession,
    config: &CognitoConfig,
    now: u64,
) -> Result<CognitoSession, AuthError> {
    let fresh = fresh.with_clock_drift_at(now);
    fresh.check_claims(config, None)?;
    if fresh.username() != current.username() {
        return Err(AuthError::TokenRejected {
            token: "access",
            reason: "the refreshed tokens are for another user".into(),
        });
    }
    Ok(current.refreshed(fresh))
}

/// Where a session stands for an app: the one answer every part of the kit uses (the
/// client's `get_session`, the provider at page start and on tab changes, cookie session
/// mode on the server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Usable now: made for the configured scopes, both tokens good for `expires_in` more
    /// seconds (clock skew and clock drift accounted for).
    Valid {
        /// Seconds until the session counts as expired.
        expires_in: u64,
    },
    /// Expired (or within the skew allowance of it), made for the configured scopes, and a
    /// refresh token is held: a refresh can renew it.
    Refreshable,
    /// Not usable and not renewable: expired without a refresh token, or made for other
    /// scopes than the configuration asks for now (which needs a new sign-in, as in the
    /// original SDK).
    Ended,
}

impl CognitoSession {
    /// Where this session stands at `now` (seconds since the Unix epoch on this device)
    /// for `config`: [`Standing::Valid`], [`Standing::Refreshable`] or
    /// [`Standing::Ended`].
    ///
    /// ```
    /// # use leptos_cognito_auth::protocol::Standing;
    /// # fn check(session: &leptos_cognito_auth::CognitoSession, config: &leptos_cognito_auth::CognitoConfig, now: u64) {
    /// match session.standing(config, now) {
    ///     Standing::Valid { expires_in } => println!("signed in for {expires_in} s"),
    ///     Standing::Refreshable => println!("expired: refresh it"),
    ///     Standing::Ended => println!("signed out"),
    /// }
    /// # }
    /// ```
    pub fn standing(&self, config: &CognitoConfig, now: u64) -> Standing {
        if !self.has_scopes_of(config) {
            return Standing::Ended;
        }
        match self.validity(now, config.clock_skew_secs()) {
            Validity::Valid { expires_in } => Standing::Valid { expires_in },
            Validity::Expired if self.refresh_token.is_some() => Standing::Refreshable,
            Validity::Expired => Standing::Ended,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::protocol::jwt::tests::jwt;
    use serde_json::json;

    pub(crate) const CLIENT: &str = "local-spa-client";
    pub(crate) const ISSUER: &str = "http://localhost:9229/us-east-1_LocalPool";

    pub(crate) fn config() -> CognitoConfig {
        CognitoConfig::builder()
            .client_id(CLIENT)
            .app_web_domain("http://localhost:9229")
            .scopes(["openid", "email"])
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .user_pool_id("us-east-1_LocalPool")
            .issuer(ISSUER)
            .build()
            .unwrap()
    }

    pub(crate) fn id_jwt(user: &str, exp: u64, nonce: &str) -> String {
        jwt(
            &json!({"sub": format!("sub-{user}"), "cognito:username": user, "aud": CLIENT,
            "iss": ISSUER, "token_use": "id", "exp": exp, "iat": exp.saturating_sub(3600),
            "email": format!("{user}@example.com"), "nonce": nonce, "cognito:groups": ["admin"]}),
        )
    }

    pub(crate) fn access_jwt(user: &str, exp: u64) -> String {
        jwt(
            &json!({"sub": format!("sub-{user}"), "username": user, "client_id": CLIENT,
            "iss": ISSUER, "token_use": "access", "exp": exp, "iat": exp.saturating_sub(3600),
            "scope": "openid email"}),
        )
    }

    fn session(id_exp: u64, access_exp: u64) -> CognitoSession {
        CognitoSession::from_tokens(
            Some(&id_jwt("alice", id_exp, "n")),
            &access_jwt("alice", access_exp),
            Some(Secret::new("refresh")),
            "openid email",
        )
        .unwrap()
    }

    #[test]
    fn validity_checks_both_tokens_with_skew() {
        let s = session(10_000, 20_000);
        assert_eq!(s.expires_at(), 10_000);
        assert_eq!(s.validity(9_000, 60), Validity::Valid { expires_in: 940 });
        assert!(s.is_valid(9_939, 60));
        assert!(
            !s.is_valid(9_940, 60),
            "within the skew allowance counts as expired"
        );
        assert!(s.is_valid(9_999, 0));
        assert!(!s.is_valid(10_000, 0));
        let s = session(20_000, 10_000);
        assert!(
            !s.is_valid(10_000, 0),
            "the access token's expiry counts too"
        );
        // Tokens that live 30 s (iat 0) get a quarter of that as allowance, not 60 s: they
        // are usable for 23 s, not expired on arrival.
        assert_eq!(
            session_lived(0, 30).validity(0, 60),
            Validity::Valid { expires_in: 23 }
        );
        assert_eq!(session_lived(0, 30).validity(23, 60), Validity::Expired);
    }

    /// Both tokens issued at `iat`, living `lifetime` seconds.
    fn session_lived(iat: u64, lifetime: u64) -> CognitoSession {
        let access = jwt(
            &json!({"sub": "s", "username": "alice", "client_id": CLIENT, "iss": ISSUER,
            "token_use": "access", "exp": iat + lifetime, "iat": iat, "scope": "openid email"}),
        );
        CognitoSession::from_tokens(None, &access, Some(Secret::new("r")), "openid email").unwrap()
    }

    #[test]
    fn the_skew_allowance_is_capped_by_the_tokens_lifetime() {
        // (lifetime, configured allowance) -> the allowance applied and the usable time.
        let cases = [
            (5, 0, 0, 5),
            (5, 60, 1, 4),
            (5, 300, 1, 4),
            (20, 0, 0, 20),
            (20, 60, 5, 15),
            (20, 300, 5, 15),
            (59, 0, 0, 59),
            (59, 60, 14, 45),
            (59, 300, 14, 45),
            (61, 0, 0, 61),
            (61, 60, 15, 46),
            (61, 300, 15, 46),
            (3_600, 0, 0, 3_600),
            (3_600, 60, 60, 3_540),
            (3_600, 300, 300, 3_300),
        ];
        for (lifetime, skew, applied, usable) in cases {
            let s = session_lived(1_000, lifetime);
            assert_eq!(s.lifetime_secs(), lifetime);
            assert_eq!(s.skew_allowance(skew), applied, "{lifetime} s, skew {skew}");
            assert_eq!(
                s.validity(1_000, skew),
                Validity::Valid { expires_in: usable },
                "{lifetime} s, skew {skew}"
            );
            // Never expired on arrival, whatever the allowance.
            assert!(s.is_valid(1_000, skew));
        }
    }

    #[test]
    fn username_and_scopes() {
        let s = session(10, 10);
        assert_eq!(s.username(), Some("alice"));
        assert!(s.has_scopes_of(&config()));
        let other = CognitoConfig::builder()
            .client_id(CLIENT)
            .app_web_domain("http://localhost:9229")
            .scopes(["openid"])
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .build()
            .unwrap();
        assert!(!s.has_scopes_of(&other));
    }

    #[test]
    fn refresh_keeps_or_rotates_the_refresh_token() {
        let old = session(10, 10);
        let fresh = CognitoSession::from_tokens(
            Some(&id_jwt("alice", 99, "")),
            &access_jwt("alice", 99),
            None,
            "openid email",
        )
        .unwrap();
        let kept = old.refreshed(fresh.clone());
        assert_eq!(kept.refresh_token().unwrap().expose(), "refresh");
        assert_eq!(kept.expires_at(), 99);
        let rotated = CognitoSession::from_tokens(
            None,
            &access_jwt("alice", 99),
            Some(Secret::new("rotated")),
            "openid email",
        )
        .unwrap();
        assert_eq!(
            old.refreshed(rotated).refresh_token().unwrap().expose(),
            "rotated"
        );
    }

    #[test]
    fn claims_are_checked_against_the_config() {
        let c = config();
        let s = session(10, 10);
        assert_eq!(s.check_claims(&c, Some("n")), Ok(()));
        assert_eq!(s.check_claims(&c, None), Ok(()));
        assert_eq!(
            s.check_claims(&c, Some("other")),
            Err(AuthError::NonceMismatch)
        );

        let wrong_aud = jwt(&json!({"token_use": "id", "aud": "other", "iss": ISSUER, "exp": 10}));
        let s = CognitoSession::from_tokens(Some(&wrong_aud), &access_jwt("alice", 10), None, "")
            .unwrap();
        assert_eq!(
            s.check_claims(&c, None).unwrap_err().code(),
            "token_rejected"
        );

        let wrong_iss = jwt(
            &json!({"token_use": "access", "client_id": CLIENT, "iss": "https://evil", "exp": 10}),
        );
        let s = CognitoSession::from_tokens(None, &wrong_iss, None, "").unwrap();
        assert_eq!(
            s.check_claims(&c, None).unwrap_err().code(),
            "token_rejected"
        );

        let id_as_access = id_jwt("alice", 10, "n");
        let s = CognitoSession::from_tokens(None, &id_as_access, None, "").unwrap();
        assert_eq!(
            s.check_claims(&c, None).unwrap_err().code(),
            "token_rejected"
        );
    }

    #[test]
    fn malformed_tokens_name_the_token() {
        let err =
            CognitoSession::from_tokens(Some("junk"), &access_jwt("a", 1), None, "").unwrap_err();
        assert!(matches!(err, AuthError::MalformedToken { token: "id", .. }));
        let err = CognitoSession::from_tokens(None, "junk", None, "").unwrap_err();
        assert!(matches!(
            err,
            AuthError::MalformedToken {
                token: "access",
                ..
            }
        ));
        assert_eq!(err.code(), "malformed_token");
    }

    #[test]
    fn standing_is_valid_refreshable_or_ended() {
        let c = config();
        // Valid: until the skew allowance before the earlier expiry.
        let s = session(10_000, 20_000);
        assert_eq!(s.standing(&c, 9_000), Standing::Valid { expires_in: 940 });
        // Expired with a refresh token: refreshable.
        assert_eq!(s.standing(&c, 9_940), Standing::Refreshable);
        // Expired without one (implicit flow): ended.
        let implicit = CognitoSession::from_tokens(
            Some(&id_jwt("alice", 10_000, "n")),
            &access_jwt("alice", 10_000),
            None,
            "openid email",
        )
        .unwrap();
        assert_eq!(
            implicit.standing(&c, 9_000),
            Standing::Valid { expires_in: 940 }
        );
        assert_eq!(implicit.standing(&c, 9_940), Standing::Ended);
        // Made for other scopes: ended, valid or not, refresh token or not.
        let other = CognitoSession::from_tokens(
            Some(&id_jwt("alice", 10_000, "n")),
            &access_jwt("alice", 10_000),
            Some(Secret::new("refresh")),
            "openid",
        )
        .unwrap();
        assert_eq!(other.standing(&c, 9_000), Standing::Ended);
        assert_eq!(other.standing(&c, 9_940), Standing::Ended);
        // Clock drift: judged on Cognito's clock.
        let ahead = s.with_clock_drift(600);
        assert_eq!(
            ahead.standing(&c, 10_539),
            Standing::Valid { expires_in: 1 }
        );
        assert_eq!(ahead.standing(&c, 10_540), Standing::Refreshable);
    }

    #[test]
    fn clock_drift_moves_the_deadline_both_ways() {
        // Tokens valid until 10_000 (iat 6_400), skew 60: deadline 9_940 on Cognito's clock.
        let s = session(10_000, 10_000);
        assert!(s.is_valid(9_939, 60) && !s.is_valid(9_940, 60));
        // Received at device time 7_000: the device is 600 s ahead.
        let ahead = s.clone().with_clock_drift_at(7_000);
        assert_eq!(ahead.clock_drift(), 600);
        assert!(ahead.is_valid(10_539, 60) && !ahead.is_valid(10_540, 60));
        // Received at device time 5_800: 600 s behind.
        let behind = s.clone().with_clock_drift_at(5_800);
        assert_eq!(behind.clock_drift(), -600);
        assert!(behind.is_valid(9_339, 60) && !behind.is_valid(9_340, 60));
        // A few seconds are the response's own delay, not drift.
        assert_eq!(s.clone().with_clock_drift_at(6_404).clock_drift(), 0);
        assert_eq!(
            s.with_clock_drift(i64::MIN).validity(0, 60),
            Validity::Expired
        );
    }
}
