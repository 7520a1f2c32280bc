#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "hydrate")]
pub mod browser;
pub mod client;
pub mod components;
pub mod core;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use crate::core::*;
pub use client::CognitoAuth;
