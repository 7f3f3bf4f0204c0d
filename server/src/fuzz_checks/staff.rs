//! The staff's side: forms, export filters, backup records and restores. Where a parsed
//! value has an obvious property (the form it fills reads back the same) it is asserted.

use crate::backup::{self, recovery, Restore};
use crate::export::{self, Formats};
use crate::web::admin::form::StationForm;
use crate::web::admin::kiosk::parse_kiosk;
use crate::web::admin::release::parse_release;
use crate::web::admin::station_view::{kiosk_form_of, release_form_of};
use crate::web::admin_accounts::AccountForm;
use crate::web::admin_audit::FilterForm;
use crate::web::admin_survey::editor::fields::validate_question;
use crate::web::dashboard::{Ctx, DashQuery};
use crate::web::kit::Pairs;
use crate::web::layout::Lang;
use chrono::{Datelike, NaiveDate};
use domain::{DashboardFilters, KioskSettings, QuestionKind, Role};
use std::sync::OnceLock;
use store::release::Schedule;
use store::stations::Station;

const LANGS: [Lang; 2] = [Lang::Es, Lang::En];

fn station(code: &str, region: &str) -> Station {
    Station {
        id: 1,
        code: code.into(),
        name: code.into(),
        region: region.into(),
        timezone: "America/Lima".into(),
        active: true,
        settings: KioskSettings::default(),
        staff_pin_set: false,
    }
}

/// The staff forms (form bodies, `application/x-www-form-urlencoded`): a station, its
/// kiosk settings and release schedule, an account's role and grants, a survey question
/// in the editor, the audit log's filter. What a form accepts, written back into the
/// form, reads back the same; what it refuses names a field.
pub fn check_staff_forms(data: &[u8]) {
    // Axum's `String` body extractor refuses anything but UTF-8.
    let Ok(body) = std::str::from_utf8(data) else { return };
    for lang in LANGS {
        match StationForm::from_pairs(Pairs::parse(body)).parse(lang) {
            Ok((name, region, timezone, active)) => {
                let mut again = StationForm::default();
                again.typed.insert("name".into(), name.as_ref().into());
                again.typed.insert("region".into(), region.as_ref().into());
                again.typed.insert("timezone".into(), timezone.clone());
                if active {
                    again.typed.insert("active".into(), "1".into());
                }
                let (n, r, t, a) = again.parse(lang).map_err(|f| f.errors).expect("a station form reads back");
                assert_eq!((n, r, t, a), (name, region, timezone, active));
            }
            Err(form) => assert!(!form.errors.is_empty(), "a refusal names a field"),
        }

        let current = KioskSettings::default();
        match parse_kiosk(StationForm::from_pairs(Pairs::parse(body)), lang, current) {
            Ok(settings) => {
                let again = parse_kiosk(kiosk_form_of(&settings), lang, current).map_err(|f| f.errors);
                assert_eq!(again.ok(), Some(settings), "kiosk settings read back");
            }
            Err(form) => assert!(!form.errors.is_empty(), "a refusal names a field"),
        }

        let current = Schedule { minute: 197, every_days: 1 };
        match parse_release(StationForm::from_pairs(Pairs::parse(body)), lang, current) {
            Ok(schedule) => {
                assert!(schedule.minute < 24 * 60 && matches!(schedule.every_days, 1 | 7), "{schedule:?}");
                let again = parse_release(release_form_of(schedule), lang, current).map_err(|f| f.errors);
                assert_eq!(again.ok(), Some(schedule), "a schedule reads back");
            }
            Err(form) => assert!(!form.errors.is_empty(), "a refusal names a field"),
        }

        let stations = [station("LIM-01", "Lima"), station("CUS-01", "Cusco")];
        let regions = ["Lima".to_string(), "Cusco".to_string()];
        let mut form = AccountForm::from_pairs(Pairs::parse(body));
        match form.role_and_grants(lang, &stations, &regions) {
            Some((role, grants)) => {
                assert!(grants.stations.iter().all(|c| stations.iter().any(|s| s.code == *c)));
                assert!(grants.regions.iter().all(|r| regions.contains(r)));
                let empty = grants.stations.is_empty() && grants.regions.is_empty();
                assert_eq!(role == Role::Admin, empty, "an admin has no grants; anyone else has some");
            }
            None => assert!(!form.errors.is_empty(), "a refusal names a field"),
        }

        let fields = Pairs::parse(body).into_map();
        for q in &super::survey().questions {
            for history in [&[][..], &[(1, q.kind)][..]] {
                match validate_question(lang, q, history, &fields) {
                    Ok((change, _)) => {
                        assert!(!change.in_index || change.kind == QuestionKind::Scale4);
                        assert!(!change.observable || change.kind == QuestionKind::Single);
                        assert!(!q.profile || change.kind == q.kind, "a profile item keeps its kind");
                        for c in &change.choices {
                            assert!(domain::ChoiceKey::parse(c).is_ok(), "choice {c:?}");
                        }
                    }
                    Err(errors) => assert!(!errors.is_empty(), "a refusal names a field"),
                }
            }
        }

        let mut filter = FilterForm::from_query(Some(body));
        if let Some(parsed) = filter.parse(lang) {
            let mut again = FilterForm::from_query(Some(&filter.query(lang)));
            assert_eq!(again.parse(lang), Some(parsed), "an audit filter reads back from its link");
        }
    }
}

/// The export form's period, format and unit, and the dashboards' filters (as a query
/// string, and as the JSON a server function receives). A month reads back from how it
/// is written; a period that may be exported holds four or five weeks a month; filters
/// read back from the query string that reproduces them.
pub fn check_export_filters(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let typed = Pairs::parse(body).0;
    let value = |k: &str| typed.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let (from, to) = (crate::web::export::month(value("from")), crate::web::export::month(value("to")));
    for month in [from, to].into_iter().flatten() {
        assert_eq!(month.day(), 1);
        let written = month.format("%Y-%m").to_string();
        assert_eq!(crate::web::export::month(Some(&written)), Some(month), "{written} reads back");
    }
    let today = NaiveDate::from_ymd_opt(2026, 6, 15).expect("a date");
    let first_release = NaiveDate::from_ymd_opt(2022, 3, 7);
    if let (Some(f), Some(t)) = (from, to) {
        // Whatever the order, a period is judged without panicking; the form refuses
        // one that ends before it starts before it gets here.
        let (start, end) = (domain::time::calendar::month_start(f), domain::time::calendar::month_end(t));
        let _ = export::period_problem(start, end, today, None);
        let problem = export::period_problem(start, end, today, first_release);
        if f <= t && problem.is_none() {
            let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32 + 1;
            assert!((1..=export::MAX_PERIOD_MONTHS).contains(&months));
            let weeks = domain::time::calendar::weeks_between(start, end);
            let months = months as usize;
            assert!((4 * months..=5 * months).contains(&weeks.len()), "{months} months, {} weeks", weeks.len());
            assert!(weeks.windows(2).all(|w| w[0] < w[1]), "weeks in order, once each");
        }
    }
    if let Some(format) = value("format") {
        if let Ok(f) = Formats::parse(format) {
            assert!(f.csv || f.xlsx || f.json);
        }
    }

    let ctx = Ctx::new(&DashQuery::from_raw(Some(body)), domain::K::new(5));
    if ctx.errors.is_empty() {
        let again = Ctx::new(&DashQuery::from_raw(Some(&ctx.query())), domain::K::new(5));
        assert!(again.errors.is_empty(), "{:?}", again.errors);
        assert_eq!(again.filters, ctx.filters, "dashboard filters read back from their link");
    }
    if let Ok(filters) = serde_json::from_slice::<DashboardFilters>(data) {
        let json = serde_json::to_vec(&filters).expect("filters serialize");
        assert_eq!(serde_json::from_slice::<DashboardFilters>(&json).ok(), Some(filters));
    }
}

/// A recovery identity, as `digna recovery-key new` makes it.
fn recovery_identity() -> &'static age::x25519::Identity {
    static IDENTITY: OnceLock<age::x25519::Identity> = OnceLock::new();
    IDENTITY.get_or_init(|| recovery::parse_identity(&recovery::new_identity().0).expect("a new identity reads"))
}

/// A backup's re-sealed pending records and the recovery key as typed: `data` as a
/// record (it is well formed or not, and opens with the right key only), as the age
/// ciphertext inside a record's frame, as a key, and as a plaintext to re-seal (every
/// record has one size and opens to what was sealed).
pub fn check_backup_records(data: &[u8]) {
    let identity = recovery_identity();
    let recipient = identity.to_public();
    let _ = recovery::is_well_formed(data);
    if let Some(opened) = recovery::open(identity, 1, &[7; 16], data) {
        panic!("arbitrary bytes opened as a record: {opened:?}");
    }
    let framed = [recovery::MARKER, &(data.len().min(usize::from(u16::MAX)) as u16).to_be_bytes(), data].concat();
    if framed.len() <= recovery::RECOVERY_FRAME {
        let mut framed = framed;
        framed.resize(recovery::RECOVERY_FRAME, 0);
        assert!(recovery::is_recovery_sealed(&framed));
        let _ = recovery::is_well_formed(&framed);
        let _ = recovery::open(identity, 1, &[7; 16], &framed);
    }
    if let Ok(sealed) = recovery::seal(&recipient, 1, &[7; 16], data) {
        assert_eq!(sealed.len(), recovery::RECOVERY_FRAME, "every record has one size");
        assert!(recovery::is_well_formed(&sealed));
        assert_eq!(recovery::open(identity, 1, &[7; 16], &sealed).as_deref(), Some(data));
        assert_eq!(recovery::open(identity, 2, &[7; 16], &sealed), None, "bound to its row");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(id) = recovery::parse_identity(text) {
            use age::secrecy::ExposeSecret;
            let again = recovery::parse_identity(id.to_string().expose_secret()).expect("an identity reads back");
            assert_eq!(again.to_public().to_string(), id.to_public().to_string());
        }
        if let Ok(r) = recovery::parse_recipient(text) {
            assert_eq!(recovery::parse_recipient(&r.to_string()).map(|r| r.to_string()), Ok(r.to_string()));
        }
    }
}

/// `digna restore --check` on `data` as the backup file: arbitrary bytes (a damaged or
/// planted file) are refused with an error, never a panic, and a check writes nothing.
pub fn check_backup_restore(data: &[u8]) {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime =
        RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime"));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let from = dir.path().join("backup.db");
    std::fs::write(&from, data).expect("the backup is written");
    let (db, key) = (dir.path().join("digna.db"), dir.path().join("digna.key"));
    for recovery in [None, Some(recovery_identity())] {
        let check = Restore { from: &from, db: &db, key: &key, recovery, check_only: true, force: false };
        let _ = runtime.block_on(backup::restore(check));
        assert!(!db.exists() && !key.exists(), "a check writes nothing");
    }
}
