//! Differential privacy for the open-data tables: per region and month, the count of
//! responses and each question's answer distribution.
//!
//! Every published cell gets noise from the discrete Laplace (two-sided geometric)
//! distribution, sampled exactly as Canonne, Kamath & Steinke (2020), "The Discrete
//! Gaussian for Differential Privacy", Algorithms 1 and 2: only integer arithmetic and
//! uniform integer draws, no floating point. Floating-point Laplace samplers leak through
//! the holes in the set of doubles they can return (Mironov 2012); an exact sampler has
//! no such holes, so the guarantee below holds as stated, with δ = 0.
//!
//! # What is protected
//!
//! The unit is one response (one visit's questionnaire). Two data sets are neighbours when
//! one has a response the other lacks. Each response falls in exactly one region × month
//! cell of the count table, and gives at most one answer to each question, so it changes
//! at most one cell of every table by 1: every table has L1 sensitivity 1. A person who
//! answered k times is protected at k times the ε below.
//!
//! # What a release spends
//!
//! A release is given one ε and publishes m tables: the count table and one table per
//! question. Each table gets ε / m ([`Epsilon::split`]), and every cell of that table is
//! released with [`noisy_count`] at ε / m:
//! - within a table, the cells hold disjoint sets of responses, so by parallel composition
//!   the whole table costs ε / m, not ε / m per cell;
//! - the tables are separate queries on the same responses, so by sequential composition
//!   the release costs m × ε / m = ε.
//!
//! Releasing the same months again spends again; the caller keeps a ledger of what each
//! release spent and asks [`within_cap`] before publishing. Two conditions the caller
//! must keep, or the arithmetic above is void: the grid of cells (regions × months ×
//! answer options) is fixed before looking at the data, so an empty cell is published
//! (noisy) rather than left out; and no exact count of the same cells is published
//! anywhere. Anything computed from the noisy cells alone (clamping at 0, shares, rates)
//! is post-processing and spends nothing more.

use rand::RngCore;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The noise distribution, for the open-data documentation.
pub const MECHANISM: &str =
    "discrete Laplace (two-sided geometric), sampled exactly as Canonne, Kamath & Steinke (2020)";

/// The mechanism is pure ε-differential privacy.
pub const DELTA: f64 = 0.0;

/// How much one response can change one table (see the module documentation).
pub const SENSITIVITY: u64 = 1;

/// The largest ε we accept; above it the noise hides next to nothing.
const MAX_EPSILON: u64 = 10;

/// Fraction digits a decimal ε may have; 10^18 still fits in a `u64`.
const MAX_DECIMALS: u32 = 18;

/// A privacy parameter ε, an exact fraction in (0, 10], kept in lowest terms.
///
/// Parses from a decimal ("1", "0.25", with at most 18 fraction digits, read exactly and
/// never through a float) or a fraction ("1/3"); displays in the same forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Epsilon {
    num: u64,
    den: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EpsilonError {
    #[error("ε must be a decimal number such as 0.5, or a fraction such as 1/3")]
    NotANumber,
    #[error("ε must be greater than 0")]
    NotPositive,
    #[error("ε must be at most {MAX_EPSILON}")]
    TooLarge,
    #[error("ε may have at most {MAX_DECIMALS} decimals")]
    TooPrecise,
}

impl Epsilon {
    /// ε = num / den.
    pub fn new(num: u64, den: u64) -> Result<Self, EpsilonError> {
        if den == 0 {
            return Err(EpsilonError::NotANumber);
        }
        if num == 0 {
            return Err(EpsilonError::NotPositive);
        }
        if u128::from(num) > u128::from(MAX_EPSILON) * u128::from(den) {
            return Err(EpsilonError::TooLarge);
        }
        let g = gcd(u128::from(num), u128::from(den)) as u64;
        Ok(Epsilon { num: num / g, den: den / g })
    }

    pub fn num(self) -> u64 {
        self.num
    }

    pub fn den(self) -> u64 {
        self.den
    }

    /// ε / parts: each of a release's `parts` tables gets this share, so that the tables
    /// together spend `self`. `None` for 0 parts or a denominator beyond `u64`.
    pub fn split(self, parts: u32) -> Option<Epsilon> {
        let parts = u64::from(parts);
        if parts == 0 {
            return None;
        }
        let g = gcd(u128::from(self.num), u128::from(parts)) as u64;
        let den = self.den.checked_mul(parts / g)?;
        Some(Epsilon { num: self.num / g, den })
    }
}

impl FromStr for Epsilon {
    type Err = EpsilonError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some((num, den)) = s.split_once('/') {
            return Epsilon::new(parse_digits(num)?, parse_digits(den)?);
        }
        let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
        if s.ends_with('.') {
            return Err(EpsilonError::NotANumber);
        }
        let whole = parse_digits(whole)?;
        if fraction.len() > MAX_DECIMALS as usize {
            // Trailing zeros ("1.000…0") would be harmless, but refusing is simpler to explain.
            parse_digits(fraction)?;
            return Err(EpsilonError::TooPrecise);
        }
        let den = 10u64.pow(fraction.len() as u32);
        let fraction = if fraction.is_empty() { 0 } else { parse_digits(fraction)? };
        if whole > MAX_EPSILON {
            return Err(EpsilonError::TooLarge);
        }
        // whole ≤ 10 and den ≤ 10^18, so this is below 1.1·10^19 < u64::MAX.
        Epsilon::new(whole * den + fraction, den)
    }
}

/// ASCII digits only: no sign, no exponent, no "NaN" or "inf".
fn parse_digits(s: &str) -> Result<u64, EpsilonError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EpsilonError::NotANumber);
    }
    // All digits but too long for u64: far above the cap, or far too fine.
    s.parse().map_err(|_| EpsilonError::TooLarge)
}

impl fmt::Display for Epsilon {
    /// An exact decimal when there is one with at most 18 decimals, else "num/den".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for decimals in 0..=MAX_DECIMALS {
            let scale = 10u64.pow(decimals);
            if scale % self.den == 0 {
                let whole = self.num / self.den;
                let fraction = self.num % self.den * (scale / self.den);
                return if decimals == 0 {
                    write!(f, "{whole}")
                } else {
                    write!(f, "{whole}.{fraction:0width$}", width = decimals as usize)
                };
            }
        }
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// Whether a release asking for `asking` keeps the total at or below `cap`, given the ε
/// each earlier release spent. Exact: 0.1 + 0.2 ≤ 0.3 holds, as it does not in
/// floating point. Fails closed: if the exact arithmetic would overflow `u128` (only a
/// long ledger of unrelated denominators could), the answer is `false`.
pub fn within_cap(spent: &[Epsilon], asking: Epsilon, cap: Epsilon) -> bool {
    if cmp_fractions(asking.num.into(), asking.den.into(), cap.num.into(), cap.den.into()) == Ordering::Greater {
        return false;
    }
    // What is left after this release: cap − asking. Products of two u64 fit in u128.
    let num = u128::from(cap.num) * u128::from(asking.den) - u128::from(asking.num) * u128::from(cap.den);
    let den = u128::from(cap.den) * u128::from(asking.den);
    let mut left = reduce(num, den);
    for e in spent {
        let (e_num, e_den) = (u128::from(e.num), u128::from(e.den));
        if cmp_fractions(e_num, e_den, left.0, left.1) == Ordering::Greater {
            return false;
        }
        let Some(next) = checked_sub_fractions(left, (e_num, e_den)) else {
            return false;
        };
        left = next;
    }
    true
}

/// a − b for a ≥ b, in lowest terms; `None` on overflow.
fn checked_sub_fractions(a: (u128, u128), b: (u128, u128)) -> Option<(u128, u128)> {
    let g = gcd(a.1, b.1);
    let (a_scale, b_scale) = (b.1 / g, a.1 / g);
    let num = a.0.checked_mul(a_scale)?.checked_sub(b.0.checked_mul(b_scale)?)?;
    let den = a.1.checked_mul(a_scale)?;
    Some(reduce(num, den))
}

fn reduce(num: u128, den: u128) -> (u128, u128) {
    let g = gcd(num, den);
    (num / g, den / g)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Compares a/b with c/d (b, d > 0) without multiplying, so nothing can overflow: equal
/// integer parts leave the remainders r/b and s/d, which compare as d/s and b/r reversed.
fn cmp_fractions(mut a: u128, mut b: u128, mut c: u128, mut d: u128) -> Ordering {
    loop {
        let (p, q) = (a / b, c / d);
        if p != q {
            return p.cmp(&q);
        }
        let (r, s) = (a % b, c % d);
        match (r, s) {
            (0, 0) => return Ordering::Equal,
            (0, _) => return Ordering::Less,
            (_, 0) => return Ordering::Greater,
            _ => (a, b, c, d) = (d, s, b, r),
        }
    }
}

/// A uniform integer in {0, …, n − 1}, without modulo bias: draw just enough bits to
/// cover n − 1 and start over when the draw lands at or above n (fewer than two rounds
/// on average).
///
/// # Panics
/// If n is 0.
fn uniform_below(n: u128, rng: &mut impl RngCore) -> u128 {
    assert!(n > 0, "uniform_below(0) has no values to draw");
    let max = n - 1;
    let bits = 128 - max.leading_zeros();
    let mask = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
    loop {
        let draw = if bits <= 64 {
            u128::from(rng.next_u64())
        } else {
            (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64())
        };
        let draw = draw & mask;
        if draw <= max {
            return draw;
        }
    }
}

/// Bernoulli(num / den) for 0 ≤ num ≤ den.
fn bernoulli(num: u128, den: u128, rng: &mut impl RngCore) -> bool {
    uniform_below(den, rng) < num
}

/// Bernoulli(exp(−γ)) for the rational γ = gamma_num / gamma_den ≥ 0: Canonne, Kamath &
/// Steinke (2020), Algorithm 1. For γ > 1 it needs ⌊γ⌋ successes of Bernoulli(exp(−1))
/// and then one of Bernoulli(exp(−(γ − ⌊γ⌋))); it stops at the first failure, so even a
/// huge γ takes fewer than two rounds on average.
///
/// # Panics
/// If gamma_den is 0.
pub fn bernoulli_exp(gamma_num: u64, gamma_den: u64, rng: &mut impl RngCore) -> bool {
    assert!(gamma_den > 0, "γ needs a positive denominator");
    for _ in 0..gamma_num / gamma_den {
        if !bernoulli_exp_at_most_one(1, 1, rng) {
            return false;
        }
    }
    bernoulli_exp_at_most_one(gamma_num % gamma_den, gamma_den, rng)
}

/// Algorithm 1 for γ = num / den in [0, 1]: count K up while Bernoulli(γ / K) succeeds;
/// P(K ends odd) = Σ_k (−γ)^k / k! = exp(−γ).
fn bernoulli_exp_at_most_one(num: u64, den: u64, rng: &mut impl RngCore) -> bool {
    let mut k: u64 = 1;
    // den · k < 2^128, so γ / K is an exact fraction of u128s.
    while bernoulli(num.into(), u128::from(den) * u128::from(k), rng) {
        k += 1;
    }
    k % 2 == 1
}

/// Discrete Laplace with scale b = scale_num / scale_den: P(X = x) ∝ exp(−|x| / b), that is
/// exp(−|x| · scale_den / scale_num). Canonne, Kamath & Steinke (2020), Algorithm 2 with
/// t = scale_num and s = scale_den.
///
/// A result beyond `i64` saturates; for that the scale would have to be near 2^60.
///
/// # Panics
/// If either part of the scale is 0.
pub fn discrete_laplace(scale_num: u64, scale_den: u64, rng: &mut impl RngCore) -> i64 {
    assert!(scale_num > 0 && scale_den > 0, "the scale must be a positive fraction");
    let (t, s) = (scale_num, scale_den);
    loop {
        // U + t·V is Geometric(1 − exp(−1/t)): U is its remainder mod t, V its quotient.
        let u = uniform_below(t.into(), rng) as u64;
        if !bernoulli_exp(u, t, rng) {
            continue;
        }
        let mut v: u128 = 0;
        while bernoulli_exp(1, 1, rng) {
            v += 1;
        }
        let x = u128::from(u) + u128::from(t) * v;
        let y = x / u128::from(s);
        let negative = bernoulli(1, 2, rng);
        // Otherwise 0 would come up from both signs, twice as often as it should.
        if negative && y == 0 {
            continue;
        }
        let y = i64::try_from(y).unwrap_or(i64::MAX);
        return if negative { -y } else { y };
    }
}

/// A count released at ε (sensitivity 1, so scale 1/ε = den/num), clamped at 0: clamping
/// looks only at the noisy value, so it is post-processing and keeps the guarantee. Each
/// cell needs its own call (fresh noise); see the module documentation for what a table
/// and a release spend.
pub fn noisy_count(count: u64, eps: Epsilon, rng: &mut impl RngCore) -> u64 {
    let noise = discrete_laplace(eps.den * SENSITIVITY, eps.num, rng);
    let noisy = i128::from(count) + i128::from(noise);
    u64::try_from(noisy.max(0)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
