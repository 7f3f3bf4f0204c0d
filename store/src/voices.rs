//! Recorded voices: a native speaker's recording of a text the kiosk reads aloud, per
//! language and text key, kept with the words it reads, who recorded and who approved it,
//! and its content hash. Not visitor data: carried by backups and `digna voices`.

use std::future::Future;

/// A recording as the admin console lists it (without its sound).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Voice {
    pub id: i64,
    /// `qu`, `ay`, `es`, `en`.
    pub language: String,
    /// What it reads (`welcome`, `q:respect`, `q:respect:child`, `c:feel:yes`, …).
    pub text_key: String,
    /// The words it reads, as they were when it was recorded or last approved: when the
    /// survey's text changes, the recording needs review.
    pub text: String,
    /// The survey version it was recorded or last approved for.
    pub survey_version: i64,
    /// SHA-256 of its sound, lowercase hex.
    pub sha256: String,
    pub millis: i64,
    /// Who recorded it (an account's e-mail), if the account still exists.
    pub recorded_by: Option<String>,
    pub recorded_at: i64,
    pub approved_by: Option<String>,
    /// When it was approved; `None` until it is (and again after it is recorded anew).
    pub approved_at: Option<i64>,
}

/// A recording to keep, replacing the one of its language and key (approval reset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVoice {
    pub language: String,
    pub text_key: String,
    pub text: String,
    pub survey_version: i64,
    /// Ogg Opus as `server::voices::audio` writes it.
    pub audio: Vec<u8>,
    pub sha256: String,
    pub millis: i64,
    pub recorded_by: Option<i64>,
    pub now: i64,
}

/// A recording as it travels between installations (`digna voices export|import`), and in
/// backups: everything but who made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceFile {
    pub language: String,
    pub text_key: String,
    pub text: String,
    pub survey_version: i64,
    pub audio: Vec<u8>,
    pub sha256: String,
    pub millis: i64,
    pub approved: bool,
}

/// Recorded voices.
pub trait Voices {
    /// Every recording, by language then key.
    fn voices(&self) -> impl Future<Output = Result<Vec<Voice>, crate::Error>> + Send;

    /// The sound whose SHA-256 is `sha256`, if a recording holds it.
    fn voice_audio(&self, sha256: &str) -> impl Future<Output = Result<Option<Vec<u8>>, crate::Error>> + Send;

    /// Keeps a recording, replacing the one of its language and key, not approved; its id.
    fn save_voice(
        &self,
        voice: &NewVoice,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    /// Approves recording `id` for `text` of survey version `survey_version`, if its sound
    /// is still `sha256` (the one the administrator listened to); whether it did.
    #[allow(clippy::too_many_arguments)]
    fn approve_voice(
        &self,
        id: i64,
        sha256: &str,
        text: &str,
        survey_version: i64,
        by: i64,
        now: i64,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// Removes recording `id`; whether there was one.
    fn remove_voice(
        &self,
        id: i64,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// Every recording with its sound, for `digna voices export`.
    fn voice_files(&self) -> impl Future<Output = Result<Vec<VoiceFile>, crate::Error>> + Send;

    /// Writes `files` (`digna voices import`), each replacing the recording of its language
    /// and key, in one transaction, audited as one line; how many.
    fn import_voices(
        &self,
        files: &[VoiceFile],
        now: i64,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<usize, crate::Error>> + Send;
}
