//! The oracle's calldata and the verifier's public-input layout.
//!
//! The ABI encoding is alloy's: the oracle's calls and constructor through the `sol!` bindings
//! generated from its source ([`crate::bindings`]), and any other call by signature
//! ([`call`]) through `alloy-dyn-abi`.
//!
//! The public-input layout is the circuits' (`stakeproof_circuits::aggregation::layout`: the
//! accumulator, then the final statement, `FinalStatement::to_instances`). A proof's own
//! public inputs reach the verifier already encoded ([`verifier_calldata`] takes the words of
//! a final artifact); what is written out here is only [`public_inputs`], the Rust mirror of
//! `BeaconBalanceOracle.publicInputs` (Solidity), which this crate's tests check against the
//! deployed contract. This crate does not depend on the circuits, so the positions are named
//! once, in [`inputs_at`].

use crate::bindings::BeaconBalanceOracle as Oracle;
use alloy::dyn_abi::DynSolValue;
use alloy::sol_types::{SolCall, SolConstructor, SolValue};
use revm::primitives::{keccak256, Address, B256, U256};

/// Number of KZG accumulator limbs at the front of the public inputs (four coordinates of
/// [`crate::verifier::LIMBS`] limbs).
pub const NUM_ACCUMULATOR_LIMBS: usize = 4 * crate::verifier::LIMBS;
/// Number of public inputs of the final statement, after the accumulator.
pub const NUM_STATEMENT_INPUTS: usize = 12;
/// Number of public inputs of the report verifier.
pub const NUM_PUBLIC_INPUTS: usize = NUM_ACCUMULATOR_LIMBS + NUM_STATEMENT_INPUTS;
/// Number of public inputs of a "chain" (anchored) report verifier: [`NUM_PUBLIC_INPUTS`], then
/// the registry anchors `anchorOld` and `anchorNew` ([`inputs_at::ANCHOR_OLD`],
/// [`inputs_at::ANCHOR_NEW`]).
pub const NUM_CHAIN_PUBLIC_INPUTS: usize = NUM_PUBLIC_INPUTS + 2;
/// Number of public inputs of a report verifier with the pool's pending deposits:
/// [`NUM_PUBLIC_INPUTS`], then `pendingDepositCount` and `pendingDepositGwei`
/// ([`inputs_at::PENDING_COUNT`], [`inputs_at::PENDING_GWEI`]).
pub const NUM_PENDING_PUBLIC_INPUTS: usize = NUM_PUBLIC_INPUTS + 2;

/// The BN254 scalar field modulus: public inputs, anchors included, are below it (the oracle
/// rejects anchors that are not, `AnchorNotFieldElement`).
pub const SCALAR_FIELD_MODULUS: U256 = U256::from_limbs([
    0x43e1f593f0000001,
    0x2833e84879b97091,
    0xb85045b68181585d,
    0x30644e72e131a029,
]);

/// Positions in the report verifier's public inputs: the circuits' `final_at` positions after
/// the [`NUM_ACCUMULATOR_LIMBS`] limbs. A root or the pool's credentials is two words, the
/// high then the low 128 bits.
pub mod inputs_at {
    use super::NUM_ACCUMULATOR_LIMBS as ACC;
    /// Block root (hi, lo).
    pub const BLOCK_ROOT: usize = ACC;
    /// Slot of the block.
    pub const SLOT: usize = ACC + 2;
    /// Pool mode (1: exact credentials).
    pub const POOL_EXACT: usize = ACC + 3;
    /// Pool credentials (hi, lo).
    pub const POOL: usize = ACC + 4;
    /// Registry length.
    pub const REGISTRY_LENGTH: usize = ACC + 6;
    /// Validator count, total balance (gwei), active, exited and slashed counts.
    pub const TOTALS: usize = ACC + 7;
    /// Chain design only: the registry anchor the report's chain starts from (0: cold).
    pub const ANCHOR_OLD: usize = ACC + 12;
    /// Chain design only: the anchor of the report's registry.
    pub const ANCHOR_NEW: usize = ACC + 13;
    /// With pending deposits only: the pool's pending count.
    pub const PENDING_COUNT: usize = ACC + 12;
    /// With pending deposits only: their sum (gwei).
    pub const PENDING_GWEI: usize = ACC + 13;
}

/// Solidity signature of `BeaconBalanceOracle.submitReport` (from its binding).
pub const SUBMIT_REPORT_SIGNATURE: &str = Oracle::submitReportCall::SIGNATURE;

/// Solidity signature of `BeaconBalanceOracle.submitChainReport` (from its binding).
pub const SUBMIT_CHAIN_REPORT_SIGNATURE: &str = Oracle::submitChainReportCall::SIGNATURE;

/// Solidity signature of `BeaconBalanceOracle.submitPendingReport` (from its binding).
pub const SUBMIT_PENDING_REPORT_SIGNATURE: &str = Oracle::submitPendingReportCall::SIGNATURE;

/// A pool report, mirroring the oracle's `struct Report`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// The beacon slot of the proven block.
    pub slot: u64,
    /// Length of the validator registry.
    pub registry_length: u64,
    /// Pool validators in the registry.
    pub validator_count: u64,
    /// Sum of the pool validators' balances, in gwei.
    pub total_balance_gwei: u128,
    /// Active pool validators at `slot / 32`.
    pub active_count: u64,
    /// Exited pool validators at `slot / 32`.
    pub exited_count: u64,
    /// Slashed pool validators.
    pub slashed_count: u64,
}

impl Report {
    /// The report as its seven ABI words (the static tuple encoding).
    pub fn to_words(&self) -> [U256; 7] {
        [
            U256::from(self.slot),
            U256::from(self.registry_length),
            U256::from(self.validator_count),
            U256::from(self.total_balance_gwei),
            U256::from(self.active_count),
            U256::from(self.exited_count),
            U256::from(self.slashed_count),
        ]
    }

    /// The report as the oracle's `Report` struct (its `sol!` binding).
    pub fn to_sol(&self) -> Oracle::Report {
        Oracle::Report {
            slot: self.slot,
            registryLength: self.registry_length,
            validatorCount: self.validator_count,
            totalBalanceGwei: self.total_balance_gwei,
            activeCount: self.active_count,
            exitedCount: self.exited_count,
            slashedCount: self.slashed_count,
        }
    }

    /// Decodes the static tuple encoding (the first seven words, as `latestReport` returns
    /// it or a call's arguments start with it); `None` if too short or a word is out of its
    /// field's range.
    pub fn from_abi(data: &[u8]) -> Option<Self> {
        let r = Oracle::Report::abi_decode(data.get(..7 * 32)?, true).ok()?;
        Some(Self {
            slot: r.slot,
            registry_length: r.registryLength,
            validator_count: r.validatorCount,
            total_balance_gwei: r.totalBalanceGwei,
            active_count: r.activeCount,
            exited_count: r.exitedCount,
            slashed_count: r.slashedCount,
        })
    }
}

/// One ABI argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A static 32-byte word (integers, addresses, bools, bytes32).
    Word(U256),
    /// Dynamic `bytes`.
    Bytes(Vec<u8>),
}

impl From<U256> for Token {
    fn from(v: U256) -> Self {
        Token::Word(v)
    }
}

/// The word of an address (left-padded).
pub fn address_word(a: Address) -> U256 {
    U256::from_be_slice(a.as_slice())
}

/// The word of a `bytes32`.
pub fn b256_word(b: B256) -> U256 {
    U256::from_be_bytes(b.0)
}

/// The word of a `bool`.
pub fn bool_word(b: bool) -> U256 {
    U256::from(b as u8)
}

/// The 4-byte selector of a function or error signature, e.g. `"latestReport()"`.
pub fn selector(signature: &str) -> [u8; 4] {
    let h = keccak256(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

impl Token {
    fn to_dyn(&self) -> DynSolValue {
        match self {
            // Any static word encodes as itself; uint256 carries it unchanged.
            Token::Word(w) => DynSolValue::Uint(*w, 256),
            Token::Bytes(b) => DynSolValue::Bytes(b.clone()),
        }
    }
}

/// ABI-encodes `tokens` as a parameter list (heads, then the tails of dynamic arguments).
pub fn encode(tokens: &[Token]) -> Vec<u8> {
    DynSolValue::Tuple(tokens.iter().map(Token::to_dyn).collect()).abi_encode_params()
}

/// Calldata of the function `signature` with `tokens`.
pub fn call(signature: &str, tokens: &[Token]) -> Vec<u8> {
    let mut data = selector(signature).to_vec();
    data.extend(encode(tokens));
    data
}

/// Splits return data into 32-byte words (a trailing partial word is dropped).
pub fn decode_words(data: &[u8]) -> Vec<U256> {
    data.chunks_exact(32).map(U256::from_be_slice).collect()
}

/// Calldata of `BeaconBalanceOracle.submitReport(report, timestamp, accumulator, proof)`, for
/// sending the transaction with any Ethereum client.
pub fn submit_report(
    report: &Report,
    timestamp: u64,
    accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
    proof: &[u8],
) -> Vec<u8> {
    Oracle::submitReportCall {
        r: report.to_sol(),
        timestamp: U256::from(timestamp),
        accumulator: *accumulator,
        proof: proof.to_vec().into(),
    }
    .abi_encode()
}

/// Calldata of `BeaconBalanceOracle.submitChainReport(report, timestamp, anchorOld, anchorNew,
/// accumulator, proof)`: a report of the chain proof design, for a slot whose verifier is
/// anchored (`scheduleChainVerifier`). `anchor_old` is 0 for a cold chain.
pub fn submit_chain_report(
    report: &Report,
    timestamp: u64,
    anchor_old: U256,
    anchor_new: U256,
    accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
    proof: &[u8],
) -> Vec<u8> {
    Oracle::submitChainReportCall {
        r: report.to_sol(),
        timestamp: U256::from(timestamp),
        anchorOld: anchor_old,
        anchorNew: anchor_new,
        accumulator: *accumulator,
        proof: proof.to_vec().into(),
    }
    .abi_encode()
}

/// Calldata of `BeaconBalanceOracle.submitPendingReport(report, timestamp, pendingDepositCount,
/// pendingDepositGwei, accumulator, proof)`: a report with the pool's pending deposits, for a
/// slot whose verifier takes them (`schedulePendingVerifier`).
pub fn submit_pending_report(
    report: &Report,
    timestamp: u64,
    pending: (u64, u128),
    accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
    proof: &[u8],
) -> Vec<u8> {
    Oracle::submitPendingReportCall {
        r: report.to_sol(),
        timestamp: U256::from(timestamp),
        pendingDepositCount: pending.0,
        pendingDepositGwei: pending.1,
        accumulator: *accumulator,
        proof: proof.to_vec().into(),
    }
    .abi_encode()
}

/// Calldata of `BeaconBalanceOracle.schedulePendingVerifier(verifier, activationSlot)` (owner
/// only): a verifier of reports with the pool's pending deposits (26 inputs).
pub fn schedule_pending_verifier(verifier: Address, activation_slot: u64) -> Vec<u8> {
    Oracle::schedulePendingVerifierCall {
        verifier,
        activationSlot: activation_slot,
    }
    .abi_encode()
}

/// Calldata of `BeaconBalanceOracle.scheduleVerifier(verifier, activationSlot)` (owner only):
/// an unanchored (24-input) verifier.
pub fn schedule_verifier(verifier: Address, activation_slot: u64) -> Vec<u8> {
    Oracle::scheduleVerifierCall {
        verifier,
        activationSlot: activation_slot,
    }
    .abi_encode()
}

/// Calldata of `BeaconBalanceOracle.scheduleChainVerifier(verifier, activationSlot)` (owner
/// only): an anchored verifier of the chain design (26 inputs).
pub fn schedule_chain_verifier(verifier: Address, activation_slot: u64) -> Vec<u8> {
    Oracle::scheduleChainVerifierCall {
        verifier,
        activationSlot: activation_slot,
    }
    .abi_encode()
}

/// ABI-encoded constructor arguments of `BeaconBalanceOracle` (append to its creation code):
/// `config`'s owner, pool, bound, slot timing and withdrawal vault, the initial verifier, the
/// beacon-roots contract and the initial vault verifier (zero exactly when
/// `config.withdrawal_vault` is).
pub fn oracle_constructor_args(
    config: &crate::deployment::OracleConfig,
    initial_verifier: Address,
    beacon_roots: Address,
    vault_verifier: Address,
) -> Vec<u8> {
    Oracle::constructorCall {
        owner_: config.owner,
        poolExact_: config.pool_exact,
        poolCredentials_: config.pool_credentials,
        initialVerifier: initial_verifier,
        maxChangeBpsPerDay_: U256::from(config.max_change_bps_per_day),
        beaconRoots_: beacon_roots,
        secondsPerSlot_: U256::from(config.seconds_per_slot),
        genesisTime_: U256::from(config.genesis_time),
        verifierDelay_: U256::from(config.verifier_delay),
        withdrawalVault_: config.withdrawal_vault,
        vaultVerifier_: vault_verifier,
    }
    .abi_encode()
}

/// The verifier's public inputs for a report, exactly as `BeaconBalanceOracle` builds them
/// (positions: [`inputs_at`]): `[0..12)` accumulator limbs, 12/13 block root high/low 128
/// bits, 14 slot, 15 pool-exact flag, 16/17 pool credentials high/low 128 bits, 18..23
/// registry length, validator count, total balance (gwei), active, exited and slashed counts.
pub fn public_inputs(
    report: &Report,
    block_root: B256,
    pool_exact: bool,
    pool_credentials: B256,
    accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
) -> [U256; NUM_PUBLIC_INPUTS] {
    pool_public_inputs(
        report,
        block_root,
        pool_exact as u8,
        pool_credentials,
        accumulator,
    )
}

/// [`public_inputs`] for a pool of any mode (`poolFor(slot)`): 0 address, 1 exact
/// credentials, 2 a credential set whose root is `pool_credentials`.
pub fn pool_public_inputs(
    report: &Report,
    block_root: B256,
    pool_mode: u8,
    pool_credentials: B256,
    accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
) -> [U256; NUM_PUBLIC_INPUTS] {
    let hi = |b: B256| U256::from_be_slice(&b[..16]);
    let lo = |b: B256| U256::from_be_slice(&b[16..]);
    use inputs_at as at;
    let mut inputs = [U256::ZERO; NUM_PUBLIC_INPUTS];
    inputs[..NUM_ACCUMULATOR_LIMBS].copy_from_slice(accumulator);
    inputs[at::BLOCK_ROOT] = hi(block_root);
    inputs[at::BLOCK_ROOT + 1] = lo(block_root);
    inputs[at::SLOT] = U256::from(report.slot);
    inputs[at::POOL_EXACT] = U256::from(pool_mode);
    inputs[at::POOL] = hi(pool_credentials);
    inputs[at::POOL + 1] = lo(pool_credentials);
    inputs[at::REGISTRY_LENGTH] = U256::from(report.registry_length);
    // The totals in the order of the oracle's `Report` tuple (its last five words).
    inputs[at::TOTALS..at::TOTALS + 5].copy_from_slice(&report.to_words()[2..]);
    inputs
}

/// The chain verifier's public inputs, exactly as `BeaconBalanceOracle.chainPublicInputs`
/// builds them: those of [`public_inputs`], then 24 `anchor_old` and 25 `anchor_new`.
pub fn chain_public_inputs(
    report: &Report,
    block_root: B256,
    pool_exact: bool,
    pool_credentials: B256,
    anchor_old: U256,
    anchor_new: U256,
    accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
) -> [U256; NUM_CHAIN_PUBLIC_INPUTS] {
    let base = public_inputs(
        report,
        block_root,
        pool_exact,
        pool_credentials,
        accumulator,
    );
    with_two(&base, anchor_old, anchor_new)
}

/// The 24 inputs of a report followed by the two a chain or pending verifier adds (at 24 and
/// 25: [`inputs_at::ANCHOR_OLD`]/[`inputs_at::ANCHOR_NEW`] or
/// [`inputs_at::PENDING_COUNT`]/[`inputs_at::PENDING_GWEI`]).
fn with_two(base: &[U256; NUM_PUBLIC_INPUTS], a: U256, b: U256) -> [U256; NUM_PUBLIC_INPUTS + 2] {
    let mut inputs = [U256::ZERO; NUM_PUBLIC_INPUTS + 2];
    inputs[..NUM_PUBLIC_INPUTS].copy_from_slice(base);
    inputs[NUM_PUBLIC_INPUTS] = a;
    inputs[NUM_PUBLIC_INPUTS + 1] = b;
    inputs
}

/// The public inputs of a report with the pool's pending deposits, exactly as
/// `BeaconBalanceOracle.pendingPublicInputs` builds them: those of [`public_inputs`], then 24
/// the count and 25 the sum (gwei).
pub fn pending_public_inputs(
    report: &Report,
    block_root: B256,
    pool_exact: bool,
    pool_credentials: B256,
    pending: (u64, u128),
    accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
) -> [U256; NUM_PENDING_PUBLIC_INPUTS] {
    let base = public_inputs(
        report,
        block_root,
        pool_exact,
        pool_credentials,
        accumulator,
    );
    with_two(&base, U256::from(pending.0), U256::from(pending.1))
}

/// Calldata of a snark-verifier EVM verifier: each public input as a 32-byte big-endian word,
/// then the proof bytes.
pub fn verifier_calldata(inputs: &[U256], proof: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(32 * inputs.len() + proof.len());
    for v in inputs {
        data.extend_from_slice(&v.to_be_bytes::<32>());
    }
    data.extend_from_slice(proof);
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_known_values() {
        // Well-known selectors: ERC-20 transfer and Error(string).
        assert_eq!(
            selector("transfer(address,uint256)"),
            [0xa9, 0x05, 0x9c, 0xbb]
        );
        assert_eq!(selector("Error(string)"), [0x08, 0xc3, 0x79, 0xa0]);
    }

    #[test]
    fn the_bindings_carry_the_oracle_s_signatures() {
        assert_eq!(
            SUBMIT_REPORT_SIGNATURE,
            "submitReport((uint64,uint64,uint64,uint128,uint64,uint64,uint64),uint256,uint256[12],bytes)"
        );
        assert_eq!(
            SUBMIT_CHAIN_REPORT_SIGNATURE,
            "submitChainReport((uint64,uint64,uint64,uint128,uint64,uint64,uint64),uint256,uint256,uint256,uint256[12],bytes)"
        );
        assert_eq!(
            SUBMIT_PENDING_REPORT_SIGNATURE,
            "submitPendingReport((uint64,uint64,uint64,uint128,uint64,uint64,uint64),uint256,uint64,uint128,uint256[12],bytes)"
        );
    }

    #[test]
    fn bytes_tail_is_padded_and_offset_points_past_the_head() {
        let data = encode(&[Token::Word(U256::from(7)), Token::Bytes(vec![1, 2, 3])]);
        assert_eq!(data.len(), 32 * 4);
        assert_eq!(decode_words(&data)[1], U256::from(64));
        assert_eq!(decode_words(&data)[2], U256::from(3));
        assert_eq!(&data[96..99], &[1, 2, 3]);
        assert!(data[99..].iter().all(|&b| b == 0));
    }

    #[test]
    fn submit_report_layout() {
        let report = Report {
            slot: 5,
            total_balance_gwei: u128::MAX,
            ..Default::default()
        };
        let acc = [U256::from(9); 12];
        let data = submit_report(&report, 77, &acc, &[0xab; 33]);
        assert_eq!(&data[..4], &selector(SUBMIT_REPORT_SIGNATURE));
        let w = decode_words(&data[4..]);
        // 7 report words, timestamp, 12 limbs, offset, length, 2 padded proof words.
        assert_eq!(w.len(), 7 + 1 + 12 + 1 + 1 + 2);
        assert_eq!(w[0], U256::from(5));
        assert_eq!(w[3], U256::from(u128::MAX));
        assert_eq!(w[7], U256::from(77));
        assert_eq!(w[20], U256::from(21 * 32));
        assert_eq!(w[21], U256::from(33));
        assert_eq!(Report::from_abi(&data[4..]), Some(report));
    }

    #[test]
    fn submit_chain_report_layout_and_chain_inputs() {
        let report = Report {
            slot: 5,
            ..Default::default()
        };
        let acc = [U256::from(9); 12];
        let data = submit_chain_report(
            &report,
            77,
            U256::from(11),
            U256::from(12),
            &acc,
            &[0xab; 33],
        );
        assert_eq!(&data[..4], &selector(SUBMIT_CHAIN_REPORT_SIGNATURE));
        let w = decode_words(&data[4..]);
        // 7 report words, timestamp, 2 anchors, 12 limbs, offset, length, 2 proof words.
        assert_eq!(w.len(), 7 + 1 + 2 + 12 + 1 + 1 + 2);
        assert_eq!(
            (w[7], w[8], w[9]),
            (U256::from(77), U256::from(11), U256::from(12))
        );
        assert_eq!(w[10], U256::from(9));
        assert_eq!(w[22], U256::from(23 * 32));
        assert_eq!(w[23], U256::from(33));
        let inputs = chain_public_inputs(
            &report,
            B256::ZERO,
            true,
            B256::ZERO,
            U256::from(11),
            U256::from(12),
            &acc,
        );
        assert_eq!(NUM_CHAIN_PUBLIC_INPUTS, 26);
        assert_eq!(
            inputs[..NUM_PUBLIC_INPUTS],
            public_inputs(&report, B256::ZERO, true, B256::ZERO, &acc)[..]
        );
        assert_eq!(inputs[24..], [U256::from(11), U256::from(12)]);
        assert_eq!(
            &schedule_chain_verifier(Address::ZERO, 3)[..4],
            &selector("scheduleChainVerifier(address,uint64)")
        );
    }

    #[test]
    fn scalar_field_modulus_is_bn254_r() {
        assert_eq!(
            SCALAR_FIELD_MODULUS.to_string(),
            "21888242871839275222246405745257275088548364400416034343698204186575808495617"
        );
        let below = SCALAR_FIELD_MODULUS - U256::from(1);
        assert!(crate::verifier::u256_to_fr(below).is_some());
        assert!(crate::verifier::u256_to_fr(SCALAR_FIELD_MODULUS).is_none());
    }

    #[test]
    fn public_inputs_split_roots_into_128_bit_halves() {
        let mut root = [0u8; 32];
        root[15] = 1; // lowest byte of the high half
        root[31] = 2; // lowest byte of the low half
        let inputs = public_inputs(
            &Report::default(),
            B256::from(root),
            true,
            B256::ZERO,
            &[U256::ZERO; 12],
        );
        assert_eq!(inputs[12], U256::from(1));
        assert_eq!(inputs[13], U256::from(2));
        assert_eq!(inputs[15], U256::from(1));
        assert_eq!(NUM_PUBLIC_INPUTS, 24);
        let r = Report {
            slot: 1,
            registry_length: 2,
            validator_count: 3,
            total_balance_gwei: 4,
            active_count: 5,
            exited_count: 6,
            slashed_count: 7,
        };
        let inputs = public_inputs(&r, B256::ZERO, false, B256::ZERO, &[U256::ZERO; 12]);
        let tail: Vec<U256> = (2..=7).map(U256::from).collect();
        assert_eq!(inputs[14], U256::from(1));
        assert_eq!(inputs[18..], tail[..]);
    }
}
