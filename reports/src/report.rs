//! Writes a comparison as a report folder.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::charts::{formula_chart, steady_charts, timeline_charts, Chart};
use crate::comparison::Comparison;
use crate::failure_table::failure_rows;
use crate::findings::findings;
use crate::summary::summarize;
use crate::{html, to_csv_rows};

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

/// A record with the scenario it ran under and the algorithm as compared.
#[derive(Serialize)]
struct ReportedRun<'a> {
    scenario: &'a str,
    label: &'a str,
    #[serde(flatten)]
    record: &'a harness::RunRecord,
}

/// Writes `runs.json`, `runs.csv`, `summary.csv`, `failures.csv`, `formulas.csv`, under a swept
/// load `peak_throughput.csv`, the charts (SVG and PNG) and `index.html`.
pub fn write_report(dir: &Path, comparison: &Comparison) -> Result<ReportFiles, String> {
    fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    let runs: Vec<ReportedRun> = comparison
        .runs
        .iter()
        .map(|r| ReportedRun { scenario: &r.scenario, label: &r.label, record: &r.record })
        .collect();
    let json = serde_json::to_string_pretty(&runs).expect("records serialize");
    write(dir.join("runs.json"), &(json + "\n"), &mut files)?;
    write(dir.join("runs.csv"), &to_csv_rows(&runs), &mut files)?;
    let summary = summarize(comparison);
    write(dir.join("summary.csv"), &to_csv_rows(&summary), &mut files)?;
    let failures = failure_rows(comparison);
    write(dir.join("failures.csv"), &to_csv_rows(&failures), &mut files)?;
    write(dir.join("formulas.csv"), &to_csv_rows(&comparison.formulas), &mut files)?;
    let mut charts: Vec<Chart> = Vec::new();
    for scenario in &comparison.scenarios {
        for family in comparison.families().into_iter().filter(|f| scenario.families.contains(f)) {
            if scenario.has_faults() {
                charts.extend(timeline_charts(dir, comparison, scenario, family)?);
            } else {
                charts.extend(steady_charts(dir, comparison, scenario, family, &summary)?);
            }
        }
    }
    charts.extend(crate::load::load_charts(dir, comparison, &summary)?);
    let peaks = crate::load::peak_rows(comparison, &summary);
    if !peaks.is_empty() {
        write(dir.join("peak_throughput.csv"), &to_csv_rows(&peaks), &mut files)?;
    }
    for family in comparison.families() {
        charts.extend(formula_chart(dir, comparison, family)?);
    }
    for chart in &charts {
        files.push(chart.svg.clone());
        files.push(chart.png.clone());
    }
    let found = findings(comparison, &summary, &failures);
    let index = dir.join("index.html");
    let page = html::render(&html::Page {
        comparison,
        summary: &summary,
        failures: &failures,
        charts: &charts,
        findings: &found,
        peaks: &peaks,
    })?;
    write(index.clone(), &page, &mut files)?;
    Ok(ReportFiles { index, files })
}
