//! Ingest: a valid submission sealed into its pending record and stored exactly once.
//! What the submission path keeps per app (a field of [`AppState`]): the group-commit
//! writer and the published survey versions.
//!
//! Each request seals its own record ([`seal`]), on whichever thread serves it; the
//! writer only stores bytes, so its turn (and every request queued behind it) is not
//! lengthened by the others' sealing.
//!
//! Group commit: every sealed record goes through a bounded queue to one writer task per
//! app, which stores whatever has queued up (at most `MAX_BATCH`) in one transaction,
//! one durable write, while the next requests queue behind it. Under light load a batch
//! is one submission: nothing waits for a batch to fill. A request is answered only
//! after its batch is committed (synchronous FULL: on disk), and every request of a
//! batch that fails gets the error: nothing is ever acknowledged before it is durable.
//! Exactly-once holds within a batch too (the storage dedupes by client key).
//!
//! Nothing is released here: releases run on each station's schedule
//! (`super::release`), so that no arrival ever triggers one.
//!
//! A published survey version never changes (the database refuses it), so each is
//! loaded once: validating a submission then reads nothing from the database.

use super::pending::seal_pending;
use super::seal::{random_id, SealKey};
use crate::AppState;
use domain::{Submission, Survey};
use futures_util::FutureExt;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use store::responses::{Outcome, SealedPending, MAX_BATCH};
use tokio::sync::{mpsc, oneshot, watch};

/// Sealed records waiting for the writer; when full, requests wait for room (nothing is
/// dropped), which bounds the memory a burst can take (8 KiB a record: 8 MiB).
const QUEUE: usize = 1024;

type Reply = Result<Outcome, Arc<String>>;

/// A valid submission waiting to be stored: its station, the ISO week (in the station's
/// timezone) it arrived in, sealed with it so that a release knows how long it has
/// waited, and the answers.
#[derive(Clone, Debug)]
pub struct Pending {
    pub station_id: i64,
    pub iso_week: String,
    pub submission: Submission,
}

struct Job {
    record: SealedPending,
    reply: oneshot::Sender<Reply>,
}

pub struct Ingest {
    jobs: mpsc::Sender<Job>,
    surveys: Mutex<HashMap<i64, Arc<Survey>>>,
    /// True while the writer has nothing to do: no submission queued or being stored.
    idle: watch::Receiver<bool>,
}

impl Ingest {
    /// Starts the writer, which runs until the last clone of the app state is gone.
    pub fn start(db: crate::Db) -> Arc<Ingest> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let (idle_tx, idle) = watch::channel(false);
        tokio::spawn(write_batches(db, queue, idle_tx));
        Arc::new(Ingest { jobs, surveys: Mutex::new(HashMap::new()), idle })
    }

    /// Waits until every submission answered so far is stored: tests read the
    /// database after it.
    pub async fn settled(&self) {
        let mut idle = self.idle.clone();
        // An error means the writer is gone: nothing more will happen either way.
        let _ = idle.wait_for(|idle| *idle).await;
    }
}

/// Why a submission was not stored. Nothing is acknowledged then: the tablet keeps it
/// and sends it again.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The writer is gone, or dropped the batch (it panicked).
    #[error("the response writer stopped")]
    Stopped,
    /// The batch could not be stored.
    #[error("storing a batch of responses failed: {0}")]
    Batch(Arc<String>),
    /// A pending record could not be sealed.
    #[error("a pending record could not be sealed: {0}")]
    Seal(#[from] domain::frame::FrameError),
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Stores `record` (made by [`seal`]) in the next batch and waits until that batch is
/// committed.
pub async fn store(state: &AppState, record: SealedPending) -> Result<Outcome, Error> {
    let (reply, answer) = oneshot::channel();
    state.ingest.jobs.send(Job { record, reply }).await.map_err(|_| Error::Stopped)?;
    match answer.await {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(e)) => Err(Error::Batch(e)),
        Err(_) => Err(Error::Stopped),
    }
}

/// A published survey version; `None` if it was never published (not remembered:
/// it may be published later).
pub async fn published_survey(state: &AppState, version: i64) -> Result<Option<Arc<Survey>>, store::Error> {
    let surveys = &state.ingest.surveys;
    if let Some(survey) = surveys.lock().unwrap_or_else(PoisonError::into_inner).get(&version) {
        return Ok(Some(survey.clone()));
    }
    let Some(survey) = store::Surveys::load(&state.db, version).await? else {
        return Ok(None);
    };
    let survey = Arc::new(survey);
    surveys.lock().unwrap_or_else(PoisonError::into_inner).insert(version, survey.clone());
    Ok(Some(survey))
}

/// Takes what has queued up, stores it in one transaction and answers each request,
/// until every sender is gone. A batch that panics drops its replies (its requests
/// get an error) and the writer goes on.
async fn write_batches(db: crate::Db, mut queue: mpsc::Receiver<Job>, idle: watch::Sender<bool>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    loop {
        idle.send_replace(true);
        if queue.recv_many(&mut jobs, MAX_BATCH).await == 0 {
            break;
        }
        idle.send_replace(false);
        store_batch(&db, &mut jobs).await;
    }
}

/// Stores `jobs` (emptying it) as one batch and answers each request.
async fn store_batch(db: &crate::Db, jobs: &mut Vec<Job>) {
    let (batch, replies): (Vec<_>, Vec<_>) = jobs.drain(..).map(|job| (job.record, job.reply)).unzip();
    match AssertUnwindSafe(store::Responses::submit_batch(db, &batch)).catch_unwind().await {
        Ok(Ok(outcomes)) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                // A request given up on (the tablet hung up) was stored all the same;
                // its retry will be told it is a duplicate.
                let _ = reply.send(Ok(outcome));
            }
        }
        Ok(Err(e)) => {
            let e = Arc::new(e.to_string());
            for reply in replies {
                let _ = reply.send(Err(e.clone()));
            }
        }
        Err(_panicked) => drop(replies),
    }
}

/// Seals and stores `batch` in one transaction, as the writer does but without its
/// queue: for tests and benchmarks that store many submissions at once.
pub async fn submit_batch(db: &crate::Db, seal: &SealKey, batch: &[Pending]) -> Result<Vec<Outcome>, Error> {
    let sealed = batch.iter().map(|p| self::seal(seal, p)).collect::<Result<Vec<_>, _>>()?;
    Ok(store::Responses::submit_batch(db, &sealed).await?)
}

/// A pending submission as the store keeps it: sealed under a random id, and the keyed
/// hash of its client id. Answers too large for the pending record's one size are
/// refused ([`FrameError::TooLarge`](domain::frame::FrameError)), never sealed larger.
pub fn seal(seal: &SealKey, pending: &Pending) -> Result<SealedPending, domain::frame::FrameError> {
    let id = random_id();
    let sealed = seal_pending(seal, pending.station_id, &id, pending.submission.content(), &pending.iso_week)?;
    Ok(SealedPending {
        key_hash: seal.client_key_hash(pending.submission.id()),
        station_id: pending.station_id,
        id,
        sealed,
    })
}
