//! A server session's record as a store hands it back: any bytes open to nothing, or to a
//! record that reads without a panic and opens for its own session id only.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (id, stored) = data.split_at(data.len().min(43));
    let id = String::from_utf8_lossy(id);
    leptos_cognito_auth::ssr::fuzzing::sealed_record(&id, stored);
});
