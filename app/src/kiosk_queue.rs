//! The kiosk's outbox: every finished survey is sealed to the server's key, stored in
//! IndexedDB, and only then delivered, so that no answer is lost when the station's
//! network drops or the tablet restarts. An entry leaves the queue only once the
//! server has it (201 or 200); whatever else the server answers, it stays and is
//! offered again. A revoked token (401) keeps the queue until the tablet is enrolled
//! again.
//!
//! Delivery runs in rounds: one loop per page, each round delivering every queued
//! survey in random order (so arrival order says nothing about who sat down first),
//! retried with exponential backoff and jitter. Each entry keeps the id it was given
//! when finished, so a retry, or another tab delivering the same queue, is
//! recognised by the server and stored once.
//! Browser-only: compiled with the `hydrate` feature.
use crate::kiosk_api;
use crate::kiosk_outbox::{delivery_order, retry_delay, seal_submission, Delivery};
use crypto_box::aead::rand_core::RngCore;
use crypto_box::aead::OsRng;
use domain::SubmissionBody;
use leptos::prelude::{set_timeout_with_handle, TimeoutHandle};
use leptos::task::spawn_local;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::js_sys::{self, Array, Reflect, Uint8Array};

#[wasm_bindgen(module = "/src/kiosk_queue.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = queuePut)]
    async fn queue_put(id: &str, sealed: &[u8]) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = queueAll)]
    async fn queue_all() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = queueDelete)]
    async fn queue_delete(id: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = queueCount)]
    async fn queue_count() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = persistStorage)]
    async fn persist_storage() -> JsValue;
    /// Registers `/sw.js` in a secure context; never fails.
    #[wasm_bindgen(js_name = registerServiceWorker)]
    pub fn register_service_worker();
}

/// One finished survey on its way to the server.
#[derive(Clone)]
struct Entry {
    /// The client UUID given when the survey was finished; never regenerated.
    id: String,
    payload: Payload,
    /// Whether it is in IndexedDB (else it lives only in this page's memory).
    durable: bool,
}

#[derive(Clone)]
enum Payload {
    Sealed(Rc<[u8]>),
    /// Only while the tablet has never received the server's key; kept in memory only.
    Plain(Rc<SubmissionBody>),
}

#[derive(Default)]
struct Outbox {
    started: bool,
    /// A delivery round is under way.
    running: bool,
    /// Something asked for delivery during the round: run another one.
    again: bool,
    /// Failed rounds in a row, for the backoff.
    failures: u32,
    retry: Option<TimeoutHandle>,
    /// Entries IndexedDB could not take (or the plain ones): delivered all the same.
    memory: Vec<Entry>,
    on_revoked: Option<Rc<dyn Fn()>>,
    /// `Date.now()` of the last survey the server confirmed.
    last_delivered_ms: Option<f64>,
    /// The queued surveys whose last delivery the server refused (for the staff panel,
    /// which shows only how many).
    refused: BTreeSet<String>,
}

thread_local! {
    static OUTBOX: RefCell<Outbox> = RefCell::default();
}

fn with_outbox<T>(f: impl FnOnce(&mut Outbox) -> T) -> T {
    OUTBOX.with(|o| f(&mut o.borrow_mut()))
}

/// Starts the outbox once per page: asks for persistent storage, delivers whatever an
/// earlier session left queued, and delivers again whenever the browser comes back
/// online. `on_revoked` runs when the server refuses the tablet's token (401); the
/// queue is kept, and [`deliver_now`] after re-enrollment delivers it.
pub fn start(on_revoked: impl Fn() + 'static) {
    let first = with_outbox(|o| {
        o.on_revoked = Some(Rc::new(on_revoked));
        !std::mem::replace(&mut o.started, true)
    });
    if !first {
        return;
    }
    spawn_local(async {
        persist_storage().await;
    });
    // The page lives as long as the kiosk: this listener is never removed.
    let _ = leptos::prelude::window_event_listener(leptos::ev::online, |_| deliver_now());
    deliver_now();
}

/// Seals a finished survey, queues it and starts delivering it. Returns at once: the
/// thank-you screen never waits for storage or the network.
///
/// The key is the one the tablet keeps in local storage: received at enrolment, and
/// replaced whenever `/api/v1/kiosk` publishes another one. So a tablet that has not
/// reached `/api/v1/kiosk` since enrolment still seals, and queues durably, at once.
pub fn submit(body: SubmissionBody) {
    let sealed = kiosk_api::stored_seal_key().and_then(|key| seal_submission(&key, &body, &mut OsRng));
    match sealed {
        Some(sealed) => queue_sealed(body.id, sealed.into()),
        None => {
            // No key at all: only a tablet enrolled by a server whose enrolment did not
            // hand out the key, and that has not reached `/api/v1/kiosk` since. An answer
            // is never written to storage unsealed, so this one lives in this page's
            // memory only (a reload before a key arrives loses it), and the server takes
            // only sealed answers: it is sealed and queued as soon as a key arrives
            // (`keep_seal_key`), which the next round asks for.
            let entry = Entry { id: body.id.clone(), payload: Payload::Plain(Rc::new(body)), durable: false };
            with_outbox(|o| o.memory.push(entry));
            deliver_now();
        }
    }
}

fn queue_sealed(id: String, sealed: Rc<[u8]>) {
    spawn_local(async move {
        let durable = queue_put(&id, &sealed[..]).await.is_ok();
        with_outbox(|o| {
            o.memory.retain(|e| e.id != id);
            if !durable {
                o.memory.push(Entry { id, payload: Payload::Sealed(sealed), durable: false });
            }
        });
        deliver_now();
    });
}

/// Keeps the server's public key (standard base64) for sealing, from enrolment or from
/// `/api/v1/kiosk`, replacing the one kept before when the server's key was replaced;
/// then seals and stores any survey that was waiting in memory for a key.
pub fn keep_seal_key(base64: &str) {
    if !kiosk_api::store_seal_key(base64) {
        return;
    }
    let Some(key) = kiosk_api::stored_seal_key() else {
        return;
    };
    let plain: Vec<Rc<SubmissionBody>> = with_outbox(|o| {
        o.memory
            .iter()
            .filter_map(|e| match &e.payload {
                Payload::Plain(body) => Some(body.clone()),
                Payload::Sealed(_) => None,
            })
            .collect()
    });
    for body in plain {
        if let Some(sealed) = seal_submission(&key, &body, &mut OsRng) {
            let sealed: Rc<[u8]> = sealed.into();
            with_outbox(|o| {
                for e in o.memory.iter_mut().filter(|e| e.id == body.id) {
                    e.payload = Payload::Sealed(sealed.clone());
                }
            });
            queue_sealed(body.id.clone(), sealed);
        }
    }
}

/// Delivers the queue now: after a new survey, when the browser comes back online, and
/// after re-enrollment. Resets the backoff.
pub fn deliver_now() {
    let start_round = with_outbox(|o| {
        if let Some(timer) = o.retry.take() {
            timer.clear();
        }
        o.failures = 0;
        if o.running {
            o.again = true;
            false
        } else {
            o.running = true;
            true
        }
    });
    if start_round {
        spawn_local(run_rounds());
    }
}

/// How many surveys wait for delivery (for the staff panel: a number, never content).
pub async fn queued_count() -> u32 {
    let durable = queue_count().await.ok().and_then(|n| n.as_f64()).unwrap_or(0.0) as u32;
    durable + with_outbox(|o| o.memory.iter().filter(|e| !e.durable).count() as u32)
}

/// `Date.now()` of the last survey the server confirmed during this page's life.
pub fn last_delivered_ms() -> Option<f64> {
    with_outbox(|o| o.last_delivered_ms)
}

/// How many queued surveys the server refused at their last delivery (a number, never
/// content). They stay queued and are offered again.
pub fn refused_count() -> u32 {
    with_outbox(|o| o.refused.len() as u32)
}

enum Round {
    /// Everything queued was delivered.
    Clear,
    /// Something failed or was refused: try again later.
    Failed,
    /// The token was refused, or there is none: wait for enrollment.
    NotEnrolled { revoked: bool },
}

async fn run_rounds() {
    loop {
        with_outbox(|o| o.again = false);
        let round = deliver_round().await;
        let again = with_outbox(|o| o.again);
        match round {
            Round::Clear if again => continue,
            Round::Clear => {}
            Round::Failed if again => continue,
            Round::Failed => schedule_retry(),
            Round::NotEnrolled { revoked } => {
                if revoked {
                    if let Some(on_revoked) = with_outbox(|o| o.on_revoked.clone()) {
                        on_revoked();
                    }
                }
            }
        }
        break;
    }
    with_outbox(|o| o.running = false);
}

fn schedule_retry() {
    let failures = with_outbox(|o| {
        o.failures = o.failures.saturating_add(1);
        o.failures
    });
    let delay = retry_delay(failures, unit_random());
    if let Ok(timer) = set_timeout_with_handle(deliver_later, delay) {
        with_outbox(|o| o.retry = Some(timer));
    }
}

/// A retry that keeps the backoff (unlike [`deliver_now`]).
fn deliver_later() {
    let start_round = with_outbox(|o| {
        o.retry = None;
        !std::mem::replace(&mut o.running, true)
    });
    if start_round {
        spawn_local(run_rounds());
    }
}

/// A uniform number in [0, 1).
fn unit_random() -> f64 {
    f64::from(OsRng.next_u32()) / (f64::from(u32::MAX) + 1.0)
}

async fn deliver_round() -> Round {
    let Some(token) = kiosk_api::stored_token() else {
        return Round::NotEnrolled { revoked: false };
    };
    let entries = queued_entries().await;
    // Forget refusals of surveys no longer queued (another tab delivered them).
    with_outbox(|o| o.refused.retain(|id| entries.iter().any(|e| &e.id == id)));
    let mut any_refused = false;
    for i in delivery_order(entries.len(), &mut OsRng) {
        let entry = &entries[i];
        let delivery = match &entry.payload {
            Payload::Sealed(sealed) => kiosk_api::post_sealed(&token, sealed).await,
            // The server takes only sealed answers: it waits, in memory, for the key
            // (`keep_seal_key` seals it as soon as one arrives).
            Payload::Plain(_) => continue,
        };
        match delivery {
            Delivery::Unauthorized => return Round::NotEnrolled { revoked: true },
            Delivery::TryAgain => return Round::Failed,
            Delivery::Stored | Delivery::Refused(_) => {}
        }
        if delivery.leaves_queue() {
            remove(entry).await;
            let now = js_sys::Date::now();
            kiosk_api::store_last_delivery(now);
            with_outbox(|o| {
                o.last_delivered_ms = Some(now);
                o.refused.remove(&entry.id);
            });
        } else {
            // Kept, and offered again with the backoff. The log says only that it
            // happened: never the content, nor the id.
            any_refused = true;
            with_outbox(|o| o.refused.insert(entry.id.clone()));
            if let Delivery::Refused(status) = delivery {
                leptos::logging::warn!("Digna: the server refused a queued survey (HTTP {status}); it stays queued.");
            }
        }
    }
    if any_refused {
        Round::Failed
    } else {
        Round::Clear
    }
}

/// Every survey waiting: those in IndexedDB, and those held in memory.
async fn queued_entries() -> Vec<Entry> {
    let mut entries: Vec<Entry> = queue_all().await.map(|all| durable_entries(&all)).unwrap_or_default();
    with_outbox(|o| {
        for e in &o.memory {
            if !entries.iter().any(|d| d.id == e.id) {
                entries.push(e.clone());
            }
        }
    });
    entries
}

fn durable_entries(all: &JsValue) -> Vec<Entry> {
    Array::from(all)
        .iter()
        .filter_map(|record| {
            let id = Reflect::get(&record, &JsValue::from_str("id")).ok()?.as_string()?;
            let sealed = Reflect::get(&record, &JsValue::from_str("sealed")).ok()?;
            let sealed = sealed.dyn_into::<Uint8Array>().ok()?.to_vec();
            Some(Entry { id, payload: Payload::Sealed(sealed.into()), durable: true })
        })
        .collect()
}

async fn remove(entry: &Entry) {
    if entry.durable {
        // Should this fail, the entry is delivered again and the server answers 200.
        let _ = queue_delete(&entry.id).await;
    }
    with_outbox(|o| o.memory.retain(|e| e.id != entry.id));
}
