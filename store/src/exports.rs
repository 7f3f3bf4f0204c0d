//! The researchers' exports: what they read, their audit, and the open-data privacy budget.

use std::future::Future;

/// Which released responses an export reads.
#[derive(Clone, Debug)]
pub struct Selection {
    pub station_ids: Vec<i64>,
    pub iso_weeks: Vec<String>,
    pub survey_version: i64,
    pub include_suspect: bool,
}

/// Released responses of a selection, many in one row: each column holds the page's
/// values, in the same order, joined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// How many responses the page holds; 0 after the last one.
    pub rows: i64,
    /// The id to read on after (the largest on the page); never written anywhere.
    pub last: Vec<u8>,
    /// Station ids, joined by ','.
    pub station_ids: String,
    /// ISO weeks (`2026-W10`), joined by ','.
    pub iso_weeks: String,
    /// Survey languages, joined by ','.
    pub languages: String,
    /// Respondent types ('' when skipped), joined by ','.
    pub respondents: String,
    /// Age bands ('' when skipped), joined by ','.
    pub age_bands: String,
    /// Suspect flags (0 or 1), joined by ','.
    pub suspects: String,
    /// Each response's answers as a JSON object of question keys and stored values, in key
    /// order (a multiple choice repeats its key, once per chosen option), `{}` for a
    /// response without answers; joined by '|'. None of the stored values holds ',', '|',
    /// '"', ':' or '\\': they are checked keys (lower-case letters, digits, '_' and '-'),
    /// language codes, weeks, digits or "rather_not"; [`Page::rows`] lets the caller check
    /// that every column splits into as many values.
    pub answers: String,
}

/// An export's audit record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    pub id: i64,
    pub actor: String,
    pub created_at: String,
    pub kind: String,
    pub filters: String,
    pub rows: i64,
    pub anonymization: String,
    pub suppressed: i64,
    pub file_hashes: String,
    pub zip_sha256: String,
}

/// An epsilon an open-data release spent on a region's month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spent {
    /// `None`: every region (spent before the budget was kept per region).
    pub region: Option<String>,
    /// "2026-03".
    pub month: String,
    /// Exact, as text ("0.25", "1/3").
    pub epsilon: String,
}

/// Answers of a region in an ISO week: (region, ISO week, question, value, answers).
pub type RegionWeekAnswer = (String, String, String, String, i64);

/// The researchers' exports: what they read, their audit, and the open-data privacy budget.
pub trait Exports {
    /// One of the readers [`Exports::open_readers`] opens.
    type Reader: ExportReader;

    /// `n` readers of `selection`, all in one snapshot (nothing committed after the first
    /// opened is seen by any), each to read a range of ids page by page; with the selected
    /// stations' (id, code, region) and about how many responses the selection holds
    /// (from the roll-ups, which keep counting what retention purged: for a progress bar,
    /// never for the anonymization).
    /// Writes an open-data release's audit record and the epsilon it spends on each of
    /// `regions` in each of `months`, unless `refuse`, asked with what those have spent so
    /// far, gives a reason not to: the check and the record are one write transaction, so
    /// two releases at once (from this process or another) cannot both pass a check that
    /// only one of them fits. Returns the audit id, or `refuse`'s reason.
    fn record_release<E: Send>(
        &self,
        audit: &Audit,
        regions: &[String],
        months: &[String],
        epsilon: &str,
        refuse: impl FnOnce(&[Spent]) -> Option<E> + Send,
    ) -> impl Future<Output = Result<Result<i64, E>, crate::Error>> + Send;

    #[allow(clippy::type_complexity)]
    fn open_readers(
        &self,
        selection: &Selection,
        n: usize,
    ) -> impl Future<Output = Result<(Vec<Self::Reader>, Vec<(i64, String, String)>, i64), crate::Error>> + Send;

    /// Writes an export's audit record; returns its id.
    fn insert_audit(&self, a: &Audit) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    /// The most recent audit records first.
    fn list_audit(&self, limit: i64) -> impl Future<Output = Result<Vec<Audit>, crate::Error>> + Send;

    /// Released responses per region and ISO week, from the roll-ups (suspect left out).
    fn region_week_counts(
        &self,
        station_ids: &[i64],
        weeks: &[String],
        survey_version: i64,
    ) -> impl Future<Output = Result<Vec<(String, String, i64)>, crate::Error>> + Send;

    /// Answers per region, ISO week, question and value, from the roll-ups (suspect left out).
    fn region_week_answers(
        &self,
        station_ids: &[i64],
        weeks: &[String],
        survey_version: i64,
    ) -> impl Future<Output = Result<Vec<RegionWeekAnswer>, crate::Error>> + Send;

    /// The epsilons already spent on `regions` in `months` ("2026-03"), those spent on every
    /// region included, by month.
    fn privacy_spent(
        &self,
        regions: &[String],
        months: &[String],
    ) -> impl Future<Output = Result<Vec<Spent>, crate::Error>> + Send;

    /// Every release's spending, newest month first, then by region (every region first) and
    /// release.
    fn privacy_ledger(&self) -> impl Future<Output = Result<Vec<Spent>, crate::Error>> + Send;
}

/// A reader of a selection in a snapshot shared with the other readers opened with it.
pub trait ExportReader: Send + 'static {
    /// Up to `limit` released responses of the selection whose ids follow `after`, up to
    /// `upto` included, in id order (random, so the order says nothing about who came
    /// first), as one [`Page`]. Ids are 16 random bytes: 17 bytes of 0xff follow every one.
    fn page(
        &mut self,
        after: &[u8],
        upto: &[u8],
        limit: i64,
    ) -> impl Future<Output = Result<Page, crate::Error>> + Send;
}
