//! The text form of a fault, `KIND[:ARGS]@AT[..UNTIL]`: parser and printer, which round-trip.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::{Fault, Group, Lossiness, NodeRef, TimedFault, Trigger};
use crate::clock::{format_drift, MAX_DRIFT_PPM, MIN_DRIFT_PPM};
use crate::duration::{format_duration, parse_duration};
use crate::{excerpt, NodeId};

fn parse_id(text: &str) -> Result<NodeId, String> {
    text.trim().parse::<u32>().map(NodeId).map_err(|_| format!("`{}` is not a node id", excerpt(text.trim())))
}

fn parse_ref(text: &str) -> Result<NodeRef, String> {
    match text.trim() {
        "leader" => Ok(NodeRef::Leader),
        "voter" => Ok(NodeRef::Voter),
        id => parse_id(id).map(NodeRef::Id).map_err(|e| format!("{e} (nor `leader` or `voter`)")),
    }
}

/// `AT`, or `EVENT` or `EVENT>AT`.
fn parse_start(text: &str) -> Result<(Option<Trigger>, Duration), String> {
    let (event, at) = match text.split_once('>') {
        Some((event, at)) => (Some(event), parse_duration(at)?),
        None if text.trim().starts_with(|c: char| c.is_ascii_alphabetic()) => (Some(text), Duration::ZERO),
        None => (None, parse_duration(text)?),
    };
    let trigger = match event.map(str::trim) {
        None => None,
        Some("vote") => Some(Trigger::Vote),
        Some("leader") => Some(Trigger::Leader),
        Some("commit") => Some(Trigger::Commit),
        Some(other) => {
            return Err(format!(
                "`{}` is not an event a fault can wait for (use vote, leader or commit)",
                excerpt(other)
            ))
        }
    };
    Ok((trigger, at))
}

/// Comma-separated ids; an empty list is an error naming `what`.
fn parse_ids(text: &str, what: &str) -> Result<Vec<NodeId>, String> {
    if text.trim().is_empty() {
        return Err(format!("{what} lists no node"));
    }
    text.split(',').map(parse_id).collect()
}

fn parse_group(text: &str) -> Result<Group, String> {
    match text.trim() {
        "rest" => Ok(Group::Rest),
        "" => Err("a partition group lists no node (write `rest` for every node not listed)".into()),
        nodes => nodes.split(',').map(parse_ref).collect::<Result<_, _>>().map(Group::Nodes),
    }
}

/// A probability in [0, 1], kept exactly as written.
pub fn parse_probability(text: &str) -> Result<f64, String> {
    let p: f64 = text.trim().parse().map_err(|_| format!("`{}` is not a probability", excerpt(text.trim())))?;
    if !(0.0..=1.0).contains(&p) {
        return Err(format!("`{}` is not a probability in [0, 1]", excerpt(text.trim())));
    }
    Ok(p)
}

fn parse_lossy(args: &str) -> Result<Lossiness, String> {
    let mut lossiness = Lossiness { drop: 0.0, duplicate: 0.0, reorder: false };
    for part in args.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some(("drop", p)) => lossiness.drop = parse_probability(p)?,
            Some(("dup", p)) => lossiness.duplicate = parse_probability(p)?,
            None if part == "reorder" => lossiness.reorder = true,
            _ => return Err(format!("`{}`: lossy takes drop=P, dup=P and reorder", excerpt(part))),
        }
    }
    Ok(lossiness)
}

/// `+P%` or `-P%`: how much faster (slower) a clock runs, to a ten-thousandth of a percent.
fn parse_drift(text: &str) -> Result<i64, String> {
    let bad = || format!("`{}` is not a drift (write +P% or -P%, e.g. +10%)", excerpt(text));
    let (negative, rest) = match text.trim().split_at_checked(1) {
        Some(("+", rest)) => (false, rest),
        Some(("-", rest)) => (true, rest),
        _ => return Err(bad()),
    };
    let percent: f64 = rest.trim().strip_suffix('%').ok_or_else(bad)?.trim().parse().map_err(|_| bad())?;
    if !percent.is_finite() || percent < 0.0 {
        return Err(bad());
    }
    let ppm = (percent * 10_000.0).round();
    let ppm = if negative { -ppm } else { ppm };
    if !(MIN_DRIFT_PPM as f64..=MAX_DRIFT_PPM as f64).contains(&ppm) {
        return Err(format!("`{}`: a clock may run from -90% to +900%", excerpt(text)));
    }
    Ok(ppm as i64)
}

impl FromStr for TimedFault {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (what, when) = text
            .rsplit_once('@')
            .ok_or_else(|| format!("`{}`: a fault is KIND@AT[..UNTIL], e.g. crash:2@100ms", excerpt(text)))?;
        let (start, until) = match when.split_once("..") {
            Some((start, until)) => (start, Some(until.trim())),
            None => (when, None),
        };
        let (trigger, at) = parse_start(start)?;
        let until = match (until, trigger) {
            (None, _) => None,
            (Some(until), Some(_)) => Some(parse_duration(until.strip_prefix('+').ok_or_else(|| {
                format!("`{}`: a fault that waits for an event ends `..+D`, counted from its strike", excerpt(text))
            })?)?),
            (Some(until), None) if until.starts_with('+') => {
                return Err(format!("`{}`: `..+D` needs an event to count from (`@vote>1s..+5ms`)", excerpt(text)))
            }
            (Some(until), None) => Some(parse_duration(until)?),
        };
        let (kind, args) = what.split_once(':').unwrap_or((what, ""));
        let fault = match kind.trim() {
            "crash" => Fault::Crash { node: parse_ref(args)? },
            "restart" => Fault::Restart { node: parse_ref(args)? },
            "partition" => Fault::Partition { groups: args.split('|').map(parse_group).collect::<Result<_, _>>()? },
            "bridge" => {
                let parts: Vec<&str> = args.split('|').collect();
                let [left, via, right] = parts[..] else {
                    return Err(format!("`{}`: a bridge is LEFT|VIA|RIGHT, e.g. bridge:0,1|2|3,4", excerpt(args)));
                };
                Fault::Bridge {
                    left: parse_ids(left, "a bridge's left side")?,
                    via: parse_id(via)?,
                    right: parse_ids(right, "a bridge's right side")?,
                }
            }
            "cut" => {
                let (from, to) =
                    args.split_once("->").ok_or_else(|| format!("`{}`: a cut is FROM->TO", excerpt(args)))?;
                Fault::Cut { from: parse_ref(from)?, to: parse_ref(to)? }
            }
            "slow" => {
                let (node, extra) =
                    args.split_once('+').ok_or_else(|| format!("`{}`: slow is NODE+DELAY", excerpt(args)))?;
                Fault::Slow { node: parse_ref(node)?, extra: parse_duration(extra)? }
            }
            "lossy" => Fault::Lossy(parse_lossy(args)?),
            "transfer" => {
                let (from, to) = args
                    .split_once("->")
                    .ok_or_else(|| format!("`{}`: a transfer is FROM->TO, e.g. transfer:leader->3", excerpt(args)))?;
                Fault::Transfer { from: parse_ref(from)?, to: parse_id(to)? }
            }
            "drift" => {
                let sign = args.rfind(['+', '-']).ok_or_else(|| {
                    format!("`{}`: drift is NODE+P% or NODE-P%, e.g. drift:2+10%", excerpt(args))
                })?;
                Fault::Drift { node: parse_ref(&args[..sign])?, drift_ppm: parse_drift(&args[sign..])? }
            }
            "add" => Fault::Add { node: parse_id(args)? },
            "remove" => Fault::Remove { node: parse_ref(args)? },
            "heal" if args.trim().is_empty() => Fault::Heal,
            "heal" => return Err(format!("`{}`: heal takes no arguments", excerpt(what))),
            other => {
                return Err(format!(
                    "`{}` is not a fault (use crash, restart, partition, bridge, cut, slow, lossy, heal, transfer, drift, add or remove)",
                    excerpt(other)
                ))
            }
        };
        if until.is_some()
            && matches!(
                fault,
                Fault::Restart { .. } | Fault::Heal | Fault::Transfer { .. } | Fault::Add { .. } | Fault::Remove { .. }
            )
        {
            return Err(format!("`{}`: {} happens at one instant and takes no `..UNTIL`", excerpt(text), kind.trim()));
        }
        Ok(TimedFault { at, trigger, until, fault })
    }
}

impl fmt::Display for NodeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeRef::Id(id) => write!(f, "{}", id.0),
            NodeRef::Leader => f.write_str("leader"),
            NodeRef::Voter => f.write_str("voter"),
        }
    }
}

fn joined<T: fmt::Display>(items: &[T], separator: &str) -> String {
    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(separator)
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Group::Nodes(nodes) => f.write_str(&joined(nodes, ",")),
            Group::Rest => f.write_str("rest"),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = |nodes: &[NodeId]| joined(&nodes.iter().map(|n| n.0).collect::<Vec<_>>(), ",");
        match self {
            Fault::Crash { node } => write!(f, "crash:{node}"),
            Fault::Restart { node } => write!(f, "restart:{node}"),
            Fault::Partition { groups } => write!(f, "partition:{}", joined(groups, "|")),
            Fault::Bridge { left, via, right } => write!(f, "bridge:{}|{}|{}", ids(left), via.0, ids(right)),
            Fault::Cut { from, to } => write!(f, "cut:{from}->{to}"),
            Fault::Slow { node, extra } => write!(f, "slow:{node}+{}", format_duration(*extra)),
            Fault::Lossy(l) => {
                write!(f, "lossy:drop={},dup={}", l.drop, l.duplicate)?;
                if l.reorder {
                    write!(f, ",reorder")?;
                }
                Ok(())
            }
            Fault::Heal => write!(f, "heal"),
            Fault::Transfer { from, to } => write!(f, "transfer:{from}->{}", to.0),
            Fault::Drift { node, drift_ppm } => write!(f, "drift:{node}{}", format_drift(*drift_ppm)),
            Fault::Add { node } => write!(f, "add:{}", node.0),
            Fault::Remove { node } => write!(f, "remove:{node}"),
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Trigger::Vote => "vote",
            Trigger::Leader => "leader",
            Trigger::Commit => "commit",
        })
    }
}

impl fmt::Display for TimedFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@", self.fault)?;
        if let Some(trigger) = self.trigger {
            write!(f, "{trigger}>")?;
        }
        write!(f, "{}", format_duration(self.at))?;
        match (self.until, self.trigger) {
            (Some(until), Some(_)) => write!(f, "..+{}", format_duration(until)),
            (Some(until), None) => write!(f, "..{}", format_duration(until)),
            (None, _) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_kind() {
        for text in [
            "crash:2@100ms",
            "crash:2@100ms..300ms",
            "crash:leader@1s",
            "restart:1@1s",
            "restart:leader@2s",
            "partition:0,1|2,3,4@1s..2s",
            "partition:leader|rest@1s..2s",
            "bridge:0,1|2|3,4@1s..2s",
            "cut:0->1@1s",
            "cut:leader->3@1s..2s",
            "slow:3+5ms@0ms..1s",
            "slow:leader+20ms@1s..2s",
            "lossy:drop=0.2,dup=0.05,reorder@1s..2s",
            "lossy:drop=0,dup=0.1@1s..2s",
            "lossy:drop=0.0004,dup=0@0ms..100s",
            "heal@2s",
            "crash:voter@vote>1s..+10ms",
            "partition:leader|rest@leader>500ms..+300ms",
            "crash:leader@leader>0ms",
            "transfer:leader->3@1s",
            "transfer:0->2@500ms",
            "drift:2+10%@1s..3s",
            "drift:leader-50%@1s",
            "drift:0+2.5%@0ms..1s",
            "add:5@1s",
            "remove:3@2s",
            "remove:leader@2s",
        ] {
            let fault: TimedFault = text.parse().unwrap();
            assert_eq!(fault.to_string(), text);
        }
        assert_eq!("crash:voter@vote..+5ms".parse::<TimedFault>().unwrap().to_string(), "crash:voter@vote>0ms..+5ms");
    }

    #[test]
    fn a_small_probability_is_kept_exactly() {
        let fault: TimedFault = "lossy:drop=0.0004@0ms..100s".parse().unwrap();
        assert_eq!(fault.fault, Fault::Lossy(Lossiness { drop: 0.0004, duplicate: 0.0, reorder: false }));
    }

    #[test]
    fn rejects_malformed_faults() {
        for text in [
            "crash:2",
            "crash:x@1ms",
            "explode:1@1ms",
            "cut:1@1ms",
            "slow:1@1ms",
            "crash:1@soon",
            "heal@1s..2s",
            "restart:1@1s..2s",
            "partition:0,1||2,3@1s",
            "partition:0,,1|2@1s",
            "bridge:|1|2@1s",
            "heal:3@1s",
            "lossy:drop=-0.1@1s",
            "lossy:drop=2@1s",
            "crash:voter@vote>1s..2s",
            "crash:1@1s..+5ms",
            "crash:1@election>1s",
            "transfer:leader@1s",
            "transfer:leader->x@1s",
            "transfer:leader->3@1s..2s",
            "drift:2@1s",
            "drift:2+10@1s",
            "drift:2*10%@1s",
            "drift:2-95%@1s",
            "drift:2+1000%@1s",
            "drift:2+x%@1s",
            "drift:+10%@1s",
            "add:leader@1s",
            "add:@1s",
            "add:5@1s..2s",
            "remove:x@1s",
            "remove:leader@1s..2s",
        ] {
            assert!(text.parse::<TimedFault>().is_err(), "{text} should be rejected");
        }
    }

    #[test]
    fn a_huge_bad_value_is_quoted_short() {
        let huge = format!("crash:{}@1s", "9".repeat(100_000));
        let error = huge.parse::<TimedFault>().unwrap_err();
        assert!(error.len() < 200, "{} bytes", error.len());
    }
}
