//! `workbench formulas`: measured message counts against the textbook formulas.

use harness::formula::FormulaRow;

use crate::cli::{Format, FormulasArgs};
use crate::registry::Registry;
use crate::Failure;

/// Runs every algorithm's formula scenario at each N. Returns the rendered rows and whether all
/// agreed.
pub fn formulas(args: &FormulasArgs, registry: &Registry) -> Result<(String, bool), Failure> {
    if let Some(n) = args.nodes.iter().find(|n| **n < 2) {
        return Err(Failure::Usage(format!("nodes: the formula scenarios need at least 2 nodes (got {n})")));
    }
    let entries = if args.algorithms.is_empty() {
        registry.all()
    } else {
        args.algorithms.iter().map(|name| registry.find(name)).collect::<Result<_, _>>().map_err(Failure::Usage)?
    };
    let mut rows = Vec::new();
    for entry in entries {
        for &nodes in &args.nodes {
            if let Some(result) = (entry.formula)(nodes) {
                rows.push(result.map_err(|e| Failure::Run(format!("{} at N={nodes}: {e}", entry.name)))?);
            }
        }
    }
    let sizes = size_checks(&rows);
    let all_ok = rows.iter().all(|r| r.ok) && sizes.iter().all(|s| s.holds);
    let text = match args.format {
        Format::Json => serde_json::to_string(&rows).expect("rows serialize") + "\n",
        Format::Csv => reports::to_csv_rows(&rows),
        Format::Table => table(&rows) + &size_table(&sizes),
    };
    Ok((text, all_ok))
}

/// One algorithm's stated message size against its measured bytes at every N.
struct SizeCheck {
    algorithm: String,
    kind: String,
    text: String,
    growth: harness::formula::Growth,
    points: Vec<(usize, f64)>,
    holds: bool,
}

fn size_checks(rows: &[FormulaRow]) -> Vec<SizeCheck> {
    let mut checks: Vec<SizeCheck> = Vec::new();
    for row in rows {
        let Some(size) = &row.size else { continue };
        if checks.last().is_none_or(|c| c.algorithm != row.algorithm) {
            checks.push(SizeCheck {
                algorithm: row.algorithm.clone(),
                kind: size.kind.clone(),
                text: size.text.clone(),
                growth: size.growth,
                points: Vec::new(),
                holds: true,
            });
        }
        checks.last_mut().expect("just pushed").points.push((row.nodes, size.bytes_per_message));
    }
    for check in &mut checks {
        check.points.sort_by_key(|p| p.0);
        check.holds = check.growth.holds(&check.points);
    }
    checks
}

fn size_table(checks: &[SizeCheck]) -> String {
    if checks.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nmessage sizes (bytes per message, postcard encoding)\n");
    for c in checks {
        let points: Vec<String> = c.points.iter().map(|(n, b)| format!("N={n}: {b:.1}")).collect();
        out.push_str(&format!(
            "{:16} {:10} {}  {:?} growth: {}  ({})\n",
            c.algorithm,
            c.kind,
            points.join(", "),
            c.growth,
            if c.holds { "yes" } else { "NO" },
            c.text
        ));
    }
    out
}

fn table(rows: &[FormulaRow]) -> String {
    let mut out = format!(
        "{:16} {:>4} {:>5} {:>9} {:>9} {:>9}  {:4}  {}\n",
        "algorithm", "N", "ops", "measured", "expected", "per op", "ok", "formula"
    );
    for r in rows {
        out.push_str(&format!(
            "{:16} {:>4} {:>5} {:>9} {:>9} {:>9}  {:4}  {}\n",
            r.algorithm,
            r.nodes,
            r.ops,
            r.measured,
            r.expected,
            r.measured_per_op,
            if r.ok { "yes" } else { "NO" },
            r.formula
        ));
        for violation in &r.violations {
            out.push_str(&format!("    ! {violation}\n"));
        }
    }
    out
}
