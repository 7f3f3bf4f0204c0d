//! The tablet's station and kiosk settings, from `GET /api/v1/kiosk`.
//!
//! The types compile on both sides (the kiosk keeps them in its state); the request is
//! made only in the browser.
use crate::kiosk_timing::Inactivity;
pub use domain::KioskSettings;
use serde::Deserialize;

/// What `GET /api/v1/kiosk` answers an enrolled tablet.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct KioskConfig {
    pub station: StationInfo,
    /// The server's public key for sealing queued answers: the tablet keeps it, replacing
    /// the one it got at enrolment should the server's key have been replaced.
    #[serde(default)]
    pub seal_public_key: Option<String>,
    #[serde(default)]
    pub settings: KioskSettings,
    /// Whether staff can unlock the panel at all: false until an administrator sets a PIN.
    #[serde(default)]
    pub staff_pin_set: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StationInfo {
    pub code: String,
    pub name: String,
}

/// The kiosk's inactivity timing from a station's settings.
pub fn inactivity(settings: &KioskSettings) -> Inactivity {
    // A zero would reset a visitor while she reads: never less than a second.
    Inactivity { prompt_after_s: settings.inactivity_s.max(1), grace_s: settings.inactivity_grace_s.max(1) }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KioskConfigError {
    /// The token is unknown or revoked (401).
    Unauthorized,
    /// The server could not be reached, failed, or does not offer the endpoint yet.
    Unavailable,
}

/// The station and settings of this tablet.
#[cfg(feature = "hydrate")]
pub async fn load_kiosk_config(token: &str) -> Result<KioskConfig, KioskConfigError> {
    use gloo_net::http::Request;
    let resp = Request::get("/api/v1/kiosk")
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|_| KioskConfigError::Unavailable)?;
    match resp.status() {
        200 => resp.json::<KioskConfig>().await.map_err(|_| KioskConfigError::Unavailable),
        401 => Err(KioskConfigError::Unauthorized),
        _ => Err(KioskConfigError::Unavailable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_servers_answer_and_defaults_what_is_missing() {
        let full: KioskConfig = serde_json::from_str(
            r#"{"station": {"code": "LIM-01", "name": "Comisaría Lima"}, "seal_public_key": "abc",
                "settings": {"inactivity_s": 45, "inactivity_grace_s": 15, "min_duration_s": 8, "min_gap_s": 20},
                "staff_pin_set": true}"#,
        )
        .unwrap();
        assert_eq!(full.station.name, "Comisaría Lima");
        assert_eq!(inactivity(&full.settings), Inactivity { prompt_after_s: 45, grace_s: 15 });
        assert!(full.staff_pin_set);

        let bare: KioskConfig =
            serde_json::from_str(r#"{"station": {"code": "X", "name": "N"}, "settings": {}}"#).unwrap();
        assert_eq!(bare.settings, KioskSettings::default());
        assert_eq!(inactivity(&bare.settings), Inactivity { prompt_after_s: 60, grace_s: 20 });
        assert!(!bare.staff_pin_set);
    }
}
