//! Exports: what a page of released responses holds, column by column, as the export's
//! coder reads it.

use super::station;
use crate::exports::{ExportReader, Page, Selection};
use crate::Store;
use domain::privacy::release::ReleasedRow;

/// The (key, value) pairs of a page's answers object; panics unless it is written as
/// `{"key":"value",…}`, without spaces, which is all the export's coder reads.
fn pairs(object: &str) -> Vec<(&str, &str)> {
    let inner = object.strip_prefix('{').and_then(|o| o.strip_suffix('}')).expect("a JSON object");
    inner
        .split(',')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let quoted = |s: &str| s.len() >= 2 && s.starts_with('"') && s.ends_with('"');
            let (key, value) = pair.split_once(':').unwrap_or_else(|| panic!("a key and a value: {object}"));
            assert!(quoted(key) && quoted(value), "quoted, without spaces: {object}");
            (&key[1..key.len() - 1], &value[1..value.len() - 1])
        })
        .collect()
}

/// Each response's answers of `page`: in key order, and as pairs sorted (the values of
/// one multiple-choice key may come in any order).
fn answers(page: &Page) -> Vec<Vec<(String, String)>> {
    page.answers
        .split('|')
        .filter(|_| page.rows > 0)
        .map(|object| {
            let pairs = pairs(object);
            let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
            assert!(keys.windows(2).all(|w| w[0] <= w[1]), "in key order: {object}");
            let mut pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            pairs.sort();
            pairs
        })
        .collect()
}

fn answer_pairs(given: &[(&str, &str)]) -> Vec<(String, String)> {
    given.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

pub async fn an_export_page_holds_each_response_s_columns_in_id_order<S: Store>(store: &S) {
    let id = station(store, "LIM-31").await;
    let other = station(store, "LIM-32").await;
    let row = |language: &str, respondent: Option<&str>, age_band: Option<&str>, suspect, answers: &[(&str, &str)]| {
        ReleasedRow {
            survey_version: 1,
            language: language.into(),
            respondent: respondent.map(String::from),
            age_band: age_band.map(String::from),
            suspect,
            answers: answers.iter().map(|(q, v)| (q.to_string(), v.to_string())).collect(),
        }
    };
    let adult = [("respect", "4"), ("improve", "information"), ("improve", "children")];
    // Written in an order that is not the ids' one.
    let rows = vec![
        (vec![0x80; 16], row("en", None, None, true, &[])),
        (vec![0x10; 16], row("es", Some("self"), Some("18-plus"), false, &adult)),
        (vec![0x40; 16], row("es", Some("companion"), None, false, &[("waiting_time", "under-15")])),
    ];
    store
        .write_released(&[
            (id, "2026-W10".into(), rows),
            (other, "2026-W10".into(), vec![(vec![0x20; 16], row("es", None, None, false, &[]))]),
            (id, "2026-W11".into(), vec![(vec![0x30; 16], row("es", None, None, false, &[]))]),
        ])
        .await
        .expect("the rows are written");
    let selection = Selection {
        station_ids: vec![id],
        iso_weeks: vec!["2026-W10".into()],
        survey_version: 1,
        include_suspect: true,
    };
    let (mut readers, _, _) = store.open_readers(&selection, 1).await.expect("a reader");
    let reader = &mut readers[0];
    let end = vec![0xff; 17];

    let first = reader.page(&[], &end, 2).await.unwrap();
    assert_eq!((first.rows, first.last.clone()), (2, vec![0x40; 16]), "two rows, up to the larger id");
    let both = format!("{id},{id}");
    assert_eq!(first.station_ids, both, "the selected station only");
    assert_eq!(first.iso_weeks, "2026-W10,2026-W10", "the selected week only");
    assert_eq!(first.languages, "es,es");
    assert_eq!(first.respondents, "self,companion", "in id order");
    assert_eq!(first.age_bands, "18-plus,", "'' when skipped");
    assert_eq!(first.suspects, "0,0");
    assert_eq!(
        answers(&first),
        [
            answer_pairs(&[("improve", "children"), ("improve", "information"), ("respect", "4")]),
            answer_pairs(&[("waiting_time", "under-15")])
        ],
        "each response's answers, a multiple choice once per option: {}",
        first.answers
    );

    let second = reader.page(&first.last, &end, 2).await.unwrap();
    assert_eq!((second.rows, second.last.clone()), (1, vec![0x80; 16]), "the page after the first");
    assert_eq!((second.languages.as_str(), second.respondents.as_str(), second.age_bands.as_str()), ("en", "", ""));
    assert_eq!((second.suspects.as_str(), second.answers.as_str()), ("1", "{}"), "suspect, without answers");
    let last = reader.page(&second.last, &end, 2).await.unwrap();
    assert_eq!(last, Page::default(), "nothing after the last row");
    let upto = reader.page(&[], &[0x40; 16], 10).await.unwrap();
    assert_eq!((upto.rows, upto.last), (2, vec![0x40; 16]), "up to `upto`, included");

    let (mut readers, _, estimate) =
        store.open_readers(&Selection { include_suspect: false, ..selection }, 1).await.unwrap();
    assert_eq!(estimate, 2, "the suspect response is not counted");
    let page = readers[0].page(&[], &end, 10).await.unwrap();
    assert_eq!((page.rows, page.suspects.as_str()), (2, "0,0"), "suspect responses only when asked for");
}
