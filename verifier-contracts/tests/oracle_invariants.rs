//! Contract invariants of `BeaconBalanceOracle` as property tests: random sequences of
//! operations (reports valid and not, pause, verifier schedules, bound changes, ownership moves,
//! time and EIP-4788 roots, LSD syncs, from different senders) run on revm against a Rust model.
//! After every step the contract's state is checked:
//!
//! 1. at most one stored report per slot (raw `_reportSlots` has no duplicate);
//! 2. stored slots strictly increasing;
//! 3. every stored report within the bound in force when it was stored;
//! 4. every stored report verified by the verifier scheduled for its slot (and never by one that
//!    rejects everything);
//! 5. the views (`reportAt`, `hasReport`, `latestReport`, `reportCount`, `getReport`,
//!    `verifierFor`/`verifierAt`, owner, paused, bound, the LSD's synced report) agree with
//!    the stored reports and the model;
//!
//! and every transaction's outcome (success, or the exact custom error) is the model's.
//!
//! No proving: the verifiers are tiny hand-written EVM programs. A "binding" verifier with tag
//! `t` accepts exactly the calldata `inputs ‖ keccak256(inputs ‖ t)` (so a proof is valid for
//! one verifier and one set of public inputs: root, slot, pool, totals, accumulator), next to a
//! verifier that rejects everything and one that accepts everything.
//!
//! Default: [`DEFAULT_CASES`] sequences of [`DEFAULT_STEPS`] steps; `PROPTEST_CASES` and
//! `ORACLE_INVARIANT_STEPS` raise them for a long run.

use proptest::{
    prelude::*,
    sample::Index,
    test_runner::{Config, TestCaseError, TestRunner},
};
use revm::primitives::{address, keccak256, Address, B256, U256};
use stakeproof_contracts::{
    calldata::{self, Token, NUM_ACCUMULATOR_LIMBS, NUM_PUBLIC_INPUTS, SUBMIT_REPORT_SIGNATURE},
    contracts,
    deployment::{Deployment, OracleConfig, VerifierCode, OWNER, SUBMITTER},
    evm::{TxError, BEACON_ROOTS_ADDRESS},
    solc, Report,
};
use std::{cell::RefCell, collections::BTreeMap, collections::HashMap};

/// Sequences per run unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 256;
/// Steps per sequence unless `ORACLE_INVARIANT_STEPS` says otherwise.
const DEFAULT_STEPS: usize = 48;

const STRANGER: Address = address!("00000000000000000000000000000000000005e5");
const HEIR: Address = address!("00000000000000000000000000000000000004e1");
/// The senders; [`Who::Idx`] indexes this.
const SENDERS: [Address; 4] = [OWNER, SUBMITTER, STRANGER, HEIR];

/// EIP-4788 HISTORY_BUFFER_LENGTH and the oracle's window in seconds.
const HISTORY: u64 = 8191;
const WINDOW_S: u64 = HISTORY * 12;
const BPS: u64 = 10_000;
const DAY_S: u64 = 86_400;
const MAX_BOUND: u64 = 10_000_000;
/// Slot of a first report "after nothing".
const BASE_SLOT: u64 = 9_000_000;
const GWEI_32_ETH: u128 = 32_000_000_000;

/// Storage slots of the oracle's state variables (`owner`, `paused` and
/// `maxChangeBpsPerDay` share slot 0).
const SLOT_OWNER_PAUSED_BOUND: u64 = 0;
const SLOT_REPORTS: u64 = 2;
const SLOT_REPORT_SLOTS: u64 = 3;

// ------------------------------------------------------------------------------- verifiers

/// A verifier's behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Accepts exactly `inputs ‖ bind(tag, inputs)`.
    Binding(u8),
    /// Reverts on every call.
    RejectAll,
    /// Returns successfully on every call.
    AcceptAll,
}

const TAG_A: u8 = 0xa1;
const TAG_B: u8 = 0xb2;

/// Runtime code of the binding verifier with `tag`:
/// `calldatasize == 800 && calldataload(768) == keccak256(calldata[0..768] ‖ uint256(tag))`.
fn binding_code(tag: u8) -> Vec<u8> {
    let code = [
        0x36, // CALLDATASIZE
        0x61, 0x03, 0x20, // PUSH2 800
        0x14, // EQ
        0x15, // ISZERO
        0x60, 0x25, // PUSH1 bad
        0x57, // JUMPI
        0x61, 0x03, 0x00, // PUSH2 768 (size)
        0x60, 0x00, // PUSH1 0 (offset)
        0x60, 0x00, // PUSH1 0 (dest)
        0x37, // CALLDATACOPY
        0x60, tag, // PUSH1 tag
        0x61, 0x03, 0x00, // PUSH2 768
        0x52, // MSTORE
        0x61, 0x03, 0x20, // PUSH2 800 (size)
        0x60, 0x00, // PUSH1 0 (offset)
        0x20, // KECCAK256
        0x61, 0x03, 0x00, // PUSH2 768
        0x35, // CALLDATALOAD
        0x14, // EQ
        0x60, 0x2b, // PUSH1 ok
        0x57, // JUMPI
        0x5b, // bad: JUMPDEST
        0x60, 0x00, 0x60, 0x00, 0xfd, // REVERT(0, 0)
        0x5b, // ok: JUMPDEST
        0x00, // STOP
    ];
    debug_assert_eq!(code[0x25], 0x5b);
    debug_assert_eq!(code[0x2b], 0x5b);
    code.to_vec()
}

/// REVERT(0, 0).
const REJECT_ALL_CODE: [u8; 5] = [0x60, 0x00, 0x60, 0x00, 0xfd];
/// STOP.
const ACCEPT_ALL_CODE: [u8; 1] = [0x00];

/// The proof a binding verifier with `tag` accepts for `inputs`.
fn bind(tag: u8, inputs: &[U256; NUM_PUBLIC_INPUTS]) -> Vec<u8> {
    let mut buf = calldata::verifier_calldata(inputs, &[]);
    buf.extend_from_slice(&U256::from(tag).to_be_bytes::<32>());
    keccak256(&buf).to_vec()
}

fn accepts(kind: Kind, inputs: &[U256; NUM_PUBLIC_INPUTS], proof: &[u8]) -> bool {
    match kind {
        Kind::Binding(tag) => proof == bind(tag, inputs).as_slice(),
        Kind::RejectAll => false,
        Kind::AcceptAll => true,
    }
}

/// The deployed verifiers: A (the initial one), B, reject-all, accept-all.
#[derive(Clone, Copy, Debug)]
struct Verifiers {
    a: Address,
    b: Address,
    reject: Address,
    accept: Address,
}

impl Verifiers {
    fn kind(&self, v: Address) -> Option<Kind> {
        if v == self.a {
            Some(Kind::Binding(TAG_A))
        } else if v == self.b {
            Some(Kind::Binding(TAG_B))
        } else if v == self.reject {
            Some(Kind::RejectAll)
        } else if v == self.accept {
            Some(Kind::AcceptAll)
        } else {
            None
        }
    }

    /// Scheduling choice `i`: A, B, reject-all, accept-all, or an account without code.
    fn pick(&self, i: u8) -> Address {
        match i % 5 {
            0 => self.a,
            1 => self.b,
            2 => self.reject,
            3 => self.accept,
            _ => STRANGER,
        }
    }
}

fn oracle_config() -> OracleConfig {
    OracleConfig::for_address(address!("00000000000000000000000000000000000b0011"))
}

/// The deployment with verifier A as the initial verifier and B, reject-all and accept-all
/// placed beside it; with `oracle_runtime`, the oracle's code is replaced by it (a mutant, see
/// [`mutant_runtime`]), its storage kept.
fn setup(oracle_runtime: Option<&[u8]>) -> (Deployment, Verifiers) {
    let mut d = Deployment::new(VerifierCode::Runtime(binding_code(TAG_A)), oracle_config())
        .expect("deploy (run verifier-contracts/install-solc.sh)");
    if let Some(code) = oracle_runtime {
        let oracle = d.oracle;
        d.chain.set_code(oracle, code);
    }
    let mut deploy = |code: Vec<u8>| {
        d.deploy_verifier(VerifierCode::Runtime(code))
            .expect("place verifier")
    };
    let b = deploy(binding_code(TAG_B));
    let reject = deploy(REJECT_ALL_CODE.to_vec());
    let accept = deploy(ACCEPT_ALL_CODE.to_vec());
    let v = Verifiers {
        a: d.verifier,
        b,
        reject,
        accept,
    };
    (d, v)
}

// ------------------------------------------------------------------------------- operations

/// A sender: the current owner, or one of [`SENDERS`].
#[derive(Clone, Copy, Debug)]
enum Who {
    Owner,
    Idx(u8),
}

/// A slot, resolved against the state when the step runs.
#[derive(Clone, Copy, Debug)]
enum SlotPick {
    /// Latest stored slot (or BASE_SLOT) plus this many.
    AfterLatest(u64),
    /// Exactly the latest stored slot.
    Latest,
    /// One of the stored slots.
    Stored(Index),
    /// Latest stored slot (or BASE_SLOT) minus this many.
    BeforeLatest(u64),
    /// A scheduled activation slot plus -1, 0 or +1.
    NearActivation(Index, i8),
    /// Any slot.
    Any(u64),
    /// u64::MAX.
    Max,
}

/// A total balance, resolved against the previous report and the bound.
#[derive(Clone, Copy, Debug)]
enum GweiPick {
    /// previous ± (permille of the largest allowed change).
    WithinBound(u16, bool),
    /// previous ± (largest allowed change + 1 + k).
    OverBound(u8, bool),
    Same,
    Zero,
    Any(u128),
}

/// The `timestamp` argument.
#[derive(Clone, Copy, Debug)]
enum TsPick {
    /// The current block's timestamp.
    Current,
    /// One of the timestamps a root was written under (maybe overwritten or out of window).
    Published(Index),
    /// The oldest published timestamp still inside the window.
    OldestInWindow,
    /// now − 8191·12: just outside the window.
    JustOutside,
    /// now + k (the future).
    Future(u64),
    /// A past timestamp between blocks (no root).
    BetweenBlocks,
    Zero,
    /// A timestamp above 2^64.
    Huge,
}

/// The proof bytes.
#[derive(Clone, Debug)]
enum ProofPick {
    /// Valid for the verifier the model schedules for the slot (for A if that one is not a
    /// binding verifier).
    ForScheduled,
    /// Valid for verifier A or B (`true`: B) with the right inputs.
    ForTag(bool),
    /// Bound to another block root.
    WrongRoot,
    /// Bound to another total balance.
    WrongReport,
    /// Bound to other accumulator limbs.
    WrongAccumulator,
    /// Raw bytes.
    Garbage(Vec<u8>),
}

#[derive(Clone, Debug)]
enum Op {
    Submit {
        from: Who,
        slot: SlotPick,
        gwei: GweiPick,
        ts: TsPick,
        proof: ProofPick,
        fields: [u64; 5],
        acc_seed: u64,
    },
    Pause(Who),
    Unpause(Who),
    Schedule {
        from: Who,
        verifier: u8,
        activation: SlotPick,
    },
    SetBound {
        from: Who,
        bps: u64,
    },
    TransferOwnership {
        from: Who,
        to: u8,
    },
    /// Moves `blocks` blocks (12 s each) ahead; writes the new block's root when `publish`.
    Advance {
        blocks: u64,
        publish: bool,
    },
    LsdSync,
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![3 => Just(Who::Owner), 1 => (0u8..4).prop_map(Who::Idx)]
}

fn slot_pick() -> impl Strategy<Value = SlotPick> {
    prop_oneof![
        10 => prop_oneof![1u64..=4, 1u64..=3 * 7200].prop_map(SlotPick::AfterLatest),
        1 => Just(SlotPick::Latest),
        1 => any::<Index>().prop_map(SlotPick::Stored),
        1 => (1u64..=100).prop_map(SlotPick::BeforeLatest),
        3 => (any::<Index>(), -1i8..=1).prop_map(|(i, o)| SlotPick::NearActivation(i, o)),
        1 => any::<u64>().prop_map(SlotPick::Any),
        1 => Just(SlotPick::Max),
    ]
}

fn gwei_pick() -> impl Strategy<Value = GweiPick> {
    prop_oneof![
        8 => (0u16..=1000, any::<bool>()).prop_map(|(p, up)| GweiPick::WithinBound(p, up)),
        2 => (0u8..3, any::<bool>()).prop_map(|(k, up)| GweiPick::OverBound(k, up)),
        1 => Just(GweiPick::Same),
        1 => Just(GweiPick::Zero),
        1 => any::<u128>().prop_map(GweiPick::Any),
    ]
}

fn ts_pick() -> impl Strategy<Value = TsPick> {
    prop_oneof![
        16 => Just(TsPick::Current),
        3 => any::<Index>().prop_map(TsPick::Published),
        1 => Just(TsPick::OldestInWindow),
        1 => Just(TsPick::JustOutside),
        1 => (1u64..100).prop_map(TsPick::Future),
        1 => Just(TsPick::BetweenBlocks),
        1 => Just(TsPick::Zero),
        1 => Just(TsPick::Huge),
    ]
}

fn proof_pick() -> impl Strategy<Value = ProofPick> {
    prop_oneof![
        12 => Just(ProofPick::ForScheduled),
        2 => any::<bool>().prop_map(ProofPick::ForTag),
        1 => Just(ProofPick::WrongRoot),
        1 => Just(ProofPick::WrongReport),
        1 => Just(ProofPick::WrongAccumulator),
        1 => prop::collection::vec(any::<u8>(), 0..80).prop_map(ProofPick::Garbage),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let submit = (
        prop_oneof![Just(Who::Idx(1)), who()],
        slot_pick(),
        gwei_pick(),
        ts_pick(),
        proof_pick(),
        any::<[u64; 5]>(),
        any::<u64>(),
    )
        .prop_map(
            |(from, slot, gwei, ts, proof, fields, acc_seed)| Op::Submit {
                from,
                slot,
                gwei,
                ts,
                proof,
                fields,
                acc_seed,
            },
        );
    let schedule =
        (who(), 0u8..5, slot_pick()).prop_map(|(from, verifier, activation)| Op::Schedule {
            from,
            verifier,
            activation,
        });
    let bps = prop_oneof![
        4 => 0u64..=2_000,
        1 => 0u64..=MAX_BOUND,
        1 => Just(MAX_BOUND),
        1 => MAX_BOUND + 1..=u64::MAX,
    ];
    let advance = (
        prop_oneof![
            8 => 1u64..=4,
            1 => 100u64..=2_000,
            1 => HISTORY - 2..=HISTORY + 1,
        ],
        prop::bool::weighted(0.9),
    )
        .prop_map(|(blocks, publish)| Op::Advance { blocks, publish });
    prop_oneof![
        12 => submit,
        1 => who().prop_map(Op::Pause),
        3 => who().prop_map(Op::Unpause),
        3 => schedule,
        2 => (who(), bps).prop_map(|(from, bps)| Op::SetBound { from, bps }),
        1 => (who(), 0u8..5).prop_map(|(from, to)| Op::TransferOwnership { from, to }),
        5 => advance,
        1 => Just(Op::LsdSync),
    ]
}

// ------------------------------------------------------------------------------- model

/// What the model knows about a stored report, recorded when it was accepted.
#[derive(Clone, Debug)]
struct Stored {
    report: Report,
    /// The verifier that checked it (the event's).
    verifier: Address,
    /// `verifierFor(slot)` read from the contract just before the submission.
    scheduled: Address,
    /// `maxChangeBpsPerDay` read from the contract just before the submission.
    bound: u64,
    root: B256,
    timestamp: u64,
    submitter: Address,
    accumulator: [U256; NUM_ACCUMULATOR_LIMBS],
    proof: Vec<u8>,
}

#[derive(Debug)]
struct Model {
    v: Verifiers,
    owner: Address,
    paused: bool,
    bound: u64,
    schedule: Vec<(u64, Address)>,
    reports: Vec<Stored>,
    /// The EIP-4788 ring buffer: index → (timestamp, root).
    roots: HashMap<u64, (u64, B256)>,
    published: Vec<u64>,
    now: u64,
    lsd_slot: u64,
    lsd_gwei: u128,
}

type Outcome = Result<(), String>;

fn err(name: &str) -> Outcome {
    Err(name.to_string())
}

impl Model {
    fn new(d: &Deployment, v: Verifiers) -> Self {
        Self {
            v,
            owner: d.config.owner,
            paused: false,
            bound: d.config.max_change_bps_per_day,
            schedule: vec![(0, v.a)],
            reports: Vec::new(),
            roots: HashMap::new(),
            published: Vec::new(),
            now: d.chain.timestamp(),
            lsd_slot: 0,
            lsd_gwei: 0,
        }
    }

    fn sender(&self, w: Who) -> Address {
        match w {
            Who::Owner => self.owner,
            Who::Idx(i) => SENDERS[i as usize % SENDERS.len()],
        }
    }

    fn latest(&self) -> Option<&Stored> {
        self.reports.last()
    }

    fn scheduled(&self, slot: u64) -> Address {
        self.schedule
            .iter()
            .rev()
            .find(|(a, _)| *a <= slot)
            .map(|(_, v)| *v)
            .expect("an entry at slot 0")
    }

    fn root_at(&self, ts: U256) -> Option<B256> {
        let ts: u64 = ts.try_into().ok()?;
        match self.roots.get(&(ts % HISTORY)) {
            Some((t, r)) if *t == ts && ts != 0 => Some(*r),
            _ => None,
        }
    }

    fn resolve_slot(&self, p: SlotPick) -> u64 {
        let latest = self.latest().map_or(BASE_SLOT, |s| s.report.slot);
        match p {
            SlotPick::AfterLatest(d) => latest.saturating_add(d),
            SlotPick::Latest => latest,
            SlotPick::Stored(i) if !self.reports.is_empty() => {
                self.reports[i.index(self.reports.len())].report.slot
            }
            SlotPick::Stored(_) => BASE_SLOT,
            SlotPick::BeforeLatest(d) => latest.saturating_sub(d),
            SlotPick::NearActivation(i, o) => {
                let a = self.schedule[i.index(self.schedule.len())].0;
                a.saturating_add_signed(o as i64)
            }
            SlotPick::Any(s) => s,
            SlotPick::Max => u64::MAX,
        }
    }

    fn resolve_ts(&self, p: TsPick) -> U256 {
        let now = self.now;
        let t = match p {
            TsPick::Current => now,
            TsPick::Published(i) if !self.published.is_empty() => {
                self.published[i.index(self.published.len())]
            }
            TsPick::Published(_) => now,
            TsPick::OldestInWindow => self
                .published
                .iter()
                .copied()
                .find(|t| now - t < WINDOW_S)
                .unwrap_or(now),
            TsPick::JustOutside => now - WINDOW_S,
            TsPick::Future(k) => now + k,
            TsPick::BetweenBlocks => now - 5,
            TsPick::Zero => 0,
            TsPick::Huge => return U256::from(1u8) << 64 | U256::from(now),
        };
        U256::from(t)
    }

    /// Largest allowed change from the latest report to a report at `slot` (None: no bound).
    fn max_delta(&self, slot: u64, bound: u64) -> Option<U256> {
        let prev = self.latest()?;
        if prev.report.total_balance_gwei == 0 || slot <= prev.report.slot {
            return None;
        }
        Some(max_delta(&prev.report, slot, bound))
    }

    fn resolve_gwei(&self, p: GweiPick, slot: u64) -> u128 {
        let prev = self
            .latest()
            .map_or(2 * GWEI_32_ETH, |s| s.report.total_balance_gwei);
        let md = self
            .max_delta(slot, self.bound)
            .map_or(0u128, |m| m.saturating_to());
        let shift = |delta: u128, up: bool| {
            if up || prev < delta {
                prev.saturating_add(delta)
            } else {
                prev - delta
            }
        };
        match p {
            GweiPick::WithinBound(permille, up) => {
                let delta = U256::from(md) * U256::from(permille) / U256::from(1000u16);
                shift(delta.saturating_to(), up)
            }
            GweiPick::OverBound(k, up) => shift(md.saturating_add(1 + k as u128), up),
            GweiPick::Same => prev,
            GweiPick::Zero => 0,
            GweiPick::Any(g) => g,
        }
    }
}

fn max_delta(prev: &Report, slot: u64, bound: u64) -> U256 {
    let elapsed = U256::from(slot - prev.slot) * U256::from(12u8);
    U256::from(prev.total_balance_gwei) * U256::from(bound) * elapsed / U256::from(BPS * DAY_S)
}

fn accumulator(seed: u64) -> [U256; NUM_ACCUMULATOR_LIMBS] {
    std::array::from_fn(|i| U256::from(seed.rotate_left(i as u32 * 5)) + U256::from(i))
}

fn beacon_root(ts: u64) -> B256 {
    keccak256([b"root".as_slice(), &ts.to_be_bytes()].concat())
}

// ------------------------------------------------------------------------------- the harness

struct Run<'a> {
    d: Deployment,
    m: Model,
    stats: &'a RefCell<BTreeMap<String, usize>>,
    /// Whether each outcome must be the model's. Without it (for mutants) only the invariants
    /// on the contract's state are checked; the model follows what the contract did.
    strict: bool,
}

fn outcome(r: &Result<stakeproof_contracts::Receipt, TxError>) -> Outcome {
    match r {
        Ok(_) => Ok(()),
        Err(TxError::Revert { name, .. }) => Err(name.clone()),
        Err(e) => Err(format!("not a revert: {e}")),
    }
}

fn word(w: U256) -> Token {
    Token::Word(w)
}

impl Run<'_> {
    fn expect(
        &self,
        got: &Outcome,
        expected: &Outcome,
        what: impl FnOnce() -> String,
    ) -> Result<(), TestCaseError> {
        if self.strict && got != expected {
            return Err(TestCaseError::fail(format!(
                "{}: contract {got:?}, model {expected:?}",
                what()
            )));
        }
        Ok(())
    }

    fn note(&self, what: &str, o: &Outcome) {
        let key = match o {
            Ok(()) => format!("{what}: ok"),
            Err(e) => format!("{what}: {e}"),
        };
        *self.stats.borrow_mut().entry(key).or_default() += 1;
    }

    fn owner_call(&mut self, from: Address, sig: &str, args: &[Token]) -> Outcome {
        let oracle = self.d.oracle;
        outcome(
            &self
                .d
                .chain
                .call(from, oracle, calldata::call(sig, args), U256::ZERO),
        )
    }

    fn view(&mut self, to: Address, sig: &str, args: &[Token]) -> Result<Vec<u8>, TxError> {
        self.d.chain.view(to, calldata::call(sig, args))
    }

    fn view_words(&mut self, sig: &str, args: &[Token]) -> Result<Vec<U256>, TestCaseError> {
        let oracle = self.d.oracle;
        self.view(oracle, sig, args)
            .map(|o| calldata::decode_words(&o))
            .map_err(|e| TestCaseError::fail(format!("{sig} failed: {e}")))
    }

    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::Submit {
                from,
                slot,
                gwei,
                ts,
                proof,
                fields,
                acc_seed,
            } => self.submit(*from, *slot, *gwei, *ts, proof, fields, *acc_seed),
            Op::Pause(w) | Op::Unpause(w) => {
                let pause = matches!(op, Op::Pause(_));
                let from = self.m.sender(*w);
                let expected = if from != self.m.owner {
                    err("NotOwner")
                } else {
                    Ok(())
                };
                let sig = if pause { "pause()" } else { "unpause()" };
                let got = self.owner_call(from, sig, &[]);
                self.note(sig, &got);
                self.expect(&got, &expected, || format!("{sig} from {from}"))?;
                if got.is_ok() {
                    self.m.paused = pause;
                }
                Ok(())
            }
            Op::Schedule {
                from,
                verifier,
                activation,
            } => {
                let from = self.m.sender(*from);
                let v = self.m.v.pick(*verifier);
                let act = self.m.resolve_slot(*activation);
                let expected = if from != self.m.owner {
                    err("NotOwner")
                } else if self.m.v.kind(v).is_none() {
                    err("NoCode")
                } else if self.m.latest().is_some_and(|l| act <= l.report.slot) {
                    err("ActivationNotInFuture")
                } else {
                    Ok(())
                };
                let got = self.owner_call(
                    from,
                    "scheduleVerifier(address,uint64)",
                    &[word(calldata::address_word(v)), word(U256::from(act))],
                );
                self.note("scheduleVerifier", &got);
                self.expect(&got, &expected, || {
                    format!("schedule {v} at {act} from {from}")
                })?;
                if got.is_ok() {
                    self.m.schedule.retain(|(a, _)| *a < act);
                    self.m.schedule.push((act, v));
                }
                Ok(())
            }
            Op::SetBound { from, bps } => {
                let from = self.m.sender(*from);
                let expected = if from != self.m.owner {
                    err("NotOwner")
                } else if *bps > MAX_BOUND {
                    err("BoundTooLarge")
                } else {
                    Ok(())
                };
                let got = self.owner_call(
                    from,
                    "setMaxChangeBpsPerDay(uint256)",
                    &[word(U256::from(*bps))],
                );
                self.note("setMaxChangeBpsPerDay", &got);
                self.expect(&got, &expected, || format!("bound {bps} from {from}"))?;
                if got.is_ok() {
                    self.m.bound = *bps;
                }
                Ok(())
            }
            Op::TransferOwnership { from, to } => {
                let from = self.m.sender(*from);
                let to = SENDERS.get(*to as usize).copied().unwrap_or(Address::ZERO);
                let expected = if from != self.m.owner {
                    err("NotOwner")
                } else if to == Address::ZERO {
                    err("ZeroAddress")
                } else {
                    Ok(())
                };
                let got = self.owner_call(
                    from,
                    "transferOwnership(address)",
                    &[word(calldata::address_word(to))],
                );
                self.note("transferOwnership", &got);
                self.expect(&got, &expected, || format!("transfer to {to} from {from}"))?;
                if got.is_ok() {
                    self.m.owner = to;
                }
                Ok(())
            }
            Op::Advance { blocks, publish } => {
                self.d.chain.advance_blocks(*blocks);
                self.m.now = self.d.chain.timestamp();
                if *publish {
                    self.publish();
                }
                Ok(())
            }
            Op::LsdSync => {
                let expected = match self.m.latest() {
                    None => err("NoReport"),
                    Some(l) if self.m.lsd_slot != 0 && l.report.slot <= self.m.lsd_slot => {
                        err("NothingToSync")
                    }
                    Some(_) => Ok(()),
                };
                let got = outcome(&self.d.lsd_sync());
                self.note("lsd sync", &got);
                self.expect(&got, &expected, || "LSD sync".to_string())?;
                if got.is_ok() {
                    let l = &self.m.latest().expect("a report").report;
                    (self.m.lsd_slot, self.m.lsd_gwei) = (l.slot, l.total_balance_gwei);
                }
                Ok(())
            }
        }
    }

    /// Writes the current block's root, as a client does at the start of the block.
    fn publish(&mut self) {
        let ts = self.m.now;
        let root = beacon_root(ts);
        self.d.write_beacon_root(ts, root).expect("system call");
        self.m.roots.insert(ts % HISTORY, (ts, root));
        self.m.published.push(ts);
    }

    #[allow(clippy::too_many_arguments)]
    fn submit(
        &mut self,
        from: Who,
        slot: SlotPick,
        gwei: GweiPick,
        ts: TsPick,
        proof: &ProofPick,
        fields: &[u64; 5],
        acc_seed: u64,
    ) -> Result<(), TestCaseError> {
        let m = &self.m;
        let from = m.sender(from);
        let slot = m.resolve_slot(slot);
        let report = Report {
            slot,
            registry_length: fields[0],
            validator_count: fields[1],
            total_balance_gwei: m.resolve_gwei(gwei, slot),
            active_count: fields[2],
            exited_count: fields[3],
            slashed_count: fields[4],
        };
        let ts = m.resolve_ts(ts);
        let acc = accumulator(acc_seed);
        let root = m.root_at(ts);
        let scheduled = m.scheduled(slot);
        let cfg = self.d.config;
        let inputs_of = |r: &Report, root: B256, acc: &[U256; NUM_ACCUMULATOR_LIMBS]| {
            calldata::public_inputs(r, root, cfg.pool_exact, cfg.pool_credentials, acc)
        };
        let root_or_zero = root.unwrap_or_default();
        let inputs = inputs_of(&report, root_or_zero, &acc);
        let proof = match proof {
            ProofPick::ForScheduled => match m.v.kind(scheduled) {
                Some(Kind::Binding(tag)) => bind(tag, &inputs),
                _ => bind(TAG_A, &inputs),
            },
            ProofPick::ForTag(b) => bind(if *b { TAG_B } else { TAG_A }, &inputs),
            ProofPick::WrongRoot => {
                let mut other = root_or_zero;
                other.0[31] ^= 1;
                bind(TAG_A, &inputs_of(&report, other, &acc))
            }
            ProofPick::WrongReport => {
                let mut other = report;
                other.total_balance_gwei ^= 1;
                bind(TAG_A, &inputs_of(&other, root_or_zero, &acc))
            }
            ProofPick::WrongAccumulator => {
                let mut other = acc;
                other[0] += U256::from(1u8);
                bind(TAG_A, &inputs_of(&report, root_or_zero, &other))
            }
            ProofPick::Garbage(bytes) => bytes.clone(),
        };

        // The contract's checks, in its order.
        let now = U256::from(m.now);
        let expected = if m.paused {
            err("OraclePaused")
        } else if ts > now || now - ts >= U256::from(WINDOW_S) {
            err("TimestampOutOfWindow")
        } else if root.is_none() {
            err("BeaconRootUnavailable")
        } else if m.reports.iter().any(|s| s.report.slot == slot) {
            err("ReportAlreadySubmitted")
        } else if m.latest().is_some_and(|l| slot <= l.report.slot) {
            err("SlotNotAfterLatest")
        } else if m.max_delta(slot, m.bound).is_some_and(|md| {
            let prev = m.latest().expect("a report").report.total_balance_gwei;
            U256::from(prev.abs_diff(report.total_balance_gwei)) > md
        }) {
            err("BalanceChangeTooLarge")
        } else if !accepts(
            m.v.kind(scheduled).expect("scheduled verifiers have code"),
            &inputs,
            &proof,
        ) {
            err("ProofRejected")
        } else {
            Ok(())
        };

        // The bound in force, read from the contract (not the model) before the submission.
        let bound_before: u64 = self.view_words("maxChangeBpsPerDay()", &[])?[0].saturating_to();
        let scheduled_before =
            self.view_words("verifierFor(uint64)", &[word(U256::from(slot))])?[0];
        let count_before = self.view_words("reportCount()", &[])?[0];
        let mut tokens: Vec<Token> = report.to_words().into_iter().map(word).collect();
        tokens.push(word(ts));
        tokens.extend(acc.iter().copied().map(word));
        tokens.push(Token::Bytes(proof.clone()));
        let oracle = self.d.oracle;
        let result = self.d.chain.call(
            from,
            oracle,
            calldata::call(SUBMIT_REPORT_SIGNATURE, &tokens),
            U256::ZERO,
        );
        let got = outcome(&result);
        self.note("submitReport", &got);
        if got.as_ref().is_err_and(|e| e == "ProofRejected") {
            let by = format!("ProofRejected by {:?}", self.m.v.kind(scheduled));
            self.note(&by, &Ok(()));
        }
        let now = self.m.now;
        self.expect(&got, &expected, || {
            format!("submit {report:?} at ts {ts} (now {now})")
        })?;
        let count_after = self.view_words("reportCount()", &[])?[0];
        let Ok(receipt) = result else {
            prop_assert_eq!(
                count_after,
                count_before,
                "a failed submission stored something"
            );
            return Ok(());
        };
        prop_assert_eq!(count_after, count_before + U256::from(1u8));

        // The event names the slot, root, timestamp, verifier and submitter.
        let events: Vec<_> = receipt
            .events_named("ReportSubmitted(uint64,uint128,uint64,bytes32,uint256,address,address)")
            .collect();
        prop_assert_eq!(events.len(), 1);
        prop_assert_eq!(events[0].topics[1], B256::from(U256::from(slot)));
        let w = calldata::decode_words(&events[0].data);
        let event_root = B256::from(w[2]);
        if self.strict {
            prop_assert_eq!(Some(event_root), root, "root of the event");
        }
        let root = event_root;
        prop_assert_eq!(w[0], U256::from(report.total_balance_gwei));
        prop_assert_eq!(w[1], U256::from(report.validator_count));
        prop_assert_eq!(w[3], ts);
        let used = Address::from_word(B256::from(w[4]));
        prop_assert_eq!(w[5], calldata::address_word(from));
        let via = format!("stored through {:?}", self.m.v.kind(used));
        self.note(&via, &Ok(()));
        self.m.reports.push(Stored {
            report,
            verifier: used,
            scheduled: Address::from_word(B256::from(scheduled_before)),
            bound: bound_before,
            root,
            timestamp: ts.saturating_to(),
            submitter: from,
            accumulator: acc,
            proof,
        });
        Ok(())
    }

    // --------------------------------------------------------------------------- invariants

    fn storage(&self, slot: U256) -> U256 {
        self.d.chain.storage(self.d.oracle, slot)
    }

    /// `_reportSlots` as stored (uint64s packed four to a word, from keccak256(slot)).
    fn raw_report_slots(&self) -> Vec<u64> {
        let len: usize = self.storage(U256::from(SLOT_REPORT_SLOTS)).saturating_to();
        let base =
            U256::from_be_bytes(keccak256(U256::from(SLOT_REPORT_SLOTS).to_be_bytes::<32>()).0);
        (0..len)
            .map(|i| {
                let w = self.storage(base + U256::from(i / 4));
                ((w >> (64 * (i % 4))) & U256::from(u64::MAX)).to::<u64>()
            })
            .collect()
    }

    /// The two raw words of `_reports[slot]` (a `StoredReport`: word 0 total ‖ validator
    /// count ‖ exited, word 1 slot ‖ registry length ‖ active ‖ slashed, low bits first).
    fn raw_report(&self, slot: u64) -> [U256; 2] {
        let key = [
            U256::from(slot).to_be_bytes::<32>(),
            U256::from(SLOT_REPORTS).to_be_bytes::<32>(),
        ]
        .concat();
        let base = U256::from_be_bytes(keccak256(key).0);
        [self.storage(base), self.storage(base + U256::from(1u8))]
    }

    /// What `raw_report` must hold for `r`.
    fn packed(r: &Report) -> [U256; 2] {
        let w0 = U256::from(r.total_balance_gwei)
            | (U256::from(r.validator_count) << 128)
            | (U256::from(r.exited_count) << 192);
        let w1 = U256::from(r.slot)
            | (U256::from(r.registry_length) << 64)
            | (U256::from(r.active_count) << 128)
            | (U256::from(r.slashed_count) << 192);
        [w0, w1]
    }

    fn report_at(&mut self, slot: u64) -> Result<Result<Report, String>, TestCaseError> {
        let oracle = self.d.oracle;
        match self.view(oracle, "reportAt(uint64)", &[word(U256::from(slot))]) {
            Ok(out) => Report::from_abi(&out)
                .map(Ok)
                .ok_or_else(|| TestCaseError::fail("bad reportAt output")),
            Err(e) => Ok(Err(e.revert_name().unwrap_or("not a revert").to_string())),
        }
    }

    fn check(&mut self) -> Result<(), TestCaseError> {
        let slots = self.raw_report_slots();
        let n = slots.len();
        // 1: no slot twice; 2: strictly increasing; each is flagged as stored.
        let mut seen = std::collections::HashSet::new();
        for &s in &slots {
            prop_assert!(seen.insert(s), "slot {} stored twice: {:?}", s, slots);
        }
        for pair in slots.windows(2) {
            prop_assert!(
                pair[0] < pair[1],
                "stored slots not increasing: {:?}",
                slots
            );
        }
        for &s in &slots {
            prop_assert_eq!(
                self.raw_report(s)[1] & U256::from(u64::MAX),
                U256::from(s),
                "slot {} listed but its record is not stored",
                s
            );
        }
        let model_slots: Vec<u64> = self.m.reports.iter().map(|s| s.report.slot).collect();
        prop_assert_eq!(&slots, &model_slots, "stored slots differ from the model");
        prop_assert_eq!(
            self.view_words("reportCount()", &[])?[0],
            U256::from(n),
            "reportCount"
        );

        // 3: each report within the bound in force when it was stored (relative to the report
        // before it, when that one's total is nonzero).
        let reports = self.m.reports.clone();
        for (i, s) in reports.iter().enumerate().skip(1) {
            let prev = &reports[i - 1].report;
            if prev.total_balance_gwei != 0 {
                let md = max_delta(prev, s.report.slot, s.bound);
                let delta = U256::from(
                    prev.total_balance_gwei
                        .abs_diff(s.report.total_balance_gwei),
                );
                prop_assert!(
                    delta <= md,
                    "report {:?} moved {} from {:?}, bound {} bps/day allows {}",
                    s.report,
                    delta,
                    prev,
                    s.bound,
                    md
                );
            }
        }

        // 4 and 5, per stored report.
        let cfg = self.d.config;
        for s in &reports {
            let slot = s.report.slot;
            let stored = self.report_at(slot)?;
            prop_assert_eq!(stored, Ok(s.report), "reportAt({})", slot);
            prop_assert_eq!(
                self.raw_report(slot),
                Self::packed(&s.report),
                "raw record of {}",
                slot
            );
            let has = self.view_words("hasReport(uint64)", &[word(U256::from(slot))])?[0];
            prop_assert_eq!(has, U256::from(1u8), "hasReport({})", slot);
            // The verifier used is the one scheduled for the slot, then and now, and it accepts
            // exactly this report, root, accumulator and proof.
            prop_assert_eq!(
                s.verifier,
                s.scheduled,
                "report at slot {} verified by {} but {} is scheduled for it",
                slot,
                s.verifier,
                s.scheduled
            );
            let now_for = self.view_words("verifierFor(uint64)", &[word(U256::from(slot))])?[0];
            prop_assert_eq!(
                Address::from_word(B256::from(now_for)),
                s.verifier,
                "verifierFor({}) changed after its report was stored",
                slot
            );
            prop_assert_eq!(s.root, beacon_root(s.timestamp), "root of {}", s.timestamp);
            let kind = self.m.v.kind(s.verifier);
            let inputs = calldata::public_inputs(
                &s.report,
                s.root,
                cfg.pool_exact,
                cfg.pool_credentials,
                &s.accumulator,
            );
            prop_assert!(
                kind.is_some_and(|k| accepts(k, &inputs, &s.proof)),
                "report {:?} stored through verifier {} ({:?}) which does not accept it \
                 (submitted by {})",
                s.report,
                s.verifier,
                kind,
                s.submitter
            );
            // Neighbouring slots without a report.
            for other in [slot.checked_sub(1), slot.checked_add(1)]
                .into_iter()
                .flatten()
            {
                if !model_slots.contains(&other) {
                    prop_assert_eq!(self.report_at(other)?, Err("NoReport".to_string()));
                    prop_assert_eq!(self.raw_report(other), [U256::ZERO; 2]);
                    let has = self.view_words("hasReport(uint64)", &[word(U256::from(other))])?[0];
                    prop_assert_eq!(has, U256::ZERO, "hasReport({})", other);
                }
            }
        }
        // 4, schedule side: the verifier the model schedules for each stored slot is the one
        // that verified it (the model's schedule is the contract's, entry by entry).
        for s in &reports {
            prop_assert_eq!(self.m.scheduled(s.report.slot), s.verifier);
        }
        let count: usize = self.view_words("verifierCount()", &[])?[0].saturating_to();
        prop_assert_eq!(count, self.m.schedule.len(), "verifierCount");
        for (i, (act, v)) in self.m.schedule.clone().into_iter().enumerate() {
            let e = self.view_words("verifierAt(uint256)", &[word(U256::from(i))])?;
            prop_assert_eq!(e[0], U256::from(act), "verifierAt({}).activationSlot", i);
            prop_assert_eq!(
                e[1],
                calldata::address_word(v),
                "verifierAt({}).verifier",
                i
            );
            for probe in [act.checked_sub(1), Some(act)].into_iter().flatten() {
                let got = self.view_words("verifierFor(uint64)", &[word(U256::from(probe))])?[0];
                prop_assert_eq!(got, calldata::address_word(self.m.scheduled(probe)));
            }
        }
        prop_assert_eq!(self.m.schedule[0].0, 0, "no verifier from slot 0");

        // 5: latestReport and getReport.
        let oracle = self.d.oracle;
        let latest = self.view(oracle, "latestReport()", &[]);
        match (reports.last(), latest) {
            (None, Err(e)) => prop_assert_eq!(e.revert_name(), Some("NoReport")),
            (Some(s), Ok(out)) => prop_assert_eq!(Report::from_abi(&out), Some(s.report)),
            (want, got) => prop_assert!(false, "latestReport: want {:?}, got {:?}", want, got),
        }
        let mut refs: Vec<U256> = vec![U256::ZERO, U256::from(u64::MAX), U256::MAX];
        for &s in &slots {
            refs.extend(
                [s.checked_sub(1), Some(s), s.checked_add(1)]
                    .into_iter()
                    .flatten()
                    .map(U256::from),
            );
        }
        for r in refs {
            let w = self.view_words("getReport(uint256)", &[word(r)])?;
            let want = reports
                .iter()
                .rev()
                .find(|s| U256::from(s.report.slot) <= r);
            let expect = match want {
                None => vec![U256::ZERO; 5],
                Some(s) => vec![
                    U256::from(1u8),
                    U256::from(s.report.total_balance_gwei),
                    U256::ZERO,
                    U256::from(s.report.validator_count),
                    U256::from(s.report.exited_count),
                ],
            };
            prop_assert_eq!(w, expect, "getReport({})", r);
        }

        // 5: owner, paused and bound (views and raw storage).
        let w0 = self.storage(U256::from(SLOT_OWNER_PAUSED_BOUND));
        prop_assert_eq!(
            w0 & ((U256::from(1u8) << 160) - U256::from(1u8)),
            calldata::address_word(self.m.owner)
        );
        prop_assert_eq!(
            (w0 >> 160) & U256::from(0xffu8),
            U256::from(self.m.paused as u8)
        );
        prop_assert_eq!(
            self.view_words("owner()", &[])?[0],
            calldata::address_word(self.m.owner)
        );
        prop_assert_eq!(
            self.view_words("paused()", &[])?[0],
            U256::from(self.m.paused as u8)
        );
        prop_assert_eq!(w0 >> 168, U256::from(self.m.bound), "raw bound");
        prop_assert_eq!(
            self.view_words("maxChangeBpsPerDay()", &[])?[0],
            U256::from(self.m.bound)
        );

        // 5: the LSD holds the report it last synced.
        let lsd = self.d.lsd;
        let synced = calldata::decode_words(&self.view(lsd, "lastSyncedSlot()", &[]).unwrap())[0];
        let gwei = calldata::decode_words(&self.view(lsd, "clBalanceGwei()", &[]).unwrap())[0];
        prop_assert_eq!(synced, U256::from(self.m.lsd_slot));
        prop_assert_eq!(gwei, U256::from(self.m.lsd_gwei));
        Ok(())
    }
}

fn run_sequence(
    ops: &[Op],
    stats: &RefCell<BTreeMap<String, usize>>,
    mutant: Option<&[u8]>,
    strict: bool,
) -> Result<(), TestCaseError> {
    let (d, v) = setup(mutant);
    let m = Model::new(&d, v);
    let mut run = Run {
        d,
        m,
        stats,
        strict,
    };
    run.publish();
    run.check()?;
    for (i, op) in ops.iter().enumerate() {
        run.step(op)
            .map_err(|e| TestCaseError::fail(format!("step {i} ({op:?}): {e}")))?;
        run.check()
            .map_err(|e| TestCaseError::fail(format!("after step {i} ({op:?}): {e}")))?;
    }
    let bucket = match run.m.reports.len() {
        0 => "0",
        1..=2 => "1-2",
        3..=5 => "3-5",
        6..=10 => "6-10",
        _ => "11+",
    };
    run.note(&format!("sequences ending with {bucket} reports"), &Ok(()));
    Ok(())
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_operation_sequences_keep_the_oracle_invariants() {
    let cases = env_or("PROPTEST_CASES", DEFAULT_CASES);
    let steps = env_or("ORACLE_INVARIANT_STEPS", DEFAULT_STEPS);
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    };
    let stats = RefCell::new(BTreeMap::new());
    let started = std::time::Instant::now();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&prop::collection::vec(op(), steps), |ops| {
        run_sequence(&ops, &stats, None, true)
    });
    let stats = stats.into_inner();
    eprintln!(
        "{cases} sequences x {steps} steps in {:.1?}; outcomes:",
        started.elapsed()
    );
    for (k, n) in &stats {
        eprintln!("  {n:6}  {k}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
    // The run is not vacuous: reports are stored and each guard is reached.
    if cases >= DEFAULT_CASES {
        for key in [
            "submitReport: ok",
            "stored through Some(Binding(178)): ok",
            "ProofRejected by Some(RejectAll): ok",
            "submitReport: ProofRejected",
            "submitReport: BalanceChangeTooLarge",
            "submitReport: SlotNotAfterLatest",
            "submitReport: ReportAlreadySubmitted",
            "submitReport: BeaconRootUnavailable",
            "submitReport: TimestampOutOfWindow",
            "submitReport: OraclePaused",
            "scheduleVerifier: ok",
            "scheduleVerifier: ActivationNotInFuture",
            "scheduleVerifier: NotOwner",
        ] {
            assert!(stats.contains_key(key), "no step reached {key:?}");
        }
    }
}

/// The stand-in verifiers behave as the model says (the property test relies on it).
#[test]
fn mock_verifiers_accept_exactly_their_proofs() {
    let (mut d, v) = setup(None);
    let report = Report {
        slot: BASE_SLOT,
        total_balance_gwei: GWEI_32_ETH,
        ..Report::default()
    };
    let acc = accumulator(3);
    let inputs = d.public_inputs(&report, beacon_root(1), &acc);
    let mut other = inputs;
    other[NUM_ACCUMULATOR_LIMBS] += U256::from(1u8);
    let cases: [(Address, Vec<u8>, bool); 9] = [
        (v.a, bind(TAG_A, &inputs), true),
        (v.a, bind(TAG_B, &inputs), false),
        (v.a, bind(TAG_A, &other), false),
        (v.a, [bind(TAG_A, &inputs), vec![0]].concat(), false),
        (v.a, Vec::new(), false),
        (v.b, bind(TAG_B, &inputs), true),
        (v.b, bind(TAG_A, &inputs), false),
        (v.reject, bind(TAG_A, &inputs), false),
        (v.accept, Vec::new(), true),
    ];
    for (verifier, proof, ok) in cases {
        let got = d.call_verifier(verifier, &inputs, &proof).is_ok();
        assert_eq!(got, ok, "verifier {verifier} proof {}", hex::encode(&proof));
        let kind = v.kind(verifier).unwrap();
        assert_eq!(accepts(kind, &inputs, &proof), ok);
    }
}

// ------------------------------------------------------------------------------- mutants

/// The runtime code of the oracle with `edits` (find, replace) applied to its source, built
/// with the constructor arguments of [`setup`] (so its immutables are the deployment's).
fn mutant_runtime(edits: &[(&str, &str)]) -> Vec<u8> {
    let mut src = contracts::ORACLE_SOURCE.to_string();
    for (find, replace) in edits {
        assert_eq!(
            src.matches(find).count(),
            1,
            "{find:?} is no longer in BeaconBalanceOracle.sol: update this mutant"
        );
        src = src.replacen(find, replace, 1);
    }
    let compiled = solc::compile(
        &[solc::Source::new("BeaconBalanceOracle.sol", src)],
        contracts::ORACLE,
    )
    .expect("compile the mutant");
    let (mut d, _) = setup(None);
    let cfg = d.config;
    let mut code = compiled.bytecode.clone();
    code.extend(calldata::oracle_constructor_args(
        &cfg,
        d.verifier,
        BEACON_ROOTS_ADDRESS,
    ));
    let (mutant, _) = d.chain.deploy(STRANGER, code).expect("deploy the mutant");
    d.chain.code(mutant)
}

/// The checks have teeth: seeded bugs in the oracle are each caught by the invariant meant
/// for them, with outcome matching off (only the state invariants judge), except for the
/// pause mutant, which only the model's outcomes can see.
#[test]
fn seeded_contract_bugs_break_the_invariants() {
    struct Mutant {
        name: &'static str,
        edits: &'static [(&'static str, &'static str)],
        strict: bool,
        caught_by: &'static str,
    }
    const ORDER: &str = "if (slot <= latest) {";
    const BOUND: &str = "_checkBound(latest, _reports[latest].totalBalanceGwei, r);";
    const BOUND_IF_LATER: &str =
        "if (slot > latest) _checkBound(latest, _reports[latest].totalBalanceGwei, r);";
    let mutants = [
        Mutant {
            name: "a duplicate slot is stored",
            edits: &[(ORDER, "if (slot < latest) {"), (BOUND, BOUND_IF_LATER)],
            strict: false,
            caught_by: "stored twice",
        },
        Mutant {
            name: "an older slot is stored",
            edits: &[
                (ORDER, "if (slot <= latest && _isReported(slot)) {"),
                (BOUND, BOUND_IF_LATER),
            ],
            strict: false,
            caught_by: "not increasing",
        },
        Mutant {
            name: "no balance bound",
            edits: &[(BOUND, "")],
            strict: false,
            caught_by: "bps/day allows",
        },
        Mutant {
            name: "the schedule is ignored (initial verifier always)",
            edits: &[(
                "verifier = entry.verifier;",
                "verifier = _verifiers[0].verifier;",
            )],
            strict: false,
            caught_by: "is scheduled for it",
        },
        Mutant {
            name: "a rejection without proof bytes only",
            edits: &[(
                "if (!ok) revert ProofRejected();",
                "if (!ok && proof.length == 0) revert ProofRejected();",
            )],
            strict: false,
            caught_by: "does not accept it",
        },
        Mutant {
            name: "a schedule may start at the latest report's slot",
            edits: &[(
                "any && activationSlot <= latest) revert",
                "any && activationSlot < latest) revert",
            )],
            strict: false,
            caught_by: "changed after its report was stored",
        },
        Mutant {
            name: "getReport skips a report at exactly refSlot",
            edits: &[(
                "if (_reportSlots[mid] <= refSlot) lo = mid + 1;",
                "if (_reportSlots[mid] < refSlot) lo = mid + 1;",
            )],
            strict: false,
            caught_by: "getReport(",
        },
        Mutant {
            name: "pause is ignored",
            edits: &[("if (paused) revert OraclePaused();", "")],
            strict: true,
            caught_by: "model Err(\"OraclePaused\")",
        },
    ];
    let cases = env_or("PROPTEST_CASES", DEFAULT_CASES);
    let steps = env_or("ORACLE_INVARIANT_STEPS", DEFAULT_STEPS);
    for m in mutants {
        let runtime = mutant_runtime(m.edits);
        let stats = RefCell::new(BTreeMap::new());
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 0,
            ..Config::default()
        });
        let result = runner.run(&prop::collection::vec(op(), steps), |ops| {
            run_sequence(&ops, &stats, Some(&runtime), m.strict)
        });
        let Err(e) = result else {
            panic!("mutant {:?} survived {cases} sequences", m.name);
        };
        let msg = e.to_string();
        assert!(
            msg.contains(m.caught_by),
            "mutant {:?} was caught, but not by {:?}: {}",
            m.name,
            m.caught_by,
            msg.lines().next().unwrap_or_default()
        );
    }
}
