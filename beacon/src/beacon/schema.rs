//! SSZ layouts of the consensus containers, built from a fork and a preset.
//!
//! The BeaconState's field list is written once, fork by fork, the way the specs extend it;
//! generalized indices are derived from it (see [`super::BeaconState::field_gindex`]), never
//! hard-coded.

use super::{Fork, Preset};
use crate::ssz::{Container, Ty};

/// Bytes of a serialized `Validator`.
pub const VALIDATOR_SIZE: usize = 121;
/// Bytes of a serialized `BeaconBlockHeader`.
pub const HEADER_SIZE: usize = 112;

fn b(n: usize) -> Ty {
    Ty::ByteVector(n)
}

/// `Checkpoint`.
pub fn checkpoint() -> Ty {
    Ty::container("Checkpoint", vec![("epoch", Ty::U64), ("root", Ty::B32)])
}

/// `BeaconBlockHeader`.
pub fn beacon_block_header() -> Ty {
    Ty::container(
        "BeaconBlockHeader",
        vec![
            ("slot", Ty::U64),
            ("proposer_index", Ty::U64),
            ("parent_root", Ty::B32),
            ("state_root", Ty::B32),
            ("body_root", Ty::B32),
        ],
    )
}

/// `Validator`.
pub fn validator() -> Ty {
    Ty::container(
        "Validator",
        vec![
            ("pubkey", b(48)),
            ("withdrawal_credentials", Ty::B32),
            ("effective_balance", Ty::U64),
            ("slashed", Ty::Bool),
            ("activation_eligibility_epoch", Ty::U64),
            ("activation_epoch", Ty::U64),
            ("exit_epoch", Ty::U64),
            ("withdrawable_epoch", Ty::U64),
        ],
    )
}

fn fork_container() -> Ty {
    Ty::container(
        "Fork",
        vec![
            ("previous_version", b(4)),
            ("current_version", b(4)),
            ("epoch", Ty::U64),
        ],
    )
}

fn eth1_data() -> Ty {
    Ty::container(
        "Eth1Data",
        vec![
            ("deposit_root", Ty::B32),
            ("deposit_count", Ty::U64),
            ("block_hash", Ty::B32),
        ],
    )
}

fn pending_attestation(p: &Preset) -> Ty {
    let data = Ty::container(
        "AttestationData",
        vec![
            ("slot", Ty::U64),
            ("index", Ty::U64),
            ("beacon_block_root", Ty::B32),
            ("source", checkpoint()),
            ("target", checkpoint()),
        ],
    );
    Ty::container(
        "PendingAttestation",
        vec![
            (
                "aggregation_bits",
                Ty::Bitlist(p.max_validators_per_committee),
            ),
            ("data", data),
            ("inclusion_delay", Ty::U64),
            ("proposer_index", Ty::U64),
        ],
    )
}

fn sync_committee(p: &Preset) -> Ty {
    Ty::container(
        "SyncCommittee",
        vec![
            ("pubkeys", Ty::vector(b(48), p.sync_committee_size)),
            ("aggregate_pubkey", b(48)),
        ],
    )
}

fn execution_payload_header(fork: Fork, p: &Preset) -> Ty {
    let mut f = vec![
        ("parent_hash", Ty::B32),
        ("fee_recipient", b(20)),
        ("state_root", Ty::B32),
        ("receipts_root", Ty::B32),
        ("logs_bloom", b(p.bytes_per_logs_bloom)),
        ("prev_randao", Ty::B32),
        ("block_number", Ty::U64),
        ("gas_limit", Ty::U64),
        ("gas_used", Ty::U64),
        ("timestamp", Ty::U64),
        ("extra_data", Ty::ByteList(p.max_extra_data_bytes)),
        ("base_fee_per_gas", Ty::Uint(32)),
        ("block_hash", Ty::B32),
        ("transactions_root", Ty::B32),
    ];
    if fork >= Fork::Capella {
        f.push(("withdrawals_root", Ty::B32));
    }
    if fork >= Fork::Deneb {
        f.push(("blob_gas_used", Ty::U64));
        f.push(("excess_blob_gas", Ty::U64));
    }
    Ty::container("ExecutionPayloadHeader", f)
}

/// The `BeaconState` of `fork` under `preset`. Sizes derived from two preset values come from
/// [`Preset`]'s saturating accessors: a preset that passed [`Preset::validate`] (every one read
/// from a config, and every one a state is decoded under) never saturates.
pub fn beacon_state(fork: Fork, p: &Preset) -> Container {
    let vrl = p.validator_registry_limit;
    let mut f: Vec<(&'static str, Ty)> = vec![
        ("genesis_time", Ty::U64),
        ("genesis_validators_root", Ty::B32),
        ("slot", Ty::U64),
        ("fork", fork_container()),
        ("latest_block_header", beacon_block_header()),
        (
            "block_roots",
            Ty::vector(Ty::B32, p.slots_per_historical_root),
        ),
        (
            "state_roots",
            Ty::vector(Ty::B32, p.slots_per_historical_root),
        ),
        (
            "historical_roots",
            Ty::list(Ty::B32, p.historical_roots_limit),
        ),
        ("eth1_data", eth1_data()),
        (
            "eth1_data_votes",
            Ty::list(eth1_data(), p.eth1_data_votes_limit()),
        ),
        ("eth1_deposit_index", Ty::U64),
        ("validators", Ty::list(validator(), vrl)),
        ("balances", Ty::list(Ty::U64, vrl)),
        (
            "randao_mixes",
            Ty::vector(Ty::B32, p.epochs_per_historical_vector),
        ),
        (
            "slashings",
            Ty::vector(Ty::U64, p.epochs_per_slashings_vector),
        ),
    ];
    if fork == Fork::Phase0 {
        let n = p.epoch_attestations_limit();
        f.push((
            "previous_epoch_attestations",
            Ty::list(pending_attestation(p), n),
        ));
        f.push((
            "current_epoch_attestations",
            Ty::list(pending_attestation(p), n),
        ));
    } else {
        f.push(("previous_epoch_participation", Ty::list(Ty::Uint(1), vrl)));
        f.push(("current_epoch_participation", Ty::list(Ty::Uint(1), vrl)));
    }
    f.extend([
        ("justification_bits", Ty::Bitvector(4)),
        ("previous_justified_checkpoint", checkpoint()),
        ("current_justified_checkpoint", checkpoint()),
        ("finalized_checkpoint", checkpoint()),
    ]);
    if fork >= Fork::Altair {
        f.extend([
            ("inactivity_scores", Ty::list(Ty::U64, vrl)),
            ("current_sync_committee", sync_committee(p)),
            ("next_sync_committee", sync_committee(p)),
        ]);
    }
    if fork >= Fork::Bellatrix {
        f.push((
            "latest_execution_payload_header",
            execution_payload_header(fork, p),
        ));
    }
    if fork >= Fork::Capella {
        let summary = Ty::container(
            "HistoricalSummary",
            vec![
                ("block_summary_root", Ty::B32),
                ("state_summary_root", Ty::B32),
            ],
        );
        f.extend([
            ("next_withdrawal_index", Ty::U64),
            ("next_withdrawal_validator_index", Ty::U64),
            (
                "historical_summaries",
                Ty::list(summary, p.historical_roots_limit),
            ),
        ]);
    }
    if fork >= Fork::Electra {
        let deposit = Ty::container(
            "PendingDeposit",
            vec![
                ("pubkey", b(48)),
                ("withdrawal_credentials", Ty::B32),
                ("amount", Ty::U64),
                ("signature", b(96)),
                ("slot", Ty::U64),
            ],
        );
        let partial = Ty::container(
            "PendingPartialWithdrawal",
            vec![
                ("validator_index", Ty::U64),
                ("amount", Ty::U64),
                ("withdrawable_epoch", Ty::U64),
            ],
        );
        let consolidation = Ty::container(
            "PendingConsolidation",
            vec![("source_index", Ty::U64), ("target_index", Ty::U64)],
        );
        f.extend([
            ("deposit_requests_start_index", Ty::U64),
            ("deposit_balance_to_consume", Ty::U64),
            ("exit_balance_to_consume", Ty::U64),
            ("earliest_exit_epoch", Ty::U64),
            ("consolidation_balance_to_consume", Ty::U64),
            ("earliest_consolidation_epoch", Ty::U64),
            (
                "pending_deposits",
                Ty::list(deposit, p.pending_deposits_limit),
            ),
            (
                "pending_partial_withdrawals",
                Ty::list(partial, p.pending_partial_withdrawals_limit),
            ),
            (
                "pending_consolidations",
                Ty::list(consolidation, p.pending_consolidations_limit),
            ),
        ]);
    }
    if fork >= Fork::Fulu {
        f.push((
            "proposer_lookahead",
            Ty::vector(Ty::U64, p.proposer_lookahead_len()),
        ));
    }
    Container {
        name: "BeaconState",
        fields: f,
    }
}
