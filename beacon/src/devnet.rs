//! Deterministic synthetic BeaconStates: a pool among other validators, for the demo, tests and
//! benchmarks (up to mainnet-sized registries). Same inputs, same bytes.

use crate::beacon::schema::beacon_state;
use crate::beacon::{
    BeaconBlockHeader, BeaconState, Fork, NetworkConfig, Preset, StateError, Validator,
    FAR_FUTURE_EPOCH,
};
use crate::ssz::encode_container;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// The pool address of the default devnet: `0x57a4e0005a4e0000000000000000000000000001`.
pub const DEFAULT_POOL: [u8; 20] = [
    0x57, 0xa4, 0xe0, 0x00, 0x5a, 0x4e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01,
];

/// What to generate.
#[derive(Clone, Debug)]
pub struct DevnetSpec {
    /// State layout.
    pub fork: Fork,
    /// Preset (list limits, slots per epoch).
    pub preset: Preset,
    /// Registry length L.
    pub validators: usize,
    /// The pool's execution address.
    pub pool: [u8; 20],
    /// Per-mille of validators that belong to the pool.
    pub pool_permille: u32,
    /// The state's slot (its block's slot: the state is a post-block state).
    pub slot: u64,
    /// RNG seed.
    pub seed: u64,
    /// Entries in Electra's `pending_deposits` queue (ignored before Electra): about a third
    /// to the pool (0x01 and 0x02 forms), the rest to other credentials. 0 in the default, so
    /// the embedded devnet's roots do not depend on it.
    pub pending_deposits: usize,
}

impl Default for DevnetSpec {
    /// The embedded default: an Electra-layout, mainnet-preset state with 1024 validators, a
    /// third of them in the pool, at slot 320 000 (epoch 10 000).
    fn default() -> Self {
        DevnetSpec {
            fork: Fork::Electra,
            preset: Preset::mainnet(),
            validators: 1024,
            pool: DEFAULT_POOL,
            pool_permille: 333,
            slot: 320_000,
            seed: 0x5741_4b45,
            pending_deposits: 0,
        }
    }
}

/// The network config of generated states: mainnet fork versions, the spec's preset.
pub fn devnet_config(preset: &Preset) -> NetworkConfig {
    NetworkConfig {
        name: "stakeproof-devnet".into(),
        preset: preset.clone(),
        fork_versions: Fork::ALL
            .iter()
            .enumerate()
            .map(|(i, f)| (*f, [i as u8, 0, 0, 0]))
            .collect(),
        seconds_per_slot: None,
        min_genesis_time: None,
    }
}

/// Generates the registry: pool validators with 0x01 and 0x02 credentials, some slashed, some
/// exited, some not yet active; the rest BLS (0x00) or other addresses.
pub fn validators(spec: &DevnetSpec) -> (Vec<Validator>, Vec<u64>) {
    let mut rng = ChaCha20Rng::seed_from_u64(spec.seed);
    let epoch = spec.slot / spec.preset.slots_per_epoch;
    let mut vals = Vec::with_capacity(spec.validators);
    let mut bals = Vec::with_capacity(spec.validators);
    for i in 0..spec.validators {
        let mut v = Validator::default();
        rng.fill(&mut v.pubkey[..]);
        let in_pool = rng.gen_range(0..1000) < spec.pool_permille;
        if in_pool {
            v.withdrawal_credentials[0] = if rng.gen_bool(0.5) { 0x01 } else { 0x02 };
            v.withdrawal_credentials[12..].copy_from_slice(&spec.pool);
        } else if rng.gen_bool(0.5) {
            rng.fill(&mut v.withdrawal_credentials[1..]);
        } else {
            v.withdrawal_credentials[0] = 0x01;
            rng.fill(&mut v.withdrawal_credentials[12..]);
        }
        v.effective_balance = 32_000_000_000;
        v.activation_eligibility_epoch = rng.gen_range(0..epoch.max(1));
        v.activation_epoch = v.activation_eligibility_epoch + 1;
        v.exit_epoch = FAR_FUTURE_EPOCH;
        v.withdrawable_epoch = FAR_FUTURE_EPOCH;
        let mut balance = 32_000_000_000 + rng.gen_range(0..2_000_000_000u64);
        match rng.gen_range(0..100) {
            // Slashed and exited.
            0..=2 => {
                v.slashed = true;
                v.exit_epoch = epoch.saturating_sub(rng.gen_range(1..100));
                v.withdrawable_epoch = v.exit_epoch + 8192;
                balance -= 1_000_000_000;
            }
            // Voluntarily exited, some already withdrawn.
            3..=7 => {
                v.exit_epoch = epoch.saturating_sub(rng.gen_range(0..300));
                v.withdrawable_epoch = v.exit_epoch + 256;
                if v.withdrawable_epoch <= epoch {
                    balance = 0;
                }
            }
            // Exit scheduled in the future: still active.
            8..=9 => {
                v.exit_epoch = epoch + rng.gen_range(1..50);
                v.withdrawable_epoch = v.exit_epoch + 256;
            }
            // Deposited, not yet active.
            10..=12 => {
                v.activation_epoch = epoch + rng.gen_range(1..20);
            }
            // Compounding validators hold more than 32 ETH.
            13..=15 if v.withdrawal_credentials[0] == 0x02 => {
                balance += rng.gen_range(0..1_000_000_000_000u64);
                v.effective_balance = (balance / 1_000_000_000).min(2048) * 1_000_000_000;
            }
            _ => {}
        }
        // Keep index i's key unique (the pubkey is random; mix in i for certainty).
        v.pubkey[..8].copy_from_slice(&(i as u64).to_le_bytes());
        vals.push(v);
        bals.push(balance);
    }
    (vals, bals)
}

/// Builds the SSZ of a post-block state holding `vals` and `bals` (other fields default, a few
/// set for realism), under `spec`'s fork, preset and slot.
pub fn state_ssz(spec: &DevnetSpec, vals: &[Validator], bals: &[u64]) -> Vec<u8> {
    let schema = beacon_state(spec.fork, &spec.preset);
    let mut rng = ChaCha20Rng::seed_from_u64(spec.seed ^ 0xb10c);
    let parts: Vec<Vec<u8>> = schema
        .fields
        .iter()
        .map(|(name, ty)| match *name {
            "genesis_time" => 1_606_824_023u64.to_le_bytes().to_vec(),
            "slot" => spec.slot.to_le_bytes().to_vec(),
            "fork" => {
                let cur = devnet_config(&spec.preset)
                    .fork_versions
                    .iter()
                    .find(|(f, _)| *f == spec.fork)
                    .expect("every fork")
                    .1;
                let mut b = vec![0u8; 16];
                b[..4].copy_from_slice(&cur);
                b[4..8].copy_from_slice(&cur);
                b[8..].copy_from_slice(&(spec.slot / spec.preset.slots_per_epoch).to_le_bytes());
                b
            }
            "latest_block_header" => {
                let mut h = BeaconBlockHeader {
                    slot: spec.slot,
                    proposer_index: rng.gen_range(0..vals.len().max(1) as u64),
                    ..Default::default()
                };
                rng.fill(&mut h.parent_root);
                rng.fill(&mut h.body_root);
                h.to_ssz().to_vec()
            }
            "genesis_validators_root" => {
                let mut r = vec![0u8; 32];
                rng.fill(&mut r[..]);
                r
            }
            "validators" => vals.iter().flat_map(|v| v.to_ssz()).collect(),
            "balances" => bals.iter().flat_map(|b| b.to_le_bytes()).collect(),
            "previous_epoch_participation" | "current_epoch_participation" => vec![7u8; vals.len()],
            "inactivity_scores" => vec![0u8; vals.len() * 8],
            "pending_deposits" => pending_queue(spec),
            _ => ty.default_bytes(),
        })
        .collect();
    encode_container(&schema, &parts)
}

/// The SSZ of `spec.pending_deposits` queue entries, from their own RNG stream (the other
/// fields do not change with the count): random keys and signatures, amounts of 1 to 2,048 ETH,
/// about a third of them to the pool's address (either prefix), the rest to BLS or other
/// addresses.
fn pending_queue(spec: &DevnetSpec) -> Vec<u8> {
    let mut rng = ChaCha20Rng::seed_from_u64(spec.seed ^ 0xde90_5175);
    let mut out = Vec::with_capacity(spec.pending_deposits * crate::report::PENDING_DEPOSIT_SIZE);
    for _ in 0..spec.pending_deposits {
        let mut e = [0u8; crate::report::PENDING_DEPOSIT_SIZE];
        rng.fill(&mut e[..48]);
        match rng.gen_range(0..3) {
            0 => {
                e[48] = if rng.gen_bool(0.5) { 0x01 } else { 0x02 };
                e[60..80].copy_from_slice(&spec.pool);
            }
            1 => rng.fill(&mut e[49..80]),
            _ => {
                e[48] = 0x01;
                rng.fill(&mut e[60..80]);
            }
        }
        let gwei = rng.gen_range(1..=2048u64) * 1_000_000_000;
        e[80..88].copy_from_slice(&gwei.to_le_bytes());
        rng.fill(&mut e[88..184]);
        let slot = rng.gen_range(0..=spec.slot);
        e[184..].copy_from_slice(&slot.to_le_bytes());
        out.extend_from_slice(&e);
    }
    out
}

/// Generates and decodes the state described by `spec`.
pub fn build(spec: &DevnetSpec) -> Result<BeaconState, StateError> {
    let (vals, bals) = validators(spec);
    BeaconState::decode(state_ssz(spec, &vals, &bals), spec.fork, &spec.preset)
}
