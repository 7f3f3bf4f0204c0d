//! The readers of a selection: ranges of ids, each on a connection of its own, all in one
//! snapshot, page by page.

use super::{PAGE, READERS};
use sqlx::SqlitePool;
use std::collections::HashMap;
use store_sqlite::exports as store;

/// One range of ids of the selection, read page by page in its own read transaction.
pub(super) struct Reader {
    pub(super) tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    /// The last id read (the range's start, excluded, before the first page).
    pub(super) after: Vec<u8>,
    /// The range's last id, included.
    pub(super) upto: Vec<u8>,
}

impl Reader {
    /// The next page, asked for at once on a task of its own.
    pub(super) fn next_page(
        mut self,
        bound: &std::sync::Arc<store::Bound>,
    ) -> tokio::task::JoinHandle<(Reader, Result<store::Page, store_sqlite::Error>)> {
        let bound = bound.clone();
        tokio::spawn(async move {
            let page = store::page(&mut self.tx, &bound, &self.after, &self.upto, PAGE).await;
            (self, page)
        })
    }
}

/// The readers of a selection, each on a connection of its own, all in one snapshot: they
/// make their first read while a write transaction is held, so that nothing can be
/// committed in between. (Their connections are taken first: the lock is never held while
/// waiting for one.) Also the selected stations' codes and regions, and about how many
/// responses the selection holds, for the progress bar.
pub(super) async fn open_readers(
    pool: &SqlitePool,
    bound: &store::Bound,
) -> anyhow::Result<(Vec<Reader>, HashMap<i64, (String, String)>, u64)> {
    let mut txs = Vec::with_capacity(READERS);
    for _ in 0..READERS {
        txs.push(pool.begin().await?);
    }
    let hold = store::hold_writes(pool).await?;
    let mut stations = HashMap::new();
    let mut readers = Vec::with_capacity(READERS);
    for (i, mut tx) in txs.into_iter().enumerate() {
        // The first read fixes the transaction's snapshot.
        let names = store::station_names(&mut tx, bound).await?;
        if i == 0 {
            stations = names.into_iter().map(|(id, code, region)| (id, (code, region))).collect();
        }
        let (after, upto) = id_range(i, READERS);
        readers.push(Reader { tx, after, upto });
    }
    hold.rollback().await?;
    let total = match readers.first_mut() {
        Some(r) => store::estimated_count(&mut r.tx, bound).await?.max(0) as u64,
        None => 0,
    };
    Ok((readers, stations, total))
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
