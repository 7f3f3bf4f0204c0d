//! `store::survey`, on whichever database the server runs.

use super::Db;
use domain::QuestionKey;
use domain::{Language, QuestionKind, Survey};
use std::collections::BTreeMap;
use store::survey::*;

impl store::Surveys for Db {
    async fn start_draft(
        &self,
        audit: impl FnOnce(&DraftStart) -> Option<store::audit::Entry> + Send,
    ) -> Result<DraftStart, store::Error> {
        dispatch!(self, |inner| store::Surveys::start_draft(inner, audit))
    }

    async fn update_question(
        &self,
        version: i64,
        key: &str,
        change: &QuestionChange,
        audit: impl FnOnce(&Edit) -> Option<store::audit::Entry> + Send,
    ) -> Result<Edit, store::Error> {
        dispatch!(self, |inner| store::Surveys::update_question(inner, version, key, change, audit))
    }

    async fn write_texts(
        &self,
        version: i64,
        texts: &[TextWrite],
        audit: &[store::audit::Entry],
    ) -> Result<Edit, store::Error> {
        dispatch!(self, |inner| store::Surveys::write_texts(inner, version, texts, audit))
    }

    async fn add_question(
        &self,
        version: i64,
        key: &QuestionKey,
        kind: QuestionKind,
        in_index: bool,
        observable: bool,
        audit: &store::audit::Entry,
    ) -> Result<Edit, store::Error> {
        dispatch!(self, |inner| store::Surveys::add_question(inner, version, key, kind, in_index, observable, audit))
    }

    async fn remove_question(
        &self,
        version: i64,
        key: &str,
        audit: &store::audit::Entry,
    ) -> Result<Edit, store::Error> {
        dispatch!(self, |inner| store::Surveys::remove_question(inner, version, key, audit))
    }

    async fn move_question(
        &self,
        version: i64,
        key: &str,
        up: bool,
        audit: &store::audit::Entry,
    ) -> Result<Edit, store::Error> {
        dispatch!(self, |inner| store::Surveys::move_question(inner, version, key, up, audit))
    }

    async fn discard_draft(&self, version: i64, audit: &store::audit::Entry) -> Result<Edit, store::Error> {
        dispatch!(self, |inner| store::Surveys::discard_draft(inner, version, audit))
    }

    async fn publish(
        &self,
        version: i64,
        audit: impl FnOnce(&Publication) -> Option<store::audit::Entry> + Send,
    ) -> Result<Publication, store::Error> {
        dispatch!(self, |inner| store::Surveys::publish(inner, version, audit))
    }

    async fn enabled_languages(&self) -> Result<Vec<Language>, store::Error> {
        dispatch!(self, |inner| store::Surveys::enabled_languages(inner))
    }

    async fn set_language_enabled(&self, lang: Language, enabled: bool) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Surveys::set_language_enabled(inner, lang, enabled))
    }

    async fn texts_needing_review(&self, version: i64, lang: Language) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Surveys::texts_needing_review(inner, version, lang))
    }

    async fn offer_language(&self, lang: Language, offer: bool, actor: &str) -> Result<LanguageChange, store::Error> {
        dispatch!(self, |inner| store::Surveys::offer_language(inner, lang, offer, actor))
    }

    async fn current_version(&self) -> Result<Option<i64>, store::Error> {
        dispatch!(self, |inner| store::Surveys::current_version(inner))
    }

    async fn load(&self, version: i64) -> Result<Option<Survey>, store::Error> {
        dispatch!(self, |inner| store::Surveys::load(inner, version))
    }

    async fn load_any(&self, version: i64) -> Result<Option<Survey>, store::Error> {
        dispatch!(self, |inner| store::Surveys::load_any(inner, version))
    }

    async fn published_versions(&self) -> Result<Vec<i64>, store::Error> {
        dispatch!(self, |inner| store::Surveys::published_versions(inner))
    }

    async fn versions(&self) -> Result<Vec<VersionSummary>, store::Error> {
        dispatch!(self, |inner| store::Surveys::versions(inner))
    }

    async fn draft_version(&self) -> Result<Option<i64>, store::Error> {
        dispatch!(self, |inner| store::Surveys::draft_version(inner))
    }

    async fn is_published(&self, version: i64) -> Result<Option<bool>, store::Error> {
        dispatch!(self, |inner| store::Surveys::is_published(inner, version))
    }

    async fn text_rows(&self, version: i64) -> Result<Vec<TextRow>, store::Error> {
        dispatch!(self, |inner| store::Surveys::text_rows(inner, version))
    }

    async fn published_kinds(&self, key: &str) -> Result<Vec<(i64, QuestionKind)>, store::Error> {
        dispatch!(self, |inner| store::Surveys::published_kinds(inner, key))
    }

    async fn question_versions(&self) -> Result<BTreeMap<String, Vec<i64>>, store::Error> {
        dispatch!(self, |inner| store::Surveys::question_versions(inner))
    }

    async fn versions_with_responses(
        &self,
        station_id: i64,
        filters: &domain::DashboardFilters,
    ) -> Result<Vec<i64>, store::Error> {
        dispatch!(self, |inner| store::Surveys::versions_with_responses(inner, station_id, filters))
    }
}
