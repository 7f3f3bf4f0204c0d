use serde::{Deserialize, Serialize};
use std::fmt;

/// A language the survey can be given in. Each is shown to visitors by its own name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Español
    Es,
    /// Runasimi (Quechua)
    Qu,
    /// Aymar aru (Aymara)
    Ay,
    /// English
    En,
}

impl Language {
    pub const ALL: [Language; 4] = [Language::Es, Language::Qu, Language::Ay, Language::En];

    pub fn code(self) -> &'static str {
        match self {
            Language::Es => "es",
            Language::Qu => "qu",
            Language::Ay => "ay",
            Language::En => "en",
        }
    }

    /// The language's name in itself, as the language picker shows it (never a flag).
    pub fn native_name(self) -> &'static str {
        match self {
            Language::Es => "Español",
            Language::Qu => "Runasimi",
            Language::Ay => "Aymar aru",
            Language::En => "English",
        }
    }

    /// Spanish is always offered to visitors: every version is written in it first, and
    /// it is the fallback of every other language.
    pub fn always_offered(self) -> bool {
        self == Language::Es
    }

    pub fn parse(code: &str) -> Result<Self, String> {
        Language::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .ok_or_else(|| format!("unknown language {code:?}; expected one of es, qu, ay, en"))
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for l in Language::ALL {
            assert_eq!(Language::parse(l.code()), Ok(l));
        }
    }

    #[test]
    fn rejects_unknown_and_differently_cased_codes() {
        for (case, input) in [("empty", ""), ("upper case", "ES"), ("region tag", "es-PE"), ("other", "fr")] {
            assert!(Language::parse(input).is_err(), "{case}: {input:?} must be refused");
        }
    }
}
