//! Digna's domain: the types the kiosk, the server and the store share, and the privacy
//! rules over them. They parse rather than validate: a value of these types is valid by
//! construction. This crate knows no other part of Digna, no database and no web framework.

mod account;
pub mod dashboard;
mod dignity;
pub mod frame;
mod hex;
mod language;
pub mod privacy;
mod response;
mod station;
mod survey;
mod text;
pub mod time;

pub use account::{Email, Password, Role, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
pub use dashboard::{
    CategoryRow, CompareColumn, CompareGroup, DashboardFilters, Distribution, OverviewRow, PickList, QuestionMean,
    ReportWeek, StationLabel, StationReport, ValueCount,
};
pub use dignity::{suppressed, DignityIndex, WeekPoint};
pub use hex::{hex, unhex};
pub use language::Language;
pub use privacy::anonymize::{
    plan, Period, Place, Plan, PublishedKey, RawKey, Report, Step, StepReport, Unit, ANY, OTHER,
};
pub use privacy::k::K;
pub use privacy::suppress::{shown_breakdown, suppress_breakdown, Shown};
pub use response::{
    AnswerError, AnswerValue, Choices, ClientId, Durations, FieldError, ResponseContent, ScaleValue, Score, Submission,
    SubmissionBody, AGE_BAND_KEY, RATHER_NOT, RESPONDENT_KEY,
};
pub use station::{KioskSetting, KioskSettings, Name, OutOfRange, SilentTabletDays, StaffPin, StationCode};
pub use survey::{
    Choice, ChoiceKey, KeyError, MissingText, PublicationProblem, Question, QuestionKey, QuestionKind, ReviewState,
    Survey, Texts, Wording, WordingError, KEY_MAX_CHARS, RESERVED_QUESTION_KEYS, WORDING_MAX_CHARS,
};
pub use text::{text_in, wording};
pub use time::{month_of, IsoWeek};
