//! Poseidon commitments to per-validator accounting data, in circuit and natively.
//!
//! Width 3, rate 2, 8 full and 57 partial rounds over BN254's scalar field: halo2-base's
//! `PoseidonSponge` in circuit, snark-verifier's native `Poseidon` outside (an independent
//! implementation of the same permutation and sponge).

use crate::Fr;
use halo2_base::gates::GateInstructions;
use halo2_base::poseidon::hasher::PoseidonSponge;
use halo2_base::{AssignedValue, Context};
use snark_verifier::loader::native::NativeLoader;

pub(crate) const T: usize = 3;
pub(crate) const RATE: usize = 2;
pub(crate) const R_F: usize = 8;
pub(crate) const R_P: usize = 57;

/// What accounting needs of one validator, as the registry proof commits to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// Belongs to the pool (and is a real registry entry: index < L).
    pub member: bool,
    /// `slashed`.
    pub slashed: bool,
    /// `activation_epoch`.
    pub activation_epoch: u64,
    /// `exit_epoch`.
    pub exit_epoch: u64,
}

impl Account {
    /// The packed field element: `member + 2·slashed + 4·activation_epoch + 2^66·exit_epoch`
    /// (130 bits, far below the field size, so the packing is injective).
    pub fn pack(&self) -> Fr {
        let two66 = Fr::from(1u64 << 62) * Fr::from(16u64);
        Fr::from(self.member as u64)
            + Fr::from(2 * self.slashed as u64)
            + Fr::from(4u64) * Fr::from(self.activation_epoch)
            + two66 * Fr::from(self.exit_epoch)
    }
}

/// Native commitment to a range's accounts.
pub fn commit_native(accounts: &[Account]) -> Fr {
    let mut p =
        snark_verifier::util::hash::Poseidon::<Fr, Fr, T, RATE>::new::<R_F, R_P, 0>(&NativeLoader);
    let packed: Vec<Fr> = accounts.iter().map(Account::pack).collect();
    p.update(&packed);
    p.squeeze()
}

/// In-circuit commitment to packed accounts.
pub fn commit_circuit(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    packed: &[AssignedValue<Fr>],
) -> AssignedValue<Fr> {
    let mut sponge = PoseidonSponge::<Fr, T, RATE>::new::<R_F, R_P, 0>(ctx);
    sponge.update(packed);
    sponge.squeeze(ctx, gate)
}
