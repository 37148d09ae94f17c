//! Shared test fixture: a tiny stand-in circuit with exactly the report verifier's 24 public
//! inputs (or the chain design's 26, [`chain_fixture`]), a real KZG SHPLONK setup (unsafe,
//! seeded), its generated Solidity verifier compiled with solc-js, and EVM-transcript proofs of
//! arbitrary public inputs.
#![allow(dead_code)]

use halo2_base::{
    gates::{
        circuit::{builder::BaseCircuitBuilder, BaseCircuitParams, CircuitBuilderStage},
        flex_gate::MultiPhaseThreadBreakPoints,
        GateChip, GateInstructions,
    },
    halo2_proofs::{
        halo2curves::bn256::{Bn256, Fr, G1Affine},
        plonk::{create_proof, keygen_pk, keygen_vk, verify_proof, ProvingKey},
        poly::{
            commitment::ParamsProver,
            kzg::{
                commitment::{KZGCommitmentScheme, ParamsKZG},
                multiopen::{ProverSHPLONK, VerifierSHPLONK},
                strategy::SingleStrategy,
            },
        },
        transcript::{TranscriptReadBuffer, TranscriptWriterBuffer},
    },
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use revm::primitives::{address, Address, B256, U256};
use snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use stakeproof_contracts::{
    calldata::{NUM_ACCUMULATOR_LIMBS, NUM_CHAIN_PUBLIC_INPUTS, NUM_PUBLIC_INPUTS},
    deployment::{Deployment, OracleConfig, VerifierCode},
    solc::Compiled,
    verifier::{accumulator_limbs, compile_verifier, export_verifier, fr_to_u256, u256_to_fr},
    Report,
};
use std::sync::OnceLock;

/// Slots per day.
pub const DAY_SLOTS: u64 = 7200;
/// 32 ETH in gwei.
pub const GWEI_32_ETH: u128 = 32_000_000_000;

/// Degree of the stand-in circuit.
pub const K: u32 = 8;
/// The test pool's execution address.
pub const POOL: Address = address!("00000000000000000000000000000000000b0011");

/// A stand-in "report circuit": 24 (or 26) public inputs, each a witness also fed to a sum (so
/// the circuit has gates), exposed in one instance column.
pub struct Fixture {
    /// Seed of the (unsafe) setup.
    pub seed: u64,
    /// Number of public inputs (the first 12 are the accumulator limbs).
    pub num_inputs: usize,
    /// KZG parameters.
    pub params: ParamsKZG<Bn256>,
    /// Proving key.
    pub pk: ProvingKey<G1Affine>,
    config: BaseCircuitParams,
    break_points: MultiPhaseThreadBreakPoints,
    /// Generated Solidity source.
    pub source: String,
    /// Compiled verifier.
    pub verifier: Compiled,
}

fn build(stage: CircuitBuilderStage, inputs: &[Fr]) -> BaseCircuitBuilder<Fr> {
    let mut builder = BaseCircuitBuilder::<Fr>::from_stage(stage)
        .use_k(K as usize)
        .use_instance_columns(1);
    let gate = GateChip::<Fr>::default();
    let ctx = builder.main(0);
    let cells: Vec<_> = inputs.iter().map(|v| ctx.load_witness(*v)).collect();
    let _sum = gate.sum(ctx, cells.clone());
    builder.assigned_instances = vec![cells];
    builder
}

impl Fixture {
    /// Sets up, generates and compiles the 24-input verifier for setup seed `seed`.
    pub fn new(seed: u64) -> Self {
        Self::with_inputs(seed, NUM_PUBLIC_INPUTS)
    }

    /// Sets up, generates and compiles the verifier of a stand-in with `num_inputs` public
    /// inputs (24: today's design, 26: the chain design) for setup seed `seed`.
    pub fn with_inputs(seed: u64, num_inputs: usize) -> Self {
        let params = ParamsKZG::<Bn256>::setup(K, ChaCha20Rng::seed_from_u64(seed));
        let mut builder = build(CircuitBuilderStage::Keygen, &vec![Fr::zero(); num_inputs]);
        let config = builder.calculate_params(Some(9));
        let vk = keygen_vk(&params, &builder).expect("keygen_vk");
        let pk = keygen_pk(&params, vk, &builder).expect("keygen_pk");
        let break_points = builder.break_points();
        let accumulator_indices = Some((0..NUM_ACCUMULATOR_LIMBS).map(|i| (0, i)).collect());
        let source = export_verifier(
            &params,
            pk.get_vk(),
            &format!("stakeproof-contracts test stand-in ({num_inputs} public inputs)"),
            num_inputs,
            accumulator_indices,
            true,
        )
        .expect("export verifier");
        let verifier = compile_verifier(&source)
            .expect("compile verifier (run verifier-contracts/install-solc.sh)");
        Self {
            seed,
            num_inputs,
            params,
            pk,
            config,
            break_points,
            source,
            verifier,
        }
    }

    /// A valid KZG accumulator for this setup: lhs = τ·G, rhs = G.
    pub fn accumulator(&self) -> [U256; NUM_ACCUMULATOR_LIMBS] {
        let g = self.params.get_g();
        accumulator_limbs(&g[1], &g[0]).map(|f| fr_to_u256(&f))
    }

    /// An EVM-transcript SHPLONK proof for `inputs` (checked natively before it is returned);
    /// there must be [`Fixture::num_inputs`] of them.
    pub fn prove(&self, inputs: &[U256]) -> Vec<u8> {
        assert_eq!(inputs.len(), self.num_inputs, "number of public inputs");
        let inputs: Vec<Fr> = inputs
            .iter()
            .map(|v| u256_to_fr(*v).expect("input below the field modulus"))
            .collect();
        let circuit = {
            let mut b = build(CircuitBuilderStage::Prover, &inputs);
            b.set_params(self.config.clone());
            b.set_break_points(self.break_points.clone());
            b
        };
        let instances: &[&[Fr]] = &[&inputs];
        let mut transcript =
            <EvmTranscript<G1Affine, _, _, _> as TranscriptWriterBuffer<_, G1Affine, _>>::init(
                Vec::new(),
            );
        create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<_>, _, _, _, _>(
            &self.params,
            &self.pk,
            &[circuit],
            &[instances],
            ChaCha20Rng::seed_from_u64(7),
            &mut transcript,
        )
        .expect("create_proof");
        let proof = transcript.finalize();
        let mut transcript =
            <EvmTranscript<G1Affine, _, _, _> as TranscriptReadBuffer<_, G1Affine, _>>::init(
                proof.as_slice(),
            );
        verify_proof::<_, VerifierSHPLONK<_>, _, _, _>(
            self.params.verifier_params(),
            self.pk.get_vk(),
            SingleStrategy::new(&self.params),
            &[instances],
            &mut transcript,
        )
        .expect("native verification of the stand-in proof");
        proof
    }

    /// The verifier's creation code.
    pub fn code(&self) -> VerifierCode {
        VerifierCode::Creation(self.verifier.bytecode.clone())
    }

    /// A proof of `report` under `root` for the pool of `config`, with the valid accumulator.
    pub fn prove_report(&self, config: &OracleConfig, report: &Report, root: B256) -> Vec<u8> {
        let acc = self.accumulator();
        let inputs = stakeproof_contracts::calldata::public_inputs(
            report,
            root,
            config.pool_exact,
            config.pool_credentials,
            &acc,
        );
        self.prove(&inputs)
    }

    /// A chain-design proof (26 inputs) of `report` under `root` with the anchors, for the pool
    /// of `config`, with the valid accumulator.
    pub fn prove_chain_report(
        &self,
        config: &OracleConfig,
        report: &Report,
        root: B256,
        anchor_old: U256,
        anchor_new: U256,
    ) -> Vec<u8> {
        let inputs = stakeproof_contracts::calldata::chain_public_inputs(
            report,
            root,
            config.pool_exact,
            config.pool_credentials,
            anchor_old,
            anchor_new,
            &self.accumulator(),
        );
        self.prove(&inputs)
    }
}

/// The fixture of setup seed 1, built once per test binary.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture::new(1))
}

/// A second, independent setup (seed 2): the "next fork's" verifier.
pub fn fixture2() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture::new(2))
}

/// A 26-input stand-in (setup seed 3): the chain design's verifier.
pub fn chain_fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture::with_inputs(3, NUM_CHAIN_PUBLIC_INPUTS))
}

/// The test pool's oracle settings (address pool, 5%/day bound).
pub fn config() -> OracleConfig {
    OracleConfig::for_address(POOL)
}

/// A deployment with fixture()'s verifier at a chain time well after genesis.
pub fn deploy() -> Deployment {
    Deployment::new(fixture().code(), config()).expect("deploy")
}

/// A plausible report at `slot` with `gwei` total.
/// A report at the edges of every field's width (the public-input layout tests).
pub fn edge_report() -> Report {
    Report {
        slot: u64::MAX,
        registry_length: 1,
        validator_count: 2,
        total_balance_gwei: u128::MAX,
        active_count: 3,
        exited_count: 4,
        slashed_count: 5,
    }
}

pub fn report(slot: u64, gwei: u128) -> Report {
    Report {
        slot,
        registry_length: 1_000_000 + slot / 32,
        validator_count: 32,
        total_balance_gwei: gwei,
        active_count: 30,
        exited_count: 1,
        slashed_count: 1,
    }
}

/// A deterministic block root for `slot`.
pub fn root(slot: u64) -> B256 {
    let mut r = [0x5au8; 32];
    r[..8].copy_from_slice(&slot.to_be_bytes());
    r[31] = 0xc3;
    B256::from(r)
}

/// Writes the root of `slot` under the current block's timestamp and returns that timestamp
/// (the block after the slot carries its root as parent root).
pub fn publish_root(d: &mut Deployment, slot: u64) -> u64 {
    let ts = d.chain.timestamp();
    d.write_beacon_root(ts, root(slot)).expect("system call");
    ts
}

/// Proves and submits a report at `slot` with `gwei`, publishing its root first; advances the
/// chain afterwards so that the next root goes under a new timestamp.
pub fn submit_ok(d: &mut Deployment, slot: u64, gwei: u128) -> stakeproof_contracts::Receipt {
    let r = report(slot, gwei);
    let ts = publish_root(d, slot);
    let proof = fixture().prove_report(&d.config, &r, root(slot));
    let receipt = d
        .submit(&r, ts, &fixture().accumulator(), &proof)
        .expect("valid report accepted");
    d.chain.advance_blocks(1);
    receipt
}
