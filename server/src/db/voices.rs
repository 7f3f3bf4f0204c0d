//! `store::voices`, on whichever database the server runs.

use super::Db;
use store::voices::*;

impl store::Voices for Db {
    async fn voices(&self) -> Result<Vec<Voice>, store::Error> {
        dispatch!(self, |inner| store::Voices::voices(inner))
    }

    async fn voice_audio(&self, sha256: &str) -> Result<Option<Vec<u8>>, store::Error> {
        dispatch!(self, |inner| store::Voices::voice_audio(inner, sha256))
    }

    async fn save_voice(&self, voice: &NewVoice, audit: &store::audit::Entry) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Voices::save_voice(inner, voice, audit))
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
        dispatch!(self, |inner| store::Voices::approve_voice(inner, id, sha256, text, survey_version, by, now, audit))
    }

    async fn remove_voice(&self, id: i64, audit: &store::audit::Entry) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Voices::remove_voice(inner, id, audit))
    }

    async fn voice_files(&self) -> Result<Vec<VoiceFile>, store::Error> {
        dispatch!(self, |inner| store::Voices::voice_files(inner))
    }

    async fn import_voices(
        &self,
        files: &[VoiceFile],
        now: i64,
        audit: &store::audit::Entry,
    ) -> Result<usize, store::Error> {
        dispatch!(self, |inner| store::Voices::import_voices(inner, files, now, audit))
    }
}
