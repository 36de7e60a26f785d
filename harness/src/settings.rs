//! What an algorithm may know when it configures a run: the cluster size, its variant, the
//! network's timing bounds, the workload and its parameters; whether the membership may change.
//! Not the runtime, not the seed, not the rest of the fault plan.

use crate::{excerpt, Algorithm, Params, RunSpec, SpecError, Timing, Workload};

/// The run as an algorithm's `configure` sees it.
#[derive(Debug)]
pub struct Settings<'a> {
    pub nodes: usize,
    /// Spare nodes, ids `nodes..nodes + spare`, outside the initial configuration.
    pub spare: usize,
    /// Whether the configuration may change in this run: spare nodes, or `add:` / `remove:`
    /// in the fault plan.
    pub membership_changes: bool,
    variant: Option<&'a str>,
    /// The network's bounds; `timing.detect` is the default failure-detection range (read the
    /// run's with [`Settings::detect`]).
    pub timing: Timing,
    pub workload: &'a Workload,
    /// The algorithm's own knobs.
    pub params: Params<'a>,
}

impl<'a> Settings<'a> {
    /// The settings of `spec`: reads the shared `detect` parameter.
    pub fn of(spec: &'a RunSpec) -> Result<Self, SpecError> {
        let params = Params::new(&spec.params);
        let timing = Timing::of(&spec.network, spec.runtime);
        let membership_changes = spec.spare > 0 || spec.faults.faults.iter().any(|f| f.fault.changes_membership());
        Ok(Settings {
            nodes: spec.nodes,
            spare: spec.spare,
            membership_changes,
            variant: spec.variant.as_deref(),
            timing,
            workload: &spec.workload,
            params,
        })
    }

    /// The failure-detection range every leader-based and election algorithm shares: the
    /// `detect` parameter (`150ms-300ms`), by default derived from the network
    /// ([`Timing::detect`]). Reading it makes it a parameter of the algorithm.
    pub fn detect(&mut self) -> Result<(std::time::Duration, std::time::Duration), SpecError> {
        self.params.range("detect", self.timing.detect)
    }

    /// The variant asked for, checked against `A::VARIANTS`; `None` for the default one.
    pub fn variant<A: Algorithm>(&self) -> Result<Option<&'static str>, SpecError> {
        let Some(name) = self.variant else { return Ok(None) };
        A::VARIANTS.iter().find(|(known, _)| *known == name).map(|(known, _)| Some(*known)).ok_or_else(|| {
            let known: Vec<&str> = A::VARIANTS.iter().map(|(n, _)| *n).collect();
            SpecError::field(
                "variant",
                format!(
                    "`{}` is not a variant of {} (known: {})",
                    excerpt(name),
                    A::NAME,
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ),
            )
        })
    }

    /// A settings value for unit tests: `nodes` nodes, the default network and workload.
    pub fn for_test(spec: &'a RunSpec) -> Self {
        Self::of(spec).expect("a valid test spec")
    }
}
