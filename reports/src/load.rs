//! Load: how latency grows with the throughput an algorithm achieves, when a comparison swept the
//! replication clients (`compare --clients 1,8,32,128`): the latency-throughput curve per
//! algorithm and runtime (p50 solid, p99 dashed; the knee is where a line turns up), and each
//! one's peak throughput with the load at which its p99 latency had doubled.

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
    pub algorithm: String,
    pub runtime: String,
    pub nodes: usize,
    /// The highest mean steady-state throughput over the loads, and the clients it came at.
    pub peak_ops_per_s: f64,
    pub peak_at_clients: u32,
    /// p99 latency at the lightest load, and the first load at which it had doubled (none if it
    /// never did).
    pub p99_at_lightest_ms: f64,
    pub p99_doubled_at_clients: Option<u32>,
}

/// The rows of a fault-free scenario swept over at least two loads: per scenario, algorithm,
/// runtime and N, sorted by load.
fn curves(summary: &[SummaryRow]) -> Vec<Vec<&SummaryRow>> {
    let mut curves: Vec<Vec<&SummaryRow>> = Vec::new();
    for row in summary.iter().filter(|r| r.family == Family::Replication.to_string()) {
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
        curve.sort_by_key(|r| r.clients);
    }
    curves.retain(|c| c.len() > 1);
    curves
}

/// The peak-throughput rows of every swept curve.
pub fn peak_rows(comparison: &Comparison, summary: &[SummaryRow]) -> Vec<PeakRow> {
    let steady = |name: &str| comparison.scenarios.iter().any(|s| s.name == name && !s.has_faults());
    curves(summary)
        .into_iter()
        .filter(|c| steady(&c[0].scenario))
        .map(|curve| {
            let peak = curve
                .iter()
                .max_by(|a, b| a.throughput_ops_per_s.mean.total_cmp(&b.throughput_ops_per_s.mean))
                .expect("a curve has points");
            let base = curve[0].latency_p99_ms.mean;
            PeakRow {
                scenario: curve[0].scenario.clone(),
                algorithm: curve[0].algorithm.clone(),
                runtime: curve[0].runtime.clone(),
                nodes: curve[0].nodes,
                peak_ops_per_s: peak.throughput_ops_per_s.mean,
                peak_at_clients: peak.clients,
                p99_at_lightest_ms: base,
                p99_doubled_at_clients: curve.iter().find(|r| r.latency_p99_ms.mean >= 2.0 * base).map(|r| r.clients),
            }
        })
        .collect()
}

/// The latency-throughput chart of the replication family (`latency_throughput_replication`),
/// at the comparison's fault-free scenario and N = 5 (or the largest N swept): one line per algorithm and runtime, p50 solid and p99 dashed.
pub fn load_charts(dir: &Path, comparison: &Comparison, summary: &[SummaryRow]) -> Result<Vec<Chart>, String> {
    let family = Family::Replication;
    let steady: Vec<Vec<&SummaryRow>> = curves(summary)
        .into_iter()
        .filter(|c| comparison.scenarios.iter().any(|s| s.name == c[0].scenario && !s.has_faults()))
        .collect();
    let Some(scenario) = steady.first().map(|c| c[0].scenario.clone()) else {
        return Ok(Vec::new());
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
    let loads: Vec<String> = steady[0].iter().map(|r| r.clients.to_string()).collect();
    let title = format!(
        "replication: latency against throughput, {} clients, N = {nodes} ({scenario}; p50 solid, p99 dashed)",
        loads.join("/")
    );
    let axis_labels = Labels {
        title: &title,
        x: "achieved throughput, commands per second (mean over seeds; log scale)",
        y: "steady latency, milliseconds (mean, 95% interval; log scale)",
    };
    let base = dir.join(format!("latency_throughput_{family}"));
    let paths = log_line_chart(&base, &axis_labels, &series)?;
    Ok(vec![chart(title, family, Some(&scenario), paths)])
}
