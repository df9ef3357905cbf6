//! The two-proportion z-test on a champion's and a challenger's accuracy: pooled
//! proportion, z and the two-sided p-value, with the normal CDF computed here (an erfc
//! approximation, fractional error below 1.2e-7) rather than pulled in from a crate.

/// The outcome of comparing `correct / total` of two versions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProportionTest {
    /// Both versions' correct predictions over both versions' predictions.
    pub pooled: f64,
    /// (challenger − champion) over the pooled standard error.
    pub z: f64,
    /// Two-sided.
    pub p_value: f64,
}

impl ProportionTest {
    /// At the 95 % level.
    pub fn significant(&self) -> bool {
        self.p_value < 0.05
    }
}

/// The test of `correct_a / total_a` (champion) against `correct_b / total_b` (challenger).
/// `None` when the counts cannot carry a test: not finite, negative, no predictions on a
/// side, or more correct than total (a Prometheus answer can hold any of these).
pub fn two_proportion(correct_a: f64, total_a: f64, correct_b: f64, total_b: f64) -> Option<ProportionTest> {
    let counts = [correct_a, total_a, correct_b, total_b];
    if counts.iter().any(|c| !c.is_finite() || *c < 0.0) || total_a <= 0.0 || total_b <= 0.0 {
        return None;
    }
    if correct_a > total_a || correct_b > total_b {
        return None;
    }
    let (p_a, p_b) = (correct_a / total_a, correct_b / total_b);
    let pooled = (correct_a + correct_b) / (total_a + total_b);
    let se = (pooled * (1.0 - pooled) * (1.0 / total_a + 1.0 / total_b)).sqrt();
    if se.is_nan() || se <= 0.0 || !se.is_finite() {
        // Every prediction right (or every one wrong) on both sides: no difference to test.
        return Some(ProportionTest { pooled, z: 0.0, p_value: 1.0 });
    }
    let z = (p_b - p_a) / se;
    let p_value = erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0);
    Some(ProportionTest { pooled, z, p_value })
}

/// The standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' `erfcc`, a Chebyshev fit).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let answer = t * poly.exp();
    if x >= 0.0 { answer } else { 2.0 - answer }
}

/// `p = 0.31`, `p = 0.004`, `p < 0.001`.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else if p < 0.01 {
        format!("p = {p:.3}")
    } else {
        format!("p = {p:.2}")
    }
}

/// A count with thousands separators: `43,200`.
pub fn count_text(n: f64) -> String {
    if !n.is_finite() {
        return "–".into();
    }
    let digits = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < -0.5 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn erfc_and_the_normal_cdf_match_known_values() {
        // Reference values to 10 digits.
        for (x, expected) in [(0.0, 1.0), (0.5, 0.479_500_122_2), (1.0, 0.157_299_207_1), (2.0, 0.004_677_734_981)] {
            assert!(close(erfc(x), expected, 1e-7 * expected.max(1e-3)), "erfc({x}) = {}", erfc(x));
            assert!(close(erfc(-x), 2.0 - expected, 1e-7), "erfc({})", -x);
        }
        assert!(close(normal_cdf(1.959_963_985), 0.975, 1e-7));
        assert!(close(normal_cdf(0.0), 0.5, 1e-7));
        assert!(close(normal_cdf(-1.644_853_627), 0.05, 1e-7));
    }

    #[test]
    fn two_proportions_known_values() {
        let test = two_proportion(520.0, 1000.0, 480.0, 1000.0).unwrap();
        assert!(close(test.pooled, 0.5, 1e-12));
        assert!(close(test.z, -1.788_854, 1e-5), "{test:?}");
        assert!(close(test.p_value, 0.073_638, 1e-5), "{test:?}");
        assert!(!test.significant());
        let reversed = two_proportion(480.0, 1000.0, 520.0, 1000.0).unwrap();
        assert!(close(reversed.z, 1.788_854, 1e-5) && close(reversed.p_value, test.p_value, 1e-12));
        let clear = two_proportion(800.0, 1000.0, 900.0, 1000.0).unwrap();
        assert!(clear.significant() && clear.z > 5.0, "{clear:?}");
    }

    #[test]
    fn edge_cases_never_panic_and_say_no_test() {
        assert_eq!(two_proportion(0.0, 0.0, 5.0, 10.0), None, "no predictions on a side");
        assert_eq!(two_proportion(5.0, 10.0, 0.0, 0.0), None);
        assert_eq!(two_proportion(f64::NAN, 10.0, 5.0, 10.0), None);
        assert_eq!(two_proportion(5.0, f64::INFINITY, 5.0, 10.0), None);
        assert_eq!(two_proportion(5.0, 10.0, f64::NEG_INFINITY, 10.0), None);
        assert_eq!(two_proportion(-1.0, 10.0, 5.0, 10.0), None);
        assert_eq!(two_proportion(11.0, 10.0, 5.0, 10.0), None, "more correct than total");
        // p = 1 (or 0) on both sides: nothing to tell apart.
        let all_right = two_proportion(10.0, 10.0, 20.0, 20.0).unwrap();
        assert_eq!((all_right.z, all_right.p_value), (0.0, 1.0));
        let all_wrong = two_proportion(0.0, 10.0, 0.0, 20.0).unwrap();
        assert_eq!(all_wrong.p_value, 1.0);
        // One side perfect, the other not: a finite test.
        let one = two_proportion(100.0, 100.0, 90.0, 100.0).unwrap();
        assert!(one.z.is_finite() && one.p_value > 0.0 && one.p_value < 0.01, "{one:?}");
        // Huge z: the p-value bottoms out at 0, never below or NaN.
        let huge = two_proportion(1.0, 1e9, 1e9, 1e9).unwrap();
        assert!(huge.p_value >= 0.0 && huge.p_value < 1e-12, "{huge:?}");
    }

    #[test]
    fn texts() {
        assert_eq!(p_text(0.3123), "p = 0.31");
        assert_eq!(p_text(0.0042), "p = 0.004");
        assert_eq!(p_text(0.0001), "p < 0.001");
        assert_eq!(count_text(1204.0), "1,204");
        assert_eq!(count_text(43_200.4), "43,200");
        assert_eq!(count_text(999.0), "999");
        assert_eq!(count_text(1_000_000.0), "1,000,000");
        assert_eq!(count_text(f64::NAN), "–");
    }
}
