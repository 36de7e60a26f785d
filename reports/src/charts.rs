//! The report's charts: what each shows is computed here from the comparison, drawn by
//! [`crate::plots`].

use std::path::{Path, PathBuf};

use harness::Family;

use crate::comparison::{Comparison, ScenarioInfo};
use crate::plots::{cdf_points, line_chart, stacked_bars, timeline_chart, Labels, Point, Series, Timeline, XAxis};
use crate::stats::Mean;
use crate::summary::{Load, SummaryRow};
use crate::timeline::timeline;

/// A chart of the report: its title, where it belongs and its files.
#[derive(Clone, Debug)]
pub struct Chart {
    pub title: String,
    pub family: Family,
    /// The scenario it shows, or `None` for the formula charts.
    pub scenario: Option<String>,
    pub svg: PathBuf,
    pub png: PathBuf,
}

pub(crate) fn chart(title: String, family: Family, scenario: Option<&str>, paths: Vec<PathBuf>) -> Chart {
    Chart { title, family, scenario: scenario.map(str::to_string), svg: paths[0].clone(), png: paths[1].clone() }
}

pub(crate) fn point(x: f64, mean: &Mean) -> Point {
    Point { x, y: mean.mean, spread: (mean.n > 1).then_some((mean.ci95_low, mean.ci95_high)) }
}

/// The load a scenario's runs offered, in words, for chart titles; `clients` when the comparison
/// swept them (else the scenario's own).
pub fn load_of(scenario: &ScenarioInfo, family: Family, swept: Option<Load>) -> String {
    let w = &scenario.spec.workload;
    let amount = match (scenario.spec.ops, scenario.spec.duration) {
        (Some(ops), _) => format!("{ops} ops"),
        (None, Some(d)) => harness::format_duration(d),
        (None, None) => format!("{} ops", harness::RunSpec::DEFAULT_OPS),
    };
    let load = match family {
        Family::Replication => swept.map_or_else(|| format!("{} clients", w.clients), |l| l.to_string()),
        Family::Election => "a leader crash after each agreement".to_string(),
        Family::Mutex => match swept {
            Some(load) => format!("{} load, {load}, hold {}", w.load, harness::format_duration(w.hold)),
            None => format!("{} load, hold {}", w.load, harness::format_duration(w.hold)),
        },
    };
    format!("{}: {load}, {amount}, {}", scenario.name, scenario.spec.network.latency)
}

/// One line per algorithm (and runtime) of `value` against N, with its interval.
fn per_n(
    comparison: &Comparison,
    rows: &[&SummaryRow],
    family: Family,
    value: impl Fn(&SummaryRow) -> Mean,
) -> Vec<Series> {
    let mut series = Vec::new();
    for (color, label) in comparison.labels(family).iter().enumerate() {
        for runtime in comparison.runtimes() {
            let points: Vec<Point> = rows
                .iter()
                .filter(|r| &r.algorithm == label && r.runtime == runtime.to_string())
                .map(|r| point(r.nodes as f64, &value(r)))
                .collect();
            if !points.is_empty() {
                series.push(Series { name: comparison.series_name(label, runtime), points, dashed: false, color });
            }
        }
    }
    series
}

/// The charts of a fault-free scenario for one family: messages per op, latency and throughput
/// against N (means over seeds with their 95% intervals), messages by kind, and for elections the
/// distribution of time to a leader.
pub fn steady_charts(
    dir: &Path,
    comparison: &Comparison,
    scenario: &ScenarioInfo,
    family: Family,
    summary: &[SummaryRow],
) -> Result<Vec<Chart>, String> {
    let rows: Vec<&SummaryRow> =
        summary.iter().filter(|r| r.scenario == scenario.name && r.family == family.to_string()).collect();
    // Against N at one load: the lightest, when the comparison swept the clients (the load
    // charts show the rest).
    let Some(lightest) = rows.iter().map(|r| r.load).min_by_key(Load::heaviness) else {
        return Ok(Vec::new());
    };
    let swept = rows.iter().any(|r| r.load != lightest);
    let rows: Vec<&SummaryRow> = rows.into_iter().filter(|r| r.load == lightest).collect();
    let op = family.op();
    let load = load_of(scenario, family, swept.then_some(lightest));
    let base = |what: &str| dir.join(format!("{what}_{}_{family}", scenario.name));
    let mut charts = Vec::new();

    let series = per_n(comparison, &rows, family, |r| r.messages_per_op);
    let title = format!("{family}: messages per {op}, heartbeats apart ({load})");
    let labels = Labels { title: &title, x: "nodes", y: &format!("messages per {op} (mean, 95% interval)") };
    charts.push(chart(
        title.clone(),
        family,
        Some(&scenario.name),
        line_chart(&base("messages_per_op"), &labels, &series, XAxis::Integers)?,
    ));

    let series = per_n(comparison, &rows, family, |r| r.bytes_per_op);
    let title = format!("{family}: bytes on the wire per {op}, heartbeats included ({load})");
    let labels =
        Labels { title: &title, x: "nodes", y: &format!("bytes per {op} (postcard encoding; mean, 95% interval)") };
    charts.push(chart(
        title.clone(),
        family,
        Some(&scenario.name),
        line_chart(&base("bytes_per_op"), &labels, &series, XAxis::Integers)?,
    ));

    let mut series = per_n(comparison, &rows, family, |r| r.latency_p50_ms);
    for mut p99 in per_n(comparison, &rows, family, |r| r.latency_p99_ms) {
        p99.name = format!("{} p99", p99.name);
        p99.dashed = true;
        series.push(p99);
    }
    let title = format!("{family}: steady latency, p50 solid, p99 dashed ({load})");
    let labels = Labels { title: &title, x: "nodes", y: "milliseconds (mean over seeds, 95% interval)" };
    charts.push(chart(
        title.clone(),
        family,
        Some(&scenario.name),
        line_chart(&base("latency"), &labels, &series, XAxis::Integers)?,
    ));

    let series = per_n(comparison, &rows, family, |r| r.throughput_ops_per_s);
    let title = format!("{family}: steady-state throughput ({load})");
    let labels = Labels { title: &title, x: "nodes", y: &format!("{} per second (mean, 95% interval)", family.ops()) };
    charts.push(chart(
        title.clone(),
        family,
        Some(&scenario.name),
        line_chart(&base("throughput"), &labels, &series, XAxis::Integers)?,
    ));

    // Messages by kind, per op, at the largest N.
    let nodes = rows.iter().map(|r| r.nodes).max().unwrap_or(0);
    let labels_of_family = comparison.labels(family);
    let runs: Vec<_> = comparison
        .runs_in(&scenario.name, family)
        .filter(|r| r.record.nodes == nodes && Load::of(&r.record) == lightest)
        .collect();
    let mut kinds: Vec<String> = runs.iter().flat_map(|r| r.record.messages_by_kind.keys().cloned()).collect();
    kinds.sort();
    kinds.dedup();
    let values: Vec<Vec<f64>> = labels_of_family
        .iter()
        .map(|label| {
            let mine: Vec<_> = runs.iter().filter(|r| &r.label == label).collect();
            kinds
                .iter()
                .map(|kind| {
                    let per_op: f64 = mine
                        .iter()
                        .map(|r| {
                            let count = r.record.messages_by_kind.get(kind).copied().unwrap_or(0) as f64;
                            if r.record.ops == 0 {
                                0.0
                            } else {
                                count / r.record.ops as f64
                            }
                        })
                        .sum();
                    per_op / mine.len().max(1) as f64
                })
                .collect()
        })
        .collect();
    let title = format!("{family}: messages per {op} by kind at N = {nodes} ({load})");
    let labels = Labels { title: &title, x: "algorithm", y: &format!("messages per {op} (mean over seeds)") };
    let paths = stacked_bars(&base("messages_by_kind"), &labels, &labels_of_family, &kinds, &values)?;
    charts.push(chart(title.clone(), family, Some(&scenario.name), paths));

    if family == Family::Election {
        let series: Vec<Series> = labels_of_family
            .iter()
            .enumerate()
            .map(|(color, label)| {
                let samples: Vec<f64> = runs
                    .iter()
                    .filter(|r| &r.label == label)
                    .flat_map(|r| r.samples().into_iter().map(|s| s as f64 / 1e6))
                    .collect();
                Series::plain(label.clone(), cdf_points(&samples, samples.len()), false, color)
            })
            .collect();
        let title = format!("election: time to agree on a leader at N = {nodes}, CDF ({load})");
        let labels = Labels { title: &title, x: "milliseconds from trigger to agreement", y: "fraction of elections" };
        charts.push(chart(
            title.clone(),
            family,
            Some(&scenario.name),
            line_chart(&base("time_to_leader"), &labels, &series, XAxis::Continuous)?,
        ));
    }
    Ok(charts)
}

/// The timeline of a fault scenario for one family.
pub fn timeline_charts(
    dir: &Path,
    comparison: &Comparison,
    scenario: &ScenarioInfo,
    family: Family,
) -> Result<Vec<Chart>, String> {
    let Some(data) = timeline(comparison, scenario, family) else { return Ok(Vec::new()) };
    let title = format!(
        "{family}, {}: {} done and their latency over time, N = {} (mean of seeds)",
        scenario.name,
        family.ops(),
        data.nodes
    );
    let per_second = format!("{} completed per second", family.ops());
    let timeline = Timeline {
        title: &title,
        x: "milliseconds",
        upper: (&per_second, &data.ops_per_second),
        lower: ("latency of the ops completed, ms", &data.latency_ms),
        windows: &data.windows,
        end: data.end_ms,
    };
    let paths = timeline_chart(&dir.join(format!("timeline_{}_{family}", scenario.name)), &timeline)?;
    Ok(vec![chart(title, family, Some(&scenario.name), paths)])
}

/// The formula chart of one family: each algorithm's canonical formula scenario, measured
/// (solid) beside the formula's prediction (dashed), against N.
pub fn formula_chart(dir: &Path, comparison: &Comparison, family: Family) -> Result<Option<Chart>, String> {
    let names: Vec<String> = {
        let mut names: Vec<String> = comparison
            .formulas
            .iter()
            .filter(|f| comparison.runs.iter().any(|r| r.record.algorithm == f.algorithm && r.record.family == family))
            .map(|f| f.algorithm.clone())
            .collect();
        names.dedup();
        names
    };
    if names.is_empty() {
        return Ok(None);
    }
    let mut series = Vec::new();
    for (color, name) in names.iter().enumerate() {
        let rows: Vec<_> = comparison.formulas.iter().filter(|f| &f.algorithm == name).collect();
        series.push(Series::plain(
            format!("{name} measured"),
            rows.iter().map(|r| (r.nodes as f64, r.measured_per_op)).collect(),
            false,
            color,
        ));
        series.push(Series::plain(
            format!("{name} formula"),
            rows.iter().map(|r| (r.nodes as f64, r.expected_per_op)).collect(),
            true,
            color,
        ));
    }
    let op = family.op();
    let title = format!(
        "{family}: messages per {op} in each algorithm's canonical formula scenario (dashed: the textbook formula)"
    );
    let labels = Labels { title: &title, x: "nodes", y: &format!("messages per {op}") };
    let paths = line_chart(&dir.join(format!("formulas_{family}")), &labels, &series, XAxis::Integers)?;
    Ok(Some(chart(title, family, None, paths)))
}
