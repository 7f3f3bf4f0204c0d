//! The kiosk's clocks: the repeat-press filter, the inactivity prompt and the durations a
//! tablet measures for each finished survey.
//!
//! The logic takes times as arguments (milliseconds of `performance.now()`), so it is
//! tested without a browser; [`now_ms`] reads the real clock in the browser.
use domain::Durations;

/// Taps closer than this to the previous accepted tap are ignored: a double tap must
/// not answer the question that appears under the finger.
pub const REPEAT_PRESS_MS: f64 = 600.0;

/// Milliseconds since the page started, from a monotonic clock (`performance.now()`).
/// It is never written anywhere: only differences between two readings leave the tablet.
pub fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// Accepts a tap unless it comes within [`REPEAT_PRESS_MS`] of the previous accepted one.
#[derive(Clone, Copy, Debug, Default)]
pub struct TapFilter {
    last_accepted: Option<f64>,
}

impl TapFilter {
    /// Whether the tap at `now` counts; an ignored tap does not extend the window.
    pub fn accept(&mut self, now: f64) -> bool {
        if self.last_accepted.is_some_and(|last| now - last < REPEAT_PRESS_MS) {
            return false;
        }
        self.last_accepted = Some(now);
        true
    }
}

/// How long the kiosk waits before asking "are you still there?", and then before it
/// forgets the answers. Per-station settings; the defaults apply when they are unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inactivity {
    pub prompt_after_s: u32,
    pub grace_s: u32,
}

impl Default for Inactivity {
    fn default() -> Self {
        Inactivity { prompt_after_s: 60, grace_s: 20 }
    }
}

/// What the inactivity watch should do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleStep {
    Nothing,
    /// Ask "are you still there?".
    Prompt,
    /// Forget the answers and return to welcome.
    Reset,
}

impl Inactivity {
    /// Mid-survey: the prompt after `prompt_after_s` without a touch, the reset after
    /// `grace_s` more without a touch while the prompt is open (`prompt_opened_at`).
    pub fn mid_survey(self, now: f64, last_touch: f64, prompt_opened_at: Option<f64>) -> IdleStep {
        match prompt_opened_at {
            None if now - last_touch >= secs(self.prompt_after_s) => IdleStep::Prompt,
            Some(opened) if now - opened.max(last_touch) >= secs(self.grace_s) => IdleStep::Reset,
            _ => IdleStep::Nothing,
        }
    }

    /// Elsewhere (a language chosen on welcome, the staff panel left open): a quiet reset
    /// after both delays have passed without a touch, with no prompt.
    pub fn elsewhere(self, now: f64, last_touch: f64) -> IdleStep {
        if now - last_touch >= secs(self.prompt_after_s) + secs(self.grace_s) {
            IdleStep::Reset
        } else {
            IdleStep::Nothing
        }
    }
}

fn secs(s: u32) -> f64 {
    f64::from(s) * 1000.0
}

/// Times one visit and the gap since the previous finished one, on this tablet, in this
/// page session.
#[derive(Clone, Copy, Debug, Default)]
pub struct VisitClock {
    first_question_at: Option<f64>,
    previous_finish_at: Option<f64>,
}

impl VisitClock {
    /// The first question is shown; going back to welcome and on again keeps the start.
    pub fn first_question(&mut self, now: f64) {
        self.first_question_at.get_or_insert(now);
    }

    /// The visit was abandoned: its start is forgotten, the previous finish is kept.
    pub fn abandon(&mut self) {
        self.first_question_at = None;
    }

    /// The visitor finished: the durations to send with her answers.
    pub fn finish(&mut self, now: f64) -> Durations {
        let started = self.first_question_at.take().unwrap_or(now);
        let durations = Durations {
            survey_ms: whole_ms(now - started),
            since_previous_ms: self.previous_finish_at.map(|previous| whole_ms(now - previous)),
        };
        self.previous_finish_at = Some(now);
        durations
    }
}

fn whole_ms(ms: f64) -> u64 {
    // `as` saturates: a negative or NaN difference becomes 0.
    ms.round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_presses_within_600_ms_of_an_accepted_tap_are_ignored() {
        let mut taps = TapFilter::default();
        assert!(taps.accept(1_000.0), "the first tap counts");
        assert!(!taps.accept(1_100.0), "a double tap is ignored");
        assert!(!taps.accept(1_599.0), "still within 600 ms of the accepted tap");
        assert!(taps.accept(1_600.0), "600 ms after the accepted tap counts again");
        assert!(!taps.accept(2_000.0));
        assert!(taps.accept(2_300.0), "ignored taps do not extend the window");
    }

    #[test]
    fn the_prompt_comes_after_the_delay_and_the_reset_after_the_grace() {
        let idle = Inactivity { prompt_after_s: 60, grace_s: 20 };
        assert_eq!(idle.mid_survey(59_999.0, 0.0, None), IdleStep::Nothing);
        assert_eq!(idle.mid_survey(60_000.0, 0.0, None), IdleStep::Prompt);
        assert_eq!(idle.mid_survey(79_999.0, 0.0, Some(60_000.0)), IdleStep::Nothing);
        assert_eq!(idle.mid_survey(80_000.0, 0.0, Some(60_000.0)), IdleStep::Reset);
        // A touch while the prompt is open (not on "Continue") postpones the reset.
        assert_eq!(idle.mid_survey(80_000.0, 70_000.0, Some(60_000.0)), IdleStep::Nothing);
        assert_eq!(idle.mid_survey(90_000.0, 70_000.0, Some(60_000.0)), IdleStep::Reset);
        assert_eq!(idle.elsewhere(79_999.0, 0.0), IdleStep::Nothing);
        assert_eq!(idle.elsewhere(80_000.0, 0.0), IdleStep::Reset);
    }

    #[test]
    fn durations_run_from_the_first_question_and_from_the_previous_finish() {
        let mut clock = VisitClock::default();
        clock.first_question(1_000.0);
        clock.first_question(5_000.0); // back to welcome and on again
        let first = clock.finish(31_000.4);
        assert_eq!(first, Durations { survey_ms: 30_000, since_previous_ms: None });

        clock.first_question(40_000.0);
        clock.abandon();
        clock.first_question(50_000.0);
        let second = clock.finish(60_000.0);
        assert_eq!(second, Durations { survey_ms: 10_000, since_previous_ms: Some(29_000) });
    }
}
