//! Moving a whole database from one backend to another (`digna migrate-db`, and a
//! backup of a PostgreSQL database into one SQLite file): every table Digna writes, read
//! in one snapshot of the source and written in one transaction of the target, then
//! counted and summed on both sides.
//!
//! The tables and their columns are listed once, here ([`TABLES`]), in an order where
//! every row's references are written before it. The dashboards' derived roll-ups
//! ([`DERIVED`]) are not copied: the target's own triggers rebuild them from the base
//! roll-ups as those are written, and their checksums are then compared like any other
//! table's, which proves both backends' triggers agree.

use sha2::{Digest, Sha256};
use std::future::Future;

/// How a column's values are stored. Flags are 0/1 integers on SQLite and booleans on
/// PostgreSQL; both read and write them as [`Value::Int`] 0 or 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Flag,
    Text,
    Bytes,
}

/// One value of a row, as both backends store it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// A row: its table's columns, in [`Table::columns`] order.
pub type Row = Vec<Value>;

/// A table as the transfer sees it.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    /// Every column the transfer copies (generated columns left out).
    pub columns: &'static [(&'static str, Kind)],
    /// The primary key's columns, in order: pages follow it. Empty for a table without
    /// one (small: read in one page).
    pub key: &'static [&'static str],
    /// Whether the table has an identity column `id` whose next value the target must
    /// move past what was copied.
    pub identity: bool,
}

impl Table {
    /// The positions, in [`Table::columns`], of the key's columns.
    pub fn key_positions(&self) -> Vec<usize> {
        self.key.iter().map(|k| self.columns.iter().position(|(c, _)| c == k).expect("a key column")).collect()
    }
}

use Kind::{Bytes, Flag, Int, Text};

macro_rules! table {
    ($name:literal, identity: $identity:literal, key: [$($key:literal),*], [$(($col:literal, $kind:ident)),+ $(,)?]) => {
        Table { name: $name, columns: &[$(($col, $kind)),+], key: &[$($key),*], identity: $identity }
    };
}

/// Every table Digna writes, in an order where what a row refers to comes first.
pub const TABLES: &[Table] = &[
    table!("stations", identity: true, key: ["id"], [
        ("id", Int), ("code", Text), ("name", Text), ("region", Text), ("timezone", Text), ("active", Flag),
        ("created_at", Text), ("inactivity_s", Int), ("inactivity_grace_s", Int), ("min_duration_s", Int),
        ("min_gap_s", Int), ("staff_pin_hash", Text), ("staff_pin_failures", Int), ("staff_pin_locked_until", Int),
        ("release_minute", Int), ("release_every_days", Int),
    ]),
    table!("enrollment_codes", identity: false, key: ["code_hash"], [
        ("code_hash", Bytes), ("station_id", Int), ("expires_at", Int), ("used", Flag), ("created_at", Text),
    ]),
    table!("tablets", identity: true, key: ["id"], [
        ("id", Int), ("station_id", Int), ("token_hash", Bytes), ("revoked", Flag), ("created_at", Text),
        ("last_delivery_day", Text), ("pin_failures", Int), ("pin_locked_until", Int), ("pin_locks", Int),
    ]),
    table!("languages", identity: false, key: ["code"], [("code", Text), ("enabled", Flag), ("created_at", Text)]),
    table!("survey_versions", identity: false, key: ["version"], [
        ("version", Int), ("published", Flag), ("created_at", Text),
    ]),
    table!("questions", identity: false, key: ["survey_version", "key"], [
        ("survey_version", Int), ("key", Text), ("position", Int), ("kind", Text), ("in_index", Flag),
        ("profile", Flag), ("created_at", Text), ("observable", Flag),
    ]),
    table!("choices", identity: false, key: ["survey_version", "question_key", "key"], [
        ("survey_version", Int), ("question_key", Text), ("key", Text), ("position", Int), ("created_at", Text),
    ]),
    table!("texts", identity: false, key: ["survey_version", "question_key", "choice_key", "language"], [
        ("survey_version", Int), ("question_key", Text), ("choice_key", Text), ("language", Text), ("text", Text),
        ("child_text", Text), ("review", Text), ("created_at", Text),
    ]),
    table!("users", identity: true, key: ["id"], [
        ("id", Int), ("email", Text), ("role", Text), ("password_hash", Text), ("totp_secret", Text),
        ("disabled", Flag), ("created_at", Text), ("totp_last_step", Int), ("password_pending", Text),
        ("session_epoch", Int),
    ]),
    table!("user_scopes", identity: false, key: ["user_id", "kind", "value"], [
        ("user_id", Int), ("kind", Text), ("value", Text),
    ]),
    table!("recovery_codes", identity: false, key: ["user_id", "code_hash"], [("user_id", Int), ("code_hash", Bytes)]),
    table!("account_links", identity: false, key: ["token_hash"], [
        ("token_hash", Bytes), ("user_id", Int), ("purpose", Text), ("created_at", Text), ("expires_at", Text),
        ("used_at", Text),
    ]),
    table!("export_audit", identity: true, key: ["id"], [
        ("id", Int), ("actor", Text), ("created_at", Text), ("kind", Text), ("filters", Text), ("rows", Int),
        ("anonymization", Text), ("suppressed", Int), ("file_hashes", Text), ("zip_sha256", Text),
    ]),
    table!("admin_audit", identity: true, key: ["id"], [
        ("id", Int), ("at", Text), ("actor", Text), ("action", Text), ("target", Text), ("detail", Text),
    ]),
    table!("settings", identity: false, key: ["key"], [("key", Text), ("value", Text), ("updated_at", Text)]),
    // Unique over (region, month, audit_id), region NULL for every region: no key to page by.
    table!("privacy_spend", identity: false, key: [], [
        ("region", Text), ("month", Text), ("audit_id", Int), ("epsilon", Text),
    ]),
    table!("recovery_key", identity: false, key: ["id"], [("id", Int), ("recipient", Text), ("created_at", Text)]),
    table!("release_schedule", identity: false, key: ["station_id"], [("station_id", Int), ("next_at", Int)]),
    table!("webhook_endpoints", identity: true, key: ["id"], [
        ("id", Int), ("label", Text), ("url", Text), ("secret", Text), ("region", Text), ("created_at", Text),
    ]),
    table!("notification_outbox", identity: true, key: ["id"], [
        ("id", Int), ("idempotency_key", Text), ("endpoint_id", Int), ("account_id", Int), ("kind", Text),
        ("body", Text), ("state", Text), ("attempts", Int), ("created_at", Int), ("next_attempt_at", Int),
        ("last_attempt_at", Int), ("last_status", Int),
    ]),
    table!("notification_sender", identity: false, key: ["id"], [("id", Int), ("holder", Text), ("until", Int)]),
    table!("station_alert_rules", identity: false, key: ["station_id"], [
        ("station_id", Int), ("drop_points", Int), ("floor", Int),
    ]),
    table!("voice_recordings", identity: true, key: ["id"], [
        ("id", Int), ("language", Text), ("text_key", Text), ("text", Text), ("survey_version", Int), ("audio", Bytes),
        ("sha256", Text), ("millis", Int), ("recorded_by", Int), ("recorded_at", Int), ("approved_by", Int),
        ("approved_at", Int),
    ]),
    table!("notification_subscriptions", identity: false, key: ["account_id"], [
        ("account_id", Int), ("index_alerts", Flag), ("silence_alerts", Flag), ("digest", Flag),
        ("digest_weekday", Int), ("digest_hour", Int), ("timezone", Text), ("language", Text),
        ("unsubscribe_key", Bytes),
    ]),
    table!("alert_episodes", identity: false, key: ["kind", "subject_id"], [
        ("kind", Text), ("subject_id", Int), ("since", Text),
    ]),
    table!("pending_responses", identity: false, key: ["id"], [
        ("id", Bytes), ("station_id", Int), ("sealed", Bytes),
    ]),
    table!("submission_keys", identity: false, key: ["key_hash"], [("key_hash", Bytes)]),
    table!("responses", identity: false, key: ["id"], [
        ("id", Bytes), ("station_id", Int), ("survey_version", Int), ("iso_week", Text), ("language", Text),
        ("respondent", Text), ("age_band", Text), ("suspect", Flag),
    ]),
    table!("answers", identity: false, key: ["response_id", "question_key", "value"], [
        ("response_id", Bytes), ("question_key", Text), ("value", Text),
    ]),
    table!("response_rollups", identity: false,
        key: ["station_id", "iso_week", "survey_version", "language", "respondent", "age_band", "suspect"], [
        ("station_id", Int), ("iso_week", Text), ("survey_version", Int), ("language", Text), ("respondent", Text),
        ("age_band", Text), ("suspect", Flag), ("responses", Int),
    ]),
    table!("answer_rollups", identity: false,
        key: ["station_id", "iso_week", "survey_version", "language", "respondent", "age_band", "suspect",
              "question_key", "value"], [
        ("station_id", Int), ("iso_week", Text), ("survey_version", Int), ("language", Text), ("respondent", Text),
        ("age_band", Text), ("suspect", Flag), ("question_key", Text), ("value", Text), ("answers", Int),
    ]),
];

/// The dashboards' roll-ups that each backend's triggers derive from the base roll-ups:
/// not copied, compared.
pub const DERIVED: &[Table] = &[
    table!("week_rollups", identity: false, key: ["station_id", "suspect", "iso_week", "survey_version", "language"], [
        ("station_id", Int), ("suspect", Flag), ("iso_week", Text), ("survey_version", Int), ("language", Text),
        ("responses", Int), ("points", Int), ("scored", Int), ("top_scored", Int),
    ]),
    table!("index_rollups", identity: false,
        key: ["station_id", "suspect", "iso_week", "question_key", "survey_version", "language"], [
        ("station_id", Int), ("suspect", Flag), ("iso_week", Text), ("survey_version", Int), ("language", Text),
        ("question_key", Text), ("points", Int), ("scored", Int),
    ]),
    table!("station_weeks", identity: false, key: ["station_id", "suspect", "iso_week"], [
        ("station_id", Int), ("suspect", Flag), ("iso_week", Text), ("responses", Int), ("points", Int),
        ("scored", Int), ("top_scored", Int),
    ]),
];

/// The tables a fresh database of either backend already holds rows in (what its
/// migrations seed): a load replaces those rows with the source's.
pub const SEEDED: &[&str] = &["languages", "survey_versions", "questions", "choices", "texts", "settings"];

/// A table's rows counted and summed: equal on both sides when the same rows are there,
/// whatever order either backend keeps them in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub rows: u64,
    /// The sum (wrapping, in four 64-bit lanes) of each row's SHA-256: a multiset hash.
    pub sum: [u64; 4],
}

impl Tally {
    /// Counts `row` in.
    pub fn add(&mut self, row: &Row) {
        let mut hash = Sha256::new();
        for value in row {
            match value {
                Value::Null => hash.update([0]),
                Value::Int(i) => {
                    hash.update([1]);
                    hash.update(i.to_be_bytes());
                }
                Value::Text(t) => {
                    hash.update([2]);
                    hash.update((t.len() as u64).to_be_bytes());
                    hash.update(t.as_bytes());
                }
                Value::Bytes(b) => {
                    hash.update([3]);
                    hash.update((b.len() as u64).to_be_bytes());
                    hash.update(b);
                }
            }
        }
        let digest = hash.finalize();
        for (lane, chunk) in self.sum.iter_mut().zip(digest.chunks_exact(8)) {
            *lane = lane.wrapping_add(u64::from_be_bytes(chunk.try_into().expect("8 bytes")));
        }
        self.rows += 1;
    }

    /// The sum as 64 hexadecimal digits.
    pub fn hex(&self) -> String {
        self.sum.iter().map(|lane| format!("{lane:016x}")).collect()
    }
}

/// A database a transfer reads from or writes to.
pub trait Transfer {
    /// One snapshot of the whole database, read table by table.
    type Snapshot: Snapshot;
    /// One transaction that fills an empty database.
    type Load: Load;

    /// Opens a snapshot: nothing committed after it opens is seen through it.
    fn snapshot(&self) -> impl Future<Output = Result<Self::Snapshot, crate::Error>> + Send;

    /// Begins filling this database, refused (`Ok(Err(why))`) unless it is empty: no
    /// station, account, response, pending response, audit line or export, and no survey
    /// version beyond what its migrations made.
    fn load(&self) -> impl Future<Output = Result<Result<Self::Load, String>, crate::Error>> + Send;
}

/// One snapshot of a database.
pub trait Snapshot: Send {
    /// How many rows `table` holds.
    fn rows(&mut self, table: &'static Table) -> impl Future<Output = Result<u64, crate::Error>> + Send;

    /// Up to `limit` rows of `table` whose key follows `after` (the key's values, in
    /// [`Table::key`] order), in key order; a table without a key comes whole in the
    /// first page (`after` is `None`) and empty after.
    fn page(
        &mut self,
        table: &'static Table,
        after: Option<&[Value]>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Row>, crate::Error>> + Send;
}

/// A transaction filling an empty database; nothing lands unless it is finished.
pub trait Load: Send {
    /// Writes `rows` of `table` (of [`TABLES`]), in the order given.
    fn write(&mut self, table: &'static Table, rows: &[Row]) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// Commits what was written (moving identity columns past the ids written).
    fn finish(self) -> impl Future<Output = Result<(), crate::Error>> + Send;
}

/// The table of [`TABLES`] or [`DERIVED`] called `name`.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().chain(DERIVED).find(|t| t.name == name)
}
