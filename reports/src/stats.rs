//! Means over seeds with their 95% intervals (Student's t).

use serde::Serialize;

/// Two-sided 95% critical values of Student's t for 1..=30 degrees of freedom.
const T95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
    2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/// Mean and half-width of the 95% interval of `values` (half-width 0 for a single value).
pub fn mean_ci95(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, 0.0);
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = T95.get(n - 2).copied().unwrap_or(1.96);
    (mean, t * (variance / n as f64).sqrt())
}

/// Rounds to `decimals` decimals.
pub fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// A mean over seeds with its 95% interval, and how many seeds it is over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Mean {
    pub mean: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
    pub n: usize,
}

impl Mean {
    /// The mean of `values` (rounded to 3 decimals).
    pub fn of(values: &[f64]) -> Self {
        let (mean, half) = mean_ci95(values);
        Mean {
            mean: round(mean, 3),
            ci95_low: round(mean - half, 3),
            ci95_high: round(mean + half, 3),
            n: values.len(),
        }
    }

    /// `12.3 [11.9, 12.7]`, or `12.3` over one value, `–` over none; to 4 significant digits
    /// at most (the CSV keeps 3 decimals).
    pub fn text(&self) -> String {
        match self.n {
            0 => "–".to_string(),
            1 => short(self.mean),
            _ => format!("{} [{}, {}]", short(self.mean), short(self.ci95_low), short(self.ci95_high)),
        }
    }
}

/// A number for a table cell: 4 significant digits (whole numbers as they are).
fn short(x: f64) -> String {
    let magnitude = if x == 0.0 { 0 } else { x.abs().log10().floor() as i32 };
    let decimals = (3 - magnitude).clamp(0, 3) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_of_known_samples() {
        let (mean, half) = mean_ci95(&[10.0, 12.0, 14.0]);
        assert_eq!(mean, 12.0);
        // sd = 2, se = 2/sqrt(3), t(2) = 4.303
        assert!((half - 4.303 * 2.0 / 3f64.sqrt()).abs() < 1e-9);
        assert_eq!(mean_ci95(&[5.0]), (5.0, 0.0));
        assert_eq!(mean_ci95(&[]), (0.0, 0.0));
        assert_eq!(Mean::of(&[]).text(), "–");
        assert_eq!(Mean::of(&[1.0, 3.0]).text(), "2 [-10.71, 14.71]");
        assert_eq!(Mean::of(&[1811.606, 1811.606]).text(), "1812 [1812, 1812]");
        assert_eq!(Mean::of(&[0.0123]).text(), "0.012");
    }
}
