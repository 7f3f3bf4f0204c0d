//! The exports running or waiting for their download, in memory, with their page, their
//! download and the clean-up of what they leave.

use crate::export::ExportSummary;
use crate::web::kit::{PageError, PageResult};
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A finished export waits this long for its download.
const KEEP_FOR: Duration = Duration::from_secs(60 * 60);

/// Exports running or waiting for their download, by id. In memory: a restart forgets
/// them (their audit records stay).
#[derive(Default)]
pub struct Jobs {
    inner: Mutex<HashMap<String, Job>>,
    /// Which exports run, and which wait their turn.
    pub queue: super::queue::ExportQueue,
    /// The number of the next job, in the order they were asked for.
    next: std::sync::atomic::AtomicU64,
}

#[derive(Clone)]
pub(super) struct Job {
    pub(super) owner: i64,
    pub(super) done: u64,
    pub(super) total: u64,
    pub(super) state: JobState,
    pub(super) started: Instant,
    /// Its number, in the order the jobs were asked for.
    pub(super) number: u64,
}

#[derive(Clone)]
pub(super) enum JobState {
    /// Waiting for its turn in the export queue.
    Queued,
    Running,
    Done {
        path: PathBuf,
        summary: Box<ExportSummary>,
    },
    /// The cause is in the server's log, never on the page.
    Failed,
}

impl Jobs {
    /// A new job of `owner`'s, queued.
    pub(super) fn add(&self, id: &str, owner: i64) {
        let number = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let job = Job { owner, done: 0, total: 0, state: JobState::Queued, started: Instant::now(), number };
        self.inner.lock().expect("jobs lock").insert(id.to_string(), job);
    }

    /// How many queued jobs were asked for before `job`.
    fn ahead_of(&self, job: &Job) -> usize {
        let jobs = self.inner.lock().expect("jobs lock");
        jobs.values().filter(|j| matches!(j.state, JobState::Queued) && j.number < job.number).count()
    }

    fn get(&self, id: &str, owner: i64) -> Option<Job> {
        let jobs = self.inner.lock().expect("jobs lock");
        jobs.get(id).filter(|j| j.owner == owner).cloned()
    }

    pub(super) fn update(&self, id: &str, f: impl FnOnce(&mut Job)) {
        if let Some(job) = self.inner.lock().expect("jobs lock").get_mut(id) {
            f(job);
        }
    }

    /// Forgets finished jobs older than [`KEEP_FOR`] and deletes their files.
    pub fn sweep(&self) {
        let mut jobs = self.inner.lock().expect("jobs lock");
        jobs.retain(|_, j| {
            let keep = j.started.elapsed() < KEEP_FOR || matches!(j.state, JobState::Queued | JobState::Running);
            if let (false, JobState::Done { path, .. }) = (keep, &j.state) {
                let _ = std::fs::remove_file(path);
            }
            keep
        });
    }
}

pub async fn job(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = Lang::from_query(raw.as_deref());
    let l = lang.code();
    let Some(job) = state.jobs.get(&id, staff.user.id) else {
        let body = view! { <section class="card"><h1>{lang.t("Exportación no encontrada", "Export not found")}</h1>
        <p><a href=format!("/export?lang={l}")>{lang.t("Nueva exportación", "New export")}</a></p></section> };
        let mut r = page(lang, lang.t("Exportar", "Export"), Some(&staff), "/export", body);
        *r.status_mut() = StatusCode::NOT_FOUND;
        return r;
    };
    let percent = (job.done * 100).checked_div(job.total).unwrap_or(0);
    let (refresh, content) = match &job.state {
        JobState::Queued => {
            let ahead = state.jobs.ahead_of(&job);
            (
                true,
                view! {
                    <p role="status" id="export-queued">{match lang {
                        Lang::Es => format!("En cola: las exportaciones se hacen de una en una y {ahead} esperan antes que esta. Empezará sola; puedes dejar esta página abierta."),
                        Lang::En => format!("Queued: exports run one at a time and {ahead} are waiting before this one. It will start by itself; you may leave this page open."),
                    }}</p>
                }
                .into_any(),
            )
        }
        JobState::Running => (
            true,
            view! {
                <p role="status">{match lang {
                    Lang::Es => format!("Exportando: {} de {} respuestas ({percent} %).", job.done, job.total),
                    Lang::En => format!("Exporting: {} of {} responses ({percent} %).", job.done, job.total),
                }}</p>
                <progress id="export-progress" max=job.total.max(1).to_string() value=job.done.to_string()
                    aria-label=lang.t("Avance de la exportación", "Export progress")></progress>
            }
            .into_any(),
        ),
        JobState::Done { summary, .. } => {
            let steps = summary
                .report
                .steps
                .iter()
                .filter(|s| s.rows > 0)
                .map(|s| view! { <li>{format!("{}: {}", if lang == Lang::En { s.step.description_en() } else { s.step.description_es() }, s.rows)}</li> })
                .collect_view();
            (
                false,
                view! {
                    <p role="status" id="export-done">{match lang {
                        Lang::Es => format!("Listo: {} respuestas exportadas, {} suprimidas.", summary.rows, summary.suppressed),
                        Lang::En => format!("Done: {} responses exported, {} suppressed.", summary.rows, summary.suppressed),
                    }}</p>
                    <ul>{steps}</ul>
                    <p><a class="button primary" href=format!("/export/jobs/{id}/download") download="digna-export.zip">
                        {lang.t("Descargar el ZIP", "Download the ZIP")}</a></p>
                    <p class="muted">{format!("SHA-256: {}", summary.zip_sha256)}</p>
                }
                .into_any(),
            )
        }
        JobState::Failed => (
            false,
            view! {
                <p class="form-error" role="alert">
                    {lang.t(
                        "La exportación falló. Inténtalo de nuevo; si vuelve a fallar, avisa a quien administra Digna: la causa quedó en el registro del servidor.",
                        "The export failed. Try again; if it fails again, tell whoever runs Digna: the cause is in the server's log.",
                    )}
                </p>
            }
                .into_any(),
        ),
    };
    let body = view! {
        {refresh.then(|| view! { <meta http-equiv="refresh" content="1"/> })}
        <section class="card">
            <h1>{lang.t("Exportación", "Export")}</h1>
            {content}
            <p><a href=format!("/export?lang={l}")>{lang.t("Nueva exportación", "New export")}</a></p>
        </section>
    };
    page(lang, lang.t("Exportación", "Export"), Some(&staff), &format!("/export/jobs/{id}?lang={l}"), body)
}

pub async fn download(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let Some(Job { state: JobState::Done { path, .. }, .. }) = state.jobs.get(&id, staff.user.id) else {
        return Err(PageError::NotFound("no such export"));
    };
    let file = tokio::fs::File::open(&path).await.map_err(|_| PageError::NotFound("the export has expired"))?;
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"digna-export.zip\"".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// Deletes what earlier runs left in `dir` (jobs live in memory: a ZIP there at start
/// belongs to no job) and, later, files older than an hour; runs at start and hourly,
/// with the sweep of finished jobs.
pub fn spawn_cleanup(jobs: Arc<Jobs>, dir: PathBuf) {
    remove_older_than(&dir, Duration::ZERO);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(KEEP_FOR);
        every.tick().await;
        loop {
            every.tick().await;
            jobs.sweep();
            remove_older_than(&dir, KEEP_FOR);
        }
    });
}

/// Deletes the files of `dir` last written longer than `age` ago.
pub fn remove_older_than(dir: &std::path::Path, age: Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let old = entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
        if entry.path().is_file() && old.is_some_and(|o| o >= age) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The shared job registry.
pub fn jobs() -> Arc<Jobs> {
    Arc::new(Jobs::default())
}
