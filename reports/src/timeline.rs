//! Ops and latency over time, averaged over seeds, for the timeline charts of fault scenarios.

use harness::{Family, RuntimeKind};

use crate::comparison::{Comparison, RunResult, ScenarioInfo};
use crate::plots::{Point, Series, Window};

/// Buckets a timeline is cut into.
const BUCKETS: f64 = 60.0;

/// The two panels of one family's timeline under one scenario, and the time axis's end (ms).
pub struct TimelineData {
    pub nodes: usize,
    pub ops_per_second: Vec<Series>,
    pub latency_ms: Vec<Series>,
    pub windows: Vec<Window>,
    pub end_ms: f64,
}

/// The fault windows of a scenario: each timed fault from its start to its end (or, for a fault
/// with no end, a narrow band at its start), labelled with its text. (A fault that waits for an
/// event strikes at a different time in each run and is not shaded.)
pub fn windows(scenario: &ScenarioInfo, end_ms: f64) -> Vec<Window> {
    scenario
        .spec
        .faults
        .faults
        .iter()
        .filter(|fault| fault.trigger.is_none())
        .map(|fault| {
            let from = fault.at.as_secs_f64() * 1e3;
            let to = fault.until.map_or(from + end_ms / 150.0, |u| u.as_secs_f64() * 1e3);
            Window { from, to: to.min(end_ms), label: fault.to_string() }
        })
        .collect()
}

fn series_of(runs: &[&RunResult], width: f64, buckets: usize) -> (Vec<Point>, Vec<Point>) {
    let mut counts = vec![0f64; buckets];
    let mut latency = vec![(0f64, 0u64); buckets];
    for run in runs {
        for c in &run.completions {
            let bucket = ((c.completed.as_millis_f64() / width) as usize).min(buckets - 1);
            counts[bucket] += 1.0;
            latency[bucket].0 += c.latency() as f64 / 1e6;
            latency[bucket].1 += 1;
        }
    }
    let seeds = runs.len().max(1) as f64;
    let ops =
        (0..buckets).map(|b| Point::from(((b as f64 + 0.5) * width, counts[b] / seeds / (width / 1e3)))).collect();
    let lat = (0..buckets)
        .filter(|b| latency[*b].1 > 0)
        .map(|b| Point::from(((b as f64 + 0.5) * width, latency[b].0 / latency[b].1 as f64)))
        .collect();
    (ops, lat)
}

/// The timeline of `family` under `scenario` at its largest N.
pub fn timeline(comparison: &Comparison, scenario: &ScenarioInfo, family: Family) -> Option<TimelineData> {
    let nodes = comparison.node_counts(&scenario.name).into_iter().max()?;
    let runs: Vec<&RunResult> =
        comparison.runs_in(&scenario.name, family).filter(|r| r.record.nodes == nodes).collect();
    if runs.is_empty() {
        return None;
    }
    let end_ms = scenario
        .spec
        .duration
        .map(|d| d.as_secs_f64() * 1e3)
        .unwrap_or_else(|| runs.iter().map(|r| r.record.elapsed_ms).fold(0.0, f64::max))
        .max(1.0);
    let width = end_ms / BUCKETS;
    let (mut ops_per_second, mut latency_ms) = (Vec::new(), Vec::new());
    for (color, label) in comparison.labels(family).iter().enumerate() {
        for runtime in [RuntimeKind::Sim, RuntimeKind::Threads] {
            let cell: Vec<&RunResult> =
                runs.iter().copied().filter(|r| &r.label == label && r.record.runtime == runtime).collect();
            if cell.is_empty() {
                continue;
            }
            let name = comparison.series_name(label, runtime);
            let (ops, lat) = series_of(&cell, width, BUCKETS as usize);
            ops_per_second.push(Series { name: name.clone(), points: ops, dashed: false, color });
            latency_ms.push(Series { name, points: lat, dashed: false, color });
        }
    }
    Some(TimelineData { nodes, ops_per_second, latency_ms, windows: windows(scenario, end_ms), end_ms })
}
