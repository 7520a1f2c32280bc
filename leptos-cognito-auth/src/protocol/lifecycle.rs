//! The session's lifecycle decisions, as pure functions: when the automatic refresh comes
//! due, how long to back off after failures, what the timer does when it fires, and what a
//! change of the stored session (made by another tab, or by a refresh elsewhere in this
//! one) means. `<AuthProvider>` only drives timers and signals with these answers.

// The provider's lifecycle decisions run in the browser build; the server build compiles
// them for the shared rules (`is_fresh`, `check_refreshed`) and the native tests.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use super::config::CognitoConfig;
use super::error::AuthError;
use super::session::{CognitoSession, Standing};

/// Whether a user is signed in, as far as the page knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthStatus {
    /// Not known yet: before the client has read storage (always so during server-side
    /// rendering), or while a refresh or sign-in completes.
    Loading,
    /// A valid session is held.
    SignedIn,
    /// No usable session.
    SignedOut,
}

impl AuthStatus {
    /// `Some(true)` signed in, `Some(false)` signed out, `None` not known yet.
    pub fn is_authenticated(self) -> Option<bool> {
        match self {
            Self::Loading => None,
            Self::SignedIn => Some(true),
            Self::SignedOut => Some(false),
        }
    }
}

/// The status the first render of a page shows for a session read from cookies (cookie
/// mode), as the server renders it (the page carries it to the browser, whose first render
/// shows the same, so that hydration matches): signed in when the session is valid and the
/// server accepted its access token; "not known yet" when it will be refreshed, or when the
/// server could not accept it (the browser decides after hydration); signed out when there
/// is none or it cannot be renewed.
///
/// ```
/// use leptos_cognito_auth::protocol::{first_render_status, AuthStatus, Standing};
/// let valid = Some(Standing::Valid { expires_in: 600 });
/// assert_eq!(first_render_status(valid, true), AuthStatus::SignedIn);
/// assert_eq!(first_render_status(valid, false), AuthStatus::Loading);
/// assert_eq!(first_render_status(Some(Standing::Refreshable), true), AuthStatus::Loading);
/// assert_eq!(first_render_status(None, false), AuthStatus::SignedOut);
/// ```
pub fn first_render_status(standing: Option<Standing>, server_accepted: bool) -> AuthStatus {
    match standing {
        Some(Standing::Valid { .. }) if server_accepted => AuthStatus::SignedIn,
        Some(Standing::Valid { .. } | Standing::Refreshable) => AuthStatus::Loading,
        Some(Standing::Ended) | None => AuthStatus::SignedOut,
    }
}

/// The automatic refresh looks at the session at least this often (seconds), whatever its
/// expiry: timers do not run while the computer sleeps, and clocks get changed.
pub(crate) const MAX_CHECK_INTERVAL_SECS: u64 = 300;

/// Seconds to wait before retrying after `failures` failed automatic refreshes in a row: 5,
/// 10, 20, 40, then every 60.
///
pub(crate) fn backoff_secs(failures: u32) -> u64 {
    doubling_backoff(failures, 5, 60)
}

/// The pause before trying again after `failures` failures in a row (1 counts as the
/// first): `first`, doubling with each failure, never more than `cap` (in any one unit).
/// Every retry of the kit that talks to a server waits by it: the browser's automatic
/// refresh, the server's JWKS fetches, the machine-to-machine token source.
pub(crate) fn doubling_backoff(failures: u32, first: u64, cap: u64) -> u64 {
    first
        .saturating_mul(1 << failures.saturating_sub(1).min(32))
        .min(cap)
}

/// Whether the provider refreshes `session` by itself: automatic refresh is on and the
/// session holds a refresh token.
pub(crate) fn renews_itself(session: &CognitoSession, config: &CognitoConfig) -> bool {
    config.auto_refresh() && session.refresh_token().is_some()
}

/// How many seconds before `session` would count as expired the automatic refresh runs:
/// [`CognitoConfig::refresh_margin_secs`] for the tokens' usable time (their
/// [lifetime](CognitoSession::lifetime_secs) minus the [clock-skew
/// allowance](CognitoSession::skew_allowance), itself at most a quarter of the lifetime).
/// Capped, so fresh tokens are never already due: tokens are refreshed at the earliest 60 %
/// of their lifetime after they were issued.
pub(crate) fn refresh_margin(session: &CognitoSession, config: &CognitoConfig) -> u64 {
    let lifetime = session.lifetime_secs();
    let usable = lifetime.saturating_sub(session.skew_allowance(config.clock_skew_secs()));
    config.refresh_margin_secs(usable)
}

/// Whether `session` needs no refresh at `now`: usable for longer than its
/// [refresh margin](refresh_margin). The one rule behind the browser's timer, the client's
/// check under the cross-tab lock and the server's refresh of server sessions.
pub(crate) fn is_fresh(session: &CognitoSession, config: &CognitoConfig, now: u64) -> bool {
    fresh_beyond(session, config, now, refresh_margin(session, config))
}

/// Whether `session` is usable at `now` for longer than `margin` seconds (the refresh
/// margin, or one a caller of the client chose).
pub(crate) fn fresh_beyond(
    session: &CognitoSession,
    config: &CognitoConfig,
    now: u64,
    margin: u64,
) -> bool {
    good_for(session, config, now) > margin
}

/// Checks tokens that a refresh just brought: they must not be due for refresh already.
/// Tokens are never refreshed more than once per lifetime: when the new tokens are due on
/// arrival (the identity provider issues tokens that live about as long as a request
/// takes, or this machine's clock is off by a few seconds), refreshing them again could
/// only bring more of the same, so this is a configuration error
/// ([`AuthError::TokensExpireTooSoon`]) that callers report and back off from, never a
/// reason to refresh again.
pub(crate) fn check_refreshed(
    session: &CognitoSession,
    config: &CognitoConfig,
    now: u64,
) -> Result<(), AuthError> {
    if is_fresh(session, config, now) {
        Ok(())
    } else {
        Err(AuthError::TokensExpireTooSoon {
            lifetime_secs: session.lifetime_secs(),
        })
    }
}

/// Seconds `session` stays usable at `now` (0 when it is not).
fn good_for(session: &CognitoSession, config: &CognitoConfig, now: u64) -> u64 {
    match session.standing(config, now) {
        Standing::Valid { expires_in } => expires_in,
        Standing::Refreshable | Standing::Ended => 0,
    }
}

/// In how many seconds the provider should look at `session` again, after `failures`
/// failed automatic refreshes in a row: at the refresh margin before expiry for a session
/// that [renews itself](renews_itself), at expiry for one that does not; after a
/// [back-off](backoff_secs) when refreshes have been failing and the refresh is already
/// due; and in any case within [`MAX_CHECK_INTERVAL_SECS`].
pub(crate) fn next_check_in(
    session: &CognitoSession,
    config: &CognitoConfig,
    now: u64,
    failures: u32,
) -> u64 {
    let good_for = good_for(session, config, now);
    let due_in = if renews_itself(session, config) {
        good_for.saturating_sub(refresh_margin(session, config))
    } else {
        good_for
    };
    let due_in = if due_in == 0 && failures > 0 {
        backoff_secs(failures)
    } else {
        due_in
    };
    due_in.min(MAX_CHECK_INTERVAL_SECS)
}

/// What the provider's timer does when it fires (also when the tab is shown again or
/// comes back online).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TickAction {
    /// Nothing now: the tab is hidden (it catches up when shown) or a refresh or sign-in is
    /// already under way.
    Wait,
    /// Not due yet: arm the timer again ([`next_check_in`]).
    Reschedule,
    /// Refresh now, unless (checked again under the cross-tab lock) the session is still
    /// valid for more than `margin` seconds, because another tab has refreshed it.
    Refresh {
        /// The refresh margin, in seconds.
        margin: u64,
    },
    /// The session has expired and cannot be renewed here: it ends (signed out, with a
    /// "session expired" event).
    End,
}

/// What the timer does for the held `session` at `now`: see [`TickAction`].
pub(crate) fn on_tick(
    session: &CognitoSession,
    config: &CognitoConfig,
    now: u64,
    page_hidden: bool,
    in_flight: bool,
) -> TickAction {
    if !renews_itself(session, config) {
        return match session.standing(config, now) {
            Standing::Valid { .. } => TickAction::Reschedule,
            // Automatic refresh is off: the session is refreshed when the app asks for it.
            Standing::Refreshable => TickAction::Wait,
            Standing::Ended => TickAction::End,
        };
    }
    if page_hidden || in_flight {
        return TickAction::Wait;
    }
    if is_fresh(session, config, now) {
        TickAction::Reschedule
    } else {
        TickAction::Refresh {
            margin: refresh_margin(session, config),
        }
    }
}

/// What a change of the stored session means for the page holding `held`, when storage
/// now holds `stored` (read by the storage events of another tab, or after this tab's own
/// code refreshed the session outside the provider).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StoredChange {
    /// Storage holds the session the page holds (the same access token), or nothing new.
    Unchanged,
    /// A valid session for another user, or after none: publish it as a sign-in.
    SignedIn(CognitoSession),
    /// A valid session for the same user with new tokens: publish it as a refresh.
    Refreshed(CognitoSession),
    /// The held session is gone or no longer valid in storage: by another tab, a sign-out
    /// (or its refresh token refused); by this tab, an expiry.
    Gone,
}

/// Compares the `held` session with the `stored` one at `now`: see [`StoredChange`].
pub(crate) fn stored_change(
    held: Option<&CognitoSession>,
    stored: Option<&CognitoSession>,
    config: &CognitoConfig,
    now: u64,
) -> StoredChange {
    let token = |s: Option<&CognitoSession>| s.map(|s| s.access_token().jwt_token().to_owned());
    if token(held) == token(stored) {
        return StoredChange::Unchanged;
    }
    match stored {
        Some(session) if matches!(session.standing(config, now), Standing::Valid { .. }) => {
            let same_user = held.is_some_and(|h| h.username() == session.username());
            if same_user {
                StoredChange::Refreshed(session.clone())
            } else {
                StoredChange::SignedIn(session.clone())
            }
        }
        _ if held.is_some() => StoredChange::Gone,
        _ => StoredChange::Unchanged,
    }
}

/// After a refresh failed: whether the page's session has ended, so that a "session
/// expired" event is due. It has ended when no valid session is left in storage
/// (`still_valid` is false) and the page had one, or did not know yet (`had_session`).
pub(crate) fn refresh_failure_ends_session(had_session: bool, still_valid: bool) -> bool {
    had_session && !still_valid
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::jwt::tests::jwt;
    use crate::protocol::secret::Secret;
    use crate::protocol::session::tests::{access_jwt, config, id_jwt, CLIENT, ISSUER};
    use serde_json::json;

    fn session(user: &str, exp: u64, refresh: bool) -> CognitoSession {
        CognitoSession::from_tokens(
            Some(&id_jwt(user, exp, "n")),
            &access_jwt(user, exp),
            refresh.then(|| Secret::new("refresh")),
            "openid email",
        )
        .unwrap()
    }

    /// A session whose tokens live `lifetime` seconds from `iat`.
    fn lived(iat: u64, lifetime: u64) -> CognitoSession {
        let access = jwt(
            &json!({"sub": "s", "username": "alice", "client_id": CLIENT,
            "iss": ISSUER, "token_use": "access", "exp": iat + lifetime, "iat": iat,
            "scope": "openid email"}),
        );
        CognitoSession::from_tokens(None, &access, Some(Secret::new("r")), "openid email").unwrap()
    }

    fn without_auto_refresh() -> CognitoConfig {
        CognitoConfig::builder()
            .client_id(CLIENT)
            .app_web_domain("http://localhost:9229")
            .scopes(["openid", "email"])
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .auto_refresh(false)
            .build()
            .unwrap()
    }

    #[test]
    fn back_off_doubles_from_five_seconds_to_a_minute() {
        assert_eq!(
            [0, 1, 2, 3, 4, 5, 6, 100, u32::MAX].map(backoff_secs),
            [5, 5, 10, 20, 40, 60, 60, 60, 60]
        );
    }

    #[test]
    fn doubling_back_off_is_capped_whatever_the_count() {
        assert_eq!(
            [0, 1, 2, 3, 10, 33, 64, u32::MAX].map(|n| doubling_backoff(n, 1_000, 30_000)),
            [1_000, 1_000, 2_000, 4_000, 30_000, 30_000, 30_000, 30_000]
        );
        assert_eq!(doubling_backoff(u32::MAX, u64::MAX, u64::MAX), u64::MAX);
        assert_eq!(doubling_backoff(5, 7, 0), 0, "a cap of 0: no pause");
    }

    #[test]
    fn margin_is_capped_by_the_usable_time() {
        let c = config();
        // One hour: 60 s. Five minutes (240 s usable): a fifth, 48 s.
        assert_eq!(refresh_margin(&lived(1_000, 3600), &c), 60);
        assert_eq!(refresh_margin(&lived(1_000, 300), &c), 48);
        // Shorter than the configured allowance: a quarter of the lifetime is allowed for
        // skew (7 s), and the margin is a fifth of the rest (23 s usable: 4 s).
        assert_eq!(refresh_margin(&lived(1_000, 30), &c), 4);
        // No `iat`: an hour is assumed.
        let s = session("alice", 10_000, true);
        let no_iat = CognitoSession::from_tokens(
            None,
            &jwt(&json!({"username": "alice", "exp": 10_000})),
            Some(Secret::new("r")),
            "openid email",
        )
        .unwrap();
        assert_eq!(refresh_margin(&no_iat, &c), 60);
        assert_eq!(refresh_margin(&s, &c), 60);
    }

    #[test]
    fn due_time_is_the_margin_before_expiry() {
        let c = config();
        // Valid until 10_000 - 60 (skew) = 9_940; refreshed 60 s before: due at 9_880.
        let s = session("alice", 10_000, true);
        assert_eq!(next_check_in(&s, &c, 9_800, 0), 80);
        assert_eq!(next_check_in(&s, &c, 9_880, 0), 0);
        // Far from expiry: at most every five minutes.
        assert_eq!(next_check_in(&s, &c, 1_000, 0), MAX_CHECK_INTERVAL_SECS);
        // Failing refreshes: a back-off once due, none before.
        assert_eq!(next_check_in(&s, &c, 9_900, 1), 5);
        assert_eq!(next_check_in(&s, &c, 9_900, 3), 20);
        assert_eq!(next_check_in(&s, &c, 9_800, 3), 80);
        // No refresh token, or automatic refresh off: looked at again at expiry.
        let implicit = session("alice", 10_000, false);
        assert_eq!(next_check_in(&implicit, &c, 9_800, 0), 140);
        assert_eq!(next_check_in(&s, &without_auto_refresh(), 9_800, 0), 140);
    }

    #[test]
    fn due_time_follows_cognitos_clock() {
        let c = config();
        // This device's clock runs 600 s ahead of Cognito's: everything moves by 600 s.
        let s = session("alice", 10_000, true).with_clock_drift(600);
        assert_eq!(next_check_in(&s, &c, 10_400, 0), 80);
        assert_eq!(
            on_tick(&s, &c, 10_400, false, false),
            TickAction::Reschedule
        );
        assert_eq!(
            on_tick(&s, &c, 10_480, false, false),
            TickAction::Refresh { margin: 60 }
        );
        // 600 s behind.
        let s = session("alice", 10_000, true).with_clock_drift(-600);
        assert_eq!(next_check_in(&s, &c, 9_200, 0), 80);
    }

    #[test]
    fn the_timer_refreshes_when_due_and_visible() {
        let c = config();
        let s = session("alice", 10_000, true);
        assert_eq!(on_tick(&s, &c, 9_000, false, false), TickAction::Reschedule);
        assert_eq!(
            on_tick(&s, &c, 9_880, false, false),
            TickAction::Refresh { margin: 60 }
        );
        assert_eq!(
            on_tick(&s, &c, 20_000, false, false),
            TickAction::Refresh { margin: 60 }
        );
        // A hidden tab waits (it catches up when shown); so does a tab already refreshing.
        assert_eq!(on_tick(&s, &c, 9_880, true, false), TickAction::Wait);
        assert_eq!(on_tick(&s, &c, 9_880, false, true), TickAction::Wait);
    }

    #[test]
    fn a_session_that_cannot_renew_itself_ends_at_expiry() {
        let c = config();
        let implicit = session("alice", 10_000, false);
        assert_eq!(
            on_tick(&implicit, &c, 9_000, false, false),
            TickAction::Reschedule
        );
        assert_eq!(on_tick(&implicit, &c, 9_940, false, false), TickAction::End);
        // Even in a hidden tab: nothing would renew it.
        assert_eq!(on_tick(&implicit, &c, 9_940, true, false), TickAction::End);
        // Automatic refresh off, refresh token held: left for the app to refresh.
        let off = without_auto_refresh();
        let s = session("alice", 10_000, true);
        assert_eq!(
            on_tick(&s, &off, 9_000, false, false),
            TickAction::Reschedule
        );
        assert_eq!(on_tick(&s, &off, 9_940, false, false), TickAction::Wait);
    }

    #[test]
    fn what_a_change_in_storage_means() {
        let c = config();
        let alice = session("alice", 10_000, true);
        let alice_refreshed = session("alice", 13_600, true);
        let bob = session("bob", 10_000, true);
        let now = 9_000;
        let change = |held, stored| stored_change(held, stored, &c, now);
        // The same tokens: nothing.
        assert_eq!(change(Some(&alice), Some(&alice)), StoredChange::Unchanged);
        assert_eq!(change(None, None), StoredChange::Unchanged);
        // Another tab signed in, or another user did.
        assert_eq!(
            change(None, Some(&alice)),
            StoredChange::SignedIn(alice.clone())
        );
        assert_eq!(
            change(Some(&alice), Some(&bob)),
            StoredChange::SignedIn(bob.clone())
        );
        // Another tab's refresh succeeded: its tokens, as a refresh.
        assert_eq!(
            change(Some(&alice), Some(&alice_refreshed)),
            StoredChange::Refreshed(alice_refreshed.clone())
        );
        // Another tab signed out, or its refresh was refused (storage cleared).
        assert_eq!(change(Some(&alice), None), StoredChange::Gone);
        // What is stored is no longer valid (expired, no refresh in sight).
        let expired = session("alice", 9_000, true);
        assert_eq!(change(Some(&alice), Some(&expired)), StoredChange::Gone);
        // Nothing held and nothing valid stored: nothing to publish.
        assert_eq!(change(None, Some(&expired)), StoredChange::Unchanged);
    }

    #[test]
    fn a_failed_refresh_ends_the_session_only_without_a_valid_one() {
        assert!(refresh_failure_ends_session(true, false));
        assert!(!refresh_failure_ends_session(true, true));
        assert!(!refresh_failure_ends_session(false, false));
        assert!(!refresh_failure_ends_session(false, true));
    }

    fn with_skew(skew: u64) -> CognitoConfig {
        CognitoConfig::builder()
            .client_id(CLIENT)
            .app_web_domain("http://localhost:9229")
            .scopes(["openid", "email"])
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .clock_skew_secs(skew)
            .build()
            .unwrap()
    }

    /// The refresh decision for tokens of every lifetime against every allowance: fresh
    /// tokens are never due, the refresh comes at 60 % of the lifetime or later (at most
    /// one per lifetime), before the tokens count as expired, and tokens that arrive
    /// already due are a configuration error instead of a reason to refresh again.
    #[test]
    fn the_refresh_decision_for_every_lifetime_and_allowance() {
        for lifetime in [5, 20, 59, 61, 3_600] {
            for skew in [0, 60, 300] {
                let c = with_skew(skew);
                let iat = 1_000;
                let s = lived(iat, lifetime);
                let case = format!("{lifetime} s tokens, {skew} s allowance");
                // Just received: usable, not due, and accepted.
                assert_eq!(
                    on_tick(&s, &c, iat, false, false),
                    TickAction::Reschedule,
                    "{case}"
                );
                assert_eq!(check_refreshed(&s, &c, iat), Ok(()), "{case}");
                let due_in = next_check_in(&s, &c, iat, 0);
                assert!(due_in > 0, "{case}: due at once");
                // Due no sooner than 60 % of the lifetime (capped by the five-minute look).
                assert!(
                    due_in >= (lifetime * 3 / 5).min(MAX_CHECK_INTERVAL_SECS),
                    "{case}: due after {due_in} s"
                );
                // When due, the tokens are still usable (the refresh comes before expiry,
                // for tokens that live long enough to leave a margin).
                let due_at = iat + good_for(&s, &c, iat) - refresh_margin(&s, &c);
                assert!(
                    matches!(
                        on_tick(&s, &c, due_at, false, false),
                        TickAction::Refresh { .. }
                    ),
                    "{case}"
                );
                assert!(due_at <= iat + lifetime, "{case}");
                // Tokens that arrive already due (here: received at their expiry) are a
                // configuration error that names their lifetime.
                let late = check_refreshed(&s, &c, iat + lifetime).unwrap_err();
                assert_eq!(
                    late,
                    AuthError::TokensExpireTooSoon {
                        lifetime_secs: lifetime
                    },
                    "{case}"
                );
                assert_eq!(late.code(), "tokens_expire_too_soon");
                assert!(!late.is_transient());
            }
        }
    }
}
