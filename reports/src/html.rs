//! The self-contained `index.html`: what the report found, how it was made, the charts inlined
//! as SVG and the tables. No script, no stylesheet or image fetched from anywhere.

use std::collections::BTreeMap;
use std::fmt::Write;

use harness::Family;

use crate::charts::Chart;
use crate::comparison::Comparison;
use crate::failure_table::FailureRow;
use crate::summary::SummaryRow;

/// Everything the page shows.
pub struct Page<'a> {
    pub comparison: &'a Comparison,
    pub summary: &'a [SummaryRow],
    pub failures: &'a [FailureRow],
    pub charts: &'a [Chart],
    pub findings: &'a [(Family, Vec<String>)],
    pub peaks: &'a [crate::load::PeakRow],
}

fn peak_table(page: &mut String, id: &str, rows: &[&crate::load::PeakRow]) {
    page.push_str(
        "<p>Under load: each algorithm's highest steady throughput over the loads swept, and the load at which its \
         p99 latency had doubled from the lightest load's.</p>\n",
    );
    header(
        page,
        id,
        &["algorithm", "runtime", "N", "peak ops/s", "at", "p99 at the lightest load, ms", "p99 doubled at"],
    );
    for r in rows {
        row(
            page,
            &[
                r.algorithm.clone(),
                r.runtime.clone(),
                r.nodes.to_string(),
                format!("{:.0}", r.peak_ops_per_s),
                r.peak_at_load.clone(),
                format!("{:.3}", r.p99_at_lightest_ms),
                r.p99_doubled_at_load.clone().unwrap_or_else(|| "never".into()),
            ],
            &[],
        );
    }
    page.push_str("</table>\n");
}

/// Under `heading`, every run's sentences of one kind (`violations`, `undecided`), one item
/// each; nothing when no run has any.
fn finding_list(
    page: &mut String,
    comparison: &Comparison,
    heading: &str,
    of: impl Fn(&harness::RunRecord) -> &Vec<String>,
) {
    let runs: Vec<_> = comparison.runs.iter().filter(|r| !of(&r.record).is_empty()).collect();
    if runs.is_empty() {
        return;
    }
    page.push_str(heading);
    page.push_str("<ul>\n");
    for run in runs {
        let r = &run.record;
        for sentence in of(r) {
            let _ = writeln!(
                page,
                "<li>{} under {} N={} seed {}: {}</li>",
                escape(&run.label),
                escape(&run.scenario),
                r.nodes,
                r.seed,
                escape(sentence)
            );
        }
    }
    page.push_str("</ul>\n");
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn svg_inline(chart: &Chart) -> Result<String, String> {
    let svg = std::fs::read_to_string(&chart.svg).map_err(|e| format!("reading {}: {e}", chart.svg.display()))?;
    let start = svg.find("<svg").unwrap_or(0);
    Ok(svg[start..].to_string())
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:13px}\
td,th{border:1px solid #bbb;padding:3px 7px;text-align:right}th{background:#eee;text-align:left}\
td.l{text-align:left}.bad{color:#b00;font-weight:bold}.note{color:#555;font-size:14px}\
figure{margin:1.5em 0}figcaption{font-size:14px;color:#555}pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap;word-break:break-all}\
ul.findings li{margin:.2em 0}";

fn figures(page: &mut String, charts: &[&Chart]) -> Result<(), String> {
    for chart in charts {
        let png = chart.png.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let _ = writeln!(
            page,
            "<figure>{}<figcaption>{} (<a href=\"{png}\">PNG</a>)</figcaption></figure>",
            svg_inline(chart)?,
            escape(&chart.title)
        );
    }
    Ok(())
}

fn header(page: &mut String, id: &str, columns: &[&str]) {
    let _ = write!(page, "<table id=\"{id}\"><tr>");
    for column in columns {
        let _ = write!(page, "<th>{}</th>", escape(column));
    }
    page.push_str("</tr>\n");
}

/// Whether a cell reads as a number (right-aligned) rather than text.
fn numeric(cell: &str) -> bool {
    cell.starts_with(|c: char| c.is_ascii_digit() || "-–>".contains(c)) && !cell.contains(' ') || cell.contains(" [")
}

/// The first cells of a row, left open for a last cell written by hand.
fn row_open(page: &mut String, cells: &[String]) {
    page.push_str("<tr>");
    for cell in cells {
        let class = if numeric(cell) { "" } else { " class=\"l\"" };
        let _ = write!(page, "<td{class}>{}</td>", escape(cell));
    }
}

fn row(page: &mut String, cells: &[String], bad: &[usize]) {
    page.push_str("<tr>");
    for (i, cell) in cells.iter().enumerate() {
        let mut classes = Vec::new();
        if !numeric(cell) {
            classes.push("l");
        }
        if bad.contains(&i) {
            classes.push("bad");
        }
        let class = if classes.is_empty() { String::new() } else { format!(" class=\"{}\"", classes.join(" ")) };
        let _ = write!(page, "<td{class}>{}</td>", escape(cell));
    }
    page.push_str("</tr>\n");
}

fn summary_table(page: &mut String, id: &str, rows: &[&SummaryRow]) {
    header(
        page,
        id,
        &[
            "algorithm",
            "runtime",
            "N",
            "load",
            "runs",
            "mean ops",
            "mean messages/op [95% CI]",
            "mean heartbeats/op",
            "mean bytes/op",
            "mean steady p50 ms [95% CI]",
            "mean steady p99 ms [95% CI]",
            "mean steady ops/s [95% CI]",
            "runs with violations",
            "runs unfinished",
        ],
    );
    for r in rows {
        row(
            page,
            &[
                r.algorithm.clone(),
                r.runtime.clone(),
                r.nodes.to_string(),
                match r.load {
                    crate::summary::Load::Fixed => String::new(),
                    load => load.to_string(),
                },
                r.runs.to_string(),
                r.ops.mean.to_string(),
                r.messages_per_op.text(),
                r.detection_messages_per_op.mean.to_string(),
                r.bytes_per_op.text(),
                r.latency_p50_ms.text(),
                r.latency_p99_ms.text(),
                r.throughput_ops_per_s.text(),
                r.runs_with_violations.to_string(),
                r.runs_unfinished.to_string(),
            ],
            if r.runs_with_violations > 0 { &[12] } else { &[] },
        );
    }
    page.push_str("</table>\n");
}

/// Reads apart, for the protocols that answered some: what each cost and how long it took, and
/// how many a lease answered without a message.
fn reads_table(page: &mut String, id: &str, rows: &[&SummaryRow]) {
    page.push_str(
        "<p>Reads apart: through the log a read costs what a write does; a ReadIndex read costs its share of a \
        leadership round; a read under a lease costs no message.</p>\n",
    );
    header(
        page,
        id,
        &[
            "algorithm",
            "runtime",
            "N",
            "load",
            "mean messages/read [95% CI]",
            "mean read p50 ms [95% CI]",
            "mean read p99 ms [95% CI]",
            "share of reads by lease",
        ],
    );
    for r in rows.iter().filter(|r| r.messages_per_read.n > 0) {
        row(
            page,
            &[
                r.algorithm.clone(),
                r.runtime.clone(),
                r.nodes.to_string(),
                r.load.to_string(),
                r.messages_per_read.text(),
                r.read_latency_p50_ms.text(),
                r.read_latency_p99_ms.text(),
                r.reads_by_lease.text(),
            ],
            &[],
        );
    }
    page.push_str("</table>\n");
}

fn failure_table(page: &mut String, id: &str, rows: &[&FailureRow]) {
    header(
        page,
        id,
        &[
            "algorithm",
            "scenario",
            "runtime",
            "N",
            "fault",
            "runs",
            "runs with violations",
            "mean ops completed [95% CI]",
            "mean unavailable ms [95% CI]",
            "mean new leader ms [95% CI]",
            "no new leader",
            "mean recovered ms [95% CI]",
            "not recovered",
            "mean messages to recover [95% CI]",
        ],
    );
    for r in rows {
        if r.hit == 0 {
            let why = if r.struck == 0 {
                "the fault never struck"
            } else {
                "the fault hit nothing: no node held the role it aims at"
            };
            let cells = [
                r.algorithm.clone(),
                r.scenario.clone(),
                r.runtime.clone(),
                r.nodes.to_string(),
                r.fault.clone(),
                r.runs.to_string(),
            ];
            row_open(page, &cells);
            let _ = writeln!(page, "<td class=\"l\" colspan=\"8\">{why}</td></tr>");
            continue;
        }
        let has_leader = r.has_leader;
        row(
            page,
            &[
                r.algorithm.clone(),
                r.scenario.clone(),
                r.runtime.clone(),
                r.nodes.to_string(),
                r.fault.clone(),
                r.runs.to_string(),
                r.runs_with_violations.to_string(),
                r.ops.text(),
                r.unavailable_ms.text(),
                if has_leader { r.new_leader_ms.text() } else { "n/a".into() },
                if has_leader { r.new_leader_never.to_string() } else { "n/a".into() },
                r.recovered_ms.text(),
                r.recovered_never.to_string(),
                r.recovery_messages.text(),
            ],
            if r.runs_with_violations > 0 { &[6] } else { &[] },
        );
    }
    page.push_str("</table>\n");
}

/// A network in a few words.
fn network_of(network: &harness::NetworkConfig) -> String {
    let mut parts = vec![format!("latency {}", network.latency)];
    if network.drop > 0.0 {
        parts.push(format!("drop {}", network.drop));
    }
    if network.duplicate > 0.0 {
        parts.push(format!("duplicate {}", network.duplicate));
    }
    parts.push(if network.reorder { "links reorder".into() } else { "FIFO links".into() });
    parts.join(", ")
}

/// What a scenario's workload offers one family, in a few words.
fn workload_of(scenario: &crate::comparison::ScenarioInfo, family: Family) -> String {
    let w = &scenario.spec.workload;
    let d = harness::format_duration;
    let amount = match (scenario.spec.ops, scenario.spec.duration) {
        (Some(ops), Some(limit)) => format!("{ops} ops or {}", d(limit)),
        (Some(ops), None) => format!("{ops} ops"),
        (None, Some(limit)) => format!("for {}", d(limit)),
        (None, None) => format!("{} ops", harness::RunSpec::DEFAULT_OPS),
    };
    let load = match family {
        Family::Replication => {
            format!("{} closed-loop clients over {} keys, think {}", w.clients, w.keys, d(w.client_think))
        }
        Family::Election => format!(
            "first election by {}; {}",
            w.initiator,
            if scenario.spec.crashes_leaders() {
                format!("leader crashed {} after each agreement", d(w.pause))
            } else {
                "elections the faults cause".into()
            }
        ),
        Family::Mutex => format!("{} load, hold {}, think up to {}", w.load, d(w.hold), d(w.think)),
    };
    format!("{load}, {amount}")
}

/// Every parameter each algorithm ran with, once per distinct set.
fn parameters(page: &mut String, comparison: &Comparison) {
    let mut sets: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for run in &comparison.runs {
        let mut text: Vec<String> = run.record.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if run.record.family == Family::Replication {
            if let Some(timeout) = run.record.workload.client_timeout {
                text.push(format!("client resend timeout={}", harness::format_duration(timeout)));
            }
        }
        let scenarios = sets.entry((run.label.clone(), text.join(", "))).or_default();
        if !scenarios.contains(&run.scenario) {
            scenarios.push(run.scenario.clone());
        }
    }
    page.push_str("<p>The parameters each algorithm ran with (given, or derived from the network by the rule its crate doc states):</p>\n");
    header(page, "parameters", &["algorithm", "parameters", "scenarios"]);
    for ((label, text), scenarios) in &sets {
        let text = if text.is_empty() { "none".to_string() } else { text.clone() };
        row(page, &[label.clone(), text, scenarios.join(", ")], &[]);
    }
    page.push_str("</table>\n");
}

/// What breaks what: each algorithm under each fault kind alone.
fn probe_table(page: &mut String, cells: &[crate::ProbeCell]) {
    let mut algorithms: Vec<&str> = Vec::new();
    let mut kinds: Vec<&str> = Vec::new();
    for cell in cells {
        if !algorithms.contains(&cell.algorithm.as_str()) {
            algorithms.push(&cell.algorithm);
        }
        if !kinds.contains(&cell.fault.as_str()) {
            kinds.push(&cell.fault);
        }
    }
    page.push_str(
        "<h2 id=\"what-breaks-what\">What breaks what</h2>\n<p>Each algorithm under each kind of fault alone, over the \
         seeds of this report (<code>workbench check --probe</code>): <b>safe</b> (every run kept its invariants and finished), \
         <b>stalled</b> (no invariant broke, but work stopped), <b>violated</b> (an invariant broke). A star marks a kind the \
         algorithm claims to survive; the others show which assumption it rests on. Hover a cell for its first seed.</p>\n",
    );
    let mut columns = vec!["algorithm"];
    columns.extend(kinds.iter().copied());
    header(page, "probe", &columns);
    for algorithm in &algorithms {
        let _ = write!(page, "<tr><td class=\"l\">{}</td>", escape(algorithm));
        for kind in &kinds {
            match cells.iter().find(|c| c.algorithm == *algorithm && c.fault == *kind) {
                Some(cell) => {
                    let word = format!("{:?}", cell.verdict).to_lowercase();
                    let class = match cell.verdict {
                        crate::ProbeVerdict::Violated => "l bad",
                        _ => "l",
                    };
                    let title = match (&cell.seed, &cell.violation) {
                        (Some(seed), Some(what)) => format!(" title=\"seed {seed}: {}\"", escape(what)),
                        _ => String::new(),
                    };
                    let star = if cell.claimed { "*" } else { "" };
                    let _ = write!(page, "<td class=\"{class}\"{title}>{word}{star}</td>");
                }
                None => page.push_str("<td class=\"l\">–</td>"),
            }
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n");
}

/// The page.
pub fn render(p: &Page) -> Result<String, String> {
    let comparison = p.comparison;
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>consensus-workbench comparison</title>\
         <style>{STYLE}</style></head><body>\n<h1>consensus-workbench comparison</h1>\n"
    );
    page.push_str("<h2 id=\"found\">What this report found</h2>\n");
    for (family, lines) in p.findings {
        let _ = writeln!(page, "<h3>{family}</h3>\n<ul class=\"findings\">");
        for line in lines {
            let _ = writeln!(page, "<li>{}</li>", escape(line));
        }
        page.push_str("</ul>\n");
    }

    let seeds: Vec<String> = comparison.seeds.iter().map(|s| s.to_string()).collect();
    let runtimes: Vec<String> = comparison.runtimes().iter().map(|r| r.to_string()).collect();
    let _ = write!(
        page,
        "<h2 id=\"how\">How it was made</h2>\n<p>{} runs on the {} runtime; seeds {} per cell; workbench {}. \
         Reproduce it exactly with:</p>\n<pre>{}</pre>\n\
         <p>Data: <a href=\"runs.json\">runs.json</a> (every record, failure metrics included), <a href=\"runs.csv\">runs.csv</a>, \
         <a href=\"summary.csv\">summary.csv</a>, <a href=\"failures.csv\">failures.csv</a>, <a href=\"formulas.csv\">formulas.csv</a>.</p>\n\
         <p class=\"note\">Every table cell headed \"mean\" is a mean over seeds with its 95% interval (Student's t) in brackets; \
         chart points are the same means with the interval as an error bar. Steady-state latency and throughput count the ops invoked \
         after the first one completed, so the start-up election is left out.</p>\n",
        comparison.runs.len(),
        runtimes.join(" and "),
        seeds.first().map(|f| format!("{f}..{}", seeds.last().cloned().unwrap_or_default())).unwrap_or_default(),
        escape(&comparison.version),
        escape(&comparison.command)
    );
    header(&mut page, "scenarios", &["scenario", "families", "what happens", "faults", "network", "workload"]);
    for scenario in &comparison.scenarios {
        let families: Vec<String> = scenario.families.iter().map(|f| f.to_string()).collect();
        let faults: Vec<String> = scenario.spec.faults.faults.iter().map(|f| f.to_string()).collect();
        let workload: Vec<String> =
            scenario.families.iter().map(|f| format!("{f}: {}", workload_of(scenario, *f))).collect();
        row(
            &mut page,
            &[
                scenario.name.clone(),
                families.join(", "),
                scenario.about.clone(),
                faults.join(", "),
                network_of(&scenario.spec.network),
                workload.join("; "),
            ],
            &[],
        );
    }
    page.push_str("</table>\n");
    parameters(&mut page, comparison);

    for scenario in &comparison.scenarios {
        let _ = writeln!(
            page,
            "<h2 id=\"scenario-{0}\">Scenario: {0}</h2>\n<p>{1}</p>",
            escape(&scenario.name),
            escape(&scenario.about)
        );
        for family in comparison.families().into_iter().filter(|f| scenario.families.contains(f)) {
            let _ = writeln!(page, "<h3>{family}</h3>");
            let charts: Vec<&Chart> = p
                .charts
                .iter()
                .filter(|c| c.family == family && c.scenario.as_deref() == Some(scenario.name.as_str()))
                .collect();
            figures(&mut page, &charts)?;
            if scenario.has_faults() {
                let rows: Vec<&FailureRow> = p
                    .failures
                    .iter()
                    .filter(|r| r.scenario == scenario.name && r.family == family.to_string())
                    .collect();
                failure_table(&mut page, &format!("failures-{}-{family}", scenario.name), &rows);
            } else {
                let rows: Vec<&SummaryRow> = p
                    .summary
                    .iter()
                    .filter(|r| r.scenario == scenario.name && r.family == family.to_string())
                    .collect();
                summary_table(&mut page, &format!("summary-{}-{family}", scenario.name), &rows);
                if rows.iter().any(|r| r.messages_per_read.n > 0) {
                    reads_table(&mut page, &format!("reads-{}-{family}", scenario.name), &rows);
                }
                let peaks: Vec<&crate::load::PeakRow> =
                    p.peaks.iter().filter(|r| r.scenario == scenario.name && r.family == family.to_string()).collect();
                if !peaks.is_empty() {
                    peak_table(&mut page, &format!("peak-{}-{family}", scenario.name), &peaks);
                }
            }
        }
    }

    if !p.failures.is_empty() {
        page.push_str("<h2 id=\"failure-behaviour\">Failure behaviour side by side</h2>\n<p>Each algorithm under each fault scenario: \
            unavailability is the longest stretch without a completed op after the first; the new leader is the first one every live \
            node of the majority follows; recovery is the first completion of an op invoked after the fault.</p>\n");
        for family in comparison.families() {
            let mut rows: Vec<&FailureRow> = p.failures.iter().filter(|r| r.family == family.to_string()).collect();
            if rows.is_empty() {
                continue;
            }
            rows.sort_by(|a, b| (&a.algorithm, &a.scenario).cmp(&(&b.algorithm, &b.scenario)));
            let _ = writeln!(page, "<h3>{family}</h3>");
            failure_table(&mut page, &format!("failures-{family}"), &rows);
        }
    }

    if !comparison.probe.is_empty() {
        probe_table(&mut page, &comparison.probe);
    }
    page.push_str("<h2 id=\"formulas\">Textbook formulas</h2>\n<p>Each algorithm's canonical scenario (reliable network, light load, \
        a named initiator where it matters), measured against the count its formula predicts. These lines come from the formula \
        scenario, not from the runs above.</p>\n");
    let formula_charts: Vec<&Chart> = p.charts.iter().filter(|c| c.scenario.is_none()).collect();
    figures(&mut page, &formula_charts)?;
    header(
        &mut page,
        "formula-table",
        &["algorithm", "N", "ops", "measured", "expected", "per op", "agrees", "formula", "source"],
    );
    for r in &comparison.formulas {
        row(
            &mut page,
            &[
                r.algorithm.clone(),
                r.nodes.to_string(),
                r.ops.to_string(),
                r.measured.to_string(),
                r.expected.to_string(),
                r.measured_per_op.to_string(),
                if r.ok { "yes".into() } else { "NO".into() },
                r.formula.clone(),
                r.source.clone(),
            ],
            if r.ok { &[] } else { &[6] },
        );
    }
    page.push_str("</table>\n");
    finding_list(&mut page, comparison, "<h2 id=\"violations\">Violations</h2>\n", |r| &r.violations);
    finding_list(
        &mut page,
        comparison,
        "<h2 id=\"undecided\">Undecided checks</h2>\n<p>A checker gave no verdict on these runs (the \
         linearizability search ran out of steps): they are neither violations nor passes.</p>\n",
        |r| &r.undecided,
    );
    page.push_str("</body></html>\n");
    Ok(page)
}
