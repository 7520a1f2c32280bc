//! The emulator's in-memory state: authorization codes, refresh tokens, Hosted UI sessions and
//! injected faults. Nothing is persisted; a restart forgets everything.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use serde::Serialize;

use super::config::{ClientConfig, ConfigError, EmulatorConfig};
use super::fault::Fault;
use super::keys::KeySet;

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `bytes` random bytes from the operating system's generator, base64url encoded.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A random UUID (version 4 layout).
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// What a signed-in user is allowed to receive: the outcome of one sign-in, carried through
/// codes and refresh tokens.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The client the tokens are for.
    pub client_id: String,
    /// The user.
    pub username: String,
    /// Granted scopes, in request order.
    pub scopes: Vec<String>,
    /// When the user signed in (kept on refresh).
    pub auth_time: u64,
    /// Identifies the sign-in; every token derived from it carries it as `origin_jti`.
    pub origin_jti: String,
    /// The authorize request's `resource` (RFC 8707): the access tokens' `aud`, refreshed
    /// ones included.
    pub resource: Option<String>,
}

/// An issued, not yet redeemed authorization code.
#[derive(Debug, Clone)]
pub struct CodeRecord {
    /// The sign-in it stands for.
    pub grant: Grant,
    /// The `redirect_uri` of the authorize request; the token request must repeat it.
    pub redirect_uri: String,
    /// The PKCE S256 challenge, when one was sent.
    pub code_challenge: Option<String>,
    /// The nonce to copy into the ID token.
    pub nonce: Option<String>,
    /// Expiry (Unix seconds).
    pub expires_at: u64,
}

/// An issued refresh token.
#[derive(Debug, Clone)]
pub struct RefreshRecord {
    /// The sign-in it stands for.
    pub grant: Grant,
    /// Expiry (Unix seconds).
    pub expires_at: u64,
    /// Revoked (by `/oauth2/revoke` or the test control surface).
    pub revoked: bool,
    /// Set when rotated out: the token keeps working until then.
    pub retire_at: Option<u64>,
}

/// A Hosted UI session (the cookie's server side).
#[derive(Debug, Clone)]
pub struct Session {
    /// The signed-in user.
    pub username: String,
    /// When the user entered the password.
    pub auth_time: u64,
    /// Expiry (Unix seconds).
    pub expires_at: u64,
}

/// Mutable state behind one lock.
#[derive(Debug, Default)]
pub struct Store {
    /// Authorization codes by code.
    pub codes: HashMap<String, CodeRecord>,
    /// Refresh tokens by token.
    pub refresh_tokens: HashMap<String, RefreshRecord>,
    /// Sign-ins (`origin_jti`) whose tokens were revoked, until when a token of theirs
    /// could still be unexpired (Unix seconds): then they are forgotten.
    pub revoked_origins: HashMap<String, u64>,
    /// Sign-ins of the implicit flow, which leave no refresh token to find them by: their
    /// `origin_jti`, the user, and until when their tokens live. `GlobalSignOut` revokes
    /// them too.
    pub implicit_sign_ins: HashMap<String, (String, u64)>,
    /// Hosted UI sessions by cookie value.
    pub sessions: HashMap<String, Session>,
    /// Faults queued for `/oauth2/token`, consumed front first.
    pub token_faults: VecDeque<(Fault, u32)>,
    /// Requests to `/oauth2/token`, by `grant_type`, since start or the last reset (tests
    /// count refreshes with it).
    pub token_requests: BTreeMap<String, u64>,
    /// `GlobalSignOut` calls answered.
    pub global_sign_outs: u64,
}

impl Store {
    /// Drops expired codes, sessions and refresh tokens, refresh tokens rotated out past
    /// their grace period, and revocations and implicit sign-ins whose tokens have all
    /// expired: the state a client can make the emulator keep is bounded by lifetimes.
    pub fn purge_expired(&mut self, now: u64) {
        self.codes.retain(|_, c| c.expires_at > now);
        self.sessions.retain(|_, s| s.expires_at > now);
        self.refresh_tokens
            .retain(|_, r| r.expires_at > now && r.retire_at.is_none_or(|t| t > now));
        self.revoked_origins.retain(|_, until| *until > now);
        self.implicit_sign_ins.retain(|_, (_, until)| *until > now);
    }

    /// Whether the tokens of the sign-in `origin_jti` were revoked.
    pub fn is_revoked(&self, origin_jti: &str) -> bool {
        self.revoked_origins.contains_key(origin_jti)
    }

    /// How many token requests the queued faults will answer (at most `u32::MAX`).
    pub fn queued_token_faults(&self) -> u32 {
        self.token_faults
            .iter()
            .fold(0, |sum, (_, n)| sum.saturating_add(*n))
    }

    /// Signs `username` out of every sign-in (`GlobalSignOut`): each of the user's refresh
    /// tokens is refused from now on, and so are the access tokens issued from them and
    /// those of the user's implicit-flow sign-ins. `until`: see [`revoke_origin`](Self::revoke_origin).
    pub fn sign_out_everywhere(&mut self, username: &str, until: u64) {
        let origins: Vec<String> = self
            .refresh_tokens
            .values()
            .map(|r| (&r.grant.username, &r.grant.origin_jti))
            .chain(self.implicit_sign_ins.iter().map(|(o, (u, _))| (u, o)))
            .filter(|(user, _)| *user == username)
            .map(|(_, origin)| origin.clone())
            .collect();
        for origin in origins {
            self.revoke_origin(&origin, until);
        }
        self.global_sign_outs += 1;
    }

    /// Revokes every refresh token (and so every access token) of one sign-in, remembering
    /// the revocation `until` the last of its tokens has expired (Unix seconds).
    pub fn revoke_origin(&mut self, origin_jti: &str, until: u64) {
        let kept = self
            .revoked_origins
            .entry(origin_jti.to_owned())
            .or_default();
        *kept = (*kept).max(until);
        for record in self.refresh_tokens.values_mut() {
            if record.grant.origin_jti == origin_jti {
                record.revoked = true;
            }
        }
    }
}

/// Everything a handler needs: the configuration, the keys and the state.
///
/// Built by [`Emulator::new`] (or by [`start`](crate::start) / [`serve_on`](crate::serve_on),
/// reachable as [`RunningEmulator::emulator`](crate::RunningEmulator::emulator)). The state
/// itself stays private: [`Emulator::counts`] reports it in numbers.
#[derive(Debug)]
pub struct Emulator {
    /// The configuration the emulator was started with.
    pub config: EmulatorConfig,
    /// The signing keys.
    pub(crate) keys: KeySet,
    /// The domain base URL, without a trailing slash.
    pub domain_base: String,
    /// The issuer URL, without a trailing slash.
    pub issuer: String,
    /// Where the JWKS is served ([`EmulatorConfig::effective_jwks_uri`]).
    pub jwks_uri: String,
    store: Mutex<Store>,
}

/// The shared handle the router's handlers receive.
pub type SharedEmulator = Arc<Emulator>;

/// The emulator's in-memory state in numbers, at one moment: what `GET /_test/state`
/// answers, and what a test embedding the emulator can read with [`Emulator::counts`].
/// Expired codes, sessions and refresh tokens are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StateCounts {
    /// Authorization codes issued and not yet redeemed.
    pub codes: usize,
    /// Refresh tokens, revoked ones included.
    pub refresh_tokens: usize,
    /// Refresh tokens revoked (by `/oauth2/revoke` or the test control surface).
    pub revoked_refresh_tokens: usize,
    /// Hosted UI sessions.
    pub sessions: usize,
    /// Faults queued for `/oauth2/token` (a fault queued with `count: 2` counts twice).
    pub queued_token_faults: u32,
    /// Requests to `/oauth2/token` by `grant_type`, since start or the last reset.
    pub token_requests: BTreeMap<String, u64>,
    /// `GlobalSignOut` calls answered, since start or the last reset.
    pub global_sign_outs: u64,
}

impl Emulator {
    /// Takes the next queued token-endpoint fault, if any.
    pub(crate) fn take_token_fault(&self) -> Option<Fault> {
        let mut store = self.store();
        let (fault, remaining) = store.token_faults.front_mut()?;
        let fault = *fault;
        *remaining -= 1;
        if *remaining == 0 {
            store.token_faults.pop_front();
        }
        Some(fault)
    }

    /// Validates the configuration and loads the keys.
    pub fn new(config: EmulatorConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let keys = KeySet::load(&config.keys)?;
        Ok(Self {
            domain_base: config.effective_domain_base(),
            issuer: config.effective_issuer(),
            jwks_uri: config.effective_jwks_uri(),
            config,
            keys,
            store: Mutex::new(Store::default()),
        })
    }

    /// The key id (`kid`) of the key that signs ID tokens.
    pub fn id_token_kid(&self) -> &str {
        self.keys.id.kid()
    }

    /// The key id (`kid`) of the key that signs access tokens.
    pub fn access_token_kid(&self) -> &str {
        self.keys.access.kid()
    }

    /// The state in numbers, now.
    pub fn counts(&self) -> StateCounts {
        let store = self.store();
        StateCounts {
            codes: store.codes.len(),
            refresh_tokens: store.refresh_tokens.len(),
            revoked_refresh_tokens: store.refresh_tokens.values().filter(|r| r.revoked).count(),
            sessions: store.sessions.len(),
            queued_token_faults: store.queued_token_faults(),
            token_requests: store.token_requests.clone(),
            global_sign_outs: store.global_sign_outs,
        }
    }

    /// Until when a revocation made now must be remembered (Unix seconds): the longest any
    /// client's access or ID token issued before now can still live.
    pub(crate) fn revocation_horizon(&self) -> u64 {
        let longest = self
            .config
            .clients
            .iter()
            .map(ClientConfig::longest_token_lifetime_secs)
            .max()
            .unwrap_or(0);
        now().saturating_add(longest)
    }

    /// Locks the state. A poisoned lock is recovered: the state stays usable.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        let mut guard = self.store.lock().unwrap_or_else(|p| p.into_inner());
        guard.purge_expired(now());
        guard
    }

    /// Whether cookies must carry `Secure` (an https domain).
    pub(crate) fn secure_cookies(&self) -> bool {
        self.domain_base.starts_with("https://")
    }
}
