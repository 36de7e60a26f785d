//! Load: how latency grows with the throughput an algorithm achieves, when a comparison swept the
//! load (`compare --clients 1,8,32,128` for replication, `--think 20ms,5ms,1ms,0ms` for mutexes):
//! the latency-throughput curve per algorithm and runtime (p50 solid, p99 dashed; the knee is
//! where a line turns up), and each one's peak throughput with the load at which its p99 latency
//! had doubled.

use std::path::Path;

use harness::Family;
use serde::Serialize;

use crate::charts::{chart, point, Chart};
use crate::comparison::Comparison;
use crate::plots::{log_line_chart, Labels, Series};
use crate::summary::SummaryRow;

/// One line of `peak_throughput.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeakRow {
    pub scenario: String,
    pub family: String,
    pub algorithm: String,
    pub runtime: String,
    pub nodes: usize,
    /// The highest mean steady-state throughput over the loads, and the load it came at (`32
    /// clients`, `think 1ms`).
    pub peak_ops_per_s: f64,
    pub peak_at_load: String,
    /// p99 latency at the lightest load, and the first load at which it had doubled (empty if
    /// it never did).
    pub p99_at_lightest_ms: f64,
    pub p99_doubled_at_load: Option<String>,
}

/// The families whose load `compare` sweeps.
const SWEPT: [Family; 2] = [Family::Replication, Family::Mutex];

/// The rows of one family swept over at least two loads: per scenario, algorithm, runtime and
/// N, lightest load first.
fn curves(summary: &[SummaryRow], family: Family) -> Vec<Vec<&SummaryRow>> {
    let mut curves: Vec<Vec<&SummaryRow>> = Vec::new();
    for row in summary.iter().filter(|r| r.family == family.to_string()) {
        let same = |r: &&SummaryRow| {
            r.scenario == row.scenario
                && r.algorithm == row.algorithm
                && r.runtime == row.runtime
                && r.nodes == row.nodes
        };
        match curves.iter_mut().find(|c| c.first().is_some_and(same)) {
            Some(curve) => curve.push(row),
            None => curves.push(vec![row]),
        }
    }
    for curve in &mut curves {
        curve.sort_by_key(|r| r.load.heaviness());
    }
    curves.retain(|c| c.len() > 1);
    curves
}

/// The curves of a fault-free scenario.
fn steady_curves<'a>(comparison: &Comparison, summary: &'a [SummaryRow], family: Family) -> Vec<Vec<&'a SummaryRow>> {
    curves(summary, family)
        .into_iter()
        .filter(|c| comparison.scenarios.iter().any(|s| s.name == c[0].scenario && !s.has_faults()))
        .collect()
}

/// The peak-throughput rows of every swept curve.
pub fn peak_rows(comparison: &Comparison, summary: &[SummaryRow]) -> Vec<PeakRow> {
    let mut rows = Vec::new();
    for family in SWEPT {
        for curve in steady_curves(comparison, summary, family) {
            let peak = curve
                .iter()
                .max_by(|a, b| a.throughput_ops_per_s.mean.total_cmp(&b.throughput_ops_per_s.mean))
                .expect("a curve has points");
            let base = curve[0].latency_p99_ms.mean;
            rows.push(PeakRow {
                scenario: curve[0].scenario.clone(),
                family: family.to_string(),
                algorithm: curve[0].algorithm.clone(),
                runtime: curve[0].runtime.clone(),
                nodes: curve[0].nodes,
                peak_ops_per_s: peak.throughput_ops_per_s.mean,
                peak_at_load: peak.load.to_string(),
                p99_at_lightest_ms: base,
                p99_doubled_at_load: curve
                    .iter()
                    .find(|r| r.latency_p99_ms.mean >= 2.0 * base)
                    .map(|r| r.load.to_string()),
            });
        }
    }
    rows
}

/// The latency-throughput chart of each swept family (`latency_throughput_{family}`), at the
/// comparison's fault-free scenario and N = 5 (or the largest N swept): one line per algorithm
/// and runtime, p50 solid and p99 dashed.
pub fn load_charts(dir: &Path, comparison: &Comparison, summary: &[SummaryRow]) -> Result<Vec<Chart>, String> {
    let mut charts = Vec::new();
    for family in SWEPT {
        charts.extend(load_chart(dir, comparison, summary, family)?);
    }
    Ok(charts)
}

fn load_chart(
    dir: &Path,
    comparison: &Comparison,
    summary: &[SummaryRow],
    family: Family,
) -> Result<Option<Chart>, String> {
    let steady = steady_curves(comparison, summary, family);
    let Some(scenario) = steady.first().map(|c| c[0].scenario.clone()) else {
        return Ok(None);
    };
    // Five nodes where the comparison ran five (the size most papers draw), else the largest.
    let sizes: Vec<usize> = steady.iter().filter(|c| c[0].scenario == scenario).map(|c| c[0].nodes).collect();
    let nodes = if sizes.contains(&5) { 5 } else { sizes.iter().copied().max().unwrap_or(0) };
    let labels = comparison.labels(family);
    let mut series = Vec::new();
    for dashed in [false, true] {
        for curve in steady.iter().filter(|c| c[0].scenario == scenario && c[0].nodes == nodes) {
            let first = curve[0];
            let color = labels.iter().position(|l| *l == first.algorithm).unwrap_or(0);
            let runtime: harness::RuntimeKind = first.runtime.parse().unwrap_or_default();
            let name = comparison.series_name(&first.algorithm, runtime);
            let points = curve
                .iter()
                .map(|r| {
                    let latency = if dashed { &r.latency_p99_ms } else { &r.latency_p50_ms };
                    point(r.throughput_ops_per_s.mean, latency)
                })
                .collect();
            let name = if dashed { format!("{name} p99") } else { name };
            series.push(Series { name, points, dashed, color });
        }
    }
    let loads: Vec<String> = steady[0].iter().map(|r| r.load.to_string()).collect();
    let title = format!(
        "{family}: latency against throughput, {}, N = {nodes} ({scenario}; p50 solid, p99 dashed)",
        loads.join(" / ")
    );
    let x = format!("achieved throughput, {} per second (mean over seeds; log scale)", family.ops());
    let axis_labels =
        Labels { title: &title, x: &x, y: "steady latency, milliseconds (mean, 95% interval; log scale)" };
    let base = dir.join(format!("latency_throughput_{family}"));
    let paths = log_line_chart(&base, &axis_labels, &series)?;
    Ok(Some(chart(title, family, Some(&scenario), paths)))
}
