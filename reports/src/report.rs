//! Writes a comparison as a report folder.

use std::fs;
use std::path::{Path, PathBuf};

use harness::Family;

use crate::comparison::Comparison;
use crate::plots::{cdf_points, line_chart, stacked_bars, Labels, Series};
use crate::summary::{summarize, SummaryRow};
use crate::{html, to_csv, to_csv_rows};

/// A chart of the report: its title and files.
#[derive(Clone, Debug)]
pub struct Chart {
    pub title: String,
    pub family: Family,
    pub svg: PathBuf,
    pub png: PathBuf,
}

/// What [`write_report`] wrote.
#[derive(Clone, Debug)]
pub struct ReportFiles {
    pub index: PathBuf,
    pub files: Vec<PathBuf>,
}

fn write(path: PathBuf, contents: &str, files: &mut Vec<PathBuf>) -> Result<(), String> {
    fs::write(&path, contents).map_err(|e| format!("writing {}: {e}", path.display()))?;
    files.push(path);
    Ok(())
}

/// Writes `runs.json`, `runs.csv`, `summary.csv`, the charts (SVG and PNG) and `index.html`.
pub fn write_report(dir: &Path, comparison: &Comparison) -> Result<ReportFiles, String> {
    fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    let records: Vec<_> = comparison.runs.iter().map(|r| r.record.clone()).collect();
    let json = serde_json::to_string_pretty(&records).expect("records serialize");
    write(dir.join("runs.json"), &(json + "\n"), &mut files)?;
    write(dir.join("runs.csv"), &to_csv(&records), &mut files)?;
    let summary = summarize(comparison);
    write(dir.join("summary.csv"), &to_csv_rows(&summary), &mut files)?;
    write(dir.join("formulas.csv"), &to_csv_rows(&comparison.formulas), &mut files)?;
    let charts = charts(dir, comparison, &summary)?;
    for chart in &charts {
        files.push(chart.svg.clone());
        files.push(chart.png.clone());
    }
    let index = dir.join("index.html");
    write(index.clone(), &html::render(comparison, &summary, &charts)?, &mut files)?;
    Ok(ReportFiles { index, files })
}

fn rows_of<'a>(summary: &'a [SummaryRow], algorithm: &'a str) -> impl Iterator<Item = &'a SummaryRow> + 'a {
    summary.iter().filter(move |r| r.algorithm == algorithm)
}

fn charts(dir: &Path, comparison: &Comparison, summary: &[SummaryRow]) -> Result<Vec<Chart>, String> {
    let mut charts = Vec::new();
    let mut add = |family: Family, title: String, paths: Vec<PathBuf>| {
        charts.push(Chart { title, family, svg: paths[0].clone(), png: paths[1].clone() });
    };
    for family in comparison.families() {
        let algorithms = comparison.algorithms(family);
        let op = match family {
            Family::Mutex => "entry",
            Family::Election => "election",
            Family::Replication => "command",
        };

        // Messages per op against N, with each formula dashed beside its measurement.
        let mut series = Vec::new();
        for (i, algorithm) in algorithms.iter().enumerate() {
            let rows: Vec<_> = rows_of(summary, algorithm).collect();
            series.push(Series {
                name: algorithm.clone(),
                points: rows.iter().map(|r| (r.nodes as f64, r.messages_per_op_mean)).collect(),
                dashed: false,
                color: i,
            });
            let formula: Vec<(f64, f64)> =
                rows.iter().filter_map(|r| r.formula_messages_per_op.map(|f| (r.nodes as f64, f))).collect();
            if !formula.is_empty() {
                series.push(Series { name: format!("{algorithm} (formula)"), points: formula, dashed: true, color: i });
            }
        }
        let title = format!("{family}: messages per {op}, detection traffic apart (dashed: the textbook formula)");
        let labels = Labels { title: &title, x: "nodes", y: &format!("messages per {op}") };
        add(family, title.clone(), line_chart(&dir.join(format!("messages_per_op_{family}")), &labels, &series)?);

        // Latency p50 (solid) and p99 (dashed).
        let mut series = Vec::new();
        for (i, algorithm) in algorithms.iter().enumerate() {
            let rows: Vec<_> = rows_of(summary, algorithm).collect();
            series.push(Series {
                name: format!("{algorithm} p50"),
                points: rows.iter().map(|r| (r.nodes as f64, r.latency_p50_ms)).collect(),
                dashed: false,
                color: i,
            });
            series.push(Series {
                name: format!("{algorithm} p99"),
                points: rows.iter().map(|r| (r.nodes as f64, r.latency_p99_ms)).collect(),
                dashed: true,
                color: i,
            });
        }
        let title = format!("{family}: latency per {op} (p50 solid, p99 dashed)");
        let labels = Labels { title: &title, x: "nodes", y: "milliseconds" };
        add(family, title.clone(), line_chart(&dir.join(format!("latency_{family}")), &labels, &series)?);

        // Throughput.
        let series: Vec<Series> = algorithms
            .iter()
            .enumerate()
            .map(|(i, algorithm)| Series {
                name: algorithm.clone(),
                points: rows_of(summary, algorithm).map(|r| (r.nodes as f64, r.throughput_ops_per_s_mean)).collect(),
                dashed: false,
                color: i,
            })
            .collect();
        let title = format!("{family}: throughput");
        let labels = Labels { title: &title, x: "nodes", y: &format!("{op}s per second") };
        add(family, title.clone(), line_chart(&dir.join(format!("throughput_{family}")), &labels, &series)?);

        // Messages by kind, stacked, at the largest N.
        let nodes = comparison.node_counts().into_iter().max().unwrap_or(0);
        let mut kinds: Vec<String> = Vec::new();
        for run in comparison.runs.iter().filter(|r| r.record.family == family && r.record.nodes == nodes) {
            for kind in run.record.messages_by_kind.keys() {
                if !kinds.contains(kind) {
                    kinds.push(kind.clone());
                }
            }
        }
        kinds.sort();
        let values: Vec<Vec<f64>> = algorithms
            .iter()
            .map(|algorithm| {
                let runs: Vec<_> = comparison.runs_of(algorithm, nodes).collect();
                kinds
                    .iter()
                    .map(|kind| {
                        let per_op: f64 = runs
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
                        per_op / runs.len().max(1) as f64
                    })
                    .collect()
            })
            .collect();
        let title = format!("{family}: messages per {op} by kind at N = {nodes}");
        let labels = Labels { title: &title, x: "algorithm", y: &format!("messages per {op}") };
        let paths =
            stacked_bars(&dir.join(format!("messages_by_kind_{family}")), &labels, &algorithms, &kinds, &values)?;
        add(family, title.clone(), paths);

        // Elections: the distribution of time to a leader, at the largest N.
        if family == Family::Election {
            let series: Vec<Series> = algorithms
                .iter()
                .enumerate()
                .map(|(i, algorithm)| {
                    let samples: Vec<f64> = comparison
                        .runs_of(algorithm, nodes)
                        .flat_map(|r| r.samples.iter().map(|s| *s as f64 / 1e6))
                        .collect();
                    Series { name: algorithm.clone(), points: cdf_points(&samples), dashed: false, color: i }
                })
                .collect();
            let title = format!("election: time to agree on a leader at N = {nodes} (CDF)");
            let labels =
                Labels { title: &title, x: "milliseconds from trigger to agreement", y: "fraction of elections" };
            add(family, title.clone(), line_chart(&dir.join("time_to_leader_election"), &labels, &series)?);
        }
    }
    Ok(charts)
}
