//! What every staff handler is made of, so that none writes it again: the error that
//! renders its own page ([`PageError`]), the role checks as extractors ([`Admin`],
//! [`Exporter`], [`ExportAdmin`]), and the form whose token is checked before a field is
//! read ([`CheckedForm`]). A handler that takes `Admin(staff)` cannot forget the check;
//! one that returns `Result<Response, PageError>` writes `?` after each store call.

mod error;
mod form;
mod roles;
mod upload;

pub use error::PageError;
pub use form::{CheckedForm, Pairs};
pub use roles::{Admin, ExportAdmin, Exporter};
pub use upload::{CheckedUpload, Upload};

/// The result of a staff handler: a page, or the page that says why not.
pub type PageResult = Result<axum::response::Response, PageError>;
