//! Registry circuit constraints.
//!
//! Per validator `i` of the range:
//! 1. its 121 container bytes are witnessed as range-checked bytes (`slashed` as a bit);
//! 2. the container root is computed with SHA-256 exactly as SSZ defines it (the pubkey leaf
//!    is `sha256(pubkey ‖ 0×16)`, then the 8-leaf tree);
//! 3. `real_i = i < fill`; the subtree leaf is the container root if real, else the zero chunk;
//! 4. `member_i = real_i ∧ pool matches its credentials` (address pools: prefix `0x01` or `0x02`
//!    and bytes 1..32 equal to the pool's; exact pools: all 32 bytes equal);
//! 5. `packed_i = member + 2·slashed + 4·activation_epoch + 2^66·exit_epoch`.
//!
//! Then the subtree root of the leaves and `Poseidon(packed_0 … packed_{n−1})` are exposed with
//! the range start, the fill and the pool (layout: [`crate::public_inputs`]).

use super::RegistryWitness;
use crate::gadgets::{
    chunk_limbs, compose_be, compose_le, select_chunk, u64_chunk, witness_bytes, zero_chunk, Byte,
    Chunk,
};
use crate::pool::SET_MODE;
use crate::pool_set::constraints::{key_cells, membership};
use crate::pool_set::CredentialSet;
use crate::poseidon::commit_circuit;
use crate::sha256::ShaCalls;
use crate::util::circuit::CircuitLogic;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};
use std::sync::Arc;

/// Bits for registry indices (VALIDATOR_REGISTRY_LIMIT = 2^40).
pub const INDEX_BITS: usize = 41;

/// The pool's public form, loaded once per circuit.
pub(crate) struct PoolCells {
    /// The public mode: a bit (0 address, 1 exact) for a single pool, the constant 2 for a set.
    pub exact: AssignedValue<Fr>,
    pub hi: AssignedValue<Fr>,
    pub lo: AssignedValue<Fr>,
    /// `pool_hi − 2^120`: bytes 1..16 of an address pool's credential (whose byte 0 is 0x01).
    pub hi_tail: AssignedValue<Fr>,
    /// A set pool's set (the witness of every membership path).
    pub set: Option<Arc<CredentialSet>>,
}

pub(crate) fn load_pool(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    w: &crate::pool::PoolSpec,
) -> PoolCells {
    let gate = range.gate();
    let exact = ctx.load_witness(Fr::from(w.mode()));
    if w.set.is_some() {
        gate.assert_is_const(ctx, &exact, &Fr::from(SET_MODE));
    } else {
        gate.assert_bit(ctx, exact);
    }
    // The credential limbs are public; their bytes are range-checked so the limbs are < 2^128.
    let bytes = witness_bytes(ctx, range, &w.credentials);
    let hi = compose_be(ctx, range, &bytes[..16]);
    let lo = compose_be(ctx, range, &bytes[16..]);
    let two120 = gate.pow_of_two()[120];
    let hi_tail = gate.sub(ctx, hi, Constant(two120));
    PoolCells {
        exact,
        hi,
        lo,
        hi_tail,
        set: w.set.clone(),
    }
}

/// `member` of credentials `wc` for the pool (before the `real` condition). A set pool proves
/// the key in or out of the set whose root is `hi·2^128 + lo` ([`crate::pool_set`]).
pub(crate) fn pool_match(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    pool: &PoolCells,
    wc: &[Byte; 32],
) -> AssignedValue<Fr> {
    let gate = range.gate();
    if let Some(set) = &pool.set {
        let root = gate.mul_add(ctx, pool.hi, Constant(gate.pow_of_two()[128]), pool.lo);
        let key = key_cells(ctx, range, wc);
        let creds: [u8; 32] = wc.map(|b| b.value());
        return membership(ctx, range, root, key, &set.path(&creds));
    }
    let hi = compose_be(ctx, range, &wc[..16]);
    let tail = compose_be(ctx, range, &wc[1..16]);
    let lo = compose_be(ctx, range, &wc[16..]);
    let lo_eq = gate.is_equal(ctx, lo, pool.lo);
    // Exact: all 32 bytes.
    let hi_eq = gate.is_equal(ctx, hi, pool.hi);
    let exact_match = gate.and(ctx, hi_eq, lo_eq);
    // Address: prefix 0x01 or 0x02, bytes 1..32 equal.
    let p1 = gate.is_equal(ctx, wc[0].cell(), Constant(Fr::from(1u64)));
    let p2 = gate.is_equal(ctx, wc[0].cell(), Constant(Fr::from(2u64)));
    let prefix = gate.add(ctx, p1, p2); // at most one of them holds
    let tail_eq = gate.is_equal(ctx, tail, pool.hi_tail);
    let addr = gate.and(ctx, prefix, tail_eq);
    let addr_match = gate.and(ctx, addr, lo_eq);
    gate.select(ctx, exact_match, addr_match, pool.exact)
}

/// `sha256(pubkey ‖ 0×16)`, then the container's 8-leaf tree: the validator's SSZ root.
pub(crate) fn container_root(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    sha: &mut ShaCalls,
    f: &ContainerBytes,
) -> Chunk {
    let zero = Byte::zero(ctx);
    let mut pk_block = [zero; 64];
    pk_block[..48].copy_from_slice(&f.pubkey);
    let pubkey_leaf = sha.hash64(ctx, range, &pk_block);
    let mut slashed = zero_chunk(ctx);
    slashed[0] = f.slashed;
    let leaves = vec![
        pubkey_leaf,
        f.credentials,
        u64_chunk(ctx, &f.effective_balance),
        slashed,
        u64_chunk(ctx, &f.activation_eligibility_epoch),
        u64_chunk(ctx, &f.activation_epoch),
        u64_chunk(ctx, &f.exit_epoch),
        u64_chunk(ctx, &f.withdrawable_epoch),
    ];
    sha.merkle_root(ctx, range, leaves)
}

/// A validator's container as circuit bytes.
pub(crate) struct ContainerBytes {
    pub pubkey: [Byte; 48],
    pub credentials: [Byte; 32],
    pub effective_balance: [Byte; 8],
    pub slashed: Byte,
    pub activation_eligibility_epoch: [Byte; 8],
    pub activation_epoch: [Byte; 8],
    pub exit_epoch: [Byte; 8],
    pub withdrawable_epoch: [Byte; 8],
}

/// Witnesses a validator's 121 container bytes, each range-checked (`slashed` as a bit).
pub(crate) fn load_container(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    v: &stakeproof_beacon::beacon::Validator,
) -> ContainerBytes {
    ContainerBytes {
        pubkey: witness_bytes(ctx, range, &v.pubkey),
        credentials: witness_bytes(ctx, range, &v.withdrawal_credentials),
        effective_balance: witness_bytes(ctx, range, &v.effective_balance.to_le_bytes()),
        slashed: Byte::witness_bool(ctx, range, v.slashed),
        activation_eligibility_epoch: witness_bytes(
            ctx,
            range,
            &v.activation_eligibility_epoch.to_le_bytes(),
        ),
        activation_epoch: witness_bytes(ctx, range, &v.activation_epoch.to_le_bytes()),
        exit_epoch: witness_bytes(ctx, range, &v.exit_epoch.to_le_bytes()),
        withdrawable_epoch: witness_bytes(ctx, range, &v.withdrawable_epoch.to_le_bytes()),
    }
}

/// `member + 2·slashed + 4·activation + 2^66·exit` in circuit.
pub(crate) fn pack_account(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    member: AssignedValue<Fr>,
    slashed: AssignedValue<Fr>,
    activation: AssignedValue<Fr>,
    exit: AssignedValue<Fr>,
) -> AssignedValue<Fr> {
    let gate = range.gate();
    let two66 = gate.pow_of_two()[66];
    gate.inner_product(
        ctx,
        [member, slashed, activation, exit],
        [
            Constant(Fr::from(1u64)),
            Constant(Fr::from(2u64)),
            Constant(Fr::from(4u64)),
            Constant(two66),
        ],
    )
}

impl CircuitLogic for RegistryWitness {
    fn name(&self) -> String {
        match self.pool.set_depth() {
            0 => format!("registry-{}", self.n()),
            d => format!("registry-{}-set{d}", self.n()),
        }
    }

    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>> {
        let gate = range.gate();
        let n = self.n();
        // Unreachable from input: `stakeproof_prover`'s `LeafConfig::validate` refuses a range
        // size that is not a power of two before any witness is built.
        assert!(
            n.is_power_of_two(),
            "registry range size {n} is not a power of two (refused before proving; a caller bug)"
        );
        let start = ctx.load_witness(Fr::from(self.start));
        range.range_check(ctx, start, INDEX_BITS);
        let fill = ctx.load_witness(Fr::from(self.fill));
        let size_bits = (n as u64 + 1).next_power_of_two().trailing_zeros() as usize + 1;
        range.check_less_than_safe(ctx, fill, n as u64 + 1);
        let pool = load_pool(ctx, range, &self.pool);
        let zero = zero_chunk(ctx);

        let mut leaves = Vec::with_capacity(n);
        let mut packed = Vec::with_capacity(n);
        for (i, v) in self.validators.iter().enumerate() {
            let c = load_container(ctx, range, v);
            let root = container_root(ctx, range, sha, &c);
            let real = range.is_less_than(ctx, Constant(Fr::from(i as u64)), fill, size_bits);
            leaves.push(select_chunk(ctx, range, &root, &zero, real));
            let matched = pool_match(ctx, range, &pool, &c.credentials);
            let member = gate.and(ctx, matched, real);
            let act = compose_le(ctx, range, &c.activation_epoch);
            let exit = compose_le(ctx, range, &c.exit_epoch);
            packed.push(pack_account(
                ctx,
                range,
                member,
                c.slashed.cell(),
                act,
                exit,
            ));
        }
        let root = sha.merkle_root(ctx, range, leaves);
        let (root_hi, root_lo) = chunk_limbs(ctx, range, &root);
        let commitment = commit_circuit(ctx, gate, &packed);
        vec![
            start, fill, pool.exact, pool.hi, pool.lo, root_hi, root_lo, commitment,
        ]
    }
}
