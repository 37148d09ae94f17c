//! Every fuzz target gets a short, seeded run over its kept corpus in every test run (the CI
//! budget: `STAKEPROOF_FUZZ_SECONDS`, default 4 s a target). A panic anywhere fails the test
//! with the input that caused it, printed as hex.

use stakeproof_fuzz::{corpus, engine, targets::TARGETS};
use std::time::Duration;

fn budget() -> engine::Budget {
    let secs = std::env::var("STAKEPROOF_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    engine::Budget {
        time: Duration::from_secs(secs),
        max_executions: u64::MAX,
        max_len: 1 << 20,
    }
}

#[test]
fn every_target_has_a_corpus() {
    for t in TARGETS {
        let seeds = corpus::load(t.name).unwrap();
        assert!(!seeds.is_empty(), "fuzz/corpus/{} is empty", t.name);
    }
}

#[test]
fn no_target_panics_within_the_ci_budget() {
    let mut failures = Vec::new();
    for t in TARGETS {
        let seeds = corpus::load(t.name).unwrap();
        let r = engine::run(t.run, &seeds, 0x5eed, budget());
        println!(
            "{}: {} executions in {:.1} s, {} findings",
            t.name,
            r.executions,
            r.seconds,
            r.findings.len()
        );
        assert!(
            r.executions >= seeds.len() as u64,
            "{} did not run its corpus",
            t.name
        );
        for f in r.findings {
            let shown: String = f
                .input
                .iter()
                .take(256)
                .map(|b| format!("{b:02x}"))
                .collect();
            failures.push(format!(
                "{}: {} (input {} bytes: {shown}…)",
                t.name,
                f.message,
                f.input.len()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz findings:\n{}",
        failures.join("\n")
    );
}

#[test]
fn mutations_are_deterministic_for_a_seed() {
    use rand::SeedableRng;
    let base = b"SLOTS_PER_EPOCH: 32\nPRESET_BASE: mainnet\n".to_vec();
    let once = |seed| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut d = base.clone();
        engine::mutate(&mut d, &base, &mut rng, 1024);
        d
    };
    assert_eq!(once(7), once(7));
    assert_ne!(once(7), base);
}

/// The beacon_api corpus is real-shaped: its header bodies parse and its state passes every
/// check of the client, so mutations start from inputs that reach the deepest checks.
#[test]
fn beacon_api_corpus_passes_the_clients_checks() {
    use stakeproof_beacon::api::{self, BeaconClient, ClientConfig, HeaderInfo};
    use stakeproof_beacon::beacon::{BeaconState, Fork, Preset};
    let dir = corpus::root().join("beacon_api");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    for name in ["header-head.json", "header-finalized.json"] {
        let info = api::parse_header(name, &read(name)[1..]).expect(name);
        assert_eq!(info.header.hash_tree_root(), info.root);
    }
    let ssz = read("state-electra-minimal.ssz")[1..].to_vec();
    let tree = BeaconState::decode(ssz.clone(), Fork::Electra, &Preset::minimal())
        .unwrap()
        .tree()
        .unwrap();
    let header = HeaderInfo {
        root: tree.block_root(),
        slot: tree.header.slot,
        canonical: true,
        header: tree.header.clone(),
    };
    let client = BeaconClient::new(
        ClientConfig::new("http://127.0.0.1:9"),
        stakeproof_beacon::devnet::devnet_config(&Preset::minimal()),
    );
    let (fork, ..) = client
        .state_from_response(
            "corpus",
            ssz,
            Some("electra"),
            Some("application/octet-stream"),
            &header,
        )
        .unwrap();
    assert_eq!(fork, Fork::Electra);
}
