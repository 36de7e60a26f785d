//! The space-time diagram of a run, and its ShiViz log.
//!
//! [`diagram_html`] turns a trace ([`harness::trace`]) into one self-contained page: the data as
//! JSON in the page, the drawing code (plain JavaScript and SVG, no library, nothing fetched) and
//! its style sheet inlined. [`shiviz_log`] writes the same trace for ShiViz.

mod model;
mod shiviz;

pub use model::{Arrow, Diagram, Fate};
pub use shiviz::{shiviz_log, SHIVIZ_REGEX};

use harness::trace::Trace;

const SCRIPT: &str = include_str!("diagram.js");
const STYLE: &str = include_str!("diagram.css");

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The page of `trace`'s space-time diagram.
pub fn diagram_html(trace: &Trace) -> String {
    let diagram = Diagram::of(trace);
    // `</` cannot close the script element from inside a JSON string once escaped.
    let json = serde_json::to_string(&diagram).expect("the diagram serializes").replace("</", "<\\/");
    let delivered = diagram.arrows.iter().filter(|a| a.fate == Fate::Delivered).count();
    let lost = diagram.arrows.iter().filter(|a| !matches!(a.fate, Fate::Delivered | Fate::InFlight)).count();
    let in_flight = diagram.arrows.iter().filter(|a| a.fate == Fate::InFlight).count();
    let mut summary = format!(
        "{} messages sent: {delivered} arrows delivered, {lost} lost, {in_flight} in flight at the end; {} observations; {} faults; {} client operations; {:.3} ms",
        trace.count("send"),
        diagram.marks.len(),
        diagram.faults.len(),
        diagram.clients.len(),
        diagram.end as f64 / 1e6,
    );
    if !diagram.violations.is_empty() {
        summary.push_str(&format!("; {} violation(s), marked in red", diagram.violations.len()));
    }
    let command = if diagram.command.is_empty() {
        String::new()
    } else {
        format!("<div class=\"command\">{}</div>", escape(&diagram.command))
    };
    let violations: String = diagram
        .violations
        .iter()
        .map(|v| format!("<li>{}: {}</li>", escape(&format!("{:.3} ms", v.time as f64 / 1e6)), escape(&v.message)))
        .collect();
    let violations =
        if violations.is_empty() { String::new() } else { format!("<ul class=\"violations\">{violations}</ul>") };
    let title = escape(&diagram.title);
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: space-time diagram</title>
<style>
{STYLE}</style>
</head>
<body>
<header>
<h1>{title}</h1>
{command}
<div class="summary">{summary}</div>
{violations}
</header>
<div class="toolbar">
<button id="whole" title="show the whole run">Whole run</button>
<button id="zoom-in" title="zoom in (+)">+</button>
<button id="zoom-out" title="zoom out (-)">−</button>
<button id="left" title="earlier (←)">◀</button>
<button id="right" title="later (→)">▶</button>
<span id="window"></span>
<label><input type="checkbox" id="show-timers"> timers</label>
<label><input type="checkbox" id="show-labels"> labels</label>
<label><input type="checkbox" id="show-appends"> log appends</label>
<span class="hint">wheel: zoom · drag: pan · click: keep details</span>
</div>
<div class="filters">
<div class="row"><span class="what">messages</span><span id="legend"></span></div>
<div class="row"><span class="what">nodes</span><span id="node-filter"></span></div>
</div>
<div class="key">
<span><i style="border-bottom:2px solid #1f77b4"></i>delivered</span>
<span><i style="border-bottom:2px dashed #d92d20"></i>lost (×)</span>
<span><i style="background:#eaecf0"></i>node down</span>
<span><i style="background:rgba(247,144,9,.25)"></i>cut off by a fault</span>
<span><i style="background:rgba(253,176,34,.22)"></i>slowed</span>
<span><i style="background:rgba(18,183,106,.3)"></i>in the critical section</span>
<span><i style="background:#12b76a"></i>client op answered</span>
<span><i style="background:#f79009"></i>redirected</span>
<span><i style="border-left:2px solid #d92d20"></i>violation</span>
</div>
<svg id="overview" role="img" aria-label="messages over the whole run; drag to pick a window"></svg>
<div id="notice"></div>
<main>
<div id="canvas"><svg id="diagram" role="img" aria-label="space-time diagram"></svg></div>
<aside id="details"></aside>
</main>
<script id="trace-data" type="application/json">{json}</script>
<script>
{SCRIPT}</script>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::trace::{TraceEvent, TraceLine};

    #[test]
    fn the_page_holds_its_data_and_code_and_fetches_nothing() {
        let trace = Trace {
            lines: vec![TraceLine {
                time: 3,
                node: Some(0),
                event: TraceEvent::Send {
                    id: 0,
                    from: 0,
                    to: 1,
                    kind: "ping".into(),
                    msg: serde_json::json!({"text": "</script><script>alert(1)</script>"}),
                },
            }],
        };
        let page = diagram_html(&trace);
        assert!(page.contains("id=\"trace-data\""));
        assert!(!page.contains("</script><script>alert"), "a payload cannot close the data script");
        for fetch in ["src=\"http", "href=\"http", "@import", "url(http"] {
            assert!(!page.contains(fetch), "the page fetches {fetch}");
        }
    }
}
