//! Scenario files: a run description ([`harness::RunSpec`]) in TOML; its module doc lists the
//! keys. Files are read with a size limit, and errors name the file, the key and the line.

use std::io::Read;
use std::path::Path;

use harness::RunSpec;

/// The largest scenario file read: a description is a few hundred bytes.
pub const MAX_BYTES: u64 = 1 << 20;

/// An error message quotes at most this many characters of the parser's explanation.
const MAX_MESSAGE: usize = 200;

/// Reads and parses a scenario file.
pub fn load(path: &Path) -> Result<RunSpec, String> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("{shown}: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!(
            "{shown}: larger than {} KiB; a scenario file is a short TOML description",
            MAX_BYTES >> 10
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("{shown}: not UTF-8 text"))?;
    parse(&text).map_err(|e| format!("{shown}: {e}"))
}

/// Parses scenario text.
pub fn parse(text: &str) -> Result<RunSpec, String> {
    toml::from_str(text).map_err(|e| {
        // toml explains over several lines with a caret; keep it on one, and short (it may quote
        // the bad value).
        let first = e.message().lines().next().unwrap_or("malformed");
        let message = if first.chars().count() > MAX_MESSAGE {
            format!("{}…", first.chars().take(MAX_MESSAGE).collect::<String>())
        } else {
            first.to_string()
        };
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: {message}")
            }
            None => message,
        }
    })
}

/// The scenario file that replays `spec` exactly, every setting written out, after `comment`.
pub fn to_toml(spec: &RunSpec, comment: &str) -> String {
    let mut out = String::new();
    for line in comment.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str(&toml::to_string(spec).expect("run descriptions serialize to TOML"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_wrong_types_name_the_key_and_line() {
        let unknown = parse("nodes = 3\n\n[network]\nlatencyy = \"1ms\"\n").unwrap_err();
        assert!(unknown.contains("line 4") && unknown.contains("latencyy"), "{unknown}");
        let wrong = parse("nodes = \"five\"\n").unwrap_err();
        assert!(wrong.contains("line 1"), "{wrong}");
        let bad_value = parse("[workload]\nhold = \"soon\"\n").unwrap_err();
        assert!(bad_value.contains("line 2") && bad_value.contains("soon"), "{bad_value}");
        let bad_fault = parse("faults = [\"crash:1\"]\n").unwrap_err();
        assert!(bad_fault.contains("faults[0]"), "{bad_fault}");
    }

    #[test]
    fn a_written_scenario_reads_back_as_the_same_spec() {
        let mut spec = RunSpec {
            algorithm: Some("raft".into()),
            nodes: 5,
            seed: 77,
            ops: Some(40),
            duration: Some(std::time::Duration::from_secs(7)),
            variant: Some("batch".into()),
            max_events: Some(1_000_000),
            ..RunSpec::default()
        };
        spec.network.latency = "exp:2ms,floor=1ms".parse().unwrap();
        spec.network.drop = 0.05;
        spec.workload.initiator = harness::Initiator::Node(3);
        spec.params.insert("detect".into(), "200ms-400ms".into());
        for text in [
            "crash:2@100ms..300ms",
            "partition:0,1|2,3,4@1s..2s",
            "partition:leader|rest@2s..3s",
            "cut:0->1@1s..1500ms",
            "bridge:0|1|2,3,4@1s..2s",
            "slow:3+5ms@0ms..1s",
            "lossy:drop=0.125,dup=0.05@1s..2s",
            "heal@2s",
        ] {
            spec.faults.faults.push(text.parse().unwrap());
        }
        let text = to_toml(&spec, "a comment");
        assert!(text.starts_with("# a comment\n"), "{text}");
        assert_eq!(parse(&text).unwrap(), spec, "{text}");
    }

    #[test]
    fn an_endless_or_huge_file_is_refused() {
        let error = load(Path::new("/dev/zero")).unwrap_err();
        assert!(error.contains("larger than"), "{error}");
    }
}

#[cfg(test)]
mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

        /// Any text is read or rejected; anything read validates or is rejected.
        #[test]
        fn scenario_text_is_read_or_rejected(text in "(\\PC|\\n){0,200}") {
            if let Ok(spec) = parse(&text) {
                let _ = spec.validate();
            }
        }

        /// Well-formed TOML with the real keys and wild values.
        #[test]
        fn real_keys_with_wild_values(nodes in any::<i64>(), drop in any::<f64>(), at in "\\PC{0,12}", crash in any::<i64>()) {
            let text = format!(
                "algorithm = \"raft\"\nnodes = {nodes}\nfaults = [\"crash:{crash}@{}\"]\n[network]\ndrop = {drop:?}\n",
                at.replace(['\\', '"'], "")
            );
            if let Ok(spec) = parse(&text) {
                let _ = spec.validate();
            }
        }
    }
}
