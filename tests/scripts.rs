//! The helper scripts under `scripts/` that no other test runs end to end.

use std::path::Path;
use std::process::Command;

fn script(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts").join(name)
}

/// `beside-openraft.sh` parses, and refuses a folder that is not an openraft clone (and a
/// nonsense round count) with exit 2 before building anything.
#[test]
fn the_openraft_comparison_script_checks_its_arguments() {
    let path = script("beside-openraft.sh");
    let syntax = Command::new("bash").arg("-n").arg(&path).status().expect("bash runs");
    assert!(syntax.success(), "bash -n {}", path.display());

    let empty = std::env::temp_dir().join(format!("not-openraft-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let refused = Command::new("bash").arg(&path).arg(&empty).output().expect("bash runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no benchmarks/minimal"));

    std::fs::create_dir_all(empty.join("benchmarks/minimal")).unwrap();
    let rounds = Command::new("bash").arg(&path).arg(&empty).arg("many").output().expect("bash runs");
    assert_eq!(rounds.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&rounds.stderr).contains("ROUNDS is a number"));
    std::fs::remove_dir_all(&empty).unwrap();
}
