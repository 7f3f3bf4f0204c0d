//! Pieces of the kiosk's interface.

pub mod face;
pub mod help_banner;
pub mod icons;
pub mod listen;
pub mod staff_panel;
pub mod still_there;

pub use face::Face;
pub use help_banner::HelpBanner;
pub use listen::ListenButton;
pub use staff_panel::StaffPanel;
pub use still_there::StillThereDialog;
