//! The demo's pages.

mod account;
mod admin;
mod groups;
mod home;
mod not_found;
mod protected;

pub use account::AccountPage;
pub use admin::AdminPage;
pub use groups::GroupsPage;
pub use home::HomePage;
pub use not_found::NotFound;
pub use protected::ProtectedPage;
