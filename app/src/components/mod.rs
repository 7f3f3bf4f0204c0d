//! Pieces of the kiosk's interface that have no state of their own.

pub mod face;
pub mod help_banner;
pub mod icons;

pub use face::Face;
pub use help_banner::HelpBanner;
