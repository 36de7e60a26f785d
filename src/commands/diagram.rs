//! `workbench diagram`: a trace as a space-time diagram page, or as a ShiViz log.

use std::io::BufReader;

use harness::trace::Trace;

use crate::cli::DiagramArgs;
use crate::commands::run::writable;
use crate::Failure;

/// Reads the trace and writes what was asked for; the text says what was written.
pub fn diagram(args: &DiagramArgs) -> Result<String, Failure> {
    if args.out.is_none() && args.shiviz.is_none() {
        return Err(Failure::Usage("diagram: say what to write: --out FILE.html, --shiviz FILE.log, or both".into()));
    }
    for (path, what) in [(&args.out, "out"), (&args.shiviz, "shiviz")] {
        if let Some(path) = path {
            writable(path, what)?;
        }
    }
    let shown = args.trace.display();
    let file =
        std::fs::File::open(&args.trace).map_err(|e| Failure::Usage(format!("trace: cannot read {shown}: {e}")))?;
    let trace = Trace::read_jsonl(BufReader::new(file)).map_err(|e| Failure::Usage(format!("trace: {shown}: {e}")))?;
    if trace.lines.is_empty() {
        return Err(Failure::Usage(format!("trace: {shown} holds no events")));
    }
    let mut text = String::new();
    let failed = |path: &std::path::Path, e: std::io::Error| Failure::Run(format!("writing {}: {e}", path.display()));
    if let Some(path) = &args.out {
        super::run::write_trace(&trace, None, Some(path))?;
        text.push_str(&format!("diagram: {} ({} events)\n", path.display(), trace.lines.len()));
    }
    if let Some(path) = &args.shiviz {
        std::fs::write(path, reports::diagram::shiviz_log(&trace)).map_err(|e| failed(path, e))?;
        text.push_str(&format!("ShiViz log: {}\n", path.display()));
    }
    Ok(text)
}
