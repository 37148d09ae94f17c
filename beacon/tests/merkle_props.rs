//! Property tests of the fast SSZ merkleization (`hash`, `merkle`, `beacon`, `ssz::Ty`) against
//! two independent references: `ssz_rs` 0.9 and a naive recursive Merkle implementation over
//! `sha2::Sha256` written here. Case counts are kept modest (the CI machine has two cores).

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use stakeproof_beacon::beacon::schema;
use stakeproof_beacon::beacon::{
    validator_root_from_ssz, BeaconState, Fork, Preset, StateTree, Validator, FAR_FUTURE_EPOCH,
};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::hash::{
    ceil_log2, compress_once, hash64, hash_pair, merkleize, mix_in_length, zero_hash,
};
use stakeproof_beacon::merkle::{
    concat_gindices, gindex_depth, gindex_of, ListTree, MerkleProof, MerkleTree, ProofError,
};
use stakeproof_beacon::ssz::{Path, Ty};
use std::sync::OnceLock;

type Chunk = [u8; 32];

/// `VALIDATOR_REGISTRY_LIMIT`.
const LIMIT: usize = 1 << 40;
/// Depth of the validators data tree.
const VALIDATORS_DEPTH: usize = 40;
/// Depth of the balances data tree (four balances per chunk).
const BALANCES_DEPTH: usize = 38;

/// List lengths around powers of two.
const BOUNDARY_LENGTHS: [usize; 24] = [
    0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257,
];

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Reference 1: ssz_rs.
// ---------------------------------------------------------------------------------------------

mod reference {
    use ssz_rs::prelude::*;

    /// The consensus `Validator` container, as `ssz_rs` sees it.
    #[derive(Default, Debug, Clone, PartialEq, Eq, SimpleSerialize)]
    pub struct Validator {
        pub pubkey: Vector<u8, 48>,
        pub withdrawal_credentials: Vector<u8, 32>,
        pub effective_balance: u64,
        pub slashed: bool,
        pub activation_eligibility_epoch: u64,
        pub activation_epoch: u64,
        pub exit_epoch: u64,
        pub withdrawable_epoch: u64,
    }

    pub type Validators = List<Validator, { super::LIMIT }>;
    pub type Balances = List<u64, { super::LIMIT }>;

    fn node(r: Node) -> [u8; 32] {
        r.as_ref().try_into().expect("32 bytes")
    }

    pub fn validator(v: &stakeproof_beacon::beacon::Validator) -> Validator {
        Validator {
            pubkey: Vector::try_from(v.pubkey.to_vec()).expect("48 bytes"),
            withdrawal_credentials: Vector::try_from(v.withdrawal_credentials.to_vec())
                .expect("32 bytes"),
            effective_balance: v.effective_balance,
            slashed: v.slashed,
            activation_eligibility_epoch: v.activation_eligibility_epoch,
            activation_epoch: v.activation_epoch,
            exit_epoch: v.exit_epoch,
            withdrawable_epoch: v.withdrawable_epoch,
        }
    }

    pub fn validator_root(v: &stakeproof_beacon::beacon::Validator) -> [u8; 32] {
        node(validator(v).hash_tree_root().expect("ssz_rs merkleizes"))
    }

    pub fn validator_ssz(v: &stakeproof_beacon::beacon::Validator) -> Vec<u8> {
        ssz_rs::serialize(&validator(v)).expect("ssz_rs serializes")
    }

    fn validators(vals: &[stakeproof_beacon::beacon::Validator]) -> Validators {
        Validators::try_from(vals.iter().map(validator).collect::<Vec<_>>()).expect("under limit")
    }

    pub fn validators_root(vals: &[stakeproof_beacon::beacon::Validator]) -> [u8; 32] {
        node(
            validators(vals)
                .hash_tree_root()
                .expect("ssz_rs merkleizes"),
        )
    }

    pub fn validators_ssz(vals: &[stakeproof_beacon::beacon::Validator]) -> Vec<u8> {
        ssz_rs::serialize(&validators(vals)).expect("ssz_rs serializes")
    }

    pub fn balances_root(bals: &[u64]) -> [u8; 32] {
        let mut l = Balances::try_from(bals.to_vec()).expect("under limit");
        node(l.hash_tree_root().expect("ssz_rs merkleizes"))
    }

    /// `ssz_rs`'s own Merkle-branch check (an independent verifier for our proofs).
    pub fn branch_is_valid(
        leaf: &[u8; 32],
        branch: &[[u8; 32]],
        gindex: u64,
        root: &[u8; 32],
    ) -> bool {
        let depth = 63 - gindex.leading_zeros() as usize;
        let index = (gindex - (1u64 << depth)) as usize;
        let n = |b: &[u8; 32]| Node::try_from(&b[..]).expect("32 bytes");
        let branch: Vec<Node> = branch.iter().map(n).collect();
        ssz_rs::is_valid_merkle_branch(&n(leaf), branch.iter(), depth, index, &n(root))
    }
}

// ---------------------------------------------------------------------------------------------
// Reference 2: naive recursive merkleization over sha2::Sha256.
// ---------------------------------------------------------------------------------------------

fn sha(left: &Chunk, right: &Chunk) -> Chunk {
    let mut h = Sha256::new();
    h.update(left);
    h.update(right);
    h.finalize().into()
}

fn naive_zero(depth: usize) -> Chunk {
    let mut z = [0u8; 32];
    for _ in 0..depth {
        z = sha(&z, &z);
    }
    z
}

/// Root of `chunks` padded with zero chunks to `2^depth` leaves, by plain recursion.
fn naive_merkle(chunks: &[Chunk], depth: usize) -> Chunk {
    assert!(depth >= 64 || chunks.len() as u128 <= 1u128 << depth);
    if chunks.is_empty() {
        return naive_zero(depth);
    }
    if depth == 0 {
        return chunks[0];
    }
    let half = if depth > 64 {
        usize::MAX
    } else {
        1usize << (depth - 1)
    };
    let split = chunks.len().min(half);
    sha(
        &naive_merkle(&chunks[..split], depth - 1),
        &naive_merkle(&chunks[split..], depth - 1),
    )
}

fn naive_length_chunk(len: u64) -> Chunk {
    let mut c = [0u8; 32];
    c[..8].copy_from_slice(&len.to_le_bytes());
    c
}

fn naive_pack(bytes: &[u8]) -> Vec<Chunk> {
    bytes
        .chunks(32)
        .map(|c| {
            let mut n = [0u8; 32];
            n[..c.len()].copy_from_slice(c);
            n
        })
        .collect()
}

/// Node (`height`, `index`) of the naive tree over `chunks`.
fn naive_node(chunks: &[Chunk], height: usize, index: u64) -> Chunk {
    let start = (index as u128) << height;
    if start >= chunks.len() as u128 {
        return naive_zero(height);
    }
    let start = start as usize;
    let end = ((index as u128 + 1) << height).min(chunks.len() as u128) as usize;
    naive_merkle(&chunks[start..end], height)
}

fn naive_validator_root(b: &[u8]) -> Chunk {
    assert_eq!(b.len(), 121);
    let mut leaves = vec![naive_merkle(&naive_pack(&b[0..48]), 1)];
    for r in [48..80, 80..88, 88..89, 89..97, 97..105, 105..113, 113..121] {
        leaves.push(naive_pack(&b[r])[0]);
    }
    naive_merkle(&leaves, 3)
}

fn naive_validators_root(vals: &[Validator]) -> Chunk {
    let roots: Vec<Chunk> = vals
        .iter()
        .map(|v| naive_validator_root(&reference::validator_ssz(v)))
        .collect();
    sha(
        &naive_merkle(&roots, VALIDATORS_DEPTH),
        &naive_length_chunk(vals.len() as u64),
    )
}

fn naive_balances_root(bals: &[u64]) -> Chunk {
    let bytes: Vec<u8> = bals.iter().flat_map(|b| b.to_le_bytes()).collect();
    sha(
        &naive_merkle(&naive_pack(&bytes), BALANCES_DEPTH),
        &naive_length_chunk(bals.len() as u64),
    )
}

// ---------------------------------------------------------------------------------------------
// Inputs.
// ---------------------------------------------------------------------------------------------

fn epoch_from(rng: &mut ChaCha20Rng) -> u64 {
    match rng.gen_range(0..4) {
        0 => FAR_FUTURE_EPOCH,
        1 => rng.gen(),
        _ => rng.gen_range(0..1_000_000),
    }
}

/// A validator with random (not necessarily consistent) fields, edge values included.
fn random_validator(rng: &mut ChaCha20Rng) -> Validator {
    let mut v = Validator::default();
    rng.fill(&mut v.pubkey[..]);
    rng.fill(&mut v.withdrawal_credentials[..]);
    v.effective_balance = match rng.gen_range(0..3) {
        0 => 32_000_000_000,
        1 => rng.gen(),
        _ => 0,
    };
    v.slashed = rng.gen();
    v.activation_eligibility_epoch = epoch_from(rng);
    v.activation_epoch = epoch_from(rng);
    v.exit_epoch = epoch_from(rng);
    v.withdrawable_epoch = epoch_from(rng);
    v
}

fn random_lists(len: usize, seed: u64) -> (Vec<Validator>, Vec<u64>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let vals = (0..len).map(|_| random_validator(&mut rng)).collect();
    let bals = (0..len)
        .map(|_| match rng.gen_range(0..4) {
            0 => 0,
            1 => rng.gen(),
            _ => 32_000_000_000 + rng.gen_range(0..2_000_000_000),
        })
        .collect();
    (vals, bals)
}

fn arb_epoch() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(FAR_FUTURE_EPOCH),
        Just(0u64),
        0..1_000_000u64,
        any::<u64>()
    ]
}

fn arb_validator() -> impl Strategy<Value = Validator> {
    (
        prop::array::uniform::<_, 48>(any::<u8>()),
        prop::array::uniform::<_, 32>(any::<u8>()),
        any::<u64>(),
        any::<bool>(),
        (arb_epoch(), arb_epoch(), arb_epoch(), arb_epoch()),
    )
        .prop_map(
            |(pubkey, withdrawal_credentials, eb, slashed, (ae, a, e, w))| Validator {
                pubkey,
                withdrawal_credentials,
                effective_balance: eb,
                slashed,
                activation_eligibility_epoch: ae,
                activation_epoch: a,
                exit_epoch: e,
                withdrawable_epoch: w,
            },
        )
}

/// A minimal-preset Deneb state holding the lists, decoded by the library (so the trees below
/// come from the same code path the prover uses: `BeaconState::{validators,balances}_tree`).
fn state_with(vals: &[Validator], bals: &[u64]) -> BeaconState {
    let spec = DevnetSpec {
        fork: Fork::Deneb,
        preset: Preset::minimal(),
        validators: vals.len(),
        ..DevnetSpec::default()
    };
    BeaconState::decode(
        devnet::state_ssz(&spec, vals, bals),
        spec.fork,
        &spec.preset,
    )
    .expect("devnet state decodes")
}

fn validators_ssz(vals: &[Validator]) -> Vec<u8> {
    vals.iter().flat_map(|v| v.to_ssz()).collect()
}

fn balances_ssz(bals: &[u64]) -> Vec<u8> {
    bals.iter().flat_map(|b| b.to_le_bytes()).collect()
}

/// The validators list root through `ListTree` directly (leaves from `validator_root_from_ssz`).
fn fast_validators_tree(vals: &[Validator]) -> ListTree {
    let bytes = validators_ssz(vals);
    let leaves: Vec<Chunk> = bytes
        .chunks_exact(121)
        .map(validator_root_from_ssz)
        .collect();
    ListTree::new(leaves, VALIDATORS_DEPTH, vals.len() as u64)
}

/// Checks every implementation of both list roots against each other; returns the roots.
fn check_lists(vals: &[Validator], bals: &[u64]) -> Result<(Chunk, Chunk), TestCaseError> {
    let state = state_with(vals, bals);
    let vt = state.validators_tree();
    let bt = state.balances_tree();
    let vroot = vt.root();
    let broot = bt.root();
    let n = vals.len();

    prop_assert_eq!(vt.length, n as u64);
    prop_assert_eq!(vt.data.leaf_count(), n);
    prop_assert_eq!(bt.data.leaf_count(), n.div_ceil(4));
    prop_assert_eq!(vt.data.depth(), VALIDATORS_DEPTH);
    prop_assert_eq!(bt.data.depth(), BALANCES_DEPTH);

    // ssz_rs.
    prop_assert_eq!(
        vroot,
        reference::validators_root(vals),
        "validators n={}",
        n
    );
    prop_assert_eq!(broot, reference::balances_root(bals), "balances n={}", n);
    // The library's serialization is the canonical one.
    prop_assert_eq!(state.validators_ssz(), &reference::validators_ssz(vals)[..]);
    // Naive recursion.
    prop_assert_eq!(vroot, naive_validators_root(vals), "validators n={}", n);
    prop_assert_eq!(broot, naive_balances_root(bals), "balances n={}", n);
    // Generic schema-driven path.
    let vty = Ty::list(schema::validator(), LIMIT);
    let bty = Ty::list(Ty::U64, LIMIT);
    vty.validate(state.validators_ssz(), &Path::Root("validators"))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    bty.validate(state.balances_ssz(), &Path::Root("balances"))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(vroot, vty.hash_tree_root(state.validators_ssz()));
    prop_assert_eq!(broot, bty.hash_tree_root(state.balances_ssz()));
    // ListTree built by hand from validator_root_from_ssz; merkleize + mix_in_length.
    prop_assert_eq!(vroot, fast_validators_tree(vals).root());
    prop_assert_eq!(vroot, mix_in_length(&vt.data.root(), n as u64));
    let leaves: Vec<Chunk> = vals.iter().map(Validator::hash_tree_root).collect();
    prop_assert_eq!(
        vroot,
        mix_in_length(&merkleize(&leaves, VALIDATORS_DEPTH), n as u64)
    );
    Ok((vroot, broot))
}

// ---------------------------------------------------------------------------------------------
// Primitives.
// ---------------------------------------------------------------------------------------------

#[test]
fn zero_hashes_match_naive() {
    let mut z = [0u8; 32];
    for d in 0..=64 {
        assert_eq!(zero_hash(d), z, "depth {d}");
        assert_eq!(merkleize(&[], d), z, "depth {d}");
        z = sha(&z, &z);
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn hash_primitives_match_sha2(
        a in prop::array::uniform::<_, 32>(any::<u8>()),
        b in prop::array::uniform::<_, 32>(any::<u8>()),
        len in any::<u64>(),
        msg in prop::collection::vec(any::<u8>(), 0..=55),
    ) {
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&a);
        block[32..].copy_from_slice(&b);
        let expect: Chunk = Sha256::digest(block).into();
        prop_assert_eq!(hash64(&block), expect);
        prop_assert_eq!(hash_pair(&a, &b), expect);
        prop_assert_eq!(mix_in_length(&a, len), sha(&a, &naive_length_chunk(len)));

        // compress_once (the bench's raw baseline): one padded block from the IV is SHA-256 of
        // a message of at most 55 bytes.
        let mut padded = [0u8; 64];
        padded[..msg.len()].copy_from_slice(&msg);
        padded[msg.len()] = 0x80;
        padded[56..].copy_from_slice(&(msg.len() as u64 * 8).to_be_bytes());
        let mut state = [
            0x6a09e667u32, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
            0x1f83d9ab, 0x5be0cd19,
        ];
        compress_once(&mut state, &padded);
        let got: Vec<u8> = state.iter().flat_map(|w| w.to_be_bytes()).collect();
        let want: Chunk = Sha256::digest(&msg).into();
        prop_assert_eq!(&got[..], &want[..]);
    }

    #[test]
    fn merkleize_matches_naive(
        n in 0usize..=70,
        extra in prop_oneof![0usize..=8, Just(40usize), Just(64usize)],
        seed in any::<u64>(),
    ) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let chunks: Vec<Chunk> = (0..n).map(|_| rng.gen()).collect();
        let depth = (ceil_log2(n as u64) + extra).min(64);
        prop_assert_eq!(merkleize(&chunks, depth), naive_merkle(&chunks, depth));
    }

    #[test]
    fn gindex_concat_composes(
        d1 in 0usize..=20,
        i1 in any::<u64>(),
        d2 in 0usize..=20,
        i2 in any::<u64>(),
    ) {
        let g1 = gindex_of(d1, i1 & ((1u64 << d1) - 1));
        let g2 = gindex_of(d2, i2 & ((1u64 << d2) - 1));
        let g = concat_gindices(&[g1, g2]);
        prop_assert_eq!(gindex_depth(g), d1 + d2);
        prop_assert_eq!(g >> d2, g1);
        prop_assert_eq!(g & ((1u64 << d2) - 1), g2 - (1u64 << d2));
        prop_assert_eq!(concat_gindices(&[g1, 1, g2]), g);
    }
}

// ---------------------------------------------------------------------------------------------
// Validator container.
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn validator_root_matches_references(v in arb_validator()) {
        let ssz = v.to_ssz();
        prop_assert_eq!(&ssz[..], &reference::validator_ssz(&v)[..]);
        prop_assert_eq!(Validator::from_ssz(&ssz), v.clone());
        let root = validator_root_from_ssz(&ssz);
        prop_assert_eq!(root, v.hash_tree_root());
        prop_assert_eq!(root, reference::validator_root(&v));
        prop_assert_eq!(root, naive_validator_root(&ssz));
        let ty = schema::validator();
        ty.validate(&ssz, &Path::Root("Validator")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(root, ty.hash_tree_root(&ssz));
        prop_assert_eq!(root, merkleize(&v.leaves(), 3));
    }
}

// ---------------------------------------------------------------------------------------------
// Lists: random lengths, lengths around powers of two, edits, the partial balance chunk.
// ---------------------------------------------------------------------------------------------

#[test]
fn lists_match_references_at_power_of_two_boundaries() {
    for &n in &BOUNDARY_LENGTHS {
        for seed in [1u64, 0xdead_beef] {
            let (vals, bals) = random_lists(n, seed ^ n as u64);
            if let Err(e) = check_lists(&vals, &bals) {
                panic!("n={n} seed={seed}: {e}");
            }
        }
    }
}

/// Roots of lists whose lengths differ at the boundaries are distinct (no length aliasing: the
/// zero-padded tail of a short list never collides with a longer list of default elements).
#[test]
fn boundary_roots_are_distinct() {
    let mut seen = std::collections::HashSet::new();
    for &n in &BOUNDARY_LENGTHS {
        let vals = vec![Validator::default(); n];
        let bals = vec![0u64; n];
        let state = state_with(&vals, &bals);
        assert!(seen.insert(state.validators_tree().root()), "n={n}");
        assert!(seen.insert(state.balances_tree().root()), "n={n}");
        assert_eq!(
            state.validators_tree().root(),
            reference::validators_root(&vals)
        );
        assert_eq!(
            state.balances_tree().root(),
            reference::balances_root(&bals)
        );
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn lists_match_references_random_length(n in 0usize..=300, seed in any::<u64>()) {
        let (vals, bals) = random_lists(n, seed);
        check_lists(&vals, &bals)?;
    }

    #[test]
    fn lists_match_references_boundary_length(
        n in prop::sample::select(BOUNDARY_LENGTHS.to_vec()),
        seed in any::<u64>(),
    ) {
        let (vals, bals) = random_lists(n, seed);
        check_lists(&vals, &bals)?;
    }

    #[test]
    fn validator_edit_changes_root(
        n in 1usize..=130,
        seed in any::<u64>(),
        which in any::<prop::sample::Index>(),
        field in 0usize..8,
        delta in 1u64..,
        byte in 0usize..48,
    ) {
        let (mut vals, bals) = random_lists(n, seed);
        let (before, broot) = check_lists(&vals, &bals)?;
        let i = which.index(n);
        let v = &mut vals[i];
        match field {
            0 => v.pubkey[byte] ^= (delta as u8) | 1,
            1 => v.withdrawal_credentials[byte % 32] ^= (delta as u8) | 1,
            2 => v.effective_balance ^= delta,
            3 => v.slashed = !v.slashed,
            4 => v.activation_eligibility_epoch ^= delta,
            5 => v.activation_epoch ^= delta,
            6 => v.exit_epoch ^= delta,
            _ => v.withdrawable_epoch ^= delta,
        }
        let (after, broot_after) = check_lists(&vals, &bals)?;
        prop_assert_ne!(before, after, "edit of validator {} field {} left the root", i, field);
        prop_assert_eq!(broot, broot_after);
        // Only leaf i changed.
        let t = fast_validators_tree(&vals);
        for j in 0..n as u64 {
            prop_assert_eq!(t.data.node(0, j), vals[j as usize].hash_tree_root());
        }
    }

    #[test]
    fn balance_edit_changes_root(
        n in 1usize..=130,
        seed in any::<u64>(),
        which in any::<prop::sample::Index>(),
        delta in 1u64..,
    ) {
        let (vals, mut bals) = random_lists(n, seed);
        let (vroot, before) = check_lists(&vals, &bals)?;
        let i = which.index(n);
        bals[i] ^= delta;
        let (vroot_after, after) = check_lists(&vals, &bals)?;
        prop_assert_ne!(before, after, "edit of balance {} left the root", i);
        prop_assert_eq!(vroot, vroot_after);
        // The edited balance sits in chunk i/4 at byte offset 8·(i%4).
        let bt = state_with(&vals, &bals).balances_tree();
        let chunk = bt.data.node(0, (i / 4) as u64);
        prop_assert_eq!(&chunk[8 * (i % 4)..8 * (i % 4) + 8], &bals[i].to_le_bytes()[..]);
    }

    /// The last, partial balance chunk (length not a multiple of 4) is zero-padded; appending a
    /// zero balance keeps the data root but changes the list root (the length mix-in).
    #[test]
    fn partial_balance_chunk(k in 0usize..=70, r in 1usize..=3, seed in any::<u64>()) {
        let n = 4 * k + r;
        let (vals, bals) = random_lists(n, seed);
        check_lists(&vals, &bals)?;
        let state = state_with(&vals, &bals);
        let bt = state.balances_tree();
        prop_assert_eq!(bt.data.leaf_count(), k + 1);
        let last = bt.data.node(0, k as u64);
        for j in 0..4 {
            let want = if j < r { bals[4 * k + j].to_le_bytes() } else { [0u8; 8] };
            prop_assert_eq!(&last[8 * j..8 * j + 8], &want[..]);
        }
        let mut padded = bals.clone();
        padded.push(0);
        let bt2 = state_with(&vals, &padded).balances_tree();
        prop_assert_eq!(bt2.data.root(), bt.data.root());
        prop_assert_ne!(bt2.root(), bt.root());
        prop_assert_eq!(bt2.root(), reference::balances_root(&padded));
        // Proof of the last chunk (and of the chunk past it) verify against the list root.
        for c in [k as u64, k as u64 + 1, (1u64 << BALANCES_DEPTH) - 1] {
            let p = MerkleProof { leaf: bt.data.node(0, c), gindex: bt.gindex(0, c), branch: bt.branch(0, c) };
            prop_assert_eq!(p.verify(&bt.root()), Ok(()));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// MerkleTree / ListTree branches.
// ---------------------------------------------------------------------------------------------

/// An index in `0..2^bits`, biased to the interesting places: inside `0..n`, just past `n`, the
/// end of the layer, or anywhere.
fn pick_index(mode: u8, seed: u64, n: u64, bits: usize) -> u64 {
    let size = 1u128 << bits;
    let x = match mode % 4 {
        0 if n > 0 => seed % n,
        1 => n + seed % 3,
        2 => (size - 1).saturating_sub(seed as u128 % 2) as u64,
        _ => (seed as u128 % size) as u64,
    };
    (x as u128 % size) as u64
}

/// Checks a proof verifies (by the library and by ssz_rs) and that tampering is rejected.
fn check_proof(p: &MerkleProof, root: &Chunk, tamper: u64) -> Result<(), TestCaseError> {
    prop_assert_eq!(p.verify(root), Ok(()));
    prop_assert!(reference::branch_is_valid(
        &p.leaf, &p.branch, p.gindex, root
    ));
    prop_assert_eq!(p.branch.len(), gindex_depth(p.gindex));
    if p.branch.is_empty() {
        return Ok(());
    }
    let at = (tamper % p.branch.len() as u64) as usize;
    let byte = ((tamper >> 16) % 32) as usize;
    let mut flipped = p.clone();
    flipped.branch[at][byte] ^= 1 << ((tamper >> 32) % 8);
    prop_assert!(
        matches!(flipped.verify(root), Err(ProofError::RootMismatch { .. })),
        "flipped sibling {} accepted",
        at
    );
    prop_assert!(!reference::branch_is_valid(
        &flipped.leaf,
        &flipped.branch,
        flipped.gindex,
        root
    ));
    let mut wrong_leaf = p.clone();
    wrong_leaf.leaf[byte] ^= 0x80;
    prop_assert!(
        matches!(
            wrong_leaf.verify(root),
            Err(ProofError::RootMismatch { .. })
        ),
        "wrong leaf accepted"
    );
    let mut short = p.clone();
    short.branch.remove(at);
    prop_assert_eq!(
        short.verify(root),
        Err(ProofError::WrongLength {
            gindex: p.gindex,
            expected: p.branch.len(),
            found: p.branch.len() - 1
        })
    );
    let mut long = p.clone();
    long.branch.push([0u8; 32]);
    prop_assert!(
        matches!(long.verify(root), Err(ProofError::WrongLength { .. })),
        "long branch accepted"
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn merkle_tree_matches_naive_and_branches_verify(
        n in 0usize..=70,
        extra in prop_oneof![0usize..=6, Just(40usize)],
        seed in any::<u64>(),
        probes in prop::collection::vec((any::<u8>(), any::<u64>(), any::<u8>(), any::<u64>()), 6),
    ) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let chunks: Vec<Chunk> = (0..n).map(|_| rng.gen()).collect();
        let depth = ceil_log2(n as u64) + extra;
        let t = MerkleTree::new(chunks.clone(), depth);
        prop_assert_eq!(t.depth(), depth);
        prop_assert_eq!(t.leaf_count(), n);
        prop_assert_eq!(t.root(), naive_merkle(&chunks, depth));
        prop_assert_eq!(t.node(depth, 0), t.root());
        for (hsel, hseed, mode, iseed) in probes {
            let height = (hsel as usize * 7 + hseed as usize % 5) % (depth + 1);
            let layer_n = if n == 0 { 0 } else { ((n - 1) >> height) as u64 + 1 };
            let index = pick_index(mode, iseed, layer_n, depth - height);
            let node = t.node(height, index);
            prop_assert_eq!(node, naive_node(&chunks, height, index), "h={} i={}", height, index);
            let p = MerkleProof { leaf: node, gindex: gindex_of(depth - height, index), branch: t.branch(height, index) };
            check_proof(&p, &t.root(), hseed)?;
        }
    }

    #[test]
    fn list_tree_branches_verify(
        n in 0usize..=300,
        seed in any::<u64>(),
        probes in prop::collection::vec((0usize..=VALIDATORS_DEPTH, any::<u8>(), any::<u64>()), 6),
    ) {
        let (vals, bals) = random_lists(n, seed);
        let state = state_with(&vals, &bals);
        let vt = state.validators_tree();
        let bt = state.balances_tree();
        let roots: Vec<Chunk> = vals.iter().map(Validator::hash_tree_root).collect();
        let chunks = naive_pack(&balances_ssz(&bals));
        for (list, leaves) in [(&vt, &roots), (&bt, &chunks)] {
            let depth = list.data.depth();
            let root = list.root();
            for &(h, mode, iseed) in &probes {
                let height = h.min(depth);
                let layer_n = if leaves.is_empty() { 0 } else { ((leaves.len() - 1) >> height) as u64 + 1 };
                let index = pick_index(mode, iseed, layer_n, depth - height);
                let leaf = list.data.node(height, index);
                prop_assert_eq!(leaf, naive_node(leaves, height, index));
                let p = MerkleProof { leaf, gindex: list.gindex(height, index), branch: list.branch(height, index) };
                prop_assert_eq!(p.gindex, (2u64 << (depth - height)) | index);
                check_proof(&p, &root, iseed)?;
            }
            let len = MerkleProof { leaf: list.length_chunk(), gindex: 3, branch: vec![list.data.root()] };
            prop_assert_eq!(len.leaf, naive_length_chunk(n as u64));
            check_proof(&len, &root, seed)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Devnet states: several forks and presets, proofs up to the block root.
// ---------------------------------------------------------------------------------------------

const DEVNET_VALIDATORS: usize = 37;

struct Devnet {
    name: String,
    spec: DevnetSpec,
    state: BeaconState,
    tree: StateTree,
}

fn devnets() -> &'static [Devnet] {
    static D: OnceLock<Vec<Devnet>> = OnceLock::new();
    D.get_or_init(|| {
        let mut out = Vec::new();
        for preset in [Preset::mainnet(), Preset::minimal()] {
            for fork in [Fork::Phase0, Fork::Deneb, Fork::Electra, Fork::Fulu] {
                let spec = DevnetSpec {
                    fork,
                    preset: preset.clone(),
                    validators: DEVNET_VALIDATORS,
                    seed: 0x5eed ^ fork as u64,
                    ..DevnetSpec::default()
                };
                let state = devnet::build(&spec).expect("devnet state builds");
                let tree = state.tree().expect("post-block state");
                out.push(Devnet {
                    name: format!("{fork}/{}", preset.name),
                    spec,
                    state,
                    tree,
                });
            }
        }
        out
    })
}

fn balance_chunk(bals: &[u64], chunk: u64) -> Chunk {
    let mut c = [0u8; 32];
    for j in 0..4 {
        if let Some(b) = bals.get(chunk as usize * 4 + j) {
            c[8 * j..8 * j + 8].copy_from_slice(&b.to_le_bytes());
        }
    }
    c
}

/// Every proof kind for a fixed set of indices, verified against the block root; tampering is
/// rejected.
#[test]
fn devnet_state_proofs() {
    let last = (1u64 << 40) - 1;
    for d in devnets() {
        let name = &d.name;
        let (vals, bals) = devnet::validators(&d.spec);
        let s = &d.state;
        let t = &d.tree;
        assert_eq!(s.validator_count(), DEVNET_VALIDATORS as u64, "{name}");
        assert_eq!(s.validators().collect::<Vec<_>>(), vals, "{name}");
        assert_eq!(s.balances().collect::<Vec<_>>(), bals, "{name}");

        // List roots against both references.
        let vroot = s.validators_tree().root();
        let broot = s.balances_tree().root();
        assert_eq!(vroot, reference::validators_root(&vals), "{name}");
        assert_eq!(broot, reference::balances_root(&bals), "{name}");
        assert_eq!(vroot, naive_validators_root(&vals), "{name}");
        assert_eq!(broot, naive_balances_root(&bals), "{name}");
        assert_eq!(t.validators.root(), vroot, "{name}");
        assert_eq!(t.balances.root(), broot, "{name}");

        // State and block roots: the tree's, the generic schema's, the header's.
        let generic = Ty::Container(s.schema().clone()).hash_tree_root(s.as_ssz());
        assert_eq!(t.state_root(), generic, "{name}");
        assert_eq!(s.hash_tree_root(), generic, "{name}");
        assert_eq!(t.header.state_root, generic, "{name}");
        assert_eq!(t.block_root(), t.header.hash_tree_root(), "{name}");
        assert_eq!(s.block_root().unwrap(), t.block_root(), "{name}");
        let block_root = t.block_root();

        let fields_depth: u64 = if d.spec.fork >= Fork::Electra { 6 } else { 5 };
        let vbase = if fields_depth == 6 { 1430u64 } else { 726 };

        let mut proofs: Vec<(String, MerkleProof, Chunk)> = Vec::new();
        for i in [0u64, 1, 17, 35, 36, 37, 38, 63, 64, 1000, last] {
            let leaf = vals
                .get(i as usize)
                .map_or([0u8; 32], Validator::hash_tree_root);
            let p = t.validator_proof(i);
            assert_eq!(p.gindex, vbase * (1 << 40) + i, "{name} validator {i}");
            assert_eq!(p.gindex, t.validator_gindex(i), "{name} validator {i}");
            proofs.push((format!("validator {i}"), p, leaf));
        }
        for i in [0u64, 3, 4, 35, 36, 37, 39, 40, 1000, last] {
            let p = t.balance_proof(i);
            assert_eq!(
                p.gindex,
                (vbase + 2) * (1 << 38) + i / 4,
                "{name} balance {i}"
            );
            proofs.push((format!("balance {i}"), p, balance_chunk(&bals, i / 4)));
        }
        let vleaves: Vec<Chunk> = vals.iter().map(Validator::hash_tree_root).collect();
        let bchunks = naive_pack(&balances_ssz(&bals));
        for (h, i) in [
            (1usize, 0u64),
            (1, 18),
            (2, 9),
            (3, 4),
            (5, 0),
            (5, 1),
            (6, 0),
            (6, 1),
            (10, 0),
            (39, 1),
            (40, 0),
        ] {
            let p = t.validators_subtree_proof(h, i);
            proofs.push((
                format!("validators subtree {h}/{i}"),
                p,
                naive_node(&vleaves, h, i),
            ));
        }
        for (h, i) in [
            (1usize, 0u64),
            (1, 4),
            (2, 2),
            (3, 1),
            (4, 0),
            (37, 1),
            (38, 0),
        ] {
            let p = t.balances_subtree_proof(h, i);
            proofs.push((
                format!("balances subtree {h}/{i}"),
                p,
                naive_node(&bchunks, h, i),
            ));
        }
        let lp = t.validators_length_proof();
        proofs.push((
            "validators length".into(),
            lp,
            naive_length_chunk(DEVNET_VALIDATORS as u64),
        ));
        let blp = t.balances_length_proof();
        proofs.push((
            "balances length".into(),
            blp,
            naive_length_chunk(DEVNET_VALIDATORS as u64),
        ));
        proofs.push(("validators root".into(), t.validators_root_proof(), vroot));
        proofs.push(("balances root".into(), t.balances_root_proof(), broot));

        for (k, (what, p, leaf)) in proofs.iter().enumerate() {
            assert_eq!(p.leaf, *leaf, "{name} {what}: leaf");
            assert_eq!(p.verify(&block_root), Ok(()), "{name} {what}");
            assert!(
                reference::branch_is_valid(&p.leaf, &p.branch, p.gindex, &block_root),
                "{name} {what}"
            );
            // Flip one byte of one sibling (cycling through positions, header part included).
            let at = (k * 7 + 3) % p.branch.len();
            let mut flipped = p.clone();
            flipped.branch[at][k % 32] ^= 0x01;
            assert!(
                matches!(
                    flipped.verify(&block_root),
                    Err(ProofError::RootMismatch { .. })
                ),
                "{name} {what}: flipped sibling {at} accepted"
            );
            // Remove one sibling.
            let mut short = p.clone();
            short.branch.remove(at);
            assert_eq!(
                short.verify(&block_root),
                Err(ProofError::WrongLength {
                    gindex: p.gindex,
                    expected: p.branch.len(),
                    found: p.branch.len() - 1
                }),
                "{name} {what}"
            );
        }
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// Random validator/balance indices (inside and beyond the registry) and subtree heights on
    /// the cached devnet states.
    #[test]
    fn devnet_random_proofs_verify(
        which in any::<prop::sample::Index>(),
        mode in any::<u8>(),
        iseed in any::<u64>(),
        height in 0usize..=8,
        tamper in any::<u64>(),
    ) {
        let d = which.get(devnets());
        let t = &d.tree;
        let root = t.block_root();
        let (vals, bals) = devnet::validators(&d.spec);
        let n = vals.len() as u64;

        let i = pick_index(mode, iseed, n, VALIDATORS_DEPTH);
        let p = t.validator_proof(i);
        prop_assert_eq!(p.leaf, vals.get(i as usize).map_or([0u8; 32], Validator::hash_tree_root));
        check_proof(&p, &root, tamper)?;

        let i = pick_index(mode, iseed, n, VALIDATORS_DEPTH);
        let p = t.balance_proof(i);
        prop_assert_eq!(p.leaf, balance_chunk(&bals, i / 4));
        check_proof(&p, &root, tamper)?;

        let vleaves: Vec<Chunk> = vals.iter().map(Validator::hash_tree_root).collect();
        let idx = pick_index(mode, iseed, (n >> height) + 1, VALIDATORS_DEPTH - height);
        let p = t.validators_subtree_proof(height, idx);
        prop_assert_eq!(p.leaf, naive_node(&vleaves, height, idx));
        check_proof(&p, &root, tamper)?;

        let bchunks = naive_pack(&balances_ssz(&bals));
        let idx = pick_index(mode, iseed, (n.div_ceil(4) >> height) + 1, BALANCES_DEPTH - height);
        let p = t.balances_subtree_proof(height, idx);
        prop_assert_eq!(p.leaf, naive_node(&bchunks, height, idx));
        check_proof(&p, &root, tamper)?;

        check_proof(&t.validators_length_proof(), &root, tamper)?;
    }
}
