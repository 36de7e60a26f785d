//! `workbench run`

use harness::{FaultPlan, NetworkConfig, RunRecord, RunSpec, Workload};

use crate::cli::{Format, RunArgs};
use crate::registry;
use crate::Failure;

/// The run spec the arguments describe.
pub fn spec_of(args: &RunArgs) -> RunSpec {
    RunSpec {
        nodes: args.nodes,
        seed: args.seed,
        runtime: args.runtime,
        ops: args.ops,
        duration: args.duration,
        variant: args.variant.clone(),
        network: NetworkConfig {
            latency: args.latency,
            drop: args.drop,
            duplicate: args.duplicate,
            reorder: args.reorder,
        },
        faults: FaultPlan { faults: args.faults.clone() },
        workload: Workload {
            hold: args.hold,
            think: args.think,
            load: args.load,
            initiator: args.initiator,
            pause: args.pause,
        },
    }
}

/// Runs the algorithm and renders its record.
pub fn run(args: &RunArgs) -> Result<(RunRecord, String), Failure> {
    let entry = registry::find(&args.algorithm).map_err(Failure::Usage)?;
    let spec = spec_of(args);
    let record = (entry.run)(&spec).map_err(|err| match err {
        harness::RunError::Spec(spec_error) => Failure::Usage(spec_error.to_string()),
        other => Failure::Run(other.to_string()),
    })?;
    let text = match args.format {
        Format::Json => reports::to_json(&record) + "\n",
        Format::Csv => reports::to_csv(std::slice::from_ref(&record)),
        Format::Table => reports::to_table(&record),
    };
    Ok((record, text))
}
