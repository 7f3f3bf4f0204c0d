//! Rate limits on the API, in memory, never keyed on an address.
//!
//! Tablets: one bucket per authenticated tablet. The token is checked first, so a bogus
//! or revoked token gets 401 and never reaches (or creates) a bucket; a flood from one
//! tablet gets 429 and cannot crowd out the others. Buckets of tablets that have been
//! quiet long enough to be full again are dropped as requests come in, so the store holds
//! at most the tablets active in the last few seconds.
//!
//! Enrollment (no token yet): one bucket of its own for the whole server, generous enough
//! that an administrator enrolling a station's tablets at once never meets it, yet slow
//! enough that guessing one of the 31⁸ enrollment codes within its 24 hours stays hopeless
//! (at the sustained rate below, about 1.7 million guesses a day: a chance of 2 in a
//! million per code). Someone flooding it delays enrollment, which the kiosk retries, and
//! nothing else: enrolled tablets never share it.

use super::extract::Tablet;
use super::ApiError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock, QuantaInstant};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::GlobalKeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

/// Requests a tablet may make at once: a morning's queue delivered after an outage, or
/// two tabs delivering the same queue, in one round.
pub const TABLET_BURST: u32 = 60;
/// How fast a tablet earns another request once its burst is spent (4 a second, far
/// above what a kiosk needs: it polls rarely and delivers one answer at a time).
pub const TABLET_REFILL: Duration = Duration::from_millis(250);
/// Idle buckets are dropped once every this many checks.
pub const EVICT_EVERY: u32 = 1024;

/// Enrollments the server takes at once, and how fast it earns another (20 a second).
pub const ENROLL_BURST: u32 = 100;
pub const ENROLL_REFILL_MS: u64 = 50;

/// The buckets of the tablets, by tablet id.
pub struct TabletLimits<C: Clock = DefaultClock> {
    limiter: RateLimiter<i64, DefaultKeyedStateStore<i64>, C, NoOpMiddleware<C::Instant>>,
    checks: AtomicU32,
}

impl TabletLimits {
    pub fn new() -> Self {
        TabletLimits::with_clock(TABLET_BURST, TABLET_REFILL, DefaultClock::default())
    }
}

impl Default for TabletLimits {
    fn default() -> Self {
        TabletLimits::new()
    }
}

impl<C: Clock> TabletLimits<C> {
    pub fn with_clock(burst: u32, refill: Duration, clock: C) -> Self {
        let quota = Quota::with_period(refill)
            .expect("a refill period above zero")
            .allow_burst(NonZeroU32::new(burst).expect("a burst above zero"));
        TabletLimits { limiter: RateLimiter::dashmap_with_clock(quota, clock), checks: AtomicU32::new(0) }
    }

    /// Takes one request from an authenticated tablet's bucket; when it is empty, how
    /// long until the next request is allowed.
    pub fn check(&self, tablet_id: i64) -> Result<(), Duration> {
        let outcome = self
            .limiter
            .check_key(&tablet_id)
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()));
        if self.checks.fetch_add(1, Ordering::Relaxed) % EVICT_EVERY == EVICT_EVERY - 1 {
            // A full bucket is no different from a missing one.
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        outcome
    }

    /// How many tablets have a bucket now.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

/// The 429 answer, with the whole seconds to wait in `Retry-After`.
fn too_many_requests(wait: Duration) -> Response {
    let mut resp = ApiError::TooManyRequests.into_response();
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    resp
}

type Reply = Pin<Box<dyn Future<Output = Response> + Send>>;

/// Wraps the handler of a route only enrolled tablets may call: the token is checked
/// (401 for a missing, unknown or revoked one), then the tablet's bucket (429 when empty),
/// then the handler runs, its `Tablet` extractor finding the tablet already checked.
pub fn per_tablet<H, T>(
    limits: &Arc<TabletLimits>,
    handler: H,
) -> impl Fn(State<AppState>, Request) -> Reply + Clone + Send + Sync + 'static
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let limits = limits.clone();
    move |State(state): State<AppState>, request: Request| -> Reply {
        let (limits, handler) = (limits.clone(), handler.clone());
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let tablet = match Tablet::from_request_parts(&mut parts, &state).await {
                Ok(tablet) => tablet,
                Err(refused) => return refused.into_response(),
            };
            if let Err(wait) = limits.check(tablet.id) {
                return too_many_requests(wait);
            }
            // The handler's own `Tablet` extractor takes it from here, without a second read.
            parts.extensions.insert(tablet);
            handler.call(Request::from_parts(parts, body), state).await
        })
    }
}

/// The one bucket of enrollment requests, for the whole server.
pub fn enrollment() -> GovernorLayer<GlobalKeyExtractor, NoOpMiddleware<QuantaInstant>, Body> {
    let config = GovernorConfigBuilder::default()
        .key_extractor(GlobalKeyExtractor)
        .per_millisecond(ENROLL_REFILL_MS)
        .burst_size(ENROLL_BURST)
        .finish()
        .expect("a valid rate limit");
    GovernorLayer::new(Arc::new(config)).error_handler(|e: GovernorError| -> Response<Body> {
        match e {
            GovernorError::TooManyRequests { wait_time, .. } => too_many_requests(Duration::from_secs(wait_time)),
            _ => ApiError::TooManyRequests.into_response(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn limits(burst: u32, refill_ms: u64) -> (TabletLimits<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (TabletLimits::with_clock(burst, Duration::from_millis(refill_ms), clock.clone()), clock)
    }

    #[test]
    fn a_tablet_spends_its_own_burst_and_earns_more_with_time() {
        let (limits, clock) = limits(3, 250);
        for n in 1..=3 {
            assert_eq!(limits.check(1), Ok(()), "request {n} of the burst");
        }
        assert_eq!(limits.check(1), Err(Duration::from_millis(250)), "the burst is spent");
        assert_eq!(limits.check(2), Ok(()), "another tablet has its own bucket");
        clock.advance(Duration::from_millis(100));
        assert_eq!(limits.check(1), Err(Duration::from_millis(150)), "not yet");
        clock.advance(Duration::from_millis(150));
        assert_eq!(limits.check(1), Ok(()), "one more after the refill period");
        assert_eq!(limits.check(1).map_err(|_| ()), Err(()));
    }

    #[test]
    fn quiet_tablets_lose_their_buckets() {
        let (limits, clock) = limits(3, 250);
        for tablet in 1..=100 {
            limits.check(tablet).unwrap();
        }
        assert_eq!(limits.tracked(), 100);
        // Long enough for every bucket to be full again: they are no different from none.
        clock.advance(Duration::from_millis(3 * 250));
        for _ in 100..EVICT_EVERY - 1 {
            let _ = limits.check(7);
        }
        assert_eq!(limits.tracked(), 100, "not yet swept");
        let _ = limits.check(7);
        assert_eq!(limits.tracked(), 1, "only the tablet still busy keeps a bucket");
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        for (wait_ms, expected) in [(0, "1"), (250, "1"), (1_000, "1"), (1_001, "2"), (59_500, "60")] {
            let resp = too_many_requests(Duration::from_millis(wait_ms));
            assert_eq!(resp.status(), 429);
            assert_eq!(resp.headers()[header::RETRY_AFTER], expected, "{wait_ms} ms");
        }
    }
}
