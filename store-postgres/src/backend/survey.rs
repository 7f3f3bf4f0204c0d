use super::PgStore;
use domain::QuestionKey;
use domain::{Language, QuestionKind, Survey};
use std::collections::BTreeMap;
use store::survey::*;

impl store::Surveys for PgStore {
    async fn start_draft(
        &self,
        audit: impl FnOnce(&DraftStart) -> Option<store::audit::Entry> + Send,
    ) -> Result<DraftStart, store::Error> {
        audited_with!(self, audit, |conn| crate::survey::start_draft(conn))
    }

    async fn update_question(
        &self,
        version: i64,
        key: &str,
        change: &QuestionChange,
        audit: impl FnOnce(&Edit) -> Option<store::audit::Entry> + Send,
    ) -> Result<Edit, store::Error> {
        audited_with!(self, audit, |conn| crate::survey::update_question(conn, version, key, change))
    }

    async fn write_texts(
        &self,
        version: i64,
        texts: &[TextWrite],
        audit: &[store::audit::Entry],
    ) -> Result<Edit, store::Error> {
        audited_with!(self, |out: &Edit| if *out == Edit::Done { audit.to_vec() } else { Vec::new() }, |conn| {
            crate::survey::write_texts(conn, version, texts)
        })
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
        audited!(self, audit, |conn| crate::survey::add_question(conn, version, key, kind, in_index, observable))
    }

    async fn remove_question(
        &self,
        version: i64,
        key: &str,
        audit: &store::audit::Entry,
    ) -> Result<Edit, store::Error> {
        audited!(self, audit, |conn| crate::survey::remove_question(conn, version, key))
    }

    async fn move_question(
        &self,
        version: i64,
        key: &str,
        up: bool,
        audit: &store::audit::Entry,
    ) -> Result<Edit, store::Error> {
        audited!(self, audit, |conn| crate::survey::move_question(conn, version, key, up))
    }

    async fn discard_draft(&self, version: i64, audit: &store::audit::Entry) -> Result<Edit, store::Error> {
        audited!(self, audit, |conn| crate::survey::discard_draft(conn, version))
    }

    async fn publish(
        &self,
        version: i64,
        audit: impl FnOnce(&Publication) -> Option<store::audit::Entry> + Send,
    ) -> Result<Publication, store::Error> {
        audited_with!(self, audit, |conn| crate::survey::publish(conn, version))
    }

    async fn enabled_languages(&self) -> Result<Vec<Language>, store::Error> {
        Ok(crate::survey::enabled_languages(&self.pool).await?)
    }

    async fn set_language_enabled(&self, lang: Language, enabled: bool) -> Result<(), store::Error> {
        Ok(crate::survey::set_language_enabled(&self.pool, lang, enabled).await?)
    }

    async fn texts_needing_review(&self, version: i64, lang: Language) -> Result<i64, store::Error> {
        Ok(crate::survey::texts_needing_review(&self.pool, version, lang).await?)
    }

    async fn offer_language(&self, lang: Language, offer: bool, actor: &str) -> Result<LanguageChange, store::Error> {
        Ok(crate::survey::offer_language(&self.pool, lang, offer, actor).await?)
    }

    async fn current_version(&self) -> Result<Option<i64>, store::Error> {
        Ok(crate::survey::current_version(&self.pool).await?)
    }

    async fn load(&self, version: i64) -> Result<Option<Survey>, store::Error> {
        Ok(crate::survey::load(&self.pool, version).await?)
    }

    async fn load_any(&self, version: i64) -> Result<Option<Survey>, store::Error> {
        Ok(crate::survey::load_any(&self.pool, version).await?)
    }

    async fn published_versions(&self) -> Result<Vec<i64>, store::Error> {
        Ok(crate::survey::published_versions(&self.pool).await?)
    }

    async fn versions(&self) -> Result<Vec<VersionSummary>, store::Error> {
        Ok(crate::survey::versions(&self.pool).await?)
    }

    async fn draft_version(&self) -> Result<Option<i64>, store::Error> {
        Ok(crate::survey::draft_version(&self.pool).await?)
    }

    async fn is_published(&self, version: i64) -> Result<Option<bool>, store::Error> {
        Ok(crate::survey::is_published(&self.pool, version).await?)
    }

    async fn text_rows(&self, version: i64) -> Result<Vec<TextRow>, store::Error> {
        Ok(crate::survey::text_rows(&self.pool, version).await?)
    }

    async fn published_kinds(&self, key: &str) -> Result<Vec<(i64, QuestionKind)>, store::Error> {
        Ok(crate::survey::published_kinds(&self.pool, key).await?)
    }

    async fn question_versions(&self) -> Result<BTreeMap<String, Vec<i64>>, store::Error> {
        Ok(crate::survey::question_versions(&self.pool).await?)
    }

    async fn versions_with_responses(
        &self,
        station_id: i64,
        filters: &domain::DashboardFilters,
    ) -> Result<Vec<i64>, store::Error> {
        Ok(crate::survey::versions_with_responses(&self.pool, station_id, filters).await?)
    }
}
