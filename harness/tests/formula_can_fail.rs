//! The formula check must be able to say "no": an algorithm stating a wrong formula is reported
//! as disagreeing, and the same algorithm stating the right one agrees.

use std::marker::PhantomData;

use harness::formula::{check, entries, light_mutex, Formula};
use harness::{Algorithm, ClientOp, Context, Family, Message, Node, NodeId, Observation, SpecError};

/// Asks everyone and enters when all have answered: 2(N-1) messages per entry. (Safe only under
/// light load, which is all the formula scenario offers.)
struct AskEveryone<Claim> {
    missing: usize,
    claim: PhantomData<fn() -> Claim>,
}

#[derive(Clone, Debug, serde::Serialize)]
enum Ask {
    Question,
    Answer,
}

impl Message for Ask {
    fn kind(&self) -> &'static str {
        match self {
            Ask::Question => "question",
            Ask::Answer => "answer",
        }
    }
}

/// The messages per entry an algorithm claims.
trait Claim: 'static {
    const NAME: &'static str;
    fn per_entry(nodes: u64) -> u64;
}

struct TwoNMinusOne;
impl Claim for TwoNMinusOne {
    const NAME: &'static str = "claims-2(n-1)";
    fn per_entry(nodes: u64) -> u64 {
        2 * (nodes - 1)
    }
}

struct ThreeNMinusOne;
impl Claim for ThreeNMinusOne {
    const NAME: &'static str = "claims-3(n-1)";
    fn per_entry(nodes: u64) -> u64 {
        3 * (nodes - 1)
    }
}

impl<C: Claim> Node for AskEveryone<C> {
    type Msg = Ask;
    type Timer = ();
    type Stable = ();
    type Config = ();
    fn new(_: NodeId, _: usize, _: &(), _: Option<()>) -> Self {
        AskEveryone { missing: 0, claim: PhantomData }
    }
    fn on_start(&mut self, _: &mut Context<Self>) {}
    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: Ask) {
        match msg {
            Ask::Question => cx.send(from, Ask::Answer),
            Ask::Answer => {
                self.missing -= 1;
                if self.missing == 0 {
                    cx.observe(Observation::Entered);
                }
            }
        }
    }
    fn on_timer(&mut self, _: &mut Context<Self>, _: ()) {}
    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        match op {
            ClientOp::Acquire => {
                self.missing = cx.nodes() - 1;
                cx.broadcast(Ask::Question);
            }
            ClientOp::Release => cx.observe(Observation::Exited),
            _ => {}
        }
    }
}

impl<C: Claim> Algorithm for AskEveryone<C> {
    const NAME: &'static str = C::NAME;
    const FAMILY: Family = Family::Mutex;
    const SUMMARY: &'static str = "test";
    fn configure(_: &mut harness::Settings) -> Result<(), SpecError> {
        Ok(())
    }
    fn formula() -> Option<Formula> {
        Some(Formula {
            text: C::NAME,
            source: "this test",
            scenario: |nodes| light_mutex(nodes, 10),
            expected: |nodes, history| C::per_entry(nodes as u64) * entries(history).count() as u64,
        })
    }
}

#[test]
fn a_right_formula_agrees_and_a_wrong_one_is_caught() {
    for nodes in [3, 5] {
        let right = check::<AskEveryone<TwoNMinusOne>>(nodes).unwrap().unwrap();
        assert!(right.ok, "{right:?}");
        let wrong = check::<AskEveryone<ThreeNMinusOne>>(nodes).unwrap().unwrap();
        assert!(!wrong.ok, "a wrong formula must be reported: {wrong:?}");
        assert_eq!(wrong.measured, right.measured);
        assert_eq!(wrong.expected, 3 * (nodes as u64 - 1) * 10);
    }
}
