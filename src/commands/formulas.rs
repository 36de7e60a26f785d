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
    let all_ok = rows.iter().all(|r| r.ok);
    let text = match args.format {
        Format::Json => serde_json::to_string(&rows).expect("rows serialize") + "\n",
        Format::Csv => reports::to_csv_rows(&rows),
        Format::Table => table(&rows),
    };
    Ok((text, all_ok))
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
