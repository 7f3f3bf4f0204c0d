use serde::{Deserialize, Serialize};
use std::fmt;

/// A station's short code, such as `LIM-01`: 2 to 32 upper-case letters, digits and hyphens.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StationCode(String);

impl StationCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if !(2..=32).contains(&s.len()) {
            return Err(format!("station code {s:?} must have 2 to 32 characters"));
        }
        if !s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-') {
            return Err(format!("station code {s:?} may hold only A–Z, 0–9 and '-'"));
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err(format!("station code {s:?} may not start or end with '-'"));
        }
        Ok(StationCode(s.to_string()))
    }
}

impl TryFrom<String> for StationCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        StationCode::parse(&s)
    }
}

impl From<StationCode> for String {
    fn from(c: StationCode) -> String {
        c.0
    }
}

impl AsRef<str> for StationCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A human name (of a station or a region): trimmed, 1 to `max` characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name(String);

impl Name {
    pub fn parse(what: &str, s: &str, max: usize) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err(format!("{what} is empty"));
        }
        if s.chars().count() > max {
            return Err(format!("{what} is longer than {max} characters"));
        }
        if s.chars().any(char::is_control) {
            return Err(format!("{what} holds a control character"));
        }
        Ok(Name(s.to_string()))
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn station_codes() {
        assert_eq!(StationCode::parse(" LIM-01 ").unwrap().as_ref(), "LIM-01");
        for (case, input) in [
            ("too short", "L"),
            ("too long", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"),
            ("lower case", "lim-01"),
            ("space inside", "LIM 01"),
            ("leading hyphen", "-LIM"),
            ("trailing hyphen", "LIM-"),
            ("accented", "LIMÁ"),
            ("sql", "X';DROP"),
        ] {
            assert!(StationCode::parse(input).is_err(), "{case}: {input:?} must be refused");
        }
    }

    #[test]
    fn names() {
        assert_eq!(Name::parse("name", "  Comisaría  ", 200).unwrap().as_ref(), "Comisaría");
        for (case, input) in [("empty", ""), ("blank", "   "), ("control", "a\u{7}b"), ("too long", &"x".repeat(201))] {
            assert!(Name::parse("name", input, 200).is_err(), "{case} must be refused");
        }
    }
}
