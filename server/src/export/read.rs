//! The readers of a selection: ranges of ids, each on a connection of its own, all in one
//! snapshot, page by page.

use super::{PAGE, READERS};
use std::collections::HashMap;
use store::exports::{ExportReader, Page, Selection};
use store::Exports;

/// One range of ids of the selection, read page by page in its own read transaction.
pub(super) struct Reader {
    reader: <crate::Db as Exports>::Reader,
    /// The last id read (the range's start, excluded, before the first page).
    pub(super) after: Vec<u8>,
    /// The range's last id, included.
    pub(super) upto: Vec<u8>,
}

impl Reader {
    /// The next page, asked for at once on a task of its own.
    pub(super) fn next_page(mut self) -> tokio::task::JoinHandle<(Reader, Result<Page, store::Error>)> {
        tokio::spawn(async move {
            let page = self.reader.page(&self.after, &self.upto, PAGE).await;
            (self, page)
        })
    }
}

/// The readers of a selection, each on a range of ids, all in one snapshot. Also the
/// selected stations' codes and regions, and about how many responses the selection
/// holds, for the progress bar.
pub(super) async fn open_readers(
    db: &crate::Db,
    selection: &Selection,
) -> crate::export::error::Result<(Vec<Reader>, HashMap<i64, (String, String)>, u64)> {
    let (readers, names, total) = db.open_readers(selection, READERS).await?;
    let stations = names.into_iter().map(|(id, code, region)| (id, (code, region))).collect();
    let readers = readers
        .into_iter()
        .enumerate()
        .map(|(i, reader)| {
            let (after, upto) = id_range(i, READERS);
            Reader { reader, after, upto }
        })
        .collect();
    Ok((readers, stations, total.max(0) as u64))
}

/// The `i`th of `n` ranges of 16-byte ids by their first byte, as (after, upto): ids
/// above `after`, up to `upto` included. Consecutive ranges share their bound, so the
/// ranges cover every id once.
pub(super) fn id_range(i: usize, n: usize) -> (Vec<u8>, Vec<u8>) {
    let bound = |i: usize| -> Vec<u8> {
        if i == 0 {
            Vec::new()
        } else if i >= n {
            vec![0xff; 17]
        } else {
            let mut b = vec![(256 * i / n - 1) as u8];
            b.extend([0xff; 16]);
            b
        }
    };
    (bound(i), bound(i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_ranges_cover_every_id_once() {
        let mut ids: Vec<Vec<u8>> = vec![vec![0; 16], vec![0xff; 16], vec![0x80; 16], vec![0x7f; 16]];
        ids.push([vec![0x7f], vec![0xff; 15]].concat());
        ids.push([vec![0x80], vec![0; 15]].concat());
        ids.push([vec![0x3f], vec![0xff; 15]].concat());
        ids.push([vec![0x40], vec![0; 15]].concat());
        for i in 0..=255u8 {
            ids.push((0..16).map(|j| i.wrapping_mul(37).wrapping_add(j * 11)).collect());
        }
        for n in 1..=4 {
            let ranges: Vec<_> = (0..n).map(|i| id_range(i, n)).collect();
            assert_eq!(ranges[0].0, Vec::<u8>::new());
            assert_eq!(ranges[n - 1].1, vec![0xff; 17]);
            for id in &ids {
                let holding = ranges.iter().filter(|(after, upto)| id > after && id <= upto).count();
                assert_eq!(holding, 1, "{id:02x?} in {n} ranges");
            }
        }
    }
}
