//! Small statistics with fixed seeds: the same inputs give the same bytes.
//!
//! - [`bootstrap`]: `resamples` draws of `n` indices with replacement from a seeded
//!   ChaCha-free small RNG (`rand::rngs::SmallRng`), drawn in one thread so the sequence
//!   depends only on the seed; the statistic of each draw may be computed on rayon.
//! - [`percentile`]: linear interpolation between closest ranks (numpy's default), so an
//!   analyst can reproduce an interval with `numpy.percentile`.

use rand::{Rng, SeedableRng};

/// The bootstrap seed used unless the pipeline says otherwise.
pub const SEED: u64 = 20080227;
/// Resamples of every bootstrap interval (docs/metrics.md#bootstrap-intervals: 2000).
pub const RESAMPLES: usize = 2000;

/// `resamples` lists of `n` indices in `0..n`, drawn with replacement.
pub fn bootstrap_indices(n: usize, resamples: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    (0..resamples).map(|_| (0..n).map(|_| rng.gen_range(0..n)).collect()).collect()
}

/// `resamples` lists of `k` indices in `0..n` (k may differ from n: uplift draws |P|
/// residuals from B).
pub fn draw_indices(n: usize, k: usize, resamples: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    (0..resamples).map(|_| (0..k).map(|_| rng.gen_range(0..n)).collect()).collect()
}

/// The `q`-th percentile (0–100) of `v`, linear between closest ranks; None when empty.
pub fn percentile(v: &[f64], q: f64) -> Option<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    let pos = q / 100.0 * (s.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(s[lo] + (s[hi] - s[lo]) * (pos - lo as f64))
}

pub fn median(v: &[f64]) -> Option<f64> {
    percentile(v, 50.0)
}

pub fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Ordinary least squares `y = α + β·x`; None when x is constant or there are < 2 points.
pub fn ols(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = x.len();
    if n < 2 || n != y.len() {
        return None;
    }
    let (mx, my) = (mean(x)?, mean(y)?);
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let beta = sxy / sxx;
    Some((my - beta * mx, beta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ols_on_a_toy_series() {
        // y = 2 + 3x exactly: α = 2, β = 3.
        let (a, b) = ols(&[0.0, 1.0, 2.0, 3.0], &[2.0, 5.0, 8.0, 11.0]).unwrap();
        assert!((a - 2.0).abs() < 1e-12 && (b - 3.0).abs() < 1e-12);
        // x = 1, 2, 3; y = 2, 2, 5: mx = 2, my = 3, sxy = (-1)(-1) + 0 + (1)(2) = 3, sxx = 2,
        // β = 1.5, α = 3 - 1.5·2 = 0.
        let (a, b) = ols(&[1.0, 2.0, 3.0], &[2.0, 2.0, 5.0]).unwrap();
        assert!((a - 0.0).abs() < 1e-12 && (b - 1.5).abs() < 1e-12);
        assert_eq!(ols(&[1.0, 1.0], &[1.0, 2.0]), None, "constant x");
    }

    #[test]
    fn percentiles_like_numpy() {
        // numpy.percentile([1, 2, 3, 4], 25) = 1.75; median 2.5.
        assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 25.0), Some(1.75));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn bootstrap_is_seeded() {
        assert_eq!(bootstrap_indices(5, 3, 7), bootstrap_indices(5, 3, 7));
        assert_ne!(bootstrap_indices(5, 3, 7), bootstrap_indices(5, 3, 8));
        assert!(bootstrap_indices(5, 3, 7).iter().flatten().all(|i| *i < 5));
    }
}
