//! Coordination between the tabs and windows of one origin: an exclusive lock (the Web
//! Locks API, else a lease in `localStorage`) and a channel that tells the other tabs that
//! the session changed (`BroadcastChannel`).

use futures::channel::oneshot;
use futures::future::{select, Either};
use js_sys::{Function, Promise, Reflect};
use leptos::__reexports::send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js;
use super::web_storage::Area;
use crate::client::CrossTabGuard;

/// How long a tab waits for another tab's lock before going on without it: longer than
/// any refresh can take (the HTTP timeout is at most 120 s by configuration, 10 s by
/// default), so only a tab that is stuck is overtaken, never one whose refresh is slow
/// (two tabs sending one rotating refresh token would sign every tab out).
const MAX_WAIT_MS: u32 = 130_000;
/// How long a storage lease lasts unless released: as long as a refresh can take, for the
/// same reason. A tab closed mid-refresh blocks the others' refresh for at most this long
/// (only in browsers without the Web Locks API, whose locks go with their tab). Renewing a
/// shorter lease while it is held would cost the browser bundle about 0.8 KiB (gzip).
const LEASE_MS: u64 = MAX_WAIT_MS as u64;
/// After writing a lease, how long to wait before reading it back, so that a tab that
/// wrote at the same moment has been seen.
const LEASE_SETTLE_MS: u32 = 40;
/// How often a waiting tab looks at a lease held by another.
const LEASE_POLL_MS: u32 = 100;
/// How long a Web Lock stays held after its guard is dropped, so that what the holder wrote
/// in `localStorage` has reached the other tabs before the next holder reads it. Each tab's
/// renderer keeps its own copy of `localStorage`, updated by a message from the browser
/// process that is not ordered with the lock's grant: without this pause, a tab granted the
/// lock at once could read the tokens from before the refresh just made under it, and
/// refresh them again (seen in the three-tab test of `short-tokens.spec.ts`: a second
/// refresh 36-53 ms after the first). A lease in `localStorage` needs no pause: its removal
/// reaches the other tabs after the writes made before it.
const RELEASE_SETTLE_MS: u64 = 100;

/// Waits for the exclusive lock `name`, shared by every page of this origin, and returns
/// a guard that releases it when dropped (a Web Lock 100 ms later, so that what the holder
/// wrote in `localStorage` reaches the other tabs first). Uses the Web Locks API (`navigator.locks`)
/// where the browser has it, which releases the lock by itself if the tab is closed, and
/// [`storage_lease`] otherwise. A lock not granted within 130 s (longer than any refresh
/// can take) is given up: the guard then holds nothing and the caller goes on.
pub async fn cross_tab_lock(name: &str) -> CrossTabGuard {
    match web_locks() {
        Some((locks, request)) => web_lock(&locks, &request, name).await,
        None => storage_lease(name).await,
    }
}

/// `navigator.locks` and its `request` function, when the browser has them.
fn web_locks() -> Option<(JsValue, Function)> {
    let navigator = js::global_property("navigator")?;
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request = Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((locks, request))
}

async fn web_lock(locks: &JsValue, request: &Function, name: &str) -> CrossTabGuard {
    let (granted, on_grant) = oneshot::channel::<Function>();
    let mut granted = Some(granted);
    // Called by the browser with the lock held; the lock is held until the promise it
    // returns settles, which is when the guard calls `resolve`. If nobody waits any more
    // (given up), the promise settles at once and the lock passes on.
    let callback = Closure::once(move |_lock: JsValue| -> Promise {
        Promise::new(&mut |resolve, _reject| {
            if let Some(granted) = granted.take() {
                if let Err(resolve) = granted.send(resolve) {
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                }
            }
        })
    });
    if request
        .call2(locks, &JsValue::from_str(name), callback.as_ref())
        .is_err()
    {
        return storage_lease(name).await;
    }
    let gave_up = gloo_timers::future::TimeoutFuture::new(MAX_WAIT_MS);
    match select(on_grant, gave_up).await {
        Either::Left((Ok(resolve), _)) => {
            // The page is single-threaded: the guard never leaves this thread.
            let held = SendWrapper::new((resolve, callback));
            CrossTabGuard::new(move || {
                let (resolve, _callback) = held.take();
                // On the timer Leptos's `set_timeout` sets (its code is in the page already).
                leptos::prelude::set_timeout(
                    move || {
                        let _ = resolve.call0(&JsValue::UNDEFINED);
                    },
                    std::time::Duration::from_millis(RELEASE_SETTLE_MS),
                );
            })
        }
        _ => {
            // The browser may still call the callback later: keep it alive (it then
            // releases the lock at once, as the receiver is gone).
            callback.forget();
            CrossTabGuard::none()
        }
    }
}

/// The lock `name` as a lease in `localStorage` (the fallback where the Web Locks API is
/// missing): an entry `<name>.lease` = `<owner> <until, ms since the epoch>`, written,
/// read back after a moment (so that two tabs writing at once see who won), and removed
/// on release. A lease not released (a tab closed mid-refresh) lapses after 130 s. Without
/// `localStorage` there is nothing to share, and the guard holds nothing.
pub async fn storage_lease(name: &str) -> CrossTabGuard {
    let Ok(storage) = Area::Local.raw() else {
        return CrossTabGuard::none();
    };
    let key = format!("{name}.lease");
    // Whole numbers throughout: formatting or parsing a float would pull the float
    // formatting code into the build (about 15 KB) for this alone.
    let me = ((js_sys::Math::random() * 1e15) as u64).to_string();
    let give_up_at = now_ms() + u64::from(MAX_WAIT_MS);
    loop {
        let now = now_ms();
        let held = storage.get_item(&key).ok().flatten();
        let held_by_other = held
            .as_deref()
            .and_then(parse_lease)
            .is_some_and(|(owner, until)| owner != me && until > now);
        if held_by_other {
            if now > give_up_at {
                return CrossTabGuard::none();
            }
            gloo_timers::future::TimeoutFuture::new(LEASE_POLL_MS).await;
            continue;
        }
        let lease = format!("{me} {}", now + LEASE_MS);
        if storage.set_item(&key, &lease).is_err() {
            return CrossTabGuard::none();
        }
        gloo_timers::future::TimeoutFuture::new(LEASE_SETTLE_MS).await;
        if storage.get_item(&key).ok().flatten().as_deref() == Some(lease.as_str()) {
            let held = SendWrapper::new((storage, key, lease));
            return CrossTabGuard::new(move || {
                let (storage, key, lease) = held.take();
                if storage.get_item(&key).ok().flatten().as_deref() == Some(lease.as_str()) {
                    let _ = storage.remove_item(&key);
                }
            });
        }
    }
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// `<owner> <until>` from a lease entry.
fn parse_lease(value: &str) -> Option<(&str, u64)> {
    let (owner, until) = value.split_once(' ')?;
    Some((owner, until.parse().ok()?))
}

/// A `BroadcastChannel` over which the tabs of this origin tell each other that the
/// session of an app client changed. Storage events already say so for `localStorage`;
/// this also covers cookie storage, which has no events. Closed when dropped.
pub struct SessionChannel {
    channel: web_sys::BroadcastChannel,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl std::fmt::Debug for SessionChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionChannel")
            .field("name", &self.channel.name())
            .finish()
    }
}

impl SessionChannel {
    /// Opens the channel of app client `client_id`; `on_change` runs when another tab
    /// announces a change. `None` where the browser has no `BroadcastChannel`.
    pub fn open(client_id: &str, on_change: impl Fn() + 'static) -> Option<Self> {
        let channel =
            web_sys::BroadcastChannel::new(&format!("leptos-cognito-auth.{client_id}")).ok()?;
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| on_change());
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(Self {
            channel,
            _on_message: on_message,
        })
    }

    /// Tells the other tabs that this tab changed the session.
    pub fn announce(&self) {
        let _ = self.channel.post_message(&JsValue::from_str("session"));
    }
}

impl Drop for SessionChannel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}
