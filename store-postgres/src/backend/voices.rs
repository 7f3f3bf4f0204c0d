use super::PgStore;
use store::voices::*;

impl store::Voices for PgStore {
    async fn voices(&self) -> Result<Vec<Voice>, store::Error> {
        Ok(crate::voices::voices(&self.pool).await?)
    }

    async fn voice_audio(&self, sha256: &str) -> Result<Option<Vec<u8>>, store::Error> {
        Ok(crate::voices::voice_audio(&self.pool, sha256).await?)
    }

    async fn save_voice(&self, voice: &NewVoice, audit: &store::audit::Entry) -> Result<i64, store::Error> {
        audited!(self, audit, |conn| crate::voices::save_voice(conn, voice))
    }

    async fn approve_voice(
        &self,
        id: i64,
        sha256: &str,
        text: &str,
        survey_version: i64,
        by: i64,
        now: i64,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        audited!(self, audit, |conn| crate::voices::approve_voice(conn, id, sha256, text, survey_version, by, now))
    }

    async fn remove_voice(&self, id: i64, audit: &store::audit::Entry) -> Result<bool, store::Error> {
        audited!(self, audit, |conn| crate::voices::remove_voice(conn, id))
    }

    async fn voice_files(&self) -> Result<Vec<VoiceFile>, store::Error> {
        Ok(crate::voices::voice_files(&self.pool).await?)
    }

    async fn import_voices(
        &self,
        files: &[VoiceFile],
        now: i64,
        audit: &store::audit::Entry,
    ) -> Result<usize, store::Error> {
        audited!(self, audit, |conn| crate::voices::import_voices(conn, files, now))
    }
}
