//! Two size baselines for `scripts/size-report.sh`; only their size matters (see
//! `Cargo.toml`).
//!
//! - Without feature `minimal`: the demo's pages without the auth kit: the same router,
//!   layout, routes and text, with the session fixed at "signed out", and the demo's two
//!   server functions called from the same places, through leptos's default client
//!   instead of the kit's.
//! - With feature `minimal` ([`minimal`]): the smallest app that signs users in, with the
//!   kit (feature `kit`) and without.

#[cfg(feature = "minimal")]
pub mod minimal;

#[cfg(not(feature = "minimal"))]
mod demo_shape;
#[cfg(not(feature = "minimal"))]
pub use demo_shape::*;
