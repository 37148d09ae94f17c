//! The beacon API client against real HTTP servers on loopback: a `tiny_http` beacon node
//! serving devnet fixtures, told to misbehave per route, and a raw TCP server for bodies cut
//! short (both in `common/fake_node.rs`). Every server binds 127.0.0.1 only and stops when its
//! handle is dropped.

mod common;

use common::fake_node::{
    header_json, header_path, hex0x, network, state_path, Fault, Fixture, TestNode,
    TruncatingServer, HEADERS, STATES,
};
use stakeproof_beacon::api::{ApiError, BeaconClient, BlockId, ClientConfig};
use stakeproof_beacon::beacon::{Fork, StateError};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Slot of the main fixture's block: three slots before the epoch-10 000 boundary (320 000),
/// so that the boundary and the two slots before it are empty.
const SLOT: u64 = 319_997;
/// The epoch whose first slot (320 000) is empty.
const EPOCH: u64 = 10_000;

/// The main fixture.
fn main_fx() -> &'static Fixture {
    static FX: OnceLock<Fixture> = OnceLock::new();
    FX.get_or_init(|| Fixture::build(SLOT, 1))
}

/// Another state at the same slot (different validators, so different roots).
fn other_fx() -> &'static Fixture {
    static FX: OnceLock<Fixture> = OnceLock::new();
    FX.get_or_init(|| Fixture::build(SLOT, 2))
}

/// Files in `<dir>/states`.
fn cache_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("states"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------
// Block selection
// ---------------------------------------------------------------------------------------------

#[test]
fn fetches_and_verifies_the_state_of_a_slot() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    let c = node.client(|_| {});
    let got = c.fetch_state(&BlockId::Slot(SLOT)).expect("fetch");
    assert_eq!(got.header.root, fx.root);
    assert_eq!(got.header.slot, SLOT);
    assert_eq!(got.header.header, fx.header);
    assert!(got.header.canonical);
    assert_eq!(got.fork, Fork::Electra);
    assert_eq!(got.tree.state_root(), fx.state_root());
    assert_eq!(got.tree.block_root(), fx.root);
    assert_eq!(got.state.slot(), SLOT);
    assert_eq!(got.state.validator_count(), 64);
    assert_eq!(got.state.as_ssz(), &fx.ssz[..]);
    assert!(!got.from_cache);
    assert!(got.rejected_cache.is_none());
    assert_eq!(node.requests(&header_path(&SLOT.to_string())), 1);
    assert_eq!(node.requests(&state_path(fx)), 1);
}

#[test]
fn empty_slots_walk_back_to_the_last_block() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    let c = node.client(|_| {});
    // Epoch 10 000 starts at slot 320 000; 320 000, 319 999 and 319 998 are empty.
    assert_eq!(EPOCH * 32, SLOT + 3);
    assert_eq!(
        c.header(&BlockId::Slot(SLOT + 1))
            .expect("404 is not an error"),
        None
    );
    let h = c.resolve(&BlockId::Epoch(EPOCH)).expect("walk back");
    assert_eq!((h.slot, h.root), (SLOT, fx.root));
    for s in SLOT..=SLOT + 3 {
        // One request per slot: a 404 is an answer, never retried.
        let expected = if s == SLOT + 1 { 2 } else { 1 };
        assert_eq!(
            node.requests(&header_path(&s.to_string())),
            expected,
            "slot {s}"
        );
    }
    let got = c.fetch_state(&BlockId::Slot(SLOT + 2)).expect("fetch");
    assert_eq!(got.header.root, fx.root);
    assert_eq!(got.tree.block_root(), fx.root);
}

#[test]
fn walk_back_is_bounded() {
    let node = TestNode::start(&[main_fx()]);
    let c = node.client(|cfg| cfg.max_lookback = 2);
    let err = c
        .block_at_or_before(SLOT + 3)
        .expect_err("block is 3 slots back");
    match &err {
        ApiError::NoBlockInRange {
            slot,
            lowest,
            lookback,
        } => assert_eq!((*slot, *lowest, *lookback), (SLOT + 3, SLOT + 1, 2)),
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("319998"), "{err}");
    assert_eq!(node.requests_under(HEADERS), 3);
    assert_eq!(node.requests(&header_path(&SLOT.to_string())), 0);
    // Near genesis the walk stops at slot 0.
    let err = c.block_at_or_before(1).expect_err("no block");
    assert!(
        matches!(err, ApiError::NoBlockInRange { lowest: 0, .. }),
        "{err}"
    );
}

#[test]
fn head_finalized_and_root() {
    let (a, b) = (main_fx(), other_fx());
    // Move b one slot later so head and finalized differ.
    let mut hb = b.header.clone();
    hb.slot += 1;
    let rb = hb.hash_tree_root();
    let node = TestNode::start(&[a]);
    node.add_block(rb, hb);
    let c = node.client(|_| {});
    assert_eq!(c.resolve(&BlockId::Head).expect("head").root, rb);
    assert_eq!(
        c.resolve(&BlockId::Finalized).expect("finalized").root,
        a.root
    );
    let by_root = c.resolve(&BlockId::Root(a.root)).expect("by root");
    assert_eq!((by_root.slot, by_root.root), (SLOT, a.root));
    assert_eq!(c.header(&BlockId::Root([7; 32])).expect("404"), None);
    let err = c
        .resolve(&BlockId::Root([7; 32]))
        .expect_err("unknown root");
    assert!(matches!(err, ApiError::NotFound { .. }), "{err}");
    assert!(err.to_string().contains(&hex::encode([7u8; 32])), "{err}");
    let got = c.fetch_state(&BlockId::Finalized).expect("fetch finalized");
    assert_eq!(got.tree.block_root(), a.root);
}

#[test]
fn a_slot_query_answered_with_a_later_block_is_refused() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    node.fault(
        &header_path("319990"),
        Fault::Body(header_json(&fx.root, &fx.header).into_bytes()),
    );
    let c = node.client(|_| {});
    let err = c.header(&BlockId::Slot(319_990)).expect_err("later block");
    assert!(matches!(err, ApiError::UnexpectedBlock { .. }), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Retries, timeouts, transport failures
// ---------------------------------------------------------------------------------------------

#[test]
fn transient_500s_are_retried() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    node.fault(
        &state_path(fx),
        Fault::FailTimes {
            status: 500,
            times: 2,
        },
    );
    node.fault(
        &header_path(&SLOT.to_string()),
        Fault::FailTimes {
            status: 503,
            times: 1,
        },
    );
    let c = node.client(|cfg| cfg.retries = 3);
    let got = c
        .fetch_state(&BlockId::Slot(SLOT))
        .expect("succeeds on the third try");
    assert_eq!(got.tree.block_root(), fx.root);
    assert_eq!(node.requests(&state_path(fx)), 3);
    assert_eq!(node.requests(&header_path(&SLOT.to_string())), 2);
}

#[test]
fn persistent_500_fails_after_all_attempts() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    node.fault(
        &state_path(fx),
        Fault::Status(500, "internal error: state unavailable"),
    );
    let c = node.client(|cfg| cfg.retries = 2);
    let err = c.fetch_state(&BlockId::Slot(SLOT)).expect_err("always 500");
    match &err {
        ApiError::Status {
            url,
            status,
            body,
            attempts,
        } => {
            assert_eq!((*status, *attempts), (500, 3));
            assert!(url.ends_with(&state_path(fx)), "{url}");
            assert!(body.contains("state unavailable"), "{body}");
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(node.requests(&state_path(fx)), 3);
    let msg = err.to_string();
    assert!(msg.contains("500") && msg.contains("3 attempt"), "{msg}");
}

#[test]
fn client_errors_and_404_are_not_retried() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    node.fault(&state_path(fx), Fault::Status(400, "bad state id"));
    let c = node.client(|cfg| cfg.retries = 3);
    let err = c.fetch_state(&BlockId::Slot(SLOT)).expect_err("400");
    assert!(
        matches!(&err, ApiError::Status { status: 400, attempts: 1, body, .. } if body.contains("bad state id")),
        "{err}"
    );
    assert_eq!(node.requests(&state_path(fx)), 1);

    // A state the node does not have: 404, once.
    let node = TestNode::start(&[]);
    node.add_block(fx.root, fx.header.clone());
    let c = node.client(|cfg| cfg.retries = 3);
    let err = c.fetch_state(&BlockId::Head).expect_err("no state");
    match &err {
        ApiError::NotFound { what, url } => {
            assert!(what.contains(&hex::encode(fx.state_root())), "{what}");
            assert!(url.ends_with(&state_path(fx)), "{url}");
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(node.requests(&state_path(fx)), 1);
}

#[test]
fn slow_responses_time_out() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    node.fault(&state_path(fx), Fault::Delay(Duration::from_secs(5)));
    let c = node.client(|cfg| {
        cfg.timeout = Duration::from_millis(200);
        cfg.retries = 1;
    });
    let t = Instant::now();
    let err = c.fetch_state_for(fx.info()).expect_err("too slow");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    match &err {
        ApiError::Timeout {
            attempts, timeout, ..
        } => assert_eq!((*attempts, *timeout), (2, Duration::from_millis(200))),
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("2 attempt"), "{err}");
}

#[test]
fn a_body_that_stalls_times_out() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    node.fault(&state_path(fx), Fault::StallBody(Duration::from_secs(5)));
    let c = node.client(|cfg| {
        cfg.timeout = Duration::from_millis(200);
        cfg.retries = 0;
    });
    let t = Instant::now();
    let err = c.fetch_state_for(fx.info()).expect_err("stalls");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(
        matches!(&err, ApiError::Timeout { attempts: 1, detail, .. } if detail.contains("reading the body")),
        "{err}"
    );
}

#[test]
fn a_body_cut_short_is_truncated() {
    let fx = main_fx();
    let server = TruncatingServer::start(fx.ssz.clone());
    let mut cfg = ClientConfig::new(server.url.clone());
    cfg.timeout = Duration::from_millis(500);
    cfg.retries = 1;
    cfg.backoff = Duration::from_millis(10);
    let c = BeaconClient::new(cfg, network());
    let err = c.fetch_state_for(fx.info()).expect_err("truncated");
    match &err {
        ApiError::Truncated {
            expected,
            received,
            attempts,
            ..
        } => {
            assert_eq!(*expected, Some(fx.ssz.len() as u64));
            assert_eq!(*received, (fx.ssz.len() / 2) as u64);
            assert_eq!(*attempts, 2);
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(server.hits.load(Ordering::Relaxed), 2);
}

#[test]
fn connection_refused_is_reported() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut cfg = ClientConfig::new(format!("http://127.0.0.1:{port}"));
    cfg.timeout = Duration::from_millis(300);
    cfg.retries = 2;
    cfg.backoff = Duration::from_millis(10);
    let c = BeaconClient::new(cfg, network());
    let err = c.header(&BlockId::Head).expect_err("nobody listens");
    match &err {
        ApiError::Connect {
            url,
            attempts,
            detail,
        } => {
            assert_eq!(*attempts, 3);
            assert!(url.contains(&port.to_string()), "{url}");
            assert!(!detail.is_empty());
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn a_bad_base_url_is_not_retried() {
    let mut cfg = ClientConfig::new("nonsense://x");
    cfg.backoff = Duration::from_secs(10);
    let c = BeaconClient::new(cfg, network());
    let t = Instant::now();
    let err = c.header(&BlockId::Head).expect_err("bad URL");
    assert!(matches!(err, ApiError::BadUrl { .. }), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5));
}

// ---------------------------------------------------------------------------------------------
// Malformed answers
// ---------------------------------------------------------------------------------------------

#[test]
fn malformed_header_json() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    let c = node.client(|_| {});
    for (body, what) in [
        (&b"<html>oops</html>"[..], "not JSON"),
        (&br#"{"data":{"root":"0x00"}}"#[..], "missing header"),
        (
            &br#"{"data":{"root":"0x12","header":{"message":{"slot":"1","proposer_index":"1","parent_root":"0x12","state_root":"0x12","body_root":"0x12"}}}}"#[..],
            "short roots",
        ),
    ] {
        let path = header_path("head");
        node.data.lock().expect("lock").faults.remove(&path);
        node.fault(&path, Fault::Body(body.to_vec()));
        let err = c.header(&BlockId::Head).expect_err(what);
        assert!(matches!(err, ApiError::Json { .. }), "{what}: {err}");
    }
}

#[test]
fn consensus_version_missing_unknown_or_wrong() {
    let fx = main_fx();
    let cases: [(Option<&str>, &str); 3] = [
        (None, "missing"),
        (Some("capybara"), "unknown"),
        (Some("deneb"), "wrong"),
    ];
    for (version, what) in cases {
        let node = TestNode::start(&[fx]);
        node.fault(&state_path(fx), Fault::Version(version.map(str::to_string)));
        let c = node.client(|_| {});
        let err = c.fetch_state(&BlockId::Slot(SLOT)).expect_err(what);
        match (what, &err) {
            ("missing", ApiError::MissingConsensusVersion { .. }) => {}
            ("unknown", ApiError::UnknownConsensusVersion { value, .. }) => {
                assert_eq!(value, "capybara")
            }
            (
                "wrong",
                ApiError::ForkMismatch {
                    announced, actual, ..
                },
            ) => assert_eq!((*announced, *actual), (Fork::Deneb, Fork::Electra)),
            _ => panic!("{what}: unexpected {err}"),
        }
        // Not a transport problem: asked once.
        assert_eq!(node.requests(&state_path(fx)), 1, "{what}");
    }
}

#[test]
fn a_required_fork_is_enforced() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    let c = node.client(|cfg| cfg.require_fork = Some(Fork::Fulu));
    let err = c
        .fetch_state(&BlockId::Slot(SLOT))
        .expect_err("electra served");
    assert!(
        matches!(
            err,
            ApiError::UnexpectedFork {
                got: Fork::Electra,
                required: Fork::Fulu,
                ..
            }
        ),
        "{err}"
    );
    let c = node.client(|cfg| cfg.require_fork = Some(Fork::Electra));
    assert!(c.fetch_state(&BlockId::Slot(SLOT)).is_ok());
}

#[test]
fn json_instead_of_ssz_is_refused() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    node.fault(&state_path(fx), Fault::ContentType("application/json"));
    node.fault(&state_path(fx), Fault::Body(b"{\"data\":{}}".to_vec()));
    let err = node
        .client(|_| {})
        .fetch_state(&BlockId::Slot(SLOT))
        .expect_err("JSON");
    assert!(
        matches!(err, ApiError::UnexpectedContentType { .. }),
        "{err}"
    );
}

#[test]
fn ssz_that_does_not_decode() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    // A complete HTTP body (right Content-Length) holding half a state.
    node.fault(
        &state_path(fx),
        Fault::Body(fx.ssz[..fx.ssz.len() / 2].to_vec()),
    );
    let err = node
        .client(|_| {})
        .fetch_state(&BlockId::Slot(SLOT))
        .expect_err("half a state");
    assert!(
        matches!(
            err,
            ApiError::State {
                source: StateError::Decode { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_state_of_another_block_is_refused() {
    let (a, b) = (main_fx(), other_fx());
    let node = TestNode::start(&[a]);
    node.fault(&state_path(a), Fault::Body(b.ssz.clone()));
    let dir = tempfile::tempdir().expect("tempdir");
    let c = node.client(|cfg| cfg.cache_dir = Some(dir.path().to_path_buf()));
    let err = c
        .fetch_state(&BlockId::Slot(SLOT))
        .expect_err("wrong state");
    match &err {
        ApiError::StateRootMismatch {
            expected, computed, ..
        } => assert_eq!((*expected, *computed), (a.state_root(), b.state_root())),
        other => panic!("unexpected {other}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(&hex::encode(a.state_root())), "{msg}");
    assert!(msg.contains(&hex::encode(b.state_root())), "{msg}");
    assert!(
        cache_files(dir.path()).is_empty(),
        "a rejected state is not cached"
    );
}

#[test]
fn a_header_root_that_is_not_its_hash_is_refused() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    let mut bad_root = fx.root;
    bad_root[0] ^= 1;
    node.fault(
        &header_path(&SLOT.to_string()),
        Fault::Body(header_json(&bad_root, &fx.header).into_bytes()),
    );
    let err = node
        .client(|_| {})
        .fetch_state(&BlockId::Slot(SLOT))
        .expect_err("bad root");
    match &err {
        ApiError::HeaderRootMismatch {
            claimed, computed, ..
        } => assert_eq!((*claimed, *computed), (bad_root, fx.root)),
        other => panic!("unexpected {other}"),
    }
    assert_eq!(node.requests_under(STATES), 0);
}

#[test]
fn a_header_that_is_not_the_states_block_is_refused() {
    let fx = main_fx();
    // A self-consistent header with the right state root but another body root.
    let mut h = fx.header.clone();
    h.body_root[0] ^= 1;
    let root = h.hash_tree_root();
    let node = TestNode::start(&[]);
    node.add_block(root, h);
    node.add_state(fx.state_root(), fx.ssz.clone());
    let err = node
        .client(|_| {})
        .fetch_state(&BlockId::Slot(SLOT))
        .expect_err("block root mismatch");
    match &err {
        ApiError::BlockRootMismatch {
            expected, computed, ..
        } => assert_eq!((*expected, *computed), (root, fx.root)),
        other => panic!("unexpected {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(&hex::encode(root)) && msg.contains(&hex::encode(fx.root)),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

#[test]
fn a_cached_state_is_downloaded_once() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    let dir = tempfile::tempdir().expect("tempdir");
    let c = node.client(|cfg| cfg.cache_dir = Some(dir.path().to_path_buf()));
    let first = c.fetch_state(&BlockId::Slot(SLOT)).expect("first");
    assert!(!first.from_cache);
    let path = c
        .cache_path(&fx.state_root(), Fork::Electra)
        .expect("cache on");
    assert_eq!(std::fs::read(&path).expect("cached"), fx.ssz);
    assert_eq!(
        cache_files(dir.path()),
        vec![format!("0x{}.electra.ssz", hex::encode(fx.state_root()))],
        "no temporary file left behind"
    );

    let second = c.fetch_state(&BlockId::Epoch(EPOCH)).expect("second");
    assert!(second.from_cache);
    assert_eq!(second.tree.block_root(), fx.root);
    assert_eq!(second.state.as_ssz(), &fx.ssz[..]);
    // A fresh client on the same directory uses it too.
    let third = node
        .client(|cfg| cfg.cache_dir = Some(dir.path().to_path_buf()))
        .fetch_state(&BlockId::Head)
        .expect("third");
    assert!(third.from_cache);
    assert_eq!(
        node.requests_under(STATES),
        1,
        "the state endpoint is hit once"
    );

    // Without a cache every fetch downloads.
    let c = node.client(|_| {});
    assert!(!c.fetch_state(&BlockId::Head).expect("no cache").from_cache);
    assert_eq!(node.requests_under(STATES), 2);
}

#[test]
fn corrupt_or_foreign_cache_files_are_replaced() {
    let (a, b) = (main_fx(), other_fx());
    let mut flipped = a.ssz.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    // The last byte is the top byte of the last inactivity score (the pending lists are
    // empty): the state still decodes, but hashes differently.
    let mut subtle = a.ssz.clone();
    let last = subtle.len() - 1;
    subtle[last] ^= 1;
    let cases: Vec<(&str, Vec<u8>, Fork, &str)> = vec![
        ("flipped byte", flipped, Fork::Electra, ""),
        (
            "subtle change",
            subtle,
            Fork::Electra,
            "state root mismatch",
        ),
        (
            "truncated",
            a.ssz[..a.ssz.len() - 7].to_vec(),
            Fork::Electra,
            "invalid",
        ),
        ("empty", Vec::new(), Fork::Electra, "empty"),
        (
            "foreign state",
            b.ssz.clone(),
            Fork::Electra,
            "state root mismatch",
        ),
        (
            "filed under another fork",
            a.ssz.clone(),
            Fork::Deneb,
            "announced as deneb",
        ),
    ];
    for (what, bytes, fork, reason) in cases {
        let node = TestNode::start(&[a]);
        let dir = tempfile::tempdir().expect("tempdir");
        let c = node.client(|cfg| cfg.cache_dir = Some(dir.path().to_path_buf()));
        let bad = c.cache_path(&a.state_root(), fork).expect("cache on");
        std::fs::create_dir_all(bad.parent().expect("parent")).expect("mkdir");
        std::fs::write(&bad, &bytes).expect("plant");

        let got = c.fetch_state(&BlockId::Slot(SLOT)).expect(what);
        assert!(!got.from_cache, "{what}: never trusted");
        let why = got.rejected_cache.expect("rejection reported");
        assert!(why.contains(&bad.display().to_string()), "{what}: {why}");
        assert!(why.contains(reason), "{what}: {why}");
        assert_eq!(got.tree.block_root(), a.root, "{what}");
        assert_eq!(node.requests_under(STATES), 1, "{what}: refetched");
        if fork != Fork::Electra {
            assert!(!bad.exists(), "{what}: removed");
        }
        let good = c.cache_path(&a.state_root(), Fork::Electra).expect("on");
        assert_eq!(std::fs::read(&good).expect("rewritten"), a.ssz, "{what}");

        let again = c.fetch_state(&BlockId::Slot(SLOT)).expect(what);
        assert!(again.from_cache, "{what}: the new copy is used");
        assert!(again.rejected_cache.is_none());
        assert_eq!(node.requests_under(STATES), 1, "{what}");
    }
}

#[test]
fn a_cache_that_cannot_be_written_is_an_error() {
    let fx = main_fx();
    let node = TestNode::start(&[fx]);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let c = node.client(|cfg| cfg.cache_dir = Some(file.clone()));
    let err = c
        .fetch_state(&BlockId::Slot(SLOT))
        .expect_err("cache is a file");
    match &err {
        ApiError::Cache { path, .. } => assert!(path.starts_with(&file), "{}", path.display()),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn block_ids_parse() {
    let root = main_fx().root;
    assert_eq!("head".parse::<BlockId>(), Ok(BlockId::Head));
    assert_eq!("finalized".parse::<BlockId>(), Ok(BlockId::Finalized));
    assert_eq!("319997".parse::<BlockId>(), Ok(BlockId::Slot(SLOT)));
    assert_eq!("epoch:10000".parse::<BlockId>(), Ok(BlockId::Epoch(EPOCH)));
    assert_eq!(hex0x(&root).parse::<BlockId>(), Ok(BlockId::Root(root)));
    assert!("0xzz".parse::<BlockId>().is_err());
    assert!("tomorrow".parse::<BlockId>().is_err());
}
