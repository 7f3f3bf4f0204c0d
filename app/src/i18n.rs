//! Texts of the kiosk's own interface (the survey's texts come from the database).
