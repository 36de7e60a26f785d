//! Per algorithm and N: latency percentiles over all ops, messages per op with a 95% interval
//! over seeds, throughput.

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::comparison::{Comparison, RunResult};

/// One line of `summary.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryRow {
    pub algorithm: String,
    pub family: String,
    pub nodes: usize,
    pub runs: usize,
    pub ops: u64,
    /// Over every op of every seed.
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    /// Mean over seeds, and its 95% confidence interval (Student's t). Failure-detection
    /// traffic (heartbeats) is not included: it is in `detection_messages_per_op_mean`.
    pub messages_per_op_mean: f64,
    pub messages_per_op_ci95_low: f64,
    pub messages_per_op_ci95_high: f64,
    pub detection_messages_per_op_mean: f64,
    pub throughput_ops_per_s_mean: f64,
    /// What the textbook formula predicts in its own scenario, where stated.
    pub formula_messages_per_op: Option<f64>,
    pub runs_with_violations: usize,
}

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

fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// The summary rows, by family, algorithm and N.
pub fn summarize(comparison: &Comparison) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for family in comparison.families() {
        for algorithm in comparison.algorithms(family) {
            for nodes in comparison.node_counts() {
                let runs: Vec<_> = comparison.runs_of(&algorithm, nodes).collect();
                if runs.is_empty() {
                    continue;
                }
                let mut histogram = Histogram::<u64>::new_with_bounds(1, 10_000_000_000_000, 3).expect("valid bounds");
                for sample in runs.iter().flat_map(|r| &r.samples) {
                    histogram.saturating_record(*sample);
                }
                let quantile = |q: f64| {
                    if histogram.is_empty() {
                        0.0
                    } else {
                        round(histogram.value_at_quantile(q) as f64 / 1e6, 3)
                    }
                };
                let detection = |r: &&RunResult| {
                    let detection = r.record.election.as_ref().map_or(0, |e| e.detection_messages) as f64;
                    if r.record.ops == 0 {
                        0.0
                    } else {
                        detection / r.record.ops as f64
                    }
                };
                let per_op: Vec<f64> = runs.iter().map(|r| r.record.messages_per_op - detection(r)).collect();
                let detection_per_op: Vec<f64> = runs.iter().map(detection).collect();
                let (mean, half) = mean_ci95(&per_op);
                let throughput: Vec<f64> = runs.iter().map(|r| r.record.throughput_ops_per_s).collect();
                rows.push(SummaryRow {
                    algorithm: algorithm.clone(),
                    family: family.to_string(),
                    nodes,
                    runs: runs.len(),
                    ops: runs.iter().map(|r| r.record.ops).sum(),
                    latency_p50_ms: quantile(0.50),
                    latency_p99_ms: quantile(0.99),
                    messages_per_op_mean: round(mean, 4),
                    messages_per_op_ci95_low: round(mean - half, 4),
                    messages_per_op_ci95_high: round(mean + half, 4),
                    detection_messages_per_op_mean: round(mean_ci95(&detection_per_op).0, 4),
                    throughput_ops_per_s_mean: round(mean_ci95(&throughput).0, 3),
                    formula_messages_per_op: comparison.formula_per_op(&algorithm, nodes),
                    runs_with_violations: runs.iter().filter(|r| !r.record.violations.is_empty()).count(),
                });
            }
        }
    }
    rows
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
    }
}
