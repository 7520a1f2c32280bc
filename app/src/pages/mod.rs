//! The demo's pages.

mod admin;
mod home;
mod not_found;
mod protected;

pub use admin::AdminPage;
pub use home::HomePage;
pub use not_found::NotFound;
pub use protected::ProtectedPage;
