//! Staff accounts: an email that signs in, a role that says what she may do, and a
//! password good enough to guard figures about people who reported violence.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A staff member's email, trimmed and in lower case so that one person has one account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_lowercase();
        if !(3..=254).contains(&s.len()) {
            return Err("the email must have 3 to 254 characters".into());
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(format!("{s:?} is not an email address: it has no '@'"));
        };
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return Err(format!("{s:?} is not an email address"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == '"') {
            return Err(format!("{s:?} is not an email address: it holds a space or a forbidden character"));
        }
        Ok(Email(s))
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a staff account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, every station.
    Admin,
    /// The dashboards of the stations and regions granted to her.
    Supervisor,
    /// Exports and the aggregate dashboards of her scope.
    Researcher,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Supervisor, Role::Researcher];

    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "admin" => Ok(Role::Admin),
            "supervisor" => Ok(Role::Supervisor),
            "researcher" => Ok(Role::Researcher),
            other => Err(format!("{other:?} is not a role: use admin, supervisor or researcher")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Researcher => "researcher",
        }
    }

    /// Admins and researchers can reach every figure or the microdata: they must sign
    /// in with a second factor.
    pub fn requires_two_factor(self) -> bool {
        matches!(self, Role::Admin | Role::Researcher)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A new password: 12 to 128 characters, not all the same character. Length beats
/// composition rules (NIST SP 800-63B), so there are none.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;

impl Password {
    pub fn parse(s: &str) -> Result<Self, String> {
        let n = s.chars().count();
        if n < PASSWORD_MIN_CHARS {
            return Err(format!("the password must have at least {PASSWORD_MIN_CHARS} characters"));
        }
        if n > PASSWORD_MAX_CHARS {
            return Err(format!("the password may have at most {PASSWORD_MAX_CHARS} characters"));
        }
        let mut chars = s.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err("the password may not repeat one character".into());
        }
        Ok(Password(s.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Ana.Q@Digna.PE ").unwrap().as_ref(), "ana.q@digna.pe");
    }

    #[test]
    fn refuses_what_is_not_an_email() {
        for bad in ["", "a", "ana", "@digna.pe", "ana@", "ana@@digna.pe", "a na@digna.pe", "<a>@x.pe"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@x.pe", "a".repeat(260))).is_err());
    }

    #[test]
    fn roles_round_trip_and_admins_and_researchers_need_two_factor() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("root").is_err());
        assert!(Role::Admin.requires_two_factor());
        assert!(Role::Researcher.requires_two_factor());
        assert!(!Role::Supervisor.requires_two_factor());
    }

    #[test]
    fn passwords_need_length_not_rules() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("aaaaaaaaaaaaaaaa").is_err());
        assert!(Password::parse(&"ab".repeat(65)).is_err());
        assert!(Password::parse("correct horse battery").is_ok());
        assert!(format!("{:?}", Password::parse("correct horse battery").unwrap()).contains('…'));
    }
}
