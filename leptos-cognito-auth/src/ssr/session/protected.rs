//! The pages a signed-out visitor is sent to sign in from, as both session layers (cookie
//! sessions and server sessions) list them.

/// Protected paths: each path and everything below it (`/admin` protects `/admin` and
/// `/admin/users`, not `/administrators`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ProtectedPaths(Vec<String>);

impl ProtectedPaths {
    /// Adds `paths` (a trailing `/` is ignored, but `/` stays the site's root, so that a
    /// check names it as it was written).
    pub fn extend<I, S>(&mut self, paths: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.0.extend(paths.into_iter().map(|p| {
            let p = p.into();
            match p.trim_end_matches('/') {
                "" if !p.is_empty() => "/".to_owned(),
                trimmed => trimmed.to_owned(),
            }
        }));
    }

    /// Whether `path` is one of the paths or below one.
    pub fn contains(&self, path: &str) -> bool {
        self.0.iter().any(|p| self.covers(p, path))
    }

    /// Whether the protected path `protected` covers `path` (is it, or above it).
    pub fn covers(&self, protected: &str, path: &str) -> bool {
        path.strip_prefix(protected.trim_end_matches('/'))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// The protected paths.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}
