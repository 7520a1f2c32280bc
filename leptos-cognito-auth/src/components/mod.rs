//! Leptos components and hooks: `<AuthProvider>` holds the session in signals,
//! [`use_auth`] reads it and acts on it, `<AuthCallback/>` completes sign-in, and route
//! protection plugs into leptos_router's `ProtectedRoute`.

mod auth_button;
mod auth_callback;
mod auth_loading;
mod auth_provider;
mod authenticated;
mod error_text;
mod events;
mod gate;
mod server_fn_client;
mod server_mode;
mod sign_in_button;
mod sign_out_button;
mod state;
mod unauthenticated;
mod use_auth;

pub use crate::protocol::AuthStatus;
pub use crate::protocol::AuthUser;
pub use auth_callback::AuthCallback;
pub use auth_loading::AuthLoading;
pub use auth_provider::{AuthProvider, ServerSessionProvider};
pub use authenticated::Authenticated;
pub use error_text::explain_error;
pub use events::AuthEvent;
#[cfg(feature = "hydrate")]
pub use server_fn_client::AuthorizedRequest;
pub use server_fn_client::CognitoServerFnClient;
pub use sign_in_button::SignInButton;
pub use sign_out_button::SignOutButton;
pub use unauthenticated::Unauthenticated;
pub use use_auth::{use_auth, UseAuth};
