//! A pending response's record: what she said and the ISO week it arrived in, in a frame
//! of one size ([`PENDING_FRAME`]), sealed with the server's key and bound to its station
//! and row. The store keeps these bytes and never opens them; a release opens them here.

use super::seal::SealKey;
use domain::frame::{self, FrameError, PENDING_FRAME};
use domain::time::calendar::iso_week_monday;
use domain::ResponseContent;
use serde::{Deserialize, Serialize};

/// What a pending response seals: what she said, and the ISO week it arrived in.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingRecord<'a> {
    content: std::borrow::Cow<'a, ResponseContent>,
    received_week: String,
}

/// Seals a pending response in a record of [`PENDING_FRAME`] bytes, whatever its
/// answers, bound to its station and id: a copy of the database cannot tell one
/// visitor's record from another's by its length.
pub fn seal_pending(
    key: &SealKey,
    station_id: i64,
    id: &[u8],
    content: &ResponseContent,
    received_week: &str,
) -> Result<Vec<u8>, FrameError> {
    let record = PendingRecord { content: std::borrow::Cow::Borrowed(content), received_week: received_week.into() };
    let json = serde_json::to_vec(&record).expect("a record always serializes");
    Ok(key.seal(&seal_context(station_id, id), &frame::pad(&json, PENDING_FRAME)?))
}

/// A pending record, opened.
#[derive(Debug)]
pub enum OpenedPending {
    /// What she said, and the week it arrived in (`None` for a record sealed before the
    /// week was sealed with it).
    Opened { content: ResponseContent, received_week: Option<String> },
    /// It does not open with this key (another key, or moved to another row).
    Unreadable,
    /// It opens, but does not hold what this server seals: never trusted.
    Invalid,
}

/// Opens a pending record sealed by [`seal_pending`], or by an earlier release (the
/// bare content, unframed).
pub fn open_pending(key: &SealKey, station_id: i64, id: &[u8], sealed: &[u8]) -> OpenedPending {
    let Some(plain) = key.open(&seal_context(station_id, id), sealed) else {
        return OpenedPending::Unreadable;
    };
    read_pending(&plain)
}

/// A pending record's plaintext, once opened, read: [`OpenedPending::Opened`] or
/// [`OpenedPending::Invalid`].
pub fn read_pending(plain: &[u8]) -> OpenedPending {
    let framed = plain.first() == Some(&0);
    let Ok(json) = frame::unpad(plain) else {
        return OpenedPending::Invalid;
    };
    // Parsed, not trusted: content that breaks a rule of the domain types stays sealed.
    if framed {
        match serde_json::from_slice::<PendingRecord>(json) {
            Ok(r) if iso_week_monday(&r.received_week).is_some() => {
                OpenedPending::Opened { content: r.content.into_owned(), received_week: Some(r.received_week) }
            }
            _ => OpenedPending::Invalid,
        }
    } else {
        match serde_json::from_slice::<ResponseContent>(json) {
            Ok(content) => OpenedPending::Opened { content, received_week: None },
            Err(_) => OpenedPending::Invalid,
        }
    }
}

/// What a pending response's seal is bound to: its station and its id, so a sealed
/// record moved to another row or station does not open.
pub fn seal_context(station_id: i64, id: &[u8]) -> Vec<u8> {
    let mut ctx = station_id.to_be_bytes().to_vec();
    ctx.extend_from_slice(id);
    ctx
}

/// Whether `key` opens every pending record of `records` (station, id, sealed): a backup
/// restored under a key file that cannot is refused.
pub fn all_open(key: &SealKey, records: &[(i64, Vec<u8>, Vec<u8>)]) -> bool {
    records.iter().all(|(station_id, id, sealed)| key.open(&seal_context(*station_id, id), sealed).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashSet;

    fn content(answers: usize) -> ResponseContent {
        let answers: serde_json::Map<String, serde_json::Value> =
            (0..answers).map(|i| (format!("question_{i}"), json!({"Choice": "a-long-choice-key"}))).collect();
        serde_json::from_value(json!({"survey_version": 1, "language": "es", "answers": answers})).unwrap()
    }

    #[test]
    fn every_pending_record_seals_to_one_size_and_what_does_not_fit_is_refused() {
        let key = SealKey::from_master(&[3; 32]);
        let sizes: HashSet<usize> = [0, 1, 40]
            .into_iter()
            .map(|n| seal_pending(&key, 1, &[7; 16], &content(n), "2026-W49").unwrap().len())
            .collect();
        assert_eq!(sizes.into_iter().collect::<Vec<_>>(), [24 + PENDING_FRAME + 16]);
        let huge = content(400);
        assert!(matches!(seal_pending(&key, 1, &[7; 16], &huge, "2026-W49"), Err(FrameError::TooLarge { .. })));
        // What was sealed opens, with its week; a record from before frames opens too.
        let sealed = seal_pending(&key, 1, &[7; 16], &content(2), "2026-W49").unwrap();
        match open_pending(&key, 1, &[7; 16], &sealed) {
            OpenedPending::Opened { content: c, received_week } => {
                assert_eq!((c, received_week.as_deref()), (content(2), Some("2026-W49")))
            }
            other => panic!("{other:?}"),
        }
        let old = key.seal(&seal_context(1, &[8; 16]), &serde_json::to_vec(&content(1)).unwrap());
        assert!(matches!(open_pending(&key, 1, &[8; 16], &old), OpenedPending::Opened { received_week: None, .. }));
        assert!(matches!(open_pending(&key, 2, &[8; 16], &old), OpenedPending::Unreadable), "bound to its station");
    }
}
