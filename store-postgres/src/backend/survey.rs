//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

use super::PgStore;
use domain::MissingText;
use domain::{Language, QuestionKind, ReviewState, Survey};
use domain::{PublicationProblem, QuestionKey};
use std::collections::BTreeMap;
use store::survey::*;

impl store::Surveys for PgStore {
    async fn start_draft(
        &self,
        audit: impl FnOnce(&DraftStart) -> Option<store::audit::Entry> + Send,
    ) -> Result<DraftStart, store::Error> {
        todo!("PostgreSQL")
    }

    async fn update_question(
        &self,
        version: i64,
        key: &str,
        change: &QuestionChange,
        audit: impl FnOnce(&Edit) -> Option<store::audit::Entry> + Send,
    ) -> Result<Edit, store::Error> {
        todo!("PostgreSQL")
    }

    async fn write_texts(
        &self,
        version: i64,
        texts: &[TextWrite],
        audit: &[store::audit::Entry],
    ) -> Result<Edit, store::Error> {
        todo!("PostgreSQL")
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
        todo!("PostgreSQL")
    }

    async fn remove_question(
        &self,
        version: i64,
        key: &str,
        audit: &store::audit::Entry,
    ) -> Result<Edit, store::Error> {
        todo!("PostgreSQL")
    }

    async fn move_question(
        &self,
        version: i64,
        key: &str,
        up: bool,
        audit: &store::audit::Entry,
    ) -> Result<Edit, store::Error> {
        todo!("PostgreSQL")
    }

    async fn discard_draft(&self, version: i64, audit: &store::audit::Entry) -> Result<Edit, store::Error> {
        todo!("PostgreSQL")
    }

    async fn publish(
        &self,
        version: i64,
        audit: impl FnOnce(&Publication) -> Option<store::audit::Entry> + Send,
    ) -> Result<Publication, store::Error> {
        todo!("PostgreSQL")
    }

    async fn enabled_languages(&self) -> Result<Vec<Language>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn set_language_enabled(&self, lang: Language, enabled: bool) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn texts_needing_review(&self, version: i64, lang: Language) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn offer_language(&self, lang: Language, offer: bool, actor: &str) -> Result<LanguageChange, store::Error> {
        todo!("PostgreSQL")
    }

    async fn current_version(&self) -> Result<Option<i64>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn load(&self, version: i64) -> Result<Option<Survey>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn load_any(&self, version: i64) -> Result<Option<Survey>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn published_versions(&self) -> Result<Vec<i64>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn versions(&self) -> Result<Vec<VersionSummary>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn draft_version(&self) -> Result<Option<i64>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn is_published(&self, version: i64) -> Result<Option<bool>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn text_rows(&self, version: i64) -> Result<Vec<TextRow>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn published_kinds(&self, key: &str) -> Result<Vec<(i64, QuestionKind)>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn question_versions(&self) -> Result<BTreeMap<String, Vec<i64>>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn versions_with_responses(
        &self,
        station_id: i64,
        filters: &domain::DashboardFilters,
    ) -> Result<Vec<i64>, store::Error> {
        todo!("PostgreSQL")
    }
}
