//! Hostile and careless input gets a clear error, never a panic, a hang or a wrong answer
//! (issue "Hostile input", items 3 to 8 and their class): presets and configs are validated
//! where they are read, states where they are decoded, and each beacon API request is bounded
//! as a whole in time and size.

mod common;

use common::fake_node::{network, Fixture, RawServer, TestNode};
use stakeproof_beacon::api::{ApiError, BeaconClient, Blame, BlockId, ClientConfig};
use stakeproof_beacon::beacon::{
    schema, BeaconState, ConfigError, Fork, NetworkConfig, Preset, StateError,
};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Offset of `state.slot` (after genesis_time and genesis_validators_root).
const SLOT_AT: usize = 40;
/// Offset of `latest_block_header` (after slot and the 16-byte fork).
const HEADER_AT: usize = 64;

fn fixture() -> &'static Fixture {
    static FX: OnceLock<Fixture> = OnceLock::new();
    FX.get_or_init(|| Fixture::build(1_000, 7))
}

fn config(text: &str) -> Result<NetworkConfig, ConfigError> {
    NetworkConfig::from_yaml_str(text, "hostile.yaml")
}

fn bad_value(e: ConfigError) -> (String, String) {
    match e {
        ConfigError::BadValue { key, why } => (key, why),
        other => panic!("expected a BadValue error, got {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Items 5 and 6: one validation of presets and configs where they are read
// ---------------------------------------------------------------------------------------------

/// Item 5: `VALIDATOR_REGISTRY_LIMIT: 2^63` panicked in unchecked arithmetic of the layout.
#[test]
fn a_registry_limit_beyond_2_pow_40_is_refused_where_it_is_read() {
    for v in [
        "9223372036854775808",
        "2199023255552",
        "18446744073709551615",
    ] {
        let e = config(&format!(
            "PRESET_BASE: mainnet\nVALIDATOR_REGISTRY_LIMIT: {v}\n"
        ))
        .expect_err(v);
        let (key, why) = bad_value(e);
        assert_eq!(key, "VALIDATOR_REGISTRY_LIMIT");
        assert!(why.contains("exceeds 2^40"), "{why}");
    }
    let e = config("PRESET_BASE: mainnet\nVALIDATOR_REGISTRY_LIMIT: 1000\n").unwrap_err();
    assert!(e.to_string().contains("power of two"), "{e}");
}

/// Item 6: `MIN_SEED_LOOKAHEAD: 2^64-1` wrapped `(MIN_SEED_LOOKAHEAD + 1) × SLOTS_PER_EPOCH` to
/// 0, and an Electra state then decoded as `fulu` (with an empty proposer lookahead).
#[test]
fn a_min_seed_lookahead_that_would_wrap_is_refused() {
    let e = config("PRESET_BASE: mainnet\nMIN_SEED_LOOKAHEAD: 18446744073709551615\n").unwrap_err();
    let (key, why) = bad_value(e);
    assert_eq!(key, "MIN_SEED_LOOKAHEAD");
    assert!(why.contains("exceeds 2^40"), "{why}");
    // Just inside the per-value range, the derived length is what overflows the cap.
    let e = config("PRESET_BASE: mainnet\nMIN_SEED_LOOKAHEAD: 1099511627775\n").unwrap_err();
    let (key, why) = bad_value(e);
    assert_eq!(key, "MIN_SEED_LOOKAHEAD");
    assert!(why.contains("proposer_lookahead"), "{why}");
    // The Electra devnet state still decodes as electra under the real config.
    let fx = fixture();
    let st = BeaconState::decode_any(
        fx.ssz.clone(),
        &NetworkConfig::for_preset("mainnet").unwrap(),
    )
    .unwrap();
    assert_eq!(st.fork(), Fork::Electra);
}

/// The class: every value is range-checked and every derived size checked, naming the key.
#[test]
fn every_preset_value_and_derived_size_is_checked() {
    let cases = [
        ("SLOTS_PER_EPOCH: 0", "SLOTS_PER_EPOCH", "at least 1"),
        (
            "SLOTS_PER_EPOCH: 18446744073709551615",
            "SLOTS_PER_EPOCH",
            "2^40",
        ),
        (
            "SLOTS_PER_HISTORICAL_ROOT: 0",
            "SLOTS_PER_HISTORICAL_ROOT",
            "at least 1",
        ),
        (
            "HISTORICAL_ROOTS_LIMIT: 1099511627777",
            "HISTORICAL_ROOTS_LIMIT",
            "2^40",
        ),
        (
            "EPOCHS_PER_HISTORICAL_VECTOR: 0",
            "EPOCHS_PER_HISTORICAL_VECTOR",
            "at least 1",
        ),
        (
            "SYNC_COMMITTEE_SIZE: 9223372036854775808",
            "SYNC_COMMITTEE_SIZE",
            "2^40",
        ),
        (
            "BYTES_PER_LOGS_BLOOM: 0",
            "BYTES_PER_LOGS_BLOOM",
            "at least 1",
        ),
        (
            "PENDING_DEPOSITS_LIMIT: 9223372036854775808",
            "PENDING_DEPOSITS_LIMIT",
            "2^40",
        ),
        (
            "EPOCHS_PER_ETH1_VOTING_PERIOD: 1099511627776",
            "EPOCHS_PER_ETH1_VOTING_PERIOD",
            "eth1_data_votes",
        ),
        (
            "MAX_ATTESTATIONS: 68719476736",
            "MAX_ATTESTATIONS",
            "attestations",
        ),
        (
            "SLOTS_PER_EPOCH: 1099511627776\nMAX_ATTESTATIONS: 1",
            "EPOCHS_PER_ETH1_VOTING_PERIOD",
            "exceeds 2^40",
        ),
        (
            "MAX_EXTRA_DATA_BYTES: -1",
            "MAX_EXTRA_DATA_BYTES",
            "unsigned",
        ),
    ];
    for (line, key, rule) in cases {
        let e = config(&format!("PRESET_BASE: mainnet\n{line}\n")).expect_err(line);
        let (k, why) = bad_value(e);
        assert_eq!(k, key, "{line}");
        assert!(why.contains(rule), "{line}: {why}");
    }
    // The published presets, and values at the cap, are fine.
    Preset::mainnet().validate().unwrap();
    Preset::minimal().validate().unwrap();
    config("PRESET_BASE: minimal\nHISTORICAL_ROOTS_LIMIT: 1099511627776\nMIN_SEED_LOOKAHEAD: 0\n")
        .unwrap();
}

/// A preset built by hand (its fields are public) is checked before a state is decoded under
/// it, and laying it out neither panics nor wraps.
#[test]
fn an_invalid_hand_built_preset_is_refused_at_decode() {
    let p = Preset {
        slots_per_epoch: u64::MAX,
        min_seed_lookahead: usize::MAX,
        validator_registry_limit: 1 << 63,
        ..Preset::mainnet()
    };
    for fork in Fork::ALL {
        let layout = schema::beacon_state(fork, &p);
        let _ = stakeproof_beacon::ssz::Ty::Container(layout).fixed_size();
    }
    let e = BeaconState::decode(fixture().ssz.clone(), Fork::Electra, &p).unwrap_err();
    assert!(matches!(e, StateError::Preset { .. }), "{e}");
    assert!(e.to_string().contains("SLOTS_PER_EPOCH"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Item 4 (beacon half): whether the circuits can prove under a preset
// ---------------------------------------------------------------------------------------------

#[test]
fn check_provable_names_what_the_circuits_need() {
    Preset::mainnet().check_provable().unwrap();
    Preset::minimal().check_provable().unwrap();
    let c = config("PRESET_BASE: mainnet\nVALIDATOR_REGISTRY_LIMIT: 1048576\n").unwrap();
    c.preset.validate().unwrap();
    let e = c.preset.check_provable().unwrap_err();
    assert!(
        matches!(
            e,
            ConfigError::Unprovable {
                key: "VALIDATOR_REGISTRY_LIMIT",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("2^40"), "{e}");
    let c = config("PRESET_BASE: mainnet\nSLOTS_PER_EPOCH: 12\n").unwrap();
    let e = c.preset.check_provable().unwrap_err();
    assert!(
        matches!(
            e,
            ConfigError::Unprovable {
                key: "SLOTS_PER_EPOCH",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("power of two"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Items 3 and 7: one validation of a state where it is decoded
// ---------------------------------------------------------------------------------------------

/// Item 3: balances and validators lists of different lengths (`tree` panicked, `report`
/// answered).
#[test]
fn lists_of_different_lengths_are_refused() {
    let spec = DevnetSpec {
        validators: 16,
        ..Default::default()
    };
    let (vals, bals) = devnet::validators(&spec);
    let cfg = devnet::devnet_config(&spec.preset);
    for (v, b) in [(16, 15), (15, 16)] {
        let ssz = devnet::state_ssz(&spec, &vals[..v], &bals[..b]);
        // Structurally the state is valid SSZ …
        BeaconState::decode(ssz.clone(), Fork::Electra, &spec.preset).unwrap();
        // … but not one to report on or prove.
        for e in [
            BeaconState::decode_checked(ssz.clone(), Fork::Electra, &cfg).unwrap_err(),
            BeaconState::decode_any(ssz, &cfg).unwrap_err(),
        ] {
            match &e {
                StateError::ListLengths {
                    validators,
                    balances,
                } => assert_eq!((*validators, *balances), (v as u64, b as u64)),
                other => panic!("expected ListLengths, got {other}"),
            }
            assert!(e.to_string().contains("balances"), "{e}");
        }
    }
}

fn with_slot(ssz: &[u8], slot: u64) -> Vec<u8> {
    let mut b = ssz.to_vec();
    b[SLOT_AT..SLOT_AT + 8].copy_from_slice(&slot.to_le_bytes());
    b
}

/// Item 7: a post-block state whose slot is not its block's.
#[test]
fn a_slot_that_is_not_the_headers_is_refused() {
    let fx = fixture();
    let cfg = network();
    let block_slot = fx.header.slot;
    for slot in [block_slot + 1, block_slot - 1, u64::MAX] {
        let e =
            BeaconState::decode_checked(with_slot(&fx.ssz, slot), Fork::Electra, &cfg).unwrap_err();
        match e {
            StateError::SlotMismatch {
                slot: s,
                block_slot: b,
                ..
            } => assert_eq!((s, b), (slot, block_slot)),
            other => panic!("expected SlotMismatch, got {other}"),
        }
        assert!(BeaconState::decode_any(with_slot(&fx.ssz, slot), &cfg).is_err());
    }
}

/// Good input is unchanged: a state advanced through empty slots (its header already carries
/// its state root, its slot is later) is still read, and still has no block root.
#[test]
fn a_state_advanced_through_empty_slots_is_still_read() {
    let fx = fixture();
    let mut ssz = with_slot(&fx.ssz, fx.header.slot + 3);
    // latest_block_header.state_root: after slot, proposer_index and parent_root.
    let at = HEADER_AT + 48;
    ssz[at..at + 32].copy_from_slice(&fx.header.state_root);
    let st = BeaconState::decode_checked(ssz.clone(), Fork::Electra, &network()).unwrap();
    assert!(matches!(
        st.tree(),
        Err(StateError::NotPostBlockState { .. })
    ));
    // The same header state root at the block's own slot is not a chain state.
    let mut same = ssz;
    same[SLOT_AT..SLOT_AT + 8].copy_from_slice(&fx.header.slot.to_le_bytes());
    let e = BeaconState::decode_checked(same, Fork::Electra, &network()).unwrap_err();
    assert!(matches!(e, StateError::SlotMismatch { .. }), "{e}");
}

/// Item 7 from a beacon node for `--slot N`: the fetched state is checked the same way.
#[test]
fn a_node_serving_an_inconsistent_state_is_refused() {
    let fx = fixture();
    let ssz = with_slot(&fx.ssz, fx.header.slot + 1);
    // A node that serves it consistently with itself: header, roots and all.
    let st = BeaconState::decode(ssz.clone(), Fork::Electra, &Preset::mainnet()).unwrap();
    let tree = st.tree().unwrap();
    let node = TestNode::start(&[]);
    node.add_block(tree.block_root(), tree.header.clone());
    node.add_state(tree.state_root(), ssz);
    let c = node.client(|_| {});
    let e = c.fetch_state(&BlockId::Slot(fx.header.slot)).unwrap_err();
    match &e {
        ApiError::State {
            source: StateError::SlotMismatch { .. },
            ..
        } => {}
        other => panic!("expected a SlotMismatch state error, got {other}"),
    }
    assert_eq!(e.blame(), Blame::Node);
}

// ---------------------------------------------------------------------------------------------
// Item 8: the timeout bounds the whole request; bodies are capped
// ---------------------------------------------------------------------------------------------

fn client_of(url: &str, tweak: impl FnOnce(&mut ClientConfig)) -> BeaconClient {
    let mut cfg = ClientConfig::new(url);
    cfg.retries = 0;
    cfg.backoff = Duration::from_millis(10);
    tweak(&mut cfg);
    BeaconClient::new(cfg, network())
}

/// A node trickling a byte every 100 ms kept a per-read timeout waiting for ever (here: until
/// the server gives up after 6 s); the 1 s timeout now ends it after 1 s.
#[test]
fn a_trickling_node_times_out_after_the_timeout() {
    let fx = fixture();
    let server = RawServer::trickle(
        fx.ssz.clone(),
        Duration::from_millis(100),
        Duration::from_secs(6),
    );
    let c = client_of(&server.url, |cfg| cfg.timeout = Duration::from_secs(1));
    let t = Instant::now();
    let e = c.fetch_state_for(fx.info()).unwrap_err();
    let took = t.elapsed();
    assert!(took < Duration::from_secs(3), "took {took:?}: {e}");
    match &e {
        ApiError::Timeout {
            timeout, attempts, ..
        } => assert_eq!((*timeout, *attempts), (Duration::from_secs(1), 1)),
        other => panic!("expected a timeout, got {other}"),
    }
    assert_eq!(e.blame(), Blame::Node);
}

/// A body without end is cut at the cap and reported as too large.
#[test]
fn a_body_without_end_is_too_large() {
    let fx = fixture();
    let server = RawServer::endless();
    let c = client_of(&server.url, |cfg| {
        cfg.timeout = Duration::from_secs(10);
        cfg.max_state_bytes = 1 << 20;
    });
    let e = c.fetch_state_for(fx.info()).unwrap_err();
    assert!(
        matches!(e, ApiError::TooLarge { limit, .. } if limit == 1 << 20),
        "{e}"
    );
    assert!(e.to_string().contains("response too large"), "{e}");
    assert_eq!(server.hits.load(Ordering::Relaxed), 1, "not retried");
}

/// A Content-Length above the cap is refused before any of the body is read, and the default
/// cap is 1 GiB (it was 4 GiB).
#[test]
fn a_content_length_above_the_cap_is_refused_up_front() {
    assert_eq!(ClientConfig::new("http://x").max_state_bytes, 1 << 30);
    let fx = fixture();
    let server = RawServer::announces(5 << 30);
    let c = client_of(&server.url, |cfg| cfg.timeout = Duration::from_secs(10));
    let t = Instant::now();
    let e = c.fetch_state_for(fx.info()).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(
        matches!(e, ApiError::TooLarge { limit, .. } if limit == 1 << 30),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// Local mistakes are not the node's
// ---------------------------------------------------------------------------------------------

#[test]
fn a_zero_timeout_is_a_bad_setting_and_nothing_is_sent() {
    let node = TestNode::start(&[fixture()]);
    let c = node.client(|cfg| cfg.timeout = Duration::ZERO);
    let e = c.fetch_state(&BlockId::Head).unwrap_err();
    assert!(
        matches!(
            e,
            ApiError::BadSetting {
                setting: "timeout",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.blame(), Blame::Setting);
    let e = c.fetch_state_for(fixture().info()).unwrap_err();
    assert_eq!(e.blame(), Blame::Setting, "{e}");
    assert_eq!(node.requests_under("/"), 0);
}

#[test]
fn invalid_urls_are_bad_settings() {
    for url in [
        "localhost:5052",
        "http://",
        "ftp://127.0.0.1:1",
        "not a url",
        "",
    ] {
        let c = client_of(url, |cfg| cfg.timeout = Duration::from_secs(1));
        let e = c.header(&BlockId::Head).unwrap_err();
        assert!(matches!(e, ApiError::BadUrl { .. }), "{url:?}: {e}");
        assert_eq!(e.blame(), Blame::Setting, "{url:?}");
    }
}

#[test]
fn a_cache_dir_that_is_a_file_is_a_local_error_before_any_request() {
    let node = TestNode::start(&[fixture()]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cache");
    std::fs::write(&file, b"x").unwrap();
    let c = node.client(|cfg| cfg.cache_dir = Some(file.clone()));
    let e = c.fetch_state(&BlockId::Head).unwrap_err();
    match &e {
        ApiError::Cache { path, .. } => assert_eq!(path, &file),
        other => panic!("expected a cache error, got {other}"),
    }
    assert!(e.to_string().contains("is a file"), "{e}");
    assert_eq!(e.blame(), Blame::Local);
    assert_eq!(node.requests_under("/"), 0);
}
