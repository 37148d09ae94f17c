//! Synthetic states of every built-in preset (mainnet, minimal, gnosis), Electra and Fulu: the
//! root of every field whose shape the preset sets, computed independently by `ssz_rs` with the
//! preset's limits as const generics, equals this crate's. And a state read under another
//! preset gets another root (a Gnosis state read as mainnet could never match its beacon root).

use ssz_rs::prelude::*;
use stakeproof_beacon::beacon::{BeaconState, Fork, NetworkConfig, Preset};
use stakeproof_beacon::devnet::{self, DevnetSpec};

type Bytes32 = Vector<u8, 32>;

#[derive(Default, Debug, Clone, PartialEq, Eq, SimpleSerialize)]
struct Eth1Data {
    deposit_root: Bytes32,
    deposit_count: u64,
    block_hash: Bytes32,
}

#[derive(Default, Debug, Clone, PartialEq, Eq, SimpleSerialize)]
struct SyncCommittee<const N: usize> {
    pubkeys: Vector<Vector<u8, 48>, N>,
    aggregate_pubkey: Vector<u8, 48>,
}

#[derive(Default, Debug, Clone, PartialEq, Eq, SimpleSerialize)]
struct PendingPartialWithdrawal {
    validator_index: u64,
    amount: u64,
    withdrawable_epoch: u64,
}

#[derive(Default, Debug, Clone, PartialEq, Eq, SimpleSerialize)]
struct PendingConsolidation {
    source_index: u64,
    target_index: u64,
}

/// `ssz_rs`'s root of field `name` of `state`, read as `T`.
fn reference<T: SimpleSerialize>(state: &BeaconState, name: &str) -> [u8; 32] {
    let mut v: T = ssz_rs::deserialize(state.field(name).unwrap())
        .unwrap_or_else(|e| panic!("ssz_rs reads {name}: {e:?}"));
    let root = v.hash_tree_root().expect("ssz_rs merkleizes");
    root.as_ref().try_into().expect("32 bytes")
}

fn ours(state: &BeaconState, name: &str) -> [u8; 32] {
    state.field_roots()[state.field_index(name).unwrap()]
}

/// Compares every preset-shaped field of `state` with `ssz_rs` at the given sizes:
/// `SLOTS_PER_HISTORICAL_ROOT`, `EPOCHS_PER_HISTORICAL_VECTOR`, `EPOCHS_PER_SLASHINGS_VECTOR`,
/// the eth1 votes limit, `SYNC_COMMITTEE_SIZE`, the two pending-operation limits and the
/// proposer lookahead.
macro_rules! check_preset {
    ($state:expr, $shr:literal, $ehv:literal, $esv:literal, $votes:literal, $scs:literal,
     $ppw:literal, $pc:literal, $look:literal) => {{
        let s: &BeaconState = $state;
        let fields: Vec<(&str, [u8; 32])> = vec![
            (
                "block_roots",
                reference::<Vector<Bytes32, $shr>>(s, "block_roots"),
            ),
            (
                "state_roots",
                reference::<Vector<Bytes32, $shr>>(s, "state_roots"),
            ),
            (
                "randao_mixes",
                reference::<Vector<Bytes32, $ehv>>(s, "randao_mixes"),
            ),
            ("slashings", reference::<Vector<u64, $esv>>(s, "slashings")),
            (
                "eth1_data_votes",
                reference::<List<Eth1Data, $votes>>(s, "eth1_data_votes"),
            ),
            (
                "current_sync_committee",
                reference::<SyncCommittee<$scs>>(s, "current_sync_committee"),
            ),
            (
                "pending_partial_withdrawals",
                reference::<List<PendingPartialWithdrawal, $ppw>>(s, "pending_partial_withdrawals"),
            ),
            (
                "pending_consolidations",
                reference::<List<PendingConsolidation, $pc>>(s, "pending_consolidations"),
            ),
        ];
        let mut fields = fields;
        if s.fork() == Fork::Fulu {
            fields.push((
                "proposer_lookahead",
                reference::<Vector<u64, $look>>(s, "proposer_lookahead"),
            ));
        }
        for (name, root) in fields {
            assert_eq!(
                ours(s, name),
                root,
                "{} {}: {name}",
                s.preset().name,
                s.fork()
            );
        }
    }};
}

fn state(preset: Preset, fork: Fork) -> BeaconState {
    devnet::build(&DevnetSpec {
        fork,
        preset,
        validators: 64,
        ..Default::default()
    })
    .expect("devnet state")
}

#[test]
fn every_preset_shaped_field_matches_ssz_rs() {
    for fork in [Fork::Electra, Fork::Fulu] {
        check_preset!(
            &state(Preset::mainnet(), fork),
            8192,
            65536,
            8192,
            2048,
            512,
            134217728,
            262144,
            64
        );
        check_preset!(
            &state(Preset::minimal(), fork),
            64,
            64,
            64,
            32,
            32,
            64,
            64,
            16
        );
        check_preset!(
            &state(Preset::gnosis(), fork),
            8192,
            65536,
            8192,
            1024,
            512,
            134217728,
            262144,
            32
        );
    }
}

#[test]
fn a_gnosis_state_read_as_mainnet_gets_another_root() {
    let g = state(Preset::gnosis(), Fork::Electra);
    let root = g.hash_tree_root();
    // The built-in network (its layout found by trying each, since the devnet's fork versions
    // are its own) decodes it to the same root.
    let net = NetworkConfig::builtin("gnosis").unwrap();
    let again = BeaconState::decode_any(g.as_ssz().to_vec(), &net).unwrap();
    assert_eq!(again.hash_tree_root(), root);
    assert_eq!(again.preset().slots_per_epoch, 16);
    // Under mainnet's limits the bytes still decode (the lists' data does not depend on the
    // limit), but eth1_data_votes is merkleized 11 levels deep instead of 10: another root.
    let m = BeaconState::decode(g.as_ssz().to_vec(), Fork::Electra, &Preset::mainnet()).unwrap();
    assert_ne!(m.hash_tree_root(), root);
    let i = g.field_index("eth1_data_votes").unwrap();
    let (a, b) = (g.field_roots(), m.field_roots());
    let differ: Vec<usize> = (0..a.len()).filter(|&j| a[j] != b[j]).collect();
    assert_eq!(
        differ,
        vec![i],
        "only the SLOTS_PER_EPOCH-shaped field differs"
    );
}
