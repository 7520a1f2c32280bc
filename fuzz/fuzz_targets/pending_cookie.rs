//! The sealed pending sign-in cookie of server sessions, as a browser sends it back: any
//! value reads without a panic, as nothing unless the server's key sealed it, and what it
//! holds seals and reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (now, value) = match data.split_first_chunk::<8>() {
        Some((now, rest)) => (u64::from_le_bytes(*now), rest),
        None => (1_700_000_000, data),
    };
    let value = String::from_utf8_lossy(value);
    leptos_cognito_auth::ssr::fuzzing::pending_cookie(&value, now);
});
