//! Domain types shared by the browser and the server. They parse rather than
//! validate: a value of these types is valid by construction.

mod account;
mod dignity;
mod language;
mod response;
mod station;
mod survey;

pub use account::{Email, Password, Role, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
pub use dignity::{suppressed, DignityIndex, IsoWeek, WeekPoint, MIN_K};
pub use language::Language;
pub use response::{
    AnswerValue, ClientId, Durations, FieldError, ResponseContent, ScaleValue, Submission, SubmissionBody,
    AGE_BAND_KEY, RATHER_NOT, RESPONDENT_KEY,
};
pub use station::{KioskSettings, Name, StaffPin, StationCode};
pub use survey::{Choice, Question, QuestionKind, Survey, Texts};
