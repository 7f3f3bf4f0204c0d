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
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// Every statistical check allows 5 standard errors: a correct sampler fails one with
    /// probability below 6·10⁻⁷, and the seeds are fixed, so the outcome never changes.
    const Z: f64 = 5.0;

    fn eps(s: &str) -> Epsilon {
        s.parse().expect("valid ε")
    }

    #[test]
    fn uniform_below_has_no_modulo_bias() {
        let mut rng = StdRng::seed_from_u64(1);
        // With n = 3·2^62, taking a 64-bit draw mod n would give the lowest 2^62 values
        // twice the chance: 1/2 instead of 1/3. Likewise with 128-bit draws for 3·2^126.
        for n in [3u128 << 62, 3u128 << 126] {
            let low = n / 3;
            let draws = 30_000;
            let hits = (0..draws).filter(|_| uniform_below(n, &mut rng) < low).count() as f64;
            let se = (draws as f64 * (1.0 / 3.0) * (2.0 / 3.0)).sqrt();
            assert!((hits - draws as f64 / 3.0).abs() < Z * se, "n = {n}: {hits} of {draws} below n/3");
        }
        assert!((0..100).all(|_| uniform_below(1, &mut rng) == 0));
        assert!((0..1000).all(|_| uniform_below(7, &mut rng) < 7));
    }

    #[test]
    fn bernoulli_exp_matches_exp_minus_gamma() {
        let mut rng = StdRng::seed_from_u64(2);
        let draws = 200_000;
        // γ = 0, 1/2, 1, 5/2 (beyond 1, so the ⌊γ⌋ loop runs), 3/7.
        for (num, den) in [(0u64, 1u64), (1, 2), (1, 1), (5, 2), (3, 7)] {
            let p = (-(num as f64) / den as f64).exp();
            let hits = (0..draws).filter(|_| bernoulli_exp(num, den, &mut rng)).count();
            if num == 0 {
                assert_eq!(hits, draws, "exp(0) = 1: every draw succeeds");
                continue;
            }
            let se = (p * (1.0 - p) / draws as f64).sqrt();
            let freq = hits as f64 / draws as f64;
            assert!((freq - p).abs() < Z * se, "γ = {num}/{den}: frequency {freq}, expected {p} ± {}", Z * se);
        }
    }

    /// The exact distribution of the discrete Laplace with scale b.
    fn pmf(b: f64, x: i64) -> f64 {
        let q = (-1.0 / b).exp();
        (1.0 - q) / (1.0 + q) * q.powi(x.unsigned_abs() as i32)
    }

    /// The chi-square quantile with `df` degrees of freedom at z standard deviations
    /// (Wilson–Hilferty), the threshold for the goodness-of-fit check.
    fn chi_square_quantile(df: usize, z: f64) -> f64 {
        let k = df as f64;
        let c = 2.0 / (9.0 * k);
        k * (1.0 - c + z * c.sqrt()).powi(3)
    }

    #[test]
    fn discrete_laplace_has_the_stated_distribution() {
        let mut rng = StdRng::seed_from_u64(3);
        // 50 000 draws per scale keep this near 2 s in a debug build, and still put
        // P(X = 0) within ±0.01: dropping the sign rejection moves it by 0.06 or more.
        let draws = 50_000;
        // Scales 1, 2.5 (s = 2, so Y = ⌊X/s⌋ does work), 1/2 and 7: small and large noise.
        for (t, s) in [(1u64, 1u64), (5, 2), (1, 2), (7, 1)] {
            let b = t as f64 / s as f64;
            let q = (-1.0 / b).exp();
            let samples: Vec<i64> = (0..draws).map(|_| discrete_laplace(t, s, &mut rng)).collect();
            let n = draws as f64;
            let label = format!("scale {t}/{s}");

            let variance = 2.0 * q / (1.0 - q).powi(2);
            // E[X⁴] from the pmf (the tail beyond 60·b is far below f64 precision).
            let reach = (60.0 * b) as i64 + 1;
            let fourth: f64 = (-reach..=reach).map(|x| pmf(b, x) * (x as f64).powi(4)).sum();

            let mean = samples.iter().sum::<i64>() as f64 / n;
            assert!(mean.abs() < Z * (variance / n).sqrt(), "{label}: mean {mean}");

            // The mean is known (0), so the mean of X² estimates the variance, with
            // standard error √((E[X⁴] − Var²) / n).
            let second = samples.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / n;
            let se = ((fourth - variance * variance) / n).sqrt();
            assert!((second - variance).abs() < Z * se, "{label}: variance {second}, expected {variance} ± {}", Z * se);

            // Symmetry: given X ≠ 0, each sign has probability 1/2.
            let positive = samples.iter().filter(|&&x| x > 0).count() as f64;
            let negative = samples.iter().filter(|&&x| x < 0).count() as f64;
            assert!(
                (positive - negative).abs() < Z * (positive + negative).sqrt(),
                "{label}: {positive} > 0, {negative} < 0"
            );

            for x in 0..=2 {
                let p = pmf(b, x);
                let freq = samples.iter().filter(|&&y| y == x).count() as f64 / n;
                let se = (p * (1.0 - p) / n).sqrt();
                assert!((freq - p).abs() < Z * se, "{label}: P(X = {x}) = {freq}, expected {p}");
            }

            // Chi-square over x in −5..=5, each rare value (expected count below 5) pooled
            // with everything beyond ±5 into one cell.
            let mut cells: Vec<(f64, f64)> = Vec::new(); // (observed, expected)
            let mut rest = (n, n);
            for x in -5..=5 {
                let expected = pmf(b, x) * n;
                if expected < 5.0 {
                    continue;
                }
                let observed = samples.iter().filter(|&&y| y == x).count() as f64;
                cells.push((observed, expected));
                rest = (rest.0 - observed, rest.1 - expected);
            }
            if rest.1 >= 5.0 {
                cells.push(rest);
            }
            let statistic: f64 = cells.iter().map(|(o, e)| (o - e).powi(2) / e).sum();
            let threshold = chi_square_quantile(cells.len() - 1, Z);
            assert!(statistic < threshold, "{label}: χ² = {statistic} over {} cells, limit {threshold}", cells.len());
        }
    }

    #[test]
    fn same_seed_gives_same_draws() {
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..1000).map(|_| discrete_laplace(3, 2, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(draw(4), draw(4));
        assert_ne!(draw(4), draw(5), "different seeds should give different noise");
    }

    #[test]
    fn noisy_count_is_never_negative_and_centred() {
        let mut rng = StdRng::seed_from_u64(6);
        let small = eps("0.1");
        let zeros: Vec<u64> = (0..2000).map(|_| noisy_count(0, small, &mut rng)).collect();
        assert!(zeros.iter().any(|&c| c > 0), "noise should move an empty cell up sometimes");
        // (u64 cannot be negative; the clamp shows as far more zeros than P(X = 0) ≈ 5 %.)
        assert!(zeros.iter().filter(|&&c| c == 0).count() > 800);

        let draws = 20_000;
        let b: f64 = 10.0; // 1 / 0.1
        let q = (-1.0 / b).exp();
        let sd = (2.0 * q).sqrt() / (1.0 - q);
        let mean = (0..draws).map(|_| noisy_count(1000, small, &mut rng) as f64).sum::<f64>() / draws as f64;
        assert!((mean - 1000.0).abs() < Z * sd / (draws as f64).sqrt(), "mean {mean}");
        // Near u64::MAX the sum neither overflows nor panics (noise at scale 1/10 is tiny).
        assert!(noisy_count(u64::MAX, eps("10"), &mut rng) >= u64::MAX - 10);
    }

    #[test]
    fn epsilon_parses_exactly_and_refuses_the_rest() {
        for (text, num, den, shown) in [
            ("1.0", 1, 1, "1"),
            ("1", 1, 1, "1"),
            ("0.3", 3, 10, "0.3"),
            ("0.125", 1, 8, "0.125"),
            (" 2.50 ", 5, 2, "2.5"),
            ("10", 10, 1, "10"),
            ("10.000", 10, 1, "10"),
            ("0.000000000000000001", 1, 1_000_000_000_000_000_000, "0.000000000000000001"),
            ("1/3", 1, 3, "1/3"),
            ("4/6", 2, 3, "2/3"),
        ] {
            let e = eps(text);
            assert_eq!((e.num(), e.den()), (num, den), "{text:?}");
            assert_eq!(e.to_string(), shown, "{text:?}");
            assert_eq!(eps(shown), e, "{shown:?} should read back");
        }
        for (text, error, why) in [
            ("0", EpsilonError::NotPositive, "zero gives no privacy budget to spend"),
            ("0.0", EpsilonError::NotPositive, "zero with decimals"),
            ("0/5", EpsilonError::NotPositive, "zero as a fraction"),
            ("-1", EpsilonError::NotANumber, "negative"),
            ("-0.5", EpsilonError::NotANumber, "negative decimal"),
            ("+1", EpsilonError::NotANumber, "signs are not digits"),
            ("NaN", EpsilonError::NotANumber, "NaN"),
            ("inf", EpsilonError::NotANumber, "infinity"),
            ("1e0", EpsilonError::NotANumber, "exponent"),
            ("", EpsilonError::NotANumber, "empty"),
            ("abc", EpsilonError::NotANumber, "garbage"),
            ("1.2.3", EpsilonError::NotANumber, "two points"),
            (".5", EpsilonError::NotANumber, "no whole part"),
            ("5.", EpsilonError::NotANumber, "no fraction digits"),
            ("1/0", EpsilonError::NotANumber, "zero denominator"),
            ("10.001", EpsilonError::TooLarge, "just above the cap"),
            ("11", EpsilonError::TooLarge, "above the cap"),
            ("21/2", EpsilonError::TooLarge, "above the cap as a fraction"),
            ("99999999999999999999999", EpsilonError::TooLarge, "beyond u64"),
            ("0.1000000000000000000", EpsilonError::TooPrecise, "19 decimals"),
        ] {
            assert_eq!(text.parse::<Epsilon>(), Err(error), "{text:?}: {why}");
        }
        assert_eq!(Epsilon::new(1, 0), Err(EpsilonError::NotANumber));
    }

    #[test]
    fn split_shares_the_release_between_its_tables() {
        assert_eq!(eps("1").split(4), Some(eps("0.25")));
        assert_eq!(eps("0.6").split(3), Some(eps("0.2")));
        assert_eq!(eps("1").split(3), Some(eps("1/3")));
        assert_eq!(eps("1").split(0), None);
        // The shares add back up to the release's ε exactly.
        let third = eps("1/3");
        assert!(within_cap(&[third, third], third, eps("1")));
        assert!(!within_cap(&[third, third, third], eps("0.000000000000000001"), eps("1")));
    }

    #[test]
    fn within_cap_is_exact_at_the_boundary() {
        let cap = eps("1.0");
        assert!(within_cap(&[eps("0.3")], eps("0.7"), cap), "0.3 + 0.7 = 1");
        // In f64, 0.1 + 0.2 = 0.30000000000000004 > 0.3, so a float ledger would refuse this.
        assert!(within_cap(&[eps("0.1")], eps("0.2"), eps("0.3")), "0.1 + 0.2 = 0.3");
        assert!(within_cap(&[eps("0.1"), eps("0.2")], eps("0.7"), cap), "0.1 + 0.2 + 0.7 = 1");
        assert!(!within_cap(&[eps("0.3")], eps("0.700000000000000001"), cap), "just over");
        assert!(!within_cap(&[eps("0.300000000000000001")], eps("0.7"), cap), "just over, from the ledger");
        assert!(within_cap(&[], cap, cap), "a first release may take the whole cap");
        assert!(!within_cap(&[], eps("1.5"), cap), "asking for more than the cap");
        assert!(!within_cap(&[eps("0.5"), eps("0.5")], eps("0.000000000000000001"), cap), "cap already spent");
        // Coprime denominators near u64::MAX still compare exactly.
        let big = u64::MAX / 11;
        let (a, b) = (Epsilon::new(1, big).unwrap(), Epsilon::new(1, big - 1).unwrap());
        assert!(within_cap(&[a], b, Epsilon::new(2, big - 1).unwrap()));
        assert!(!within_cap(&[b], b, Epsilon::new(2, big).unwrap()));
    }
}
