//! Bad input never panics: random text fed to every parser of user input is either accepted or
//! rejected with an error.

use harness::{parse_duration, FaultPlan, Latency, NetworkConfig, RunSpec, TimedFault};
use proptest::prelude::*;

/// Text shaped like the real thing often enough to reach deep into the parsers.
fn fragments() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[0-9]{1,25}",
        Just("ms".to_string()),
        Just("s".to_string()),
        Just("us".to_string()),
        Just("..".to_string()),
        Just("@".to_string()),
        Just(":".to_string()),
        Just(",".to_string()),
        Just("|".to_string()),
        Just("->".to_string()),
        Just("-".to_string()),
        Just("+".to_string()),
        Just(".".to_string()),
        Just("crash".to_string()),
        Just("partition".to_string()),
        Just("cut".to_string()),
        Just("slow".to_string()),
        Just("uniform".to_string()),
        Just("lognormal".to_string()),
        Just("exp".to_string()),
        Just("floor=".to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        "\\PC{0,3}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

    #[test]
    fn durations_latencies_and_faults_parse_or_fail_cleanly(text in fragments()) {
        let _ = parse_duration(&text);
        if let Ok(latency) = text.parse::<Latency>() {
            // A parsed latency must also be usable.
            let network = NetworkConfig { latency, ..NetworkConfig::default() };
            if network.validate().is_ok() {
                let mut rng = harness::seeded_rng(1, 0);
                let _ = latency.sample(&mut rng);
            }
        }
        if let Ok(fault) = text.parse::<TimedFault>() {
            let plan = FaultPlan { faults: vec![fault] };
            if plan.validate(5).is_ok() {
                // Every step resolves, with a leader known or not; the text round-trips.
                let mut schedule = harness::FaultSchedule::new(&plan, 5);
                for step in 0..schedule.steps().len() {
                    let _ = schedule.strike(step, &harness::LeaderView::new(5), harness::Time::ZERO);
                }
                let again: TimedFault = plan.faults[0].to_string().parse().expect("printed faults parse");
                prop_assert_eq!(&again, &plan.faults[0]);
            }
        }
    }

    #[test]
    fn any_numbers_in_a_spec_validate_without_panicking(
        nodes in 0usize..5000,
        drop in proptest::num::f64::ANY,
        duplicate in proptest::num::f64::ANY,
        ops in proptest::option::of(0u64..10),
    ) {
        let spec = RunSpec {
            nodes,
            ops,
            network: NetworkConfig { drop, duplicate, ..NetworkConfig::default() },
            ..RunSpec::default()
        };
        let _ = spec.validate();
    }
}
