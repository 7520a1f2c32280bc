//! A request's `Cookie` headers (one per line), read by the session layers' one cookie
//! module: any bytes parse without a panic, and a cookie's value is the first of its name
//! among all the cookies the crate reads.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["lca-session", "__Host-lca-pending", "CognitoIdentityServiceProvider.c.idToken"] {
        leptos_cognito_auth::ssr::fuzzing::request_cookies(data, name);
    }
});
