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

/// How a station's kiosk behaves; set per station by the administrator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct KioskSettings {
    /// Seconds without a touch mid-survey before the kiosk asks "¿Sigues ahí?".
    pub inactivity_s: u32,
    /// Seconds after that question before the answers are discarded.
    pub inactivity_grace_s: u32,
    /// A survey finished faster than this is marked suspect.
    pub min_duration_s: u32,
    /// A survey finished sooner than this after the previous one on the same tablet is marked suspect.
    pub min_gap_s: u32,
}

impl Default for KioskSettings {
    fn default() -> Self {
        KioskSettings { inactivity_s: 60, inactivity_grace_s: 20, min_duration_s: 8, min_gap_s: 20 }
    }
}

/// One of a station's kiosk settings, with the range the database also enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KioskSetting {
    Inactivity,
    Grace,
    MinDuration,
    MinGap,
}

impl KioskSetting {
    pub const ALL: [KioskSetting; 4] =
        [KioskSetting::Inactivity, KioskSetting::Grace, KioskSetting::MinDuration, KioskSetting::MinGap];

    /// Its column (and form field) name.
    pub fn key(self) -> &'static str {
        match self {
            KioskSetting::Inactivity => "inactivity_s",
            KioskSetting::Grace => "inactivity_grace_s",
            KioskSetting::MinDuration => "min_duration_s",
            KioskSetting::MinGap => "min_gap_s",
        }
    }

    /// The seconds it may be set to.
    pub fn range(self) -> std::ops::RangeInclusive<u32> {
        match self {
            KioskSetting::Inactivity => 10..=3600,
            KioskSetting::Grace => 5..=600,
            KioskSetting::MinDuration => 0..=600,
            KioskSetting::MinGap => 0..=3600,
        }
    }
}

/// A kiosk setting given a value outside its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfRange {
    pub setting: KioskSetting,
    pub value: u32,
}

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = self.setting.range();
        write!(f, "{} must be between {} and {}, got {}", self.setting.key(), range.start(), range.end(), self.value)
    }
}

impl KioskSettings {
    pub fn get(&self, setting: KioskSetting) -> u32 {
        match setting {
            KioskSetting::Inactivity => self.inactivity_s,
            KioskSetting::Grace => self.inactivity_grace_s,
            KioskSetting::MinDuration => self.min_duration_s,
            KioskSetting::MinGap => self.min_gap_s,
        }
    }

    /// These settings with one of them changed, if the value is within its range.
    pub fn with(mut self, setting: KioskSetting, value: u32) -> Result<Self, OutOfRange> {
        if !setting.range().contains(&value) {
            return Err(OutOfRange { setting, value });
        }
        let slot = match setting {
            KioskSetting::Inactivity => &mut self.inactivity_s,
            KioskSetting::Grace => &mut self.inactivity_grace_s,
            KioskSetting::MinDuration => &mut self.min_duration_s,
            KioskSetting::MinGap => &mut self.min_gap_s,
        };
        *slot = value;
        Ok(self)
    }

    /// What changed from `old` to these settings, as `inactivity_s: 60 → 90` (for the audit log).
    pub fn changes_from(&self, old: &KioskSettings) -> Vec<String> {
        KioskSetting::ALL
            .into_iter()
            .filter(|s| old.get(*s) != self.get(*s))
            .map(|s| format!("{}: {} → {}", s.key(), old.get(s), self.get(s)))
            .collect()
    }

    /// Whether a survey with these durations (milliseconds) is suspect.
    pub fn is_suspect(&self, survey_ms: u64, since_previous_ms: Option<u64>) -> bool {
        survey_ms < u64::from(self.min_duration_s) * 1000
            || since_previous_ms.is_some_and(|gap| gap < u64::from(self.min_gap_s) * 1000)
    }
}

/// A staff PIN: 4 to 8 digits.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffPin(String);

impl StaffPin {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if !(4..=8).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err("a staff PIN has 4 to 8 digits".into());
        }
        Ok(StaffPin(s.to_string()))
    }
}

impl AsRef<str> for StaffPin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StaffPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaffPin(…)")
    }
}

/// After how many days without a delivery a tablet is flagged as silent: 1 to 90.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SilentTabletDays(i64);

impl SilentTabletDays {
    pub const DEFAULT: i64 = 3;
    pub const RANGE: std::ops::RangeInclusive<i64> = 1..=90;

    pub fn parse(s: &str) -> Result<Self, String> {
        let (min, max) = (Self::RANGE.start(), Self::RANGE.end());
        match s.trim().parse::<i64>() {
            Ok(n) if Self::RANGE.contains(&n) => Ok(SilentTabletDays(n)),
            _ => Err(format!("the number of days must be a whole number from {min} to {max}")),
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod settings_tests {
    use super::*;

    #[test]
    fn suspect_at_the_thresholds() {
        let s = KioskSettings::default();
        assert!(s.is_suspect(7_999, None), "faster than 8 s");
        assert!(!s.is_suspect(8_000, None), "exactly 8 s is plausible");
        assert!(s.is_suspect(60_000, Some(19_999)), "less than 20 s after the previous");
        assert!(!s.is_suspect(60_000, Some(20_000)));
        assert!(!s.is_suspect(60_000, None), "the first survey since start has no gap");
    }

    #[test]
    fn kiosk_settings_stay_within_their_ranges() {
        let s = KioskSettings::default();
        let changed = s.with(KioskSetting::Inactivity, 90).unwrap().with(KioskSetting::MinGap, 0).unwrap();
        assert_eq!((changed.inactivity_s, changed.min_gap_s), (90, 0));
        assert_eq!(changed.changes_from(&s), ["inactivity_s: 60 → 90", "min_gap_s: 20 → 0"]);
        for (case, setting, value) in [
            ("inactivity under 10 s", KioskSetting::Inactivity, 9),
            ("inactivity over an hour", KioskSetting::Inactivity, 3601),
            ("grace under 5 s", KioskSetting::Grace, 4),
            ("grace over 10 min", KioskSetting::Grace, 601),
            ("minimum duration over 10 min", KioskSetting::MinDuration, 601),
            ("minimum gap over an hour", KioskSetting::MinGap, 3601),
        ] {
            let err = s.with(setting, value).expect_err(case);
            assert_eq!(err, OutOfRange { setting, value }, "{case}");
        }
        for setting in KioskSetting::ALL {
            let (lo, hi) = (*setting.range().start(), *setting.range().end());
            assert!(s.with(setting, lo).is_ok() && s.with(setting, hi).is_ok(), "{setting:?} bounds are allowed");
        }
        assert_eq!(
            s.with(KioskSetting::Grace, 2).unwrap_err().to_string(),
            "inactivity_grace_s must be between 5 and 600, got 2"
        );
    }

    #[test]
    fn silent_tablet_days() {
        assert_eq!(SilentTabletDays::parse(" 7 ").unwrap().get(), 7);
        assert_eq!(SilentTabletDays::parse("90").unwrap().get(), 90);
        for (case, input) in [("zero", "0"), ("too many", "91"), ("negative", "-3"), ("text", "tres"), ("empty", "")] {
            assert!(SilentTabletDays::parse(input).is_err(), "{case}");
        }
    }

    #[test]
    fn staff_pins() {
        assert!(StaffPin::parse("1234").is_ok());
        assert!(StaffPin::parse(" 12345678 ").is_ok());
        for (case, input) in [("too short", "123"), ("too long", "123456789"), ("letters", "12a4"), ("empty", "")] {
            assert!(StaffPin::parse(input).is_err(), "{case}");
        }
        assert_eq!(format!("{:?}", StaffPin::parse("1234").unwrap()), "StaffPin(…)", "never printed");
    }
}
