//! `workbench run`

use harness::{RunRecord, RunSpec};

use crate::cli::{Format, RunArgs};
use crate::scenario;
use crate::{registry, Failure};

/// The algorithm and run spec the arguments describe: built-in defaults, then the scenario file,
/// then the flags given.
pub fn spec_of(args: &RunArgs) -> Result<(String, RunSpec), Failure> {
    let mut spec = RunSpec::default();
    let mut algorithm = None;
    if let Some(path) = &args.scenario {
        let file = scenario::load(path).map_err(Failure::Usage)?;
        file.apply(&mut spec).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
        algorithm = file.algorithm.clone();
    }
    if let Some(name) = &args.algorithm {
        algorithm = Some(name.clone());
    }
    let algorithm =
        algorithm.ok_or_else(|| Failure::Usage("no algorithm: name one, or give a --scenario that does".into()))?;
    macro_rules! flag {
        ($($field:ident => $target:expr),* $(,)?) => {
            $(if let Some(value) = args.$field.clone() { $target = value; })*
        };
    }
    flag! {
        nodes => spec.nodes,
        runtime => spec.runtime,
        seed => spec.seed,
        latency => spec.network.latency,
        drop => spec.network.drop,
        duplicate => spec.network.duplicate,
        load => spec.workload.load,
        hold => spec.workload.hold,
        think => spec.workload.think,
        initiator => spec.workload.initiator,
        pause => spec.workload.pause,
        clients => spec.workload.clients,
        keys => spec.workload.keys,
        client_timeout => spec.workload.client_timeout,
        client_think => spec.workload.client_think,
    }
    if args.ops.is_some() {
        spec.ops = args.ops;
    }
    if args.duration.is_some() {
        spec.duration = args.duration;
    }
    if args.variant.is_some() {
        // `default` undoes a scenario file's variant: the algorithm as published.
        spec.variant = args.variant.clone().filter(|v| v != "default");
    }
    if args.reorder {
        spec.network.reorder = true;
    }
    if !args.faults.is_empty() {
        spec.faults.faults = args.faults.clone();
    }
    Ok((algorithm, spec))
}

/// Runs the algorithm and renders its record.
pub fn run(args: &RunArgs) -> Result<(RunRecord, String), Failure> {
    let (algorithm, spec) = spec_of(args)?;
    let entry = registry::find(&algorithm).map_err(Failure::Usage)?;
    let (record, history) = (entry.run_with_history)(&spec).map_err(|err| match err {
        harness::RunError::Spec(spec_error) => Failure::Usage(spec_error.to_string()),
        other => Failure::Run(other.to_string()),
    })?;
    if let Some(path) = &args.history {
        std::fs::write(path, reports::edn::history(&history.clients))
            .map_err(|e| Failure::Run(format!("writing {}: {e}", path.display())))?;
    }
    let text = match args.format {
        Format::Json => reports::to_json(&record) + "\n",
        Format::Csv => reports::to_csv(std::slice::from_ref(&record)),
        Format::Table => reports::to_table(&record),
    };
    Ok((record, text))
}
