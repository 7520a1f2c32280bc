//! What to do with a stored session record now: a pure function of what the store holds,
//! the time, and whether another instance holds the session's refresh lock, so that every
//! case (clock drift both ways, a refresh racing a sign-out, a record no key opens) has a
//! native table test and no test sleeps.

use super::session::Lifetimes;
use crate::protocol::{is_fresh, CognitoConfig, CognitoSession, Standing};

/// How often a session's last use is written to the store at most (seconds): a rolling
/// inactivity timeout without a write per request.
pub(crate) const TOUCH_INTERVAL_SECS: u64 = 60;

/// What the store held for a session id.
#[derive(Debug)]
pub(crate) enum Stored<'a> {
    /// Nothing: never signed in, signed out, revoked or expired in the store.
    Missing,
    /// A value that cannot be opened or read (tampered, junk, another format).
    Unreadable,
    /// A readable record: its session, and the time before which it must not be refreshed
    /// again (tokens that a refresh brought already due).
    Found {
        session: &'a CognitoSession,
        refresh_after: u64,
        created_at: u64,
        last_seen_at: u64,
    },
}

/// What the layer does with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Usable as it is: valid beyond the refresh margin.
    Use,
    /// Due (within the margin) or expired, with a refresh token: refresh it now.
    Refresh,
    /// Due, but another instance (or request) is refreshing it: wait for its result.
    Wait,
    /// Due, but the last refresh brought tokens that were due already: not refreshed again
    /// before the back-off ends. Used while still valid, else served signed out (kept).
    Hold,
    /// No session any more (expired without a refresh token, made for other scopes, past
    /// its inactivity timeout or absolute lifetime, or gone from the store): signed out,
    /// and whatever is left removed.
    End,
    /// Unreadable: removed, and signed out.
    Discard,
}

/// Decides what to do with `stored` at `now` (this machine's clock; the session corrects it
/// by the drift measured when its tokens arrived), when `locked_by_other` says another
/// holder has the session's refresh lock.
pub(crate) fn decide(
    stored: &Stored<'_>,
    config: &CognitoConfig,
    lifetimes: &Lifetimes,
    now: u64,
    locked_by_other: bool,
) -> Decision {
    let (session, refresh_after) = match stored {
        Stored::Missing => return Decision::End,
        Stored::Unreadable => return Decision::Discard,
        Stored::Found {
            session,
            refresh_after,
            created_at,
            last_seen_at,
        } => {
            if lifetimes.ended(*created_at, *last_seen_at, now) {
                return Decision::End;
            }
            (*session, *refresh_after)
        }
    };
    if is_fresh(session, config, now) {
        return Decision::Use;
    }
    match session.standing(config, now) {
        Standing::Ended => Decision::End,
        _ if now < refresh_after => Decision::Hold,
        _ if locked_by_other => Decision::Wait,
        _ => Decision::Refresh,
    }
}

/// Whether a session used at `now` and last seen at `last_seen_at` is written again (its
/// last use and store expiry moved on): at most once per [`TOUCH_INTERVAL_SECS`].
pub(crate) fn needs_touch(last_seen_at: u64, now: u64) -> bool {
    now >= last_seen_at.saturating_add(TOUCH_INTERVAL_SECS)
}

/// What a refresh that finished leaves, when it writes its tokens with a compare-and-set
/// against the record it read: `written` is whether the store still held that record, and
/// `now_stored` what it holds instead when it did not. A record a sign-out removed
/// meanwhile is never brought back; one another instance replaced (its lease ran out
/// while this refresh was slow) is used as that instance left it.
pub(crate) fn after_refresh(
    written: bool,
    now_stored: &Stored<'_>,
    config: &CognitoConfig,
    lifetimes: &Lifetimes,
    now: u64,
) -> Decision {
    if written {
        return Decision::Use;
    }
    match decide(now_stored, config, lifetimes, now, false) {
        // Newer tokens from elsewhere: this refresh is not repeated.
        Decision::Refresh | Decision::Wait => Decision::Use,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol::jwt::tests::jwt;
    use crate::protocol::Secret;

    const CLIENT: &str = "c";
    const IAT: u64 = 1_700_000_000;

    /// An hour's tokens live within these, so only the tests of lifetimes reach them.
    fn lifetimes() -> Lifetimes {
        Lifetimes {
            inactivity: std::time::Duration::from_secs(86_400),
            absolute: std::time::Duration::from_secs(7 * 86_400),
        }
    }

    fn config() -> CognitoConfig {
        CognitoConfig::builder()
            .client_id(CLIENT)
            .app_web_domain("http://localhost:9229")
            .scopes(["openid"])
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .build()
            .unwrap()
    }

    /// A session of tokens issued at `IAT` living an hour, received on a machine whose
    /// clock is `drift` seconds ahead of Cognito's, with or without a refresh token.
    fn session(drift: i64, refresh: bool, scopes: &str) -> CognitoSession {
        let access = jwt(
            &json!({"username": "alice", "token_use": "access", "client_id": CLIENT,
            "iat": IAT, "exp": IAT + 3600}),
        );
        CognitoSession::from_tokens(None, &access, refresh.then(|| Secret::new("r")), scopes)
            .unwrap()
            .with_clock_drift(drift)
    }

    #[test]
    fn what_to_do_with_a_record_now() {
        let c = config();
        // An hour's tokens: usable until IAT + 3540 (60 s skew), refreshed 60 s before.
        let due = IAT + 3_480;
        let s = session(0, true, "openid");
        let found = |refresh_after| Stored::Found {
            session: &s,
            refresh_after,
            created_at: IAT,
            last_seen_at: IAT,
        };
        let cases: [(&str, Stored<'_>, u64, bool, Decision); 9] = [
            ("fresh", found(0), IAT + 60, false, Decision::Use),
            (
                "fresh, locked by another",
                found(0),
                IAT + 60,
                true,
                Decision::Use,
            ),
            ("due", found(0), due, false, Decision::Refresh),
            (
                "expired, refreshable",
                found(0),
                IAT + 4_000,
                false,
                Decision::Refresh,
            ),
            (
                "due, another refreshing",
                found(0),
                due,
                true,
                Decision::Wait,
            ),
            (
                "due, held after tokens due on arrival",
                found(due + 60),
                due,
                false,
                Decision::Hold,
            ),
            (
                "due, hold over",
                found(due - 1),
                due,
                false,
                Decision::Refresh,
            ),
            (
                "gone from the store (signed out elsewhere)",
                Stored::Missing,
                due,
                false,
                Decision::End,
            ),
            (
                "unreadable",
                Stored::Unreadable,
                IAT,
                false,
                Decision::Discard,
            ),
        ];
        for (case, stored, now, locked, expected) in cases {
            assert_eq!(
                decide(&stored, &c, &lifetimes(), now, locked),
                expected,
                "{case}"
            );
        }
    }

    #[test]
    fn ended_sessions_end() {
        let c = config();
        let implicit = session(0, false, "openid");
        let stored = Stored::Found {
            session: &implicit,
            refresh_after: 0,
            created_at: IAT,
            last_seen_at: IAT,
        };
        assert_eq!(
            decide(&stored, &c, &lifetimes(), IAT + 60, false),
            Decision::Use
        );
        assert_eq!(
            decide(&stored, &c, &lifetimes(), IAT + 3_600, false),
            Decision::End
        );
        // Made for other scopes than the configuration asks for: ended, fresh or not.
        let other = session(0, true, "openid email");
        let stored = Stored::Found {
            session: &other,
            refresh_after: 0,
            created_at: IAT,
            last_seen_at: IAT,
        };
        assert_eq!(
            decide(&stored, &c, &lifetimes(), IAT + 60, false),
            Decision::End
        );
    }

    #[test]
    fn judged_by_cognitos_clock_whatever_this_machines_says() {
        let c = config();
        // This machine's clock is 10 minutes ahead of Cognito's: at its IAT + 3480 + 600 the
        // tokens are exactly due; a machine that ignored the drift would refresh 10 minutes
        // early.
        let ahead = session(600, true, "openid");
        let stored = Stored::Found {
            session: &ahead,
            refresh_after: 0,
            created_at: IAT,
            last_seen_at: IAT,
        };
        assert_eq!(
            decide(&stored, &c, &lifetimes(), IAT + 3_480 + 599, false),
            Decision::Use
        );
        assert_eq!(
            decide(&stored, &c, &lifetimes(), IAT + 3_480 + 600, false),
            Decision::Refresh
        );
        // 10 minutes behind: due 10 minutes earlier on this machine's clock.
        let behind = session(-600, true, "openid");
        let stored = Stored::Found {
            session: &behind,
            refresh_after: 0,
            created_at: IAT,
            last_seen_at: IAT,
        };
        assert_eq!(
            decide(&stored, &c, &lifetimes(), IAT + 3_480 - 601, false),
            Decision::Use
        );
        assert_eq!(
            decide(&stored, &c, &lifetimes(), IAT + 3_480 - 600, false),
            Decision::Refresh
        );
    }

    #[test]
    fn a_refresh_racing_a_sign_out_never_brings_the_session_back() {
        // The refresh read the record, the sign-out removed it, the refresh's tokens arrive:
        // its compare-and-set finds nothing to replace, and the session stays ended.
        let c = config();
        assert_eq!(
            after_refresh(false, &Stored::Missing, &c, &lifetimes(), IAT),
            Decision::End
        );
        assert_eq!(
            after_refresh(true, &Stored::Missing, &c, &lifetimes(), IAT),
            Decision::Use
        );
        // Another instance wrote newer tokens meanwhile: theirs are used, not refreshed.
        let theirs = session(0, true, "openid");
        let stored = Stored::Found {
            session: &theirs,
            refresh_after: 0,
            created_at: IAT,
            last_seen_at: IAT,
        };
        assert_eq!(
            after_refresh(false, &stored, &c, &lifetimes(), IAT + 60),
            Decision::Use
        );
        assert_eq!(
            after_refresh(false, &stored, &c, &lifetimes(), IAT + 3_480),
            Decision::Use
        );
        assert_eq!(
            after_refresh(false, &Stored::Unreadable, &c, &lifetimes(), IAT),
            Decision::Discard
        );
    }

    #[test]
    fn sessions_end_after_their_inactivity_timeout_or_absolute_lifetime() {
        let c = config();
        let l = lifetimes();
        let s = session(0, true, "openid");
        let used = |created_at, last_seen_at| Stored::Found {
            session: &s,
            refresh_after: 0,
            created_at,
            last_seen_at,
        };
        // Fresh tokens, recent use: used.
        assert_eq!(
            decide(&used(IAT, IAT), &c, &l, IAT + 60, false),
            Decision::Use
        );
        // A day without use: ended, however fresh the tokens.
        assert_eq!(
            decide(&used(IAT, IAT), &c, &l, IAT + 86_400, false),
            Decision::End
        );
        // Used an hour ago, made six days ago: fine; made seven days ago: ended, however
        // active.
        let now = IAT + 60;
        assert_eq!(
            decide(&used(now - 6 * 86_400, now - 3_600), &c, &l, now, false),
            Decision::Use
        );
        assert_eq!(
            decide(&used(now - 7 * 86_400, now - 60), &c, &l, now, false),
            Decision::End
        );
        // Rolling: written again once a minute at most.
        assert!(!needs_touch(IAT, IAT + 59));
        assert!(needs_touch(IAT, IAT + 60));
        // The store expiry: the inactivity timeout, never past the absolute lifetime.
        assert_eq!(l.ttl(IAT, IAT), std::time::Duration::from_secs(86_400));
        assert_eq!(
            l.ttl(IAT, IAT + 7 * 86_400 - 100),
            std::time::Duration::from_secs(100)
        );
        assert_eq!(
            l.ttl(IAT, IAT + 8 * 86_400),
            std::time::Duration::from_secs(1)
        );
    }
}
