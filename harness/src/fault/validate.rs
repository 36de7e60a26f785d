//! A plan checked against the cluster before the run: every node named exists, is named once per
//! fault, and every window ends after it starts.

use super::{Fault, FaultPlan, Group, NodeRef};
use crate::{NodeId, SpecError};

impl FaultPlan {
    /// Checks every fault against a cluster of `nodes` nodes, naming the offending entry
    /// (`faults[i].groups`).
    pub fn validate(&self, nodes: usize) -> Result<(), SpecError> {
        for (i, timed) in self.faults.iter().enumerate() {
            let field = |name: &str| format!("faults[{i}].{name}");
            let error = |name: &str, reason: String| Err(SpecError::field(field(name), reason));
            let exists = |node: NodeId, name: &str| {
                if node.index() >= nodes {
                    error(name, format!("node {} does not exist (nodes are 0..{})", node.0, nodes.saturating_sub(1)))
                } else {
                    Ok(())
                }
            };
            let exists_ref = |node: &NodeRef, name: &str| match node {
                NodeRef::Id(id) => exists(*id, name),
                NodeRef::Leader => Ok(()),
                NodeRef::Voter if timed.trigger == Some(super::Trigger::Vote) => Ok(()),
                NodeRef::Voter => error(
                    name,
                    format!("`{timed}`: `voter` names the node whose vote triggered the fault; wait for `@vote`"),
                ),
            };
            match (timed.until, timed.trigger) {
                (Some(until), None) if until <= timed.at => {
                    return error("until", format!("`{timed}`: must end later than it starts"));
                }
                (Some(until), Some(_)) if until.is_zero() => {
                    return error("until", format!("`{timed}`: must last longer than 0"));
                }
                _ => {}
            }
            match &timed.fault {
                Fault::Crash { node } | Fault::Restart { node } | Fault::Slow { node, .. } => exists_ref(node, "node")?,
                Fault::Drift { node, drift_ppm } => {
                    exists_ref(node, "node")?;
                    if !(crate::clock::MIN_DRIFT_PPM..=crate::clock::MAX_DRIFT_PPM).contains(drift_ppm) {
                        return error("drift", format!("`{timed}`: a clock may run from -90% to +900%"));
                    }
                }
                Fault::Cut { from, to } => {
                    exists_ref(from, "from")?;
                    exists_ref(to, "to")?;
                    if from == to {
                        return error("to", "a cut needs two different nodes".into());
                    }
                }
                Fault::Partition { groups } => {
                    let mut seen = vec![false; nodes];
                    let (mut leader, mut rest) = (false, false);
                    for group in groups {
                        match group {
                            Group::Rest if std::mem::replace(&mut rest, true) => {
                                return error("groups", "`rest` is listed twice".into())
                            }
                            Group::Rest => {}
                            Group::Nodes(members) => {
                                for member in members {
                                    match member {
                                        NodeRef::Leader | NodeRef::Voter if std::mem::replace(&mut leader, true) => {
                                            return error("groups", "a role is listed twice".into())
                                        }
                                        NodeRef::Leader | NodeRef::Voter => exists_ref(member, "groups")?,
                                        NodeRef::Id(id) => {
                                            exists(*id, "groups")?;
                                            if std::mem::replace(&mut seen[id.index()], true) {
                                                return error("groups", format!("node {} is in two groups", id.0));
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if groups.len() < 2 && !leader && seen.iter().all(|s| *s) {
                        return error("groups", "a partition of one group that lists every node cuts nothing".into());
                    }
                }
                Fault::Bridge { left, via, right } => {
                    exists(*via, "via")?;
                    let mut seen = vec![false; nodes];
                    for node in std::iter::once(via).chain(left).chain(right) {
                        exists(*node, "groups")?;
                        if std::mem::replace(&mut seen[node.index()], true) {
                            return error("groups", format!("node {} is named twice in the bridge", node.0));
                        }
                    }
                }
                Fault::Lossy(l) => {
                    for (name, p) in [("drop", l.drop), ("dup", l.duplicate)] {
                        if !(0.0..=1.0).contains(&p) {
                            return error(name, format!("{p} is not a probability in [0, 1]"));
                        }
                    }
                }
                Fault::Heal => {}
                Fault::Add { node } => exists(*node, "node")?,
                Fault::Remove { node } => exists_ref(node, "node")?,
                Fault::Transfer { from, to } => {
                    exists_ref(from, "from")?;
                    exists(*to, "to")?;
                    if *from == NodeRef::Id(*to) {
                        return error("to", "a transfer needs two different nodes".into());
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(texts: &[&str]) -> FaultPlan {
        FaultPlan::parse(texts).unwrap()
    }

    #[test]
    fn rejects_impossible_faults_naming_the_entry() {
        let cases = [
            ("crash:5@1ms", "faults[0].node"),
            ("partition:0,1|1,2@1ms", "faults[0].groups"),
            ("partition:0,9@1ms", "faults[0].groups"),
            ("partition:leader|leader,1@1ms", "faults[0].groups"),
            ("partition:rest|0|rest@1ms", "faults[0].groups"),
            ("partition:0,1,2@1ms", "faults[0].groups"),
            ("cut:1->1@1ms", "faults[0].to"),
            ("cut:leader->leader@1ms", "faults[0].to"),
            ("bridge:0|1|0@1ms", "faults[0].groups"),
            ("bridge:0|7|2@1ms", "faults[0].via"),
            ("crash:1@5ms..2ms", "faults[0].until"),
            ("slow:3+1ms@1ms", "faults[0].node"),
            ("crash:voter@1s", "faults[0].node"),
            ("crash:voter@leader>1s", "faults[0].node"),
            ("drift:3+10%@1ms", "faults[0].node"),
            ("add:3@1ms", "faults[0].node"),
            ("remove:7@1ms", "faults[0].node"),
        ];
        for (text, field) in cases {
            assert_eq!(plan(&[text]).validate(3).unwrap_err().field, field, "{text}");
        }
        assert!(plan(&["partition:leader|rest@1s..2s", "crash:leader@3s", "restart:leader@4s"]).validate(3).is_ok());
    }
}
