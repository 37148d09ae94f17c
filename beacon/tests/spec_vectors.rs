//! consensus-spec-tests `ssz_static` vectors, driven by the files: every case directory under
//! `testdata/consensus-spec-tests/tests` is decoded, merkleized and compared with its
//! `roots.yaml` and `value.yaml`; the test fails if any file there goes unread.

mod common;

use common::{data_dir, h32};
use serde_yaml::Value;
use ssz_rs::prelude::*;
use stakeproof_beacon::beacon::{
    BeaconBlockHeader, BeaconState, Fork, NetworkConfig, Preset, StateError, Validator,
};
use stakeproof_beacon::ssz::SszErrorKind;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Reads files and remembers which were read.
struct Reader {
    read: BTreeSet<PathBuf>,
}

impl Reader {
    fn bytes(&mut self, p: &Path) -> Vec<u8> {
        self.read.insert(p.to_path_buf());
        std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }
    fn yaml(&mut self, p: &Path) -> Value {
        let b = self.bytes(p);
        serde_yaml::from_slice(&b).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }
}

fn all_files(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.insert(p);
        }
    }
}

fn u64_of(v: &Value) -> u64 {
    match v {
        Value::Number(n) => n.as_u64().expect("u64"),
        Value::String(s) => s.parse().expect("u64 string"),
        other => panic!("not a u64: {other:?}"),
    }
}

fn bytes_of(v: &Value) -> Vec<u8> {
    stakeproof_beacon::hexfmt::parse(v.as_str().expect("hex string")).expect("hex")
}

fn validator_of(v: &Value) -> Validator {
    Validator {
        pubkey: bytes_of(&v["pubkey"]).try_into().expect("48"),
        withdrawal_credentials: bytes_of(&v["withdrawal_credentials"])
            .try_into()
            .expect("32"),
        effective_balance: u64_of(&v["effective_balance"]),
        slashed: v["slashed"].as_bool().expect("bool"),
        activation_eligibility_epoch: u64_of(&v["activation_eligibility_epoch"]),
        activation_epoch: u64_of(&v["activation_epoch"]),
        exit_epoch: u64_of(&v["exit_epoch"]),
        withdrawable_epoch: u64_of(&v["withdrawable_epoch"]),
    }
}

fn header_of(v: &Value) -> BeaconBlockHeader {
    BeaconBlockHeader {
        slot: u64_of(&v["slot"]),
        proposer_index: u64_of(&v["proposer_index"]),
        parent_root: bytes_of(&v["parent_root"]).try_into().expect("32"),
        state_root: bytes_of(&v["state_root"]).try_into().expect("32"),
        body_root: bytes_of(&v["body_root"]).try_into().expect("32"),
    }
}

/// An independent `Validator` for the cross-check with `ssz_rs`.
#[derive(Default, Debug, SimpleSerialize)]
struct RefValidator {
    pubkey: ssz_rs::Vector<u8, 48>,
    withdrawal_credentials: ssz_rs::Vector<u8, 32>,
    effective_balance: u64,
    slashed: bool,
    activation_eligibility_epoch: u64,
    activation_epoch: u64,
    exit_epoch: u64,
    withdrawable_epoch: u64,
}

/// An independent `BeaconBlockHeader` for the cross-check with `ssz_rs`.
#[derive(Default, Debug, SimpleSerialize)]
struct RefHeader {
    slot: u64,
    proposer_index: u64,
    parent_root: ssz_rs::Vector<u8, 32>,
    state_root: ssz_rs::Vector<u8, 32>,
    body_root: ssz_rs::Vector<u8, 32>,
}

fn ssz_rs_root<T: SimpleSerialize>(bytes: &[u8]) -> [u8; 32] {
    let mut v = T::deserialize(bytes).expect("ssz_rs decodes the vector");
    v.hash_tree_root()
        .expect("root")
        .as_ref()
        .try_into()
        .expect("32")
}

fn check_state(fork: Fork, ssz: Vec<u8>, value: &Value, root: [u8; 32]) {
    let state = BeaconState::decode(ssz.clone(), fork, &Preset::minimal())
        .unwrap_or_else(|e| panic!("{fork}: {e}"));
    assert_eq!(state.hash_tree_root(), root, "{fork} state root");
    assert_eq!(state.slot(), u64_of(&value["slot"]), "{fork} slot");
    assert_eq!(state.genesis_time(), u64_of(&value["genesis_time"]));
    assert_eq!(
        state.latest_block_header(),
        header_of(&value["latest_block_header"])
    );
    assert_eq!(
        state.fork_version().to_vec(),
        bytes_of(&value["fork"]["current_version"])
    );
    let vals: Vec<Validator> = value["validators"]
        .as_sequence()
        .expect("validators")
        .iter()
        .map(validator_of)
        .collect();
    assert_eq!(
        state.validators().collect::<Vec<_>>(),
        vals,
        "{fork} validators"
    );
    let bals: Vec<u64> = value["balances"]
        .as_sequence()
        .expect("balances")
        .iter()
        .map(u64_of)
        .collect();
    assert_eq!(
        state.balances().collect::<Vec<_>>(),
        bals,
        "{fork} balances"
    );
    // Field roots from the generic codec and the fast list trees agree.
    let f = state.field_roots();
    let vi = state.field_index("validators").unwrap();
    let bi = state.field_index("balances").unwrap();
    assert_eq!(f[vi], state.validators_tree().root());
    assert_eq!(f[bi], state.balances_tree().root());
    // Field gindices are derived from the layout: 43/44 up to Deneb, 75/76 from Electra.
    let (gv, gb) = if fork >= Fork::Electra {
        (75, 76)
    } else {
        (43, 44)
    };
    assert_eq!(state.field_gindex("validators").unwrap(), gv);
    assert_eq!(state.field_gindex("balances").unwrap(), gb);
    // Without a fork hint, exactly this layout is recognised (structurally: these random
    // states are not consistent, so the reporting path `decode_any` refuses them).
    let minimal = NetworkConfig::for_preset("minimal").unwrap();
    let any = BeaconState::decode_any_structural(ssz.clone(), &minimal).expect("layout detection");
    assert_eq!(any.fork(), fork);
    // Every other layout refuses these bytes with an error that names the fork.
    for other in Fork::ALL.into_iter().filter(|f| *f != fork) {
        match BeaconState::decode(ssz.clone(), other, &Preset::minimal()) {
            Err(e @ StateError::Decode { .. }) => {
                assert!(e.to_string().contains(other.name()), "{e}")
            }
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("{fork} bytes decoded as {other}"),
        }
    }
    // And the mainnet preset's layout does not fit a minimal state.
    assert!(BeaconState::decode(ssz, fork, &Preset::mainnet()).is_err());
}

#[test]
fn every_ssz_static_vector() {
    let root = data_dir().join("consensus-spec-tests/tests");
    let mut expected = BTreeSet::new();
    all_files(&root, &mut expected);
    let mut r = Reader {
        read: BTreeSet::new(),
    };
    let mut cases = 0;
    for case in expected
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "roots.yaml"))
        .map(|p| p.parent().expect("case dir").to_path_buf())
        .collect::<Vec<_>>()
    {
        let rel = case.strip_prefix(&root).expect("under root");
        let parts: Vec<&str> = rel.iter().map(|s| s.to_str().expect("utf8")).collect();
        // minimal/<fork>/ssz_static/<Type>/ssz_random/<case>
        assert_eq!(parts[0], "minimal", "{}", rel.display());
        let fork: Fork = parts[1].parse().expect("known fork");
        let ty = parts[3];
        let roots = r.yaml(&case.join("roots.yaml"));
        let want = h32(roots["root"].as_str().expect("root"));
        let value = r.yaml(&case.join("value.yaml"));
        let ssz = r.bytes(&case.join("serialized.derived.ssz"));
        match ty {
            "BeaconState" => check_state(fork, ssz, &value, want),
            "Validator" => {
                let v = Validator::from_ssz(&ssz);
                assert_eq!(v, validator_of(&value));
                assert_eq!(v.to_ssz().to_vec(), ssz);
                assert_eq!(v.hash_tree_root(), want);
                assert_eq!(
                    stakeproof_beacon::beacon::validator_root_from_ssz(&ssz),
                    want
                );
                assert_eq!(ssz_rs_root::<RefValidator>(&ssz), want, "ssz_rs agrees");
            }
            "BeaconBlockHeader" => {
                let h = BeaconBlockHeader::from_ssz(&ssz);
                assert_eq!(h, header_of(&value));
                assert_eq!(h.to_ssz().to_vec(), ssz);
                assert_eq!(h.hash_tree_root(), want);
                assert_eq!(ssz_rs_root::<RefHeader>(&ssz), want, "ssz_rs agrees");
            }
            other => panic!("no check for ssz_static type {other} ({})", rel.display()),
        }
        cases += 1;
    }
    assert!(cases >= 5, "expected at least 5 cases, found {cases}");
    let unread: Vec<_> = expected.difference(&r.read).collect();
    assert!(unread.is_empty(), "vector files never read: {unread:?}");
}

fn vector(fork: &str, case: &str) -> Vec<u8> {
    std::fs::read(
        data_dir()
            .join("consensus-spec-tests/tests/minimal")
            .join(fork)
            .join("ssz_static/BeaconState/ssz_random")
            .join(case)
            .join("serialized.derived.ssz"),
    )
    .expect("vector")
}

#[test]
fn truncated_and_corrupt_states_are_refused_with_the_field_named() {
    let ssz = vector("electra", "case_0");
    // Truncated anywhere: a clear error, never a panic.
    for cut in [0, 1, 51, 100, ssz.len() / 2, ssz.len() - 1] {
        let e = BeaconState::decode(ssz[..cut].to_vec(), Fork::Electra, &Preset::minimal())
            .expect_err("truncated state must not decode");
        let msg = e.to_string();
        assert!(
            msg.contains("electra") || matches!(e, StateError::Empty),
            "cut {cut}: {msg}"
        );
    }
    // A slashed flag that is neither 0 nor 1, in validator 2.
    let st = BeaconState::decode(ssz.clone(), Fork::Electra, &Preset::minimal()).unwrap();
    let vals_at = st.validators_ssz().as_ptr() as usize - st.as_ssz().as_ptr() as usize;
    let mut bad = ssz.clone();
    bad[vals_at + 2 * 121 + 88] = 7;
    match BeaconState::decode(bad, Fork::Electra, &Preset::minimal()) {
        Err(StateError::Decode { source, .. }) => {
            assert_eq!(source.path, "BeaconState.validators[2].slashed");
            assert_eq!(source.kind, SszErrorKind::BadBool(7));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // A corrupted offset.
    let mut bad = ssz.clone();
    let off_at = 8 + 32 + 8 + 16 + 112 + 64 * 32 * 2; // historical_roots offset
    bad[off_at + 3] = 0xff;
    let e = BeaconState::decode(bad, Fork::Electra, &Preset::minimal()).unwrap_err();
    assert!(e.to_string().contains("offset"), "{e}");
    // Appended garbage makes the last list's length wrong.
    let mut bad = ssz;
    bad.extend_from_slice(&[1, 2, 3]);
    assert!(BeaconState::decode(bad, Fork::Electra, &Preset::minimal()).is_err());
}

#[test]
fn wrong_fork_is_refused() {
    let ssz = vector("deneb", "case_0");
    let e = BeaconState::decode(ssz.clone(), Fork::Electra, &Preset::minimal()).unwrap_err();
    assert!(
        e.to_string().contains("not a valid electra BeaconState"),
        "{e}"
    );
    // With a config that knows the fork versions, the version check names both forks.
    let version = hex::encode(&ssz[52..56]);
    let cfg = NetworkConfig::from_yaml_str(
        &format!("PRESET_BASE: minimal\nCONFIG_NAME: test\nDENEB_FORK_VERSION: '0x{version}'\n"),
        "inline",
    )
    .unwrap();
    match BeaconState::decode_checked(ssz.clone(), Fork::Electra, &cfg) {
        Err(StateError::WrongFork {
            actual, claimed, ..
        }) => {
            assert_eq!((actual, claimed), (Fork::Deneb, Fork::Electra));
        }
        other => panic!("expected WrongFork, got {other:?}"),
    }
    let st = BeaconState::decode_any_structural(ssz, &cfg).unwrap();
    assert_eq!(st.fork(), Fork::Deneb);
}

#[test]
fn unknown_preset_and_bad_configs() {
    let e = Preset::by_name("mainet").unwrap_err();
    assert!(e.to_string().contains("unknown preset \"mainet\""), "{e}");
    let e = NetworkConfig::from_yaml_str("PRESET_BASE: 'holesky'\n", "x.yaml").unwrap_err();
    assert!(e.to_string().contains("holesky"), "{e}");
    // Gnosis is a built-in preset: its config loads with 16 slots per epoch.
    let g = NetworkConfig::from_yaml_str("PRESET_BASE: 'gnosis'\n", "g.yaml").unwrap();
    assert_eq!(g.preset.slots_per_epoch, 16);
    let e = NetworkConfig::from_yaml_str("CONFIG_NAME: x\n", "x.yaml").unwrap_err();
    assert!(e.to_string().contains("PRESET_BASE"), "{e}");
    let e = NetworkConfig::from_yaml_str("PRESET_BASE: minimal\nSLOTS_PER_EPOCH: -3\n", "x.yaml")
        .unwrap_err();
    assert!(e.to_string().contains("SLOTS_PER_EPOCH"), "{e}");
    // A custom preset: minimal with 16 slots per epoch changes the eth1 vote list limit.
    let c = NetworkConfig::from_yaml_str("PRESET_BASE: minimal\nSLOTS_PER_EPOCH: 16\n", "c.yaml")
        .unwrap();
    assert_eq!(c.preset.slots_per_epoch, 16);
    assert_eq!(c.preset.slots_per_historical_root, 64);
}

#[test]
fn network_config_files_load() {
    for net in ["sepolia", "mainnet"] {
        let c = NetworkConfig::from_yaml_file(
            &data_dir().join("genesis").join(net).join("config.yaml"),
        )
        .unwrap();
        assert_eq!(c.preset.slots_per_epoch, 32, "{net}");
        assert_eq!(
            c.fork_of_version(if net == "sepolia" {
                [0x90, 0, 0, 0x69]
            } else {
                [0, 0, 0, 0]
            }),
            Some(Fork::Phase0),
            "{net}"
        );
    }
}
