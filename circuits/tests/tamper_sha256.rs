//! Soundness of the SHA-256 framing (issue "hostile input"): a malicious prover writes the
//! vanilla SHA-256 region of `zkevm-hashes` itself, around a circuit built by the production
//! code (`build_circuit`, `ShaCalls`, `ShaCircuit::tie`).
//!
//! A test-only floor planner ([`HookPlanner`]) intercepts every advice cell the production
//! `ShaCircuit::synthesize` assigns in its `"sha256"` region and replaces it. The replacement
//! is, in most attacks, a *complete, honestly generated* vanilla witness for a different
//! framing (other messages, other lengths, another order): every vanilla gate holds, so only
//! the glue (the copy constraints binding words, digests and the `length == 64` framing) can
//! reject it. The padding attacks splice a compression over an altered padding block into an
//! honest witness, so that only the vanilla `padding` gate can reject them.
//!
//! Each attack is a row of [`attacks`]: what is tampered, and the exact set of checks that
//! reject it (the control). The test asserts that MockProver fails; that the listed checks are
//! exactly the ties the witness violates (computed from the cells) plus the vanilla gates
//! MockProver reports; that every MockProver failure is one of them (halo2-base's end of a
//! tie aside); and that its copy failures name exactly the listed `io` cells and, iff a
//! `length` tie is listed, some `length` cell (all lengths share one permutation cycle with the
//! constant 64, so which one it names follows the cycle order). The honest witness passes,
//! with the hook off and with the hook rewriting its region
//! ([`honest_witness_passes_through_the_hook`]). Runtime: a few seconds at k = 9.

use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::gates::RangeChip;
use halo2_base::halo2_proofs::arithmetic::Field;
use halo2_base::halo2_proofs::circuit::layouter::SyncDeps;
use halo2_base::halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_base::halo2_proofs::dev::{FailureLocation, MockProver, VerifyFailure};
use halo2_base::halo2_proofs::plonk::{
    Advice, Any, Assigned, Assignment, Challenge, Circuit, Column, ConstraintSystem, Error, Fixed,
    FloorPlanner, Instance, Selector,
};
use halo2_base::{AssignedValue, Context};
use sha2::{Digest, Sha256};
use stakeproof_circuits::gadgets::{compose_be, compose_le, Byte};
use stakeproof_circuits::sha256::{ShaCall, ShaCalls, ROWS_PER_BLOCK};
use stakeproof_circuits::util::circuit::{
    build_circuit, CircuitLogic, ShaCircuit, ShaCircuitParams, Shape,
};
use stakeproof_circuits::Fr;
use std::any::Any as StdAny;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::marker::PhantomData;
use std::rc::Rc;

/// Two calls: 4 blocks of 72 rows, plus the 64 unusable rows, fit in 2^9.
const K: usize = 9;
/// Offset, in a block, of the last input row (where the glue reads `length`).
const LAST_INPUT: usize = 19;
/// Offsets, in a block, of the digest limbs (`io`): high, then low.
const OUT_HI: usize = ROWS_PER_BLOCK - 2;
const OUT_LO: usize = ROWS_PER_BLOCK - 1;
/// Offset, in a block, of the first input row.
const FIRST_INPUT: usize = 4;

// ---------------------------------------------------------------------------------------------
// The hook: a floor planner that rewrites the advice cells of the "sha256" region.

/// `(advice column index, row, honest value) -> value written`.
type Hook = Box<dyn FnMut(usize, usize, Fr) -> Fr>;

thread_local! {
    static HOOK: RefCell<Option<Hook>> = RefCell::new(None);
}

/// A circuit synthesized by [`HookPlanner`] instead of its own floor planner.
struct Hooked<C>(C);

/// `SimpleFloorPlanner` over an [`Assignment`] that passes every call through, except the
/// advice values of the `"sha256"` region, which go through [`HOOK`] first.
struct HookPlanner;

struct HookCs<'a, F, CS> {
    cs: &'a mut CS,
    in_sha: bool,
    _f: PhantomData<F>,
}

fn to_fr<F: Field>(x: F) -> Fr {
    *(&x as &dyn StdAny)
        .downcast_ref::<Fr>()
        .expect("the field is Fr")
}

fn from_fr<F: Field>(x: Fr) -> F {
    *(Box::new(x) as Box<dyn StdAny>)
        .downcast::<F>()
        .expect("the field is Fr")
}

impl<F: Field, CS: Assignment<F>> Assignment<F> for HookCs<'_, F, CS> {
    fn enter_region<NR, N>(&mut self, name_fn: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
        let name: String = name_fn().into();
        self.in_sha = name == "sha256";
        self.cs.enter_region(|| name);
    }

    fn annotate_column<A, AR>(&mut self, annotation: A, column: Column<Any>)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.cs.annotate_column(annotation, column)
    }

    fn exit_region(&mut self) {
        self.in_sha = false;
        self.cs.exit_region()
    }

    fn enable_selector<A, AR>(
        &mut self,
        annotation: A,
        selector: &Selector,
        row: usize,
    ) -> Result<(), Error>
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.cs.enable_selector(annotation, selector, row)
    }

    fn query_instance(&self, column: Column<Instance>, row: usize) -> Result<Value<F>, Error> {
        self.cs.query_instance(column, row)
    }

    fn assign_advice<'v>(
        &mut self,
        column: Column<Advice>,
        row: usize,
        to: Value<Assigned<F>>,
    ) -> Value<&'v Assigned<F>> {
        let to = if self.in_sha {
            to.map(|v| {
                let honest = to_fr(v.evaluate());
                let written = HOOK.with(|h| match h.borrow_mut().as_mut() {
                    Some(hook) => hook(column.index(), row, honest),
                    None => honest,
                });
                Assigned::Trivial(from_fr(written))
            })
        } else {
            to
        };
        self.cs.assign_advice(column, row, to)
    }

    fn assign_fixed(&mut self, column: Column<Fixed>, row: usize, to: Assigned<F>) {
        self.cs.assign_fixed(column, row, to)
    }

    fn copy(&mut self, lc: Column<Any>, lr: usize, rc: Column<Any>, rr: usize) {
        self.cs.copy(lc, lr, rc, rr)
    }

    fn fill_from_row(
        &mut self,
        column: Column<Fixed>,
        row: usize,
        to: Value<Assigned<F>>,
    ) -> Result<(), Error> {
        self.cs.fill_from_row(column, row, to)
    }

    fn get_challenge(&self, challenge: Challenge) -> Value<F> {
        self.cs.get_challenge(challenge)
    }

    fn push_namespace<NR, N>(&mut self, name_fn: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
        self.cs.push_namespace(name_fn)
    }

    fn pop_namespace(&mut self, gadget_name: Option<String>) {
        self.cs.pop_namespace(gadget_name)
    }

    fn next_phase(&mut self) {
        self.cs.next_phase()
    }
}

impl FloorPlanner for HookPlanner {
    fn synthesize<F: Field, CS: Assignment<F> + SyncDeps, C: Circuit<F>>(
        cs: &mut CS,
        circuit: &C,
        config: C::Config,
        constants: Vec<Column<Fixed>>,
    ) -> Result<(), Error> {
        let mut cs = HookCs {
            cs,
            in_sha: false,
            _f: PhantomData,
        };
        SimpleFloorPlanner::synthesize(&mut cs, circuit, config, constants)
    }
}

impl<C: Circuit<Fr>> Circuit<Fr> for Hooked<C> {
    type Config = C::Config;
    type FloorPlanner = HookPlanner;
    type Params = C::Params;

    fn params(&self) -> C::Params {
        self.0.params()
    }

    fn without_witnesses(&self) -> Self {
        Hooked(self.0.without_witnesses())
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, params: C::Params) -> C::Config {
        C::configure_with_params(meta, params)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> C::Config {
        C::configure(meta)
    }

    fn synthesize(&self, config: C::Config, layouter: impl Layouter<Fr>) -> Result<(), Error> {
        self.0.synthesize(config, layouter)
    }
}

/// Runs MockProver on `circuit` with `hook` installed, and verifies.
fn mock_with_hook<C: Circuit<Fr>>(
    k: u32,
    circuit: C,
    instances: Vec<Vec<Fr>>,
    hook: Option<Hook>,
) -> Result<(), Vec<VerifyFailure>> {
    HOOK.with(|h| *h.borrow_mut() = hook);
    let prover = MockProver::run(k, &Hooked(circuit), instances);
    HOOK.with(|h| *h.borrow_mut() = None);
    prover.expect("synthesis").verify()
}

// ---------------------------------------------------------------------------------------------
// The attacker's region: the vanilla circuit alone, assigned from any message list.

/// All advice cells of a vanilla region: `(column index, row) -> value`.
type Region = HashMap<(usize, usize), Fr>;

/// The vanilla SHA-256 region alone, configured exactly as `ShaCircuit` (same column indices),
/// assigned by `zkevm-hashes` from `msgs` (padded with empty messages to the capacity).
struct VanillaOnly {
    params: ShaCircuitParams,
    msgs: Vec<Vec<u8>>,
}

impl Circuit<Fr> for VanillaOnly {
    type Config = <ShaCircuit as Circuit<Fr>>::Config;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ShaCircuitParams;

    fn params(&self) -> ShaCircuitParams {
        self.params.clone()
    }

    fn without_witnesses(&self) -> Self {
        VanillaOnly {
            params: self.params.clone(),
            msgs: self.msgs.clone(),
        }
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, p: ShaCircuitParams) -> Self::Config {
        ShaCircuit::configure_with_params(meta, p)
    }

    fn configure(_: &mut ConstraintSystem<Fr>) -> Self::Config {
        unreachable!("configured from its parameters")
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let (_, sha) = config;
        layouter.assign_region(
            || "sha256",
            |mut region| {
                sha.multi_sha256(&mut region, self.msgs.clone(), Some(self.params.sha_blocks));
                Ok(())
            },
        )
    }
}

/// The vanilla region an honest `zkevm-hashes` assigns for `msgs` (its gates all hold: checked).
fn vanilla_region(params: &ShaCircuitParams, msgs: Vec<Vec<u8>>) -> Region {
    let cells = Rc::new(RefCell::new(Region::new()));
    let sink = cells.clone();
    let hook: Hook = Box::new(move |col, row, v| {
        sink.borrow_mut().insert((col, row), v);
        v
    });
    let circuit = VanillaOnly {
        params: params.clone(),
        msgs,
    };
    let verdict = mock_with_hook(params.base.k as u32, circuit, vec![vec![]], Some(hook));
    assert!(
        verdict.is_ok(),
        "the attacker's vanilla region satisfies every vanilla gate on its own: {:?}",
        verdict.err().map(|e| e.len())
    );
    Rc::try_unwrap(cells).expect("hook dropped").into_inner()
}

/// Indices of the vanilla advice columns, from the configuration `ShaCircuit` uses.
struct Cols {
    io: usize,
    length: usize,
    /// `word_w[0]`; `word_w[k]` holds bit `33 - k` of the (extended) message-schedule word.
    w0: usize,
    /// `word_a[0]`; bits as for `w0`, 35 of them.
    a0: usize,
    /// `word_e[0]`.
    e0: usize,
}

impl Cols {
    fn of(params: &ShaCircuitParams) -> Cols {
        let mut meta = ConstraintSystem::<Fr>::default();
        let (_, sha) = ShaCircuit::configure_with_params(&mut meta, params.clone());
        let io = sha.hash_table.io.index();
        // zkevm-hashes 0.3.0 creates word_w (34), word_a (35), word_e (35), is_paddings (4),
        // then io, length; `check_layout` confirms it on an honest witness.
        Cols {
            io,
            length: sha.hash_table.length.index(),
            w0: io - 108,
            a0: io - 74,
            e0: io - 39,
        }
    }

    fn name(&self, col: usize) -> &'static str {
        if col == self.io {
            "io"
        } else if col == self.length {
            "length"
        } else {
            "other vanilla"
        }
    }

    /// The low 32 bits of the message-schedule word in `region` at `row`.
    fn w(&self, region: &Region, row: usize) -> u32 {
        (0..32).fold(0u32, |acc, bit| {
            let v = region[&(self.w0 + 33 - bit, row)];
            acc | (u32::from(v == Fr::ONE) << bit)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The circuit under attack: calls made through the production `ShaCalls`.

#[derive(Clone, Copy)]
enum Claim {
    /// `ShaCalls::hash64`, the production path (its digest is the true SHA-256).
    Honest,
    /// A malicious prover's call: the same cells, but this digest witnessed as the output.
    Digest([u8; 32]),
}

/// Test logic: one `ShaCall` per message; the instances are every call's digest limbs.
struct Framing {
    calls: Vec<([u8; 64], Claim)>,
}

impl CircuitLogic for Framing {
    fn name(&self) -> String {
        format!("sha-framing-{}", self.calls.len())
    }

    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>> {
        let mut instances = vec![];
        for (msg, claim) in &self.calls {
            let bytes: [Byte; 64] = msg.map(|b| Byte::witness(ctx, range, b));
            match claim {
                Claim::Honest => {
                    sha.hash64(ctx, range, &bytes);
                }
                Claim::Digest(d) => {
                    // `hash64` with the digest replaced: what a prover could witness.
                    let words =
                        std::array::from_fn(|j| compose_le(ctx, range, &bytes[4 * j..4 * j + 4]));
                    let out = d.map(|b| Byte::witness(ctx, range, b));
                    let out_hi = compose_be(ctx, range, &out[..16]);
                    let out_lo = compose_be(ctx, range, &out[16..]);
                    sha.calls.push(ShaCall {
                        input: *msg,
                        words,
                        out_hi,
                        out_lo,
                    });
                }
            }
            let call = sha.calls.last().expect("a call");
            instances.extend([call.out_hi, call.out_lo]);
        }
        instances
    }
}

/// The production circuit for `logic` at `K` (fresh each time: the glue is tied on the first
/// synthesis only).
fn production(logic: &Framing) -> ShaCircuit {
    build_circuit(CircuitBuilderStage::Mock, logic, Shape::K(K)).expect("fits in 2^K")
}

/// Runs the production circuit for `logic` with its vanilla region replaced by `region`
/// (every cell of it: checked), or untouched for `None`.
fn run(logic: &Framing, region: Option<Region>) -> Result<(), Vec<VerifyFailure>> {
    let c = production(logic);
    let instances = c.instances();
    let k = c.k();
    let replaced = Rc::new(RefCell::new(0usize));
    let count = replaced.clone();
    let total = region.as_ref().map(|r| r.len());
    let hook = region.map(|region| -> Hook {
        Box::new(move |col, row, _honest| {
            *count.borrow_mut() += 1;
            *region
                .get(&(col, row))
                .unwrap_or_else(|| panic!("no replacement for column {col}, row {row}"))
        })
    });
    let verdict = mock_with_hook(k, c, vec![instances], hook);
    if let Some(total) = total {
        assert_eq!(*replaced.borrow(), total, "the whole region was replaced");
    }
    verdict
}

// ---------------------------------------------------------------------------------------------
// Attacks.

/// What the attacker writes in the vanilla region.
enum Tamper {
    /// An honest vanilla witness for these messages (padded with `""` to capacity).
    Messages(Vec<Vec<u8>>),
    /// The honest witness of `msgs`, except that block 1 (call 0's padding block) compresses
    /// `block` instead of the standard padding (its schedule and state bits, its digest cells);
    /// the padding selectors, lengths and `is_final` stay honest.
    PaddingBlock { msgs: Vec<Vec<u8>>, block: [u8; 64] },
}

/// A check that rejects: the vanilla side of a copy constraint, or a vanilla gate, at a row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Check {
    /// The copy constraint on this vanilla cell (`column`, block, offset in the block).
    Tie(&'static str, usize, usize),
    /// This vanilla constraint (by name) at (block, offset in the block).
    Gate(&'static str, usize, usize),
}

struct Attack {
    name: &'static str,
    tampered: &'static str,
    /// The calls the circuit makes and the digests it claims.
    calls: Vec<([u8; 64], Claim)>,
    region: Tamper,
    /// Exactly the checks that fail (the control).
    rejected_by: Vec<Check>,
}

/// `x` as a field element.
fn fr128(x: u128) -> Fr {
    Fr::from((x >> 64) as u64) * Fr::from(1u64 << 32).square() + Fr::from(x as u64)
}

fn sha(m: &[u8]) -> [u8; 32] {
    Sha256::digest(m).into()
}

fn cat(a: &[u8], b: &[u8]) -> Vec<u8> {
    [a, b].concat()
}

/// SHA-256's state after compressing `blocks` from the initial value, as a digest.
fn compress(blocks: &[[u8; 64]]) -> [u8; 32] {
    let mut state = [
        0x6a09e667u32,
        0xbb67ae85,
        0x3c6ef372,
        0xa54ff53a,
        0x510e527f,
        0x9b05688c,
        0x1f83d9ab,
        0x5be0cd19,
    ];
    let blocks: Vec<_> = blocks
        .iter()
        .map(|b| sha2::digest::generic_array::GenericArray::clone_from_slice(b))
        .collect();
    sha2::compress256(&mut state, &blocks);
    let mut out = [0u8; 32];
    for (i, s) in state.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&s.to_be_bytes());
    }
    out
}

/// The standard padding block of a 64-byte message, with `edit` applied.
fn padding_block(edit: impl FnOnce(&mut [u8; 64])) -> [u8; 64] {
    let mut p = [0u8; 64];
    p[0] = 0x80;
    p[56..].copy_from_slice(&512u64.to_be_bytes());
    edit(&mut p);
    p
}

const LEN: &str = "length";
const IO: &str = "io";

fn attacks() -> Vec<Attack> {
    let a: [u8; 64] = std::array::from_fn(|i| (i as u8).wrapping_mul(7).wrapping_add(1));
    let b: [u8; 64] = std::array::from_fn(|i| 0xff - i as u8);
    let x = b"extension".to_vec();
    // An SSZ-like node whose last 9 bytes are zero: its first 55 bytes are a 1-block message.
    let mut t = a;
    t[55..].fill(0);
    let zero = [0u8; 64];
    let h = |call: usize, off: usize| (2 * call, off); // call's data block
    let p = |call: usize, off: usize| (2 * call + 1, off); // call's padding block
    let tie = |col, (blk, off): (usize, usize)| Check::Tie(col, blk, off);
    let words = |call: usize| (0..16).map(move |j| Check::Tie(IO, 2 * call, FIRST_INPUT + j));
    vec![
        Attack {
            name: "length extension, digest claimed",
            tampered: "region hashes A||X (2 blocks) in call 0's slots; call 0 claims H(A||X)",
            calls: vec![(a, Claim::Digest(sha(&cat(&a, &x)))), (b, Claim::Honest)],
            region: Tamper::Messages(vec![cat(&a, &x), b.to_vec()]),
            rejected_by: vec![tie(LEN, p(0, LAST_INPUT))],
        },
        Attack {
            name: "length extension, honest claim",
            tampered: "region hashes A||X in call 0's slots; call 0 claims H(A)",
            calls: vec![(a, Claim::Honest), (b, Claim::Honest)],
            region: Tamper::Messages(vec![cat(&a, &x), b.to_vec()]),
            rejected_by: vec![
                tie(LEN, p(0, LAST_INPUT)),
                tie(IO, p(0, OUT_HI)),
                tie(IO, p(0, OUT_LO)),
            ],
        },
        Attack {
            name: "length extension, reverse",
            tampered: "region hashes A honestly; call 0 claims H(A||X)",
            calls: vec![(a, Claim::Digest(sha(&cat(&a, &x)))), (b, Claim::Honest)],
            region: Tamper::Messages(vec![a.to_vec(), b.to_vec()]),
            rejected_by: vec![tie(IO, p(0, OUT_HI)), tie(IO, p(0, OUT_LO))],
        },
        Attack {
            name: "truncation",
            tampered: "region hashes T[..55] (1 block) then \"\" (padding only); T[55..] = 0 so \
                       the masked words match; call 0 claims H(\"\")",
            calls: vec![(t, Claim::Digest(sha(b""))), (b, Claim::Honest)],
            region: Tamper::Messages(vec![t[..55].to_vec(), vec![], b.to_vec()]),
            rejected_by: vec![tie(LEN, h(0, LAST_INPUT)), tie(LEN, p(0, LAST_INPUT))],
        },
        Attack {
            name: "two calls merged, digest claimed",
            tampered: "region hashes \"\" then A||B across call 0's padding block and call 1; \
                       call 0 (zeros) claims 0, call 1 (B) claims H(A||B)",
            calls: vec![
                (zero, Claim::Digest([0; 32])),
                (b, Claim::Digest(sha(&cat(&a, &b)))),
            ],
            region: Tamper::Messages(vec![vec![], cat(&a, &b)]),
            rejected_by: vec![
                tie(LEN, h(0, LAST_INPUT)),
                tie(LEN, h(1, LAST_INPUT)),
                tie(LEN, p(1, LAST_INPUT)),
            ],
        },
        Attack {
            name: "two calls merged (A||B)",
            tampered: "region hashes A||B (3 blocks) then \"\" for calls [A, B]",
            calls: vec![(a, Claim::Honest), (b, Claim::Honest)],
            region: Tamper::Messages(vec![cat(&a, &b), vec![]]),
            rejected_by: words(1)
                .chain([
                    tie(LEN, p(0, LAST_INPUT)),
                    tie(IO, p(0, OUT_HI)),
                    tie(IO, p(0, OUT_LO)),
                    tie(LEN, h(1, LAST_INPUT)),
                    tie(LEN, p(1, LAST_INPUT)),
                    tie(IO, p(1, OUT_HI)),
                    tie(IO, p(1, OUT_LO)),
                ])
                .collect(),
        },
        Attack {
            name: "two calls swapped (rows)",
            tampered: "region hashes [B, A] for calls [A, B]",
            calls: vec![(a, Claim::Honest), (b, Claim::Honest)],
            region: Tamper::Messages(vec![b.to_vec(), a.to_vec()]),
            rejected_by: (0..2)
                .flat_map(|c| words(c).chain([tie(IO, p(c, OUT_HI)), tie(IO, p(c, OUT_LO))]))
                .collect(),
        },
        Attack {
            name: "two calls swapped (outputs)",
            tampered: "region honest; call 0 claims H(B), call 1 claims H(A)",
            calls: vec![(a, Claim::Digest(sha(&b))), (b, Claim::Digest(sha(&a)))],
            region: Tamper::Messages(vec![a.to_vec(), b.to_vec()]),
            rejected_by: (0..2)
                .flat_map(|c| [tie(IO, p(c, OUT_HI)), tie(IO, p(c, OUT_LO))])
                .collect(),
        },
        Attack {
            name: "padding block: 0x80 byte removed",
            tampered: "call 0's padding block compresses 00..00||512 instead of 80..00||512; \
                       call 0 claims that compression's digest",
            calls: vec![
                (
                    a,
                    Claim::Digest(compress(&[a, padding_block(|p| p[0] = 0)])),
                ),
                (b, Claim::Honest),
            ],
            region: Tamper::PaddingBlock {
                msgs: vec![a.to_vec(), b.to_vec()],
                block: padding_block(|p| p[0] = 0),
            },
            rejected_by: vec![Check::Gate(
                "padding start/intermediate byte, all padding rows except the last one",
                1,
                FIRST_INPUT,
            )],
        },
        Attack {
            name: "padding block: length field altered",
            tampered: "call 0's padding block carries length 520 bits instead of 512; call 0 \
                       claims that compression's digest",
            calls: vec![
                (
                    a,
                    Claim::Digest(compress(&[a, padding_block(|p| p[63] = 8)])),
                ),
                (b, Claim::Honest),
            ],
            region: Tamper::PaddingBlock {
                msgs: vec![a.to_vec(), b.to_vec()],
                block: padding_block(|p| p[63] = 8),
            },
            rejected_by: vec![Check::Gate("padding length", 1, LAST_INPUT)],
        },
    ]
}

/// The attacker's region for `tamper`.
fn region(params: &ShaCircuitParams, cols: &Cols, tamper: &Tamper) -> Region {
    match tamper {
        Tamper::Messages(msgs) => vanilla_region(params, msgs.clone()),
        Tamper::PaddingBlock { msgs, block } => {
            let mut out = vanilla_region(params, msgs.clone());
            // The same first block, then `block` compressed as data: block 1 of this witness
            // has the schedule and state bits of `block`.
            let spliced = vanilla_region(params, vec![cat(&msgs[0], block)]);
            let rows = ROWS_PER_BLOCK..2 * ROWS_PER_BLOCK;
            for (&(col, row), v) in &spliced {
                if rows.contains(&row) && (cols.w0..cols.w0 + 34 + 35 + 35).contains(&col) {
                    out.insert((col, row), *v);
                }
            }
            // The digest cells: the state after compressing [msgs[0], block].
            let d = compress(&[msgs[0][..].try_into().expect("64 bytes"), *block]);
            let limb = |bytes: &[u8]| fr128(u128::from_be_bytes(bytes.try_into().unwrap()));
            out.insert((cols.io, ROWS_PER_BLOCK + OUT_HI), limb(&d[..16]));
            out.insert((cols.io, ROWS_PER_BLOCK + OUT_LO), limb(&d[16..]));
            out
        }
    }
}

/// `checks` in short: `length b1:19`, `io b0:4-19`, ... (block, offsets in the block).
fn summary(checks: &BTreeSet<Check>) -> String {
    let mut groups: Vec<(String, Vec<usize>)> = vec![];
    for c in checks {
        let (key, off) = match c {
            Check::Tie(col, blk, off) => (format!("{col} b{blk}"), *off),
            Check::Gate(name, blk, off) => (format!("gate '{name}' b{blk}"), *off),
        };
        match groups.last_mut() {
            Some((k, offs)) if *k == key => offs.push(off),
            _ => groups.push((key, vec![off])),
        }
    }
    groups
        .into_iter()
        .map(|(key, offs)| {
            let (first, last) = (offs[0], offs[offs.len() - 1]);
            if offs.len() > 1 && last - first + 1 == offs.len() {
                format!("{key}:{first}-{last}")
            } else {
                let offs: Vec<String> = offs.iter().map(usize::to_string).collect();
                format!("{key}:{}", offs.join(","))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The vanilla cells whose tie to the glue `region` violates: every data word must be the
/// call's word, every block's `length` 64, every padding block's digest limbs the claimed ones.
fn violated_ties(cols: &Cols, region: &Region, calls: &[([u8; 64], Claim)]) -> BTreeSet<Check> {
    let mut out = BTreeSet::new();
    let at = |col: usize, blk: usize, off: usize| region[&(col, blk * ROWS_PER_BLOCK + off)];
    for (i, (msg, claim)) in calls.iter().enumerate() {
        let (data, pad) = (2 * i, 2 * i + 1);
        for j in 0..16 {
            let word = u32::from_le_bytes(msg[4 * j..4 * j + 4].try_into().unwrap());
            if at(cols.io, data, FIRST_INPUT + j) != Fr::from(u64::from(word)) {
                out.insert(Check::Tie(IO, data, FIRST_INPUT + j));
            }
        }
        for blk in [data, pad] {
            if at(cols.length, blk, LAST_INPUT) != Fr::from(64) {
                out.insert(Check::Tie(LEN, blk, LAST_INPUT));
            }
        }
        let digest = match claim {
            Claim::Honest => sha(msg),
            Claim::Digest(d) => *d,
        };
        for (off, limb) in [(OUT_HI, &digest[..16]), (OUT_LO, &digest[16..])] {
            if at(cols.io, pad, off) != fr128(u128::from_be_bytes(limb.try_into().unwrap())) {
                out.insert(Check::Tie(IO, pad, off));
            }
        }
    }
    out
}

/// The checks that `failures` name, keeping halo2-base's side of each copy constraint out
/// (it is the other end of a vanilla tie, or a constant); anything else is a test failure.
/// MockProver reports a copy failure on each cell whose value differs from the next cell of
/// its permutation cycle: for the words and digests (two-cell cycles) that is exactly the bad
/// vanilla cell, but all `length` cells share one cycle with the constant 64, so which of them
/// it names depends on the cycle's order.
fn rejecting_checks(cols: &Cols, failures: &[VerifyFailure]) -> BTreeSet<Check> {
    let mut out = BTreeSet::new();
    for f in failures {
        match f {
            VerifyFailure::Permutation { column, location } => {
                let vanilla = matches!(column.column_type(), Any::Advice(_))
                    && (cols.w0..=cols.length).contains(&column.index());
                if !vanilla {
                    continue; // halo2-base's end of a tie, or the constant's cell
                }
                // The "sha256" region starts at row 0, so an offset in it is a row.
                let row = match location {
                    FailureLocation::InRegion { offset, .. } => *offset,
                    FailureLocation::OutsideRegion { row } => *row,
                };
                let name = cols.name(column.index());
                assert_ne!(name, "other vanilla", "only io and length are tied: {f}");
                out.insert(Check::Tie(
                    if name == "io" { IO } else { LEN },
                    row / ROWS_PER_BLOCK,
                    row % ROWS_PER_BLOCK,
                ));
            }
            VerifyFailure::ConstraintNotSatisfied {
                constraint,
                location,
                ..
            } => {
                let row = match location {
                    FailureLocation::InRegion { offset, .. } => *offset,
                    FailureLocation::OutsideRegion { row } => *row,
                };
                let text = constraint.to_string();
                let name = [
                    "padding start/intermediate byte, all padding rows except the last one",
                    "padding length",
                ]
                .into_iter()
                .find(|n| text.contains(&format!("('{n}')")))
                .unwrap_or_else(|| panic!("unexpected constraint failure: {f}"));
                out.insert(Check::Gate(
                    name,
                    row / ROWS_PER_BLOCK,
                    row % ROWS_PER_BLOCK,
                ));
            }
            other => panic!("unexpected failure: {other}"),
        }
    }
    out
}

/// The honest circuit passes, also with its region rewritten (to the same values) by the hook;
/// the column layout the attacks rely on holds on the honest witness.
#[test]
fn honest_witness_passes_through_the_hook() {
    let a: [u8; 64] = std::array::from_fn(|i| i as u8);
    let logic = Framing {
        calls: vec![(a, Claim::Honest), (a, Claim::Honest)],
    };
    assert!(run(&logic, None).is_ok(), "honest witness, hook off");
    let c = production(&logic);
    let cols = Cols::of(c.shape());
    let honest = vanilla_region(c.shape(), vec![a.to_vec(), a.to_vec()]);
    // Layout: call 0's padding block has 0x80 in its first word, 512 in its last; the data
    // block's words and lengths are where the glue reads them.
    assert_eq!(cols.w(&honest, ROWS_PER_BLOCK + FIRST_INPUT), 0x8000_0000);
    assert_eq!(cols.w(&honest, ROWS_PER_BLOCK + LAST_INPUT), 512);
    assert_eq!(
        cols.w(&honest, FIRST_INPUT),
        u32::from_be_bytes([0, 1, 2, 3])
    );
    assert_eq!(honest[&(cols.length, LAST_INPUT)], Fr::from(64));
    assert_eq!(
        honest[&(cols.io, FIRST_INPUT)],
        Fr::from(u32::from_le_bytes([0, 1, 2, 3]) as u64)
    );
    let d = sha(&a);
    assert_eq!(
        honest[&(cols.io, ROWS_PER_BLOCK + OUT_LO)],
        fr128(u128::from_be_bytes(d[16..].try_into().unwrap()))
    );
    // `a0`/`e0` are where the state bits start: the first start row holds the IV's d and h.
    let word = |c0: usize, row: usize| {
        (0..32).fold(0u32, |acc, bit| {
            acc | (u32::from(honest[&(c0 + 34 - bit, row)] == Fr::ONE) << bit)
        })
    };
    assert_eq!(
        (word(cols.a0, 0), word(cols.e0, 0)),
        (0xa54ff53a, 0x5be0cd19)
    );
    assert!(
        run(&logic, Some(honest)).is_ok(),
        "honest region written by the hook"
    );
}

#[test]
fn framing_attacks_are_rejected_by_the_listed_checks() {
    let start = std::time::Instant::now();
    let (mut report, mut wrong) = (vec![], vec![]);
    for attack in attacks() {
        let logic = Framing {
            calls: attack.calls.clone(),
        };
        let params = production(&logic).shape().clone();
        let cols = Cols::of(&params);
        let region = region(&params, &cols, &attack.region);
        let violated = violated_ties(&cols, &region, &attack.calls);
        let failures = match run(&logic, Some(region)) {
            Ok(()) => panic!(
                "SOUNDNESS: attack '{}' ({}) verifies",
                attack.name, attack.tampered
            ),
            Err(f) => f,
        };
        let flagged = rejecting_checks(&cols, &failures);
        let want: BTreeSet<Check> = attack.rejected_by.iter().cloned().collect();
        let is_len = |c: &&Check| matches!(c, Check::Tie(LEN, ..));
        let gates: BTreeSet<Check> = flagged
            .iter()
            .filter(|c| matches!(c, Check::Gate(..)))
            .cloned()
            .collect();
        let flagged_io: BTreeSet<&Check> = flagged
            .iter()
            .filter(|c| matches!(c, Check::Tie(IO, ..)))
            .collect();
        let want_io: BTreeSet<&Check> = want
            .iter()
            .filter(|c| matches!(c, Check::Tie(IO, ..)))
            .collect();
        let flagged_len = flagged.iter().filter(is_len).count();
        // The control: the listed checks are exactly those the witness violates, and exactly
        // those MockProver reports (the `length` cycle: some cell of it, iff one is violated).
        let ok = violated.union(&gates).cloned().collect::<BTreeSet<_>>() == want
            && flagged_io == want_io
            && (flagged_len > 0) == want.iter().any(|c| is_len(&c))
            && flagged.iter().filter(is_len).all(|c| {
                let Check::Tie(_, blk, off) = c else {
                    unreachable!()
                };
                *blk < 2 * attack.calls.len() && *off == LAST_INPUT
            });
        report.push(format!(
            "{:<34} | {} | rejected by {} ({} MockProver failures)",
            attack.name,
            attack.tampered,
            summary(&want),
            failures.len()
        ));
        if !ok {
            wrong.push(format!(
                "{}: violated ties {violated:?}, MockProver names {flagged:?}, listed {want:?}",
                attack.name
            ));
        }
    }
    println!("{}", report.join("\n"));
    println!("{} attacks in {:.1?}", report.len(), start.elapsed());
    assert!(
        wrong.is_empty(),
        "attacks rejected by other checks than listed:\n{}",
        wrong.join("\n")
    );
}
