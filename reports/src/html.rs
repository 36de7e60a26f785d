//! The self-contained `index.html`: charts inlined as SVG, tables, and the command that
//! reproduces it. No script, no stylesheet or image fetched from anywhere.

use std::fmt::Write;

use crate::comparison::Comparison;
use crate::report::Chart;
use crate::summary::SummaryRow;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn svg_inline(chart: &Chart) -> Result<String, String> {
    let svg = std::fs::read_to_string(&chart.svg).map_err(|e| format!("reading {}: {e}", chart.svg.display()))?;
    let start = svg.find("<svg").unwrap_or(0);
    Ok(svg[start..].to_string())
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:14px}\
td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{background:#eee}\
td.l,th.l{text-align:left}.bad{color:#b00;font-weight:bold}\
figure{margin:1.5em 0}figcaption{font-size:14px;color:#555}pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap;word-break:break-all}";

/// The page.
pub fn render(comparison: &Comparison, summary: &[SummaryRow], charts: &[Chart]) -> Result<String, String> {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>consensus-workbench comparison</title>\
         <style>{STYLE}</style></head><body>\n<h1>consensus-workbench comparison</h1>\n"
    );
    let seeds: Vec<String> = comparison.seeds.iter().map(|s| s.to_string()).collect();
    let _ = write!(
        page,
        "<p>{} runs; seeds {}. Reproduce it exactly with:</p>\n<pre>{}</pre>\n\
         <p>Data: <a href=\"runs.csv\">runs.csv</a>, <a href=\"runs.json\">runs.json</a>, \
         <a href=\"summary.csv\">summary.csv</a>, <a href=\"formulas.csv\">formulas.csv</a>.</p>\n",
        comparison.runs.len(),
        seeds.join(", "),
        escape(&comparison.command)
    );
    for family in comparison.families() {
        let _ = writeln!(page, "<h2>{family}</h2>");
        for chart in charts.iter().filter(|c| c.family == family) {
            let png = chart.png.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let _ = writeln!(
                page,
                "<figure>{}<figcaption>{} (<a href=\"{png}\">PNG</a>)</figcaption></figure>",
                svg_inline(chart)?,
                escape(&chart.title)
            );
        }
    }
    page.push_str("<h2>Summary</h2>\n<p>Latency percentiles over every op of every seed; messages per op as the mean over seeds with its 95% interval (Student's t), failure-detection traffic (heartbeats) excluded and shown apart.</p>\n<table id=\"summary\"><tr><th class=\"l\">algorithm</th><th class=\"l\">family</th><th>N</th><th>runs</th><th>ops</th><th>latency p50 ms</th><th>latency p99 ms</th><th>messages/op</th><th>95% interval</th><th>formula/op</th><th>detection/op</th><th>ops/s</th><th>runs with violations</th></tr>\n");
    for row in summary {
        let formula = row.formula_messages_per_op.map(|f| f.to_string()).unwrap_or_default();
        let bad = if row.runs_with_violations > 0 { " class=\"bad\"" } else { "" };
        let _ = writeln!(
            page,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>[{}, {}]</td><td>{}</td><td>{}</td><td>{}</td><td{bad}>{}</td></tr>",
            escape(&row.algorithm),
            row.family,
            row.nodes,
            row.runs,
            row.ops,
            row.latency_p50_ms,
            row.latency_p99_ms,
            row.messages_per_op_mean,
            row.messages_per_op_ci95_low,
            row.messages_per_op_ci95_high,
            formula,
            row.detection_messages_per_op_mean,
            row.throughput_ops_per_s_mean,
            row.runs_with_violations
        );
    }
    page.push_str("</table>\n<h2>Textbook formulas</h2>\n<p>Each algorithm's canonical scenario (reliable network, light load, a named initiator where it matters), measured against the count its formula predicts.</p>\n<table id=\"formulas\"><tr><th class=\"l\">algorithm</th><th>N</th><th>ops</th><th>measured</th><th>expected</th><th>per op</th><th class=\"l\">agrees</th><th class=\"l\">formula</th><th class=\"l\">source</th></tr>\n");
    for row in &comparison.formulas {
        let _ = writeln!(
            page,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l{}\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
            escape(&row.algorithm),
            row.nodes,
            row.ops,
            row.measured,
            row.expected,
            row.measured_per_op,
            if row.ok { "" } else { " bad" },
            if row.ok { "yes" } else { "NO" },
            escape(&row.formula),
            escape(&row.source)
        );
    }
    page.push_str("</table>\n");
    let violations: Vec<_> = comparison.runs.iter().filter(|r| !r.record.violations.is_empty()).collect();
    if !violations.is_empty() {
        page.push_str("<h2>Violations</h2>\n<ul>\n");
        for run in violations {
            for v in &run.record.violations {
                let r = &run.record;
                let _ =
                    writeln!(page, "<li>{} N={} seed {}: {}</li>", escape(&r.algorithm), r.nodes, r.seed, escape(v));
            }
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</body></html>\n");
    Ok(page)
}
