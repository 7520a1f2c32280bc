#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod core;

pub use crate::core::*;
pub use client::CognitoAuth;
