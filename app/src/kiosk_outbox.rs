//! What the kiosk's outbox (`kiosk_queue`) does that needs no browser, so that it is
//! tested natively: sealing, what each answer of the server means for a queued survey,
//! the delivery order and the retry schedule.
//!
//! A finished survey is sealed on the tablet, before it touches any storage, to the
//! server's X25519 public key: a libsodium-compatible sealed box (`crypto_box_seal`),
//! which only the server's secret key opens. Whoever holds the tablet can read
//! neither queued nor delivered answers.
use base64::{engine::general_purpose::STANDARD, Engine};
use crypto_box::aead::rand_core::{CryptoRngCore, RngCore};
use crypto_box::{PublicKey, KEY_SIZE};
use domain::frame::{self, SUBMISSION_FRAME};
use domain::SubmissionBody;
use serde::Serialize;
use std::time::Duration;

/// The server's public key from its standard base64 form, or `None` when it is not
/// exactly 32 bytes.
pub fn parse_public_key(base64: &str) -> Option<PublicKey> {
    let bytes = STANDARD.decode(base64.trim()).ok()?;
    let bytes: [u8; KEY_SIZE] = bytes.try_into().ok()?;
    Some(PublicKey::from_bytes(bytes))
}

/// The JSON of `body` in a fixed-size frame ([`SUBMISSION_FRAME`]), sealed to
/// `server_key` with a fresh ephemeral key: every survey seals to the same size, so its
/// length says nothing about her answers. `None` if it does not fit (a published survey
/// is checked to fit) or the key is unusable.
pub fn seal_submission(server_key: &PublicKey, body: &SubmissionBody, rng: &mut impl CryptoRngCore) -> Option<Vec<u8>> {
    let plaintext = frame::pad(&serde_json::to_vec(body).ok()?, SUBMISSION_FRAME).ok()?;
    server_key.seal(rng, &plaintext).ok()
}

/// The body of `POST /api/v1/responses` that carries a sealed submission.
#[derive(Serialize)]
pub struct SealedSubmission {
    /// The sealed box, in standard base64 with padding.
    pub sealed: String,
}

impl SealedSubmission {
    pub fn new(sealed: &[u8]) -> Self {
        SealedSubmission { sealed: STANDARD.encode(sealed) }
    }
}

/// What became of one delivery attempt of a queued survey. Only [`Delivery::Stored`]
/// takes it out of the queue: whatever else the server answers, it stays queued and
/// is offered again with the backoff, since a server being upgraded or misconfigured
/// must never cost a visitor's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// 201 stored, or 200 already received: either way the server has it.
    Stored,
    /// The server answered that it did not take this survey (400, 413, 422 or another
    /// unexpected status). The other queued surveys are still offered in this round.
    Refused(u16),
    /// No or revoked token (401): keep the queue until the tablet is enrolled again.
    Unauthorized,
    /// The network or the server failed, or asked the tablet to slow down (429, 5xx):
    /// the round stops and is tried again later.
    TryAgain,
}

impl Delivery {
    /// The meaning of the server's HTTP status for a delivered survey.
    pub fn from_status(status: u16) -> Self {
        match status {
            200 | 201 => Delivery::Stored,
            401 => Delivery::Unauthorized,
            429 | 500..=599 => Delivery::TryAgain,
            other => Delivery::Refused(other),
        }
    }

    /// Whether the survey leaves the queue: only once the server has it.
    pub fn leaves_queue(self) -> bool {
        self == Delivery::Stored
    }
}

/// The order in which to deliver `n` queued surveys: a uniformly random permutation of
/// `0..n` (Fisher–Yates), so that arrival order says nothing about who sat down first.
pub fn delivery_order(n: usize, rng: &mut impl RngCore) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        // `u64` keeps the modulo bias negligible (a queue holds a few thousand at most).
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// The first retry waits about this long; each failed round doubles it…
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// …up to this.
const MAX_RETRY: Duration = Duration::from_secs(300);
/// Each wait is stretched or shrunk at random by up to this fraction, so that tablets
/// that lost the network together do not all come back at the same instant.
const JITTER: f64 = 0.3;

/// The wait after `failures` failed rounds in a row (1 s, 2 s, 4 s … up to 5 min),
/// stretched or shrunk by up to 30 % according to `random`, uniform in [0, 1).
pub fn retry_delay(failures: u32, random: f64) -> Duration {
    let doubled = FIRST_RETRY.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    doubled.min(MAX_RETRY).mul_f64(1.0 + JITTER * (2.0 * random.clamp(0.0, 1.0) - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_box::aead::OsRng;
    use crypto_box::SecretKey;
    // Seeded, so that the order tests are repeatable.
    use rand::{rngs::StdRng, SeedableRng};
    use serde_json::json;

    fn body() -> SubmissionBody {
        SubmissionBody {
            id: "0b7a4f3e-7d1c-4c55-9a2e-3f4b5c6d7e8f".into(),
            survey_version: 1,
            language: "es".into(),
            answers: json!({"respect": 4, "waiting_time": "15-30", "improve": ["information", "privacy"]})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            durations: None,
        }
    }

    #[test]
    fn only_the_servers_secret_key_opens_what_the_tablet_sealed() {
        let server = SecretKey::generate(&mut OsRng);
        let published = STANDARD.encode(server.public_key().as_bytes());
        let key = parse_public_key(&published).expect("a 32-byte key in standard base64");

        let sealed = seal_submission(&key, &body(), &mut OsRng).expect("sealing succeeds");
        assert_eq!(sealed.len(), SUBMISSION_FRAME + crypto_box::SEALBYTES);

        let opened = server.unseal(&sealed).expect("the server opens it");
        let value: serde_json::Value = serde_json::from_slice(frame::unpad(&opened).unwrap()).unwrap();
        assert_eq!(SubmissionBody::from_json(value).unwrap(), body(), "the plaintext is exactly the submission body");

        let stranger = SecretKey::generate(&mut OsRng);
        assert!(stranger.unseal(&sealed).is_err(), "no other key opens it");
    }

    #[test]
    fn the_all_skipped_and_the_largest_survey_seal_to_one_size() {
        let server = SecretKey::generate(&mut OsRng);
        let skipped = SubmissionBody { answers: Default::default(), ..body() };
        let mut largest = body();
        largest.durations = Some(domain::Durations { survey_ms: u64::MAX, since_previous_ms: Some(u64::MAX) });
        for n in 0..40 {
            largest.answers.insert(format!("question_{n}"), json!(["a-long-choice-key", "another-long-choice-key"]));
        }
        let sizes: std::collections::BTreeSet<usize> = [&skipped, &largest, &body()]
            .into_iter()
            .map(|b| seal_submission(&server.public_key(), b, &mut OsRng).expect("it fits").len())
            .collect();
        assert_eq!(sizes.into_iter().collect::<Vec<_>>(), [SUBMISSION_FRAME + crypto_box::SEALBYTES]);
        // Too large for the frame: never sealed at another size.
        let mut huge = body();
        huge.id = "x".repeat(SUBMISSION_FRAME);
        assert_eq!(seal_submission(&server.public_key(), &huge, &mut OsRng), None);
    }

    #[test]
    fn every_seal_of_the_same_answers_differs_and_hides_them() {
        let server = SecretKey::generate(&mut OsRng);
        let a = seal_submission(&server.public_key(), &body(), &mut OsRng).unwrap();
        let b = seal_submission(&server.public_key(), &body(), &mut OsRng).unwrap();
        assert_ne!(a, b, "a fresh ephemeral key for every seal");
        for sealed in [&a, &b] {
            let text = String::from_utf8_lossy(sealed);
            let wire = SealedSubmission::new(sealed).sealed;
            for plain in ["respect", "15-30", "information", "0b7a4f3e"] {
                assert!(!text.contains(plain) && !wire.contains(plain), "{plain} is not readable in the sealed box");
            }
        }
    }

    #[test]
    fn the_wire_form_is_standard_base64_with_padding() {
        let wire = serde_json::to_value(SealedSubmission::new(&[0xfb, 0xff])).unwrap();
        assert_eq!(wire, json!({"sealed": "+/8="}));
    }

    #[test]
    fn a_malformed_public_key_is_refused() {
        for (bad, why) in
            [("", "empty"), ("not base64!", "not base64"), ("AAAA", "3 bytes"), (&"A".repeat(44), "33 bytes")]
        {
            assert!(parse_public_key(bad).is_none(), "{why}");
        }
        assert!(parse_public_key(&STANDARD.encode([7u8; 32])).is_some());
    }

    #[test]
    fn only_the_servers_201_or_200_takes_a_survey_out_of_the_queue() {
        for status in [200, 201] {
            assert_eq!(Delivery::from_status(status), Delivery::Stored);
            assert!(Delivery::from_status(status).leaves_queue(), "{status}: the server has it");
        }
        assert_eq!(Delivery::from_status(401), Delivery::Unauthorized, "kept until the tablet is enrolled again");
        for status in [0, 202, 204, 301, 400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503] {
            assert!(!Delivery::from_status(status).leaves_queue(), "{status}: the survey stays queued");
        }
        for status in [202, 204, 301, 400, 403, 404, 409, 413, 422] {
            assert_eq!(Delivery::from_status(status), Delivery::Refused(status), "{status}: offered again later");
        }
        for status in [429, 500, 502, 503] {
            assert_eq!(Delivery::from_status(status), Delivery::TryAgain, "{status}: the round is retried later");
        }
        assert!(!Delivery::Unauthorized.leaves_queue() && !Delivery::TryAgain.leaves_queue());
    }

    #[test]
    fn the_delivery_order_is_a_permutation_of_the_queue() {
        let mut rng = StdRng::seed_from_u64(7);
        for n in [0, 1, 2, 3, 5, 17, 100] {
            for _ in 0..20 {
                let mut order = delivery_order(n, &mut rng);
                assert_eq!(order.len(), n);
                order.sort_unstable();
                assert_eq!(order, (0..n).collect::<Vec<_>>(), "every queued survey exactly once");
            }
        }
    }

    #[test]
    fn the_delivery_order_is_not_the_order_the_surveys_were_queued_in() {
        const N: usize = 4;
        const TRIALS: usize = 4_800;
        let mut rng = StdRng::seed_from_u64(2024);
        let mut first = [0usize; N];
        let mut in_queue_order = 0;
        for _ in 0..TRIALS {
            let order = delivery_order(N, &mut rng);
            first[order[0]] += 1;
            in_queue_order += usize::from(order == [0, 1, 2, 3]);
        }
        // Uniform: each of the 24 orders about 200 times, each survey first about 1200 times.
        assert!((100..300).contains(&in_queue_order), "queue order {in_queue_order} times in {TRIALS}");
        for (survey, &times) in first.iter().enumerate() {
            assert!((1_000..1_400).contains(&times), "survey {survey} delivered first {times} times in {TRIALS}");
        }
        // And with the browser's own randomness, never stuck in queue order.
        let orders: std::collections::BTreeSet<Vec<usize>> = (0..200).map(|_| delivery_order(N, &mut OsRng)).collect();
        assert!(orders.len() > 10, "200 deliveries of 4 surveys used only {} orders", orders.len());
    }

    #[test]
    fn retries_double_from_one_second_to_five_minutes_within_the_jitter() {
        let secs = |failures, random| retry_delay(failures, random).as_secs_f64();
        for (failures, base) in [(0, 1.0), (1, 1.0), (2, 2.0), (3, 4.0), (9, 256.0), (10, 300.0), (40, 300.0)] {
            assert!((secs(failures, 0.5) - base).abs() < 1e-9, "after {failures} failures, {base} s");
            assert!((secs(failures, 0.0) - base * 0.7).abs() < 1e-9, "30 % shorter at most");
            assert!(secs(failures, 0.999_999) <= base * 1.3, "30 % longer at most");
        }
    }
}
