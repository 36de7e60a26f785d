//! `workbench run`

use std::io::Write;
use std::path::Path;

use harness::trace::Trace;
use harness::{Family, RunRecord, RunSpec};

use crate::cli::{Format, RunArgs};
use crate::registry::Registry;
use crate::{scenario, Failure};

/// The run description the arguments give: built-in defaults, then the scenario file, then the
/// flags given, then the algorithm named on the command line.
pub fn spec_of(args: &RunArgs) -> Result<RunSpec, Failure> {
    let mut spec = match args.run.scenario.as_slice() {
        [] => RunSpec::default(),
        [path] => scenario::load(path).map_err(Failure::Usage)?,
        _ => return Err(Failure::Usage("scenario: `run` takes one scenario file (`compare` takes several)".into())),
    };
    args.run.apply(&mut spec)?;
    if let Some(name) = &args.algorithm {
        spec.algorithm = Some(name.clone());
    }
    if spec.algorithm.is_none() {
        return Err(Failure::Usage("no algorithm: name one, or give a --scenario that does".into()));
    }
    Ok(spec)
}

/// Checks that `path` can be written, before anything runs: not a directory, its folder exists.
pub fn writable(path: &Path, what: &str) -> Result<(), Failure> {
    let shown = path.display();
    if path.is_dir() {
        return Err(Failure::Usage(format!("{what}: {shown} is a directory; name a file")));
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(|_| ())
        .map_err(|e| Failure::Usage(format!("{what}: cannot write {shown}: {e}")))
}

/// Writes a trace as JSON lines and as a diagram page, where asked.
pub fn write_trace(trace: &Trace, jsonl: Option<&Path>, diagram: Option<&Path>) -> Result<(), Failure> {
    let failed = |path: &Path, e: std::io::Error| Failure::Run(format!("writing {}: {e}", path.display()));
    if let Some(path) = jsonl {
        let file = std::fs::File::create(path).map_err(|e| failed(path, e))?;
        let mut out = std::io::BufWriter::new(file);
        trace.write_jsonl(&mut out).and_then(|_| out.flush()).map_err(|e| failed(path, e))?;
    }
    if let Some(path) = diagram {
        std::fs::write(path, reports::diagram::diagram_html(trace)).map_err(|e| failed(path, e))?;
    }
    Ok(())
}

/// Runs the algorithm and renders its record.
pub fn run(args: &RunArgs, registry: &Registry) -> Result<(RunRecord, String), Failure> {
    let spec = spec_of(args)?;
    let entry = registry.find(spec.algorithm.as_deref().unwrap_or_default()).map_err(Failure::Usage)?;
    if let Some(knob) = args.run.foreign_knobs(entry.family).first() {
        return Err(Failure::Usage(format!(
            "{knob}: --{knob} is a workload knob of another family; {} is in the {} family",
            entry.name, entry.family
        )));
    }
    (entry.prepare)(&spec).map_err(|e| Failure::Usage(e.to_string()))?;
    if let Some(path) = &args.history {
        if entry.family != Family::Replication {
            return Err(Failure::Usage(format!(
                "history: {} is in the {} family; client histories (EDN) belong to the replication family",
                entry.name, entry.family
            )));
        }
        writable(path, "history")?;
    }
    if let Some(path) = &args.trace {
        writable(path, "trace")?;
    }
    if let Some(path) = &args.diagram {
        writable(path, "diagram")?;
    }
    let traced = args.trace.is_some() || args.diagram.is_some();
    let result = if traced { entry.run_traced(&spec) } else { entry.run(&spec) };
    let (record, outcome) = result.map_err(|err| match err {
        harness::RunError::Spec(spec_error) => Failure::Usage(spec_error.to_string()),
        other => Failure::Run(other.to_string()),
    })?;
    if let Some(path) = &args.history {
        std::fs::write(path, reports::edn::history(&outcome.history.clients))
            .map_err(|e| Failure::Run(format!("writing {}: {e}", path.display())))?;
    }
    if let Some(trace) = &outcome.trace {
        write_trace(trace, args.trace.as_deref(), args.diagram.as_deref())?;
    }
    let text = match args.format {
        Format::Json => reports::to_json(&record) + "\n",
        Format::Csv => reports::to_csv(std::slice::from_ref(&record)),
        Format::Table => reports::to_table(&record),
    };
    Ok((record, text))
}
