//! The `prompt` parameter of the managed login pages: one value ([`Prompt`]) or several,
//! space separated ([`Prompts`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use super::ConfigError;

/// One value of the managed login pages' `prompt` parameter (managed login only; the
/// classic Hosted UI ignores it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    /// `login`: ask for credentials even within a Hosted UI session.
    Login,
    /// `none`: never show a page. Within a Hosted UI session the sign-in completes at
    /// once; without one Cognito answers `error=login_required` to the callback. It stands
    /// alone: it cannot be combined with another value.
    None,
    /// `select_account`: let the user pick among the accounts of the Hosted UI session.
    SelectAccount,
    /// `consent`: ask the user to consent again.
    Consent,
}

impl Prompt {
    /// Every value, in the order [`Prompts`] writes them.
    pub const ALL: [Self; 4] = [Self::None, Self::Login, Self::Consent, Self::SelectAccount];

    /// The `prompt` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::None => "none",
            Self::SelectAccount => "select_account",
            Self::Consent => "consent",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Self::None => 1,
            Self::Login => 2,
            Self::Consent => 4,
            Self::SelectAccount => 8,
        }
    }
}

impl FromStr for Prompt {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                ConfigError::invalid(
                    "prompt",
                    format!(
                        "`{}` is not a prompt (none, login, select_account or consent)",
                        s.chars().take(40).collect::<String>()
                    ),
                )
            })
    }
}

/// The `prompt` parameter: one or more [`Prompt`] values, sent space separated (`login
/// consent`). Never empty, and `none` stands alone (OpenID Connect Core 1.0, 3.1.2.1):
/// both are refused when it is made.
///
/// A single [`Prompt`] converts into it, so a builder that takes `impl Into<Prompts>` takes
/// either.
///
/// ```
/// use leptos_cognito_auth::protocol::{Prompt, Prompts};
///
/// let both = Prompts::new([Prompt::SelectAccount, Prompt::Login])?;
/// assert_eq!(both.to_string(), "login select_account");
/// assert!(both.contains(Prompt::Login) && !both.is_silent());
/// assert_eq!("consent  login".parse::<Prompts>()?, Prompts::new([Prompt::Login, Prompt::Consent])?);
/// assert!(Prompts::from(Prompt::None).is_silent());
///
/// // `none` with anything else, nothing at all, or an unknown value: refused.
/// assert_eq!(Prompts::new([Prompt::None, Prompt::Login]).unwrap_err().field(), "prompt");
/// assert!(Prompts::new([]).is_err());
/// assert!("login sometimes".parse::<Prompts>().is_err());
/// # Ok::<(), leptos_cognito_auth::ConfigError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prompts(u8);

impl Prompts {
    /// The set of `prompts` (repeated values count once).
    ///
    /// # Errors
    /// A [`ConfigError`] for field `prompt` when `prompts` is empty, or holds
    /// [`Prompt::None`] with another value.
    pub fn new(prompts: impl IntoIterator<Item = Prompt>) -> Result<Self, ConfigError> {
        let bits = prompts.into_iter().fold(0, |bits, p| bits | p.bit());
        if bits == 0 {
            return Err(ConfigError::invalid("prompt", "names no value"));
        }
        if bits & Prompt::None.bit() != 0 && bits != Prompt::None.bit() {
            return Err(ConfigError::invalid(
                "prompt",
                "`none` cannot be combined with another value",
            ));
        }
        Ok(Self(bits))
    }

    /// Whether `prompt` is one of the values.
    pub fn contains(self, prompt: Prompt) -> bool {
        self.0 & prompt.bit() != 0
    }

    /// Whether this is `prompt=none`: a sign-in that never shows a page.
    pub fn is_silent(self) -> bool {
        self.contains(Prompt::None)
    }

    /// The values, in [`Prompt::ALL`]'s order.
    pub fn iter(self) -> impl Iterator<Item = Prompt> {
        Prompt::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

impl From<Prompt> for Prompts {
    fn from(prompt: Prompt) -> Self {
        Self(prompt.bit())
    }
}

/// The parameter's value: the values joined by single spaces.
impl fmt::Display for Prompts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, prompt) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(prompt.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Prompts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Prompts({self})")
    }
}

/// Reads the parameter's value: values separated by spaces.
impl FromStr for Prompts {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let values = s
            .split(' ')
            .filter(|v| !v.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Prompt>, _>>()?;
        Self::new(values)
    }
}

/// From a string as [`FromStr`] reads it (`"login"`, `"login consent"`), as the
/// configuration's JSON writes it.
impl<'de> Deserialize<'de> for Prompts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_and_combination() {
        for prompt in Prompt::ALL {
            assert_eq!(prompt.as_str().parse::<Prompt>(), Ok(prompt));
            let one = Prompts::from(prompt);
            assert_eq!(one.to_string(), prompt.as_str());
            assert_eq!(one.iter().collect::<Vec<_>>(), [prompt]);
            assert_eq!(one.is_silent(), prompt == Prompt::None);
        }
        let all = Prompts::new([Prompt::SelectAccount, Prompt::Consent, Prompt::Login]).unwrap();
        assert_eq!(all.to_string(), "login consent select_account");
        assert_eq!(all.to_string().parse::<Prompts>(), Ok(all));
        assert!(!all.contains(Prompt::None));
        let repeated = Prompts::new([Prompt::Login, Prompt::Login]).unwrap();
        assert_eq!(repeated, Prompts::from(Prompt::Login));
        assert_eq!(format!("{all:?}"), "Prompts(login consent select_account)");
        assert_eq!(
            " login  consent ".parse::<Prompts>().unwrap().to_string(),
            "login consent"
        );
    }

    #[test]
    fn none_stands_alone_and_nothing_else_is_read() {
        for bad in [
            "none login",
            "consent none",
            "",
            "   ",
            "Login",
            "login,consent",
            "none+login",
        ] {
            let err = bad.parse::<Prompts>().unwrap_err();
            assert_eq!(err.field(), "prompt", "{bad:?}");
        }
        assert!(Prompts::new([Prompt::None, Prompt::SelectAccount]).is_err());
        assert!(
            "x".repeat(500)
                .parse::<Prompt>()
                .unwrap_err()
                .to_string()
                .len()
                < 200
        );
    }

    #[test]
    fn deserializes_from_the_parameters_value() {
        let one: Prompts = serde_json::from_str(r#""none""#).unwrap();
        assert!(one.is_silent());
        let two: Prompts = serde_json::from_str(r#""select_account login""#).unwrap();
        assert_eq!(two.to_string(), "login select_account");
        assert!(serde_json::from_str::<Prompts>(r#""none login""#).is_err());
        assert!(serde_json::from_str::<Prompts>("3").is_err());
        let single: Prompt = serde_json::from_str(r#""select_account""#).unwrap();
        assert_eq!(single, Prompt::SelectAccount);
    }
}
