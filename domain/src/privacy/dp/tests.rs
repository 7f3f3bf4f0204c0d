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
