//! Delta leaf constraints.
//!
//! Once: the pool (as the registry leaf loads it), `l_old` and `l_new` range-checked below
//! `2^24` with `l_old ≤ l_new`, `D_old` as range-checked bytes and `A_old` as cells; the
//! current `(D, A)` starts there. Then per update, in order:
//! 1. the position `p` is decomposed into `24 − log_n` bits (the decomposition constrains
//!    `p < 2^(24 − log_n)`); the bits are the path directions of both trees, and slot `i` of
//!    the range has index `p·n + i`;
//! 2. old range (general variant): each of the `n` containers is witnessed (121 range-checked
//!    bytes) and hashed into its SSZ root as in the registry leaf; `real = p·n + i < l_old`;
//!    the SHA-256 leaf is the root if real, else the zero chunk; the account leaf is
//!    `(real · pack(member, slashed, activation, exit), member)` with
//!    `member = real ∧ pool match`, so an empty slot is `(0, 0)`. The `n` leaves are hashed
//!    into the range's two subtree roots. `append` variant: `p·n ≥ l_old` is constrained and
//!    the old roots are the constants `zero_hash(log_n)` and `zero_nodes()[log_n]`;
//! 3. the old roots, lifted along the witnessed siblings (SHA-256 chunks and accounts nodes),
//!    must equal the current `D` (byte by byte) and `A` (hash and count);
//! 4. new range: as in 2 with `l_new`; lifted along the *same* sibling cells, it gives the
//!    next `D` and `A`.
//!
//! The last `(D, A)` and `l_new` are `S_new`. Layout: [`super`].

use super::witness::DeltaWitness;
use crate::accounts::{
    leaf_circuit, lift_circuit, load_node, parent_circuit, zero_nodes, AccNodeCells, ACCOUNTS_DEPTH,
};
use crate::beacon_open::constant_chunk;
use crate::gadgets::{chunk_limbs, compose_le, select_chunk, witness_bytes, zero_chunk, Chunk};
use crate::registry::constraints::{
    container_root, load_container, load_pool, pack_account, pool_match, PoolCells,
};
use crate::sha256::ShaCalls;
use crate::util::circuit::CircuitLogic;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};
use stakeproof_beacon::beacon::Validator;
use stakeproof_beacon::hash::zero_hash;

/// Bits of slot indices and lengths: `< 2^24`.
const SLOT_BITS: usize = ACCOUNTS_DEPTH;

/// Lifts a SHA-256 node along witnessed siblings; `bits[h]` set: the node is the right child.
fn lift_sha(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    sha: &mut ShaCalls,
    node: Chunk,
    siblings: &[Chunk],
    bits: &[AssignedValue<Fr>],
) -> Chunk {
    let mut node = node;
    for (sib, &bit) in siblings.iter().zip(bits) {
        let left = select_chunk(ctx, range, sib, &node, bit);
        let right = select_chunk(ctx, range, &node, sib, bit);
        node = sha.hash_pair(ctx, range, &left, &right);
    }
    node
}

/// The two subtree roots of a range's slots; slot `i` is non-empty iff `base + i < len`.
#[allow(clippy::too_many_arguments)]
fn range_roots(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    sha: &mut ShaCalls,
    pool: &PoolCells,
    slots: &[Validator],
    base: AssignedValue<Fr>,
    len: AssignedValue<Fr>,
    zero: &Chunk,
) -> (Chunk, AccNodeCells) {
    let gate = range.gate();
    let mut leaves = Vec::with_capacity(slots.len());
    let mut accts = Vec::with_capacity(slots.len());
    for (i, v) in slots.iter().enumerate() {
        let c = load_container(ctx, range, v);
        let root = container_root(ctx, range, sha, &c);
        let index = gate.add(ctx, base, Constant(Fr::from(i as u64)));
        let real = range.is_less_than(ctx, index, len, SLOT_BITS);
        leaves.push(select_chunk(ctx, range, &root, zero, real));
        let matched = pool_match(ctx, range, pool, &c.credentials);
        let member = gate.and(ctx, matched, real);
        let act = compose_le(ctx, range, &c.activation_epoch);
        let exit = compose_le(ctx, range, &c.exit_epoch);
        let packed = pack_account(ctx, range, member, c.slashed.cell(), act, exit);
        let packed = gate.mul(ctx, packed, real);
        accts.push(leaf_circuit(packed, member));
    }
    let sha_root = sha.merkle_root(ctx, range, leaves);
    while accts.len() > 1 {
        accts = accts
            .chunks(2)
            .map(|p| parent_circuit(ctx, gate, p[0], p[1]))
            .collect();
    }
    (sha_root, accts[0])
}

impl CircuitLogic for DeltaWitness {
    fn name(&self) -> String {
        match self.params() {
            Ok(p) => p.name(),
            Err(_) => format!("delta-invalid-{}x{}", self.n(), self.updates.len()),
        }
    }

    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>> {
        let gate = range.gate();
        // Unreachable from input: witnesses come from `Registry::leaf` or are refused by
        // `check_shape` (the native twin) before proving.
        let p = match self.check_shape() {
            Ok(p) => p,
            Err(e) => panic!("delta witness of a bad shape (a caller bug): {e}"),
        };
        let (n, levels, log_n) = (p.n() as u64, p.levels(), p.log_n as usize);

        let pool = load_pool(ctx, range, &self.pool);
        let l_old = ctx.load_witness(Fr::from(self.old.l));
        range.range_check(ctx, l_old, SLOT_BITS);
        let l_new = ctx.load_witness(Fr::from(self.l_new));
        range.range_check(ctx, l_new, SLOT_BITS);
        let l_new_1 = gate.add(ctx, l_new, Constant(Fr::one()));
        range.check_less_than(ctx, l_old, l_new_1, SLOT_BITS + 1);
        let d_old = witness_bytes(ctx, range, &self.old.d);
        let a_old = load_node(ctx, &self.old.a);
        let zero = zero_chunk(ctx);
        let empty = if self.fresh {
            let z = zero_nodes()[log_n];
            let acc = AccNodeCells {
                hash: ctx.load_constant(z.hash),
                count: ctx.load_constant(Fr::from(z.count)),
            };
            Some((constant_chunk(ctx, range, &zero_hash(log_n)), acc))
        } else {
            None
        };

        let (mut d, mut a) = (d_old, a_old);
        for u in &self.updates {
            let pos = ctx.load_witness(Fr::from(u.position));
            let bits = gate.num_to_bits(ctx, pos, levels);
            let base = gate.mul(ctx, pos, Constant(Fr::from(n)));
            let sha_sibs: Vec<Chunk> = u
                .sha_siblings
                .iter()
                .map(|s| witness_bytes(ctx, range, s))
                .collect();
            let acc_sibs: Vec<AccNodeCells> =
                u.acc_siblings.iter().map(|s| load_node(ctx, s)).collect();

            let (old_sha, old_acc) = match &empty {
                Some((c, acc)) => {
                    let before = range.is_less_than(ctx, base, l_old, SLOT_BITS);
                    gate.assert_is_const(ctx, &before, &Fr::zero());
                    (*c, *acc)
                }
                None => range_roots(ctx, range, sha, &pool, &u.old, base, l_old, &zero),
            };
            let opened = lift_sha(ctx, range, sha, old_sha, &sha_sibs, &bits);
            for (x, y) in opened.iter().zip(&d) {
                ctx.constrain_equal(&x.cell(), &y.cell());
            }
            let opened = lift_circuit(ctx, gate, old_acc, &acc_sibs, &bits);
            ctx.constrain_equal(&opened.hash, &a.hash);
            ctx.constrain_equal(&opened.count, &a.count);

            let (new_sha, new_acc) =
                range_roots(ctx, range, sha, &pool, &u.new, base, l_new, &zero);
            d = lift_sha(ctx, range, sha, new_sha, &sha_sibs, &bits);
            a = lift_circuit(ctx, gate, new_acc, &acc_sibs, &bits);
        }

        let (d_old_hi, d_old_lo) = chunk_limbs(ctx, range, &d_old);
        let (d_new_hi, d_new_lo) = chunk_limbs(ctx, range, &d);
        vec![
            pool.exact,
            pool.hi,
            pool.lo,
            d_old_hi,
            d_old_lo,
            l_old,
            a_old.hash,
            a_old.count,
            d_new_hi,
            d_new_lo,
            l_new,
            a.hash,
            a.count,
        ]
    }
}
