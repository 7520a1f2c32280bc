//! cargo-leptos wants a server binary; the size report only builds the front end
//! (`--frontend-only`), so this one does nothing.

fn main() {}
