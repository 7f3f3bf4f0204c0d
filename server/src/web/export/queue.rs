//! The export queue: at most [`RUNNING`] exports (microdata or open data) run at once,
//! each on a store of its own (`AppState::export_db`), and at most [`WAITING`] more wait
//! their turn, first come first served; a request beyond that is refused with 429. Each
//! export holds several database connections and keeps CPUs busy for as long as it runs:
//! unbounded, a few at once starved the kiosk's submissions and the staff's sign-in.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Exports that run at once. One: an export already keeps about three threads busy (two
/// readers and the coder, or the writer and the deflater), so on the two cores Digna is
/// sized for a second one at once finished five exports no sooner, and made the kiosks'
/// submissions wait up to three times longer (measured with
/// `export_queue::five_exports_at_once_leave_submissions_and_sign_in_prompt`).
pub const RUNNING: usize = 1;
/// Exports that may wait for one of those to finish.
pub const WAITING: usize = 8;

pub struct ExportQueue {
    /// One permit per export that may run; tokio's semaphore serves waiters in order.
    slots: Arc<Semaphore>,
    /// Exports admitted and not yet finished: running or waiting.
    admitted: Arc<AtomicUsize>,
}

impl Default for ExportQueue {
    fn default() -> Self {
        ExportQueue { slots: Arc::new(Semaphore::new(RUNNING)), admitted: Arc::new(AtomicUsize::new(0)) }
    }
}

/// An export's place in the queue, until it is dropped.
pub struct Ticket {
    slots: Arc<Semaphore>,
    admitted: Arc<AtomicUsize>,
}

impl ExportQueue {
    /// A place in the queue, or `None` when [`RUNNING`] + [`WAITING`] exports are already
    /// admitted.
    pub fn admit(&self) -> Option<Ticket> {
        self.admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < RUNNING + WAITING).then_some(n + 1))
            .ok()?;
        Some(Ticket { slots: self.slots.clone(), admitted: self.admitted.clone() })
    }
}

impl Ticket {
    /// Waits for the export's turn; it runs while the permit lives.
    pub async fn turn(&self) -> OwnedSemaphorePermit {
        // The semaphore is never closed.
        self.slots.clone().acquire_owned().await.expect("the export queue is never closed")
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[tokio::test]
    async fn some_run_some_wait_and_the_rest_are_refused() {
        let queue = ExportQueue::default();
        let tickets: Vec<Ticket> = (0..RUNNING + WAITING).map(|_| queue.admit().expect("a place")).collect();
        assert!(queue.admit().is_none(), "the queue is full");
        let mut running = Vec::new();
        for t in &tickets[..RUNNING] {
            running.push(t.turn().await);
        }
        {
            let next = tickets[RUNNING].turn();
            tokio::pin!(next);
            assert!(next.as_mut().now_or_never().is_none(), "the next one waits");
            running.pop();
            assert!(next.as_mut().now_or_never().is_some(), "and runs when one finishes");
        }
        drop(tickets);
        assert!(queue.admit().is_some(), "finished exports leave the queue");
    }
}
