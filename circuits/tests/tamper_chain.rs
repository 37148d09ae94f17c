//! Soundness of the chain design's nodes (`stakeproof_circuits::chain`): valid children combine
//! to the same statement in both twins, and each tampered combination — a delta left out (the
//! chain does not end at the block's registry), a delta applied twice, an `A` from another
//! state, a range with members skipped, a range proven twice or out of order, ranges of another
//! block, a neutral flag hiding values, a pool swapped — is rejected by the native twin with an
//! error and by the in-circuit nodes under MockProver, whatever output a prover claims.

#[path = "common/mock.rs"]
mod shared;

use shared::gadget_accepts;
use stakeproof_circuits::accounts::{AccNode, AccountsTree};
use stakeproof_circuits::chain::layout::{
    anchor, chain_from_delta_leaf, neutral, sum_at, sum_from_pool_balance_leaf, ChainState,
    CHAIN_LEN, POOL_SUM_LEN,
};
use stakeproof_circuits::chain::{constraints, native};
use stakeproof_circuits::poseidon::Account;
use stakeproof_circuits::Fr;

const K: usize = 14;
const N_B: u64 = 16;

#[derive(Clone, Copy)]
enum Node {
    Chain,
    Sums,
    Final,
}

/// Runs the in-circuit node on `children` (and the pool for the final) and checks the output
/// against `expected` with MockProver.
fn circuit_accepts(node: Node, children: &[Vec<Fr>], pool: &[Fr; 3], expected: &[Fr]) -> bool {
    gadget_accepts(K, children, expected, |ctx, range, cells| match node {
        Node::Chain => constraints::join_chain(ctx, &range.gate, &cells[0], &cells[1]),
        Node::Sums => constraints::join_sums(ctx, range, &cells[0], &cells[1]),
        Node::Final => {
            let p = ctx.assign_witnesses(pool.to_vec());
            constraints::finalize(ctx, &range.gate, &cells[0], &cells[1], &p)
        }
    })
}

fn native_of(node: Node, children: &[Vec<Fr>], pool: &[Fr; 3]) -> Result<Vec<Fr>, String> {
    match node {
        Node::Chain => native::join_chain(&children[0], &children[1]),
        Node::Sums => native::join_sums(&children[0], &children[1]),
        Node::Final => native::finalize(&children[0], &children[1], pool),
    }
    .map_err(|e| e.to_string())
}

/// What a cheating prover would expose: the output with the relations skipped.
fn loose(node: Node, children: &[Vec<Fr>], pool: &[Fr; 3]) -> Vec<Fr> {
    match node {
        Node::Chain => {
            let (a, b) = (&children[0], &children[1]);
            let mut o = a[..9].to_vec();
            o.extend_from_slice(&b[9..]);
            o
        }
        Node::Sums => {
            let (a, b) = (&children[0], &children[1]);
            let mut o = a.clone();
            o[sum_at::END] = b[sum_at::END];
            for i in sum_at::TOTALS..POOL_SUM_LEN {
                o[i] = a[i] + b[i];
            }
            o
        }
        Node::Final => {
            let (ch, s) = (&children[0], &children[1]);
            let mut o = vec![s[6], s[7], s[5]];
            o.extend_from_slice(pool);
            o.push(s[3]);
            o.extend_from_slice(&s[12..]);
            o.push(anchor(pool, &ch[4..9]));
            o.push(anchor(pool, &[s[8], s[9], s[3], s[10], s[11]]));
            o
        }
    }
}

/// Both twins agree: the native output is accepted by the circuit, or both reject.
fn both(node: Node, children: &[Vec<Fr>], pool: &[Fr; 3]) -> Result<Vec<Fr>, String> {
    match native_of(node, children, pool) {
        Ok(out) => {
            assert!(
                circuit_accepts(node, children, pool, &out),
                "native accepts but the circuit rejects"
            );
            Ok(out)
        }
        Err(e) => {
            let out = loose(node, children, pool);
            assert!(
                !circuit_accepts(node, children, pool, &out),
                "native rejects ({e}) but the circuit accepts"
            );
            Err(e)
        }
    }
}

const POOL: [Fr; 3] = [Fr::zero(), Fr::one(), Fr::one()];

fn pool() -> [Fr; 3] {
    [Fr::zero(), Fr::from(0x01_u64 << 56), Fr::from(0xabcdef_u64)]
}

/// A registry of `n` slots where every `step`-th validator is a member, and its chain state
/// with a stand-in `D` (node tests check equalities, not hashes).
fn state(n: u64, step: u64, tag: u8) -> ChainState {
    let accts: Vec<Account> = (0..n)
        .map(|i| Account {
            member: i % step == 0,
            slashed: false,
            activation_epoch: i,
            exit_epoch: u64::MAX,
        })
        .collect();
    ChainState {
        d: [tag; 32],
        l: n,
        a: AccountsTree::new(&accts).root(),
    }
}

fn delta(p: &[Fr; 3], old: &ChainState, new: &ChainState) -> Vec<Fr> {
    let mut leaf = p.to_vec();
    leaf.extend_from_slice(&old.instances());
    leaf.extend_from_slice(&new.instances());
    chain_from_delta_leaf(&leaf)
}

/// A pool-balance sum over `[start, start + N_B)` of the block with registry `st`.
fn sum(st: &ChainState, start: u64, count: u64, block: u64) -> Vec<Fr> {
    let si = st.instances();
    let leaf = vec![
        Fr::from(start),
        Fr::from(st.l),
        Fr::from(10),
        Fr::from(320),
        Fr::from(block),
        Fr::from(block + 1),
        si[0],
        si[1],
        si[3],
        si[4],
        Fr::from(count),
        Fr::from(count * 32_000_000_000),
        Fr::from(count),
        Fr::zero(),
        Fr::zero(),
    ];
    sum_from_pool_balance_leaf(&leaf, N_B)
}

#[test]
fn valid_chains_and_sums_agree() {
    let p = pool();
    let (s0, s1, s2) = (state(40, 3, 1), state(41, 3, 2), state(48, 3, 3));
    let ab = both(Node::Chain, &[delta(&p, &s0, &s1), delta(&p, &s1, &s2)], &p).unwrap();
    assert_eq!(ab, delta(&p, &s0, &s2));
    // Neutral children pass the other through, on either side.
    let n = neutral(CHAIN_LEN);
    assert_eq!(both(Node::Chain, &[n.clone(), ab.clone()], &p).unwrap(), ab);
    assert_eq!(both(Node::Chain, &[ab.clone(), n.clone()], &p).unwrap(), ab);
    assert_eq!(both(Node::Chain, &[n.clone(), n.clone()], &p).unwrap(), n);
    // s2 has 16 members (0, 3, …, 45) in ranges [0,16), [16,32), [32,48): 6 + 5 + 5.
    let sums = both(Node::Sums, &[sum(&s2, 0, 6, 7), sum(&s2, 16, 5, 7)], &p).unwrap();
    let sums = both(Node::Sums, &[sums, sum(&s2, 32, 5, 7)], &p).unwrap();
    let ns = neutral(POOL_SUM_LEN);
    let sums = both(Node::Sums, &[sums, ns.clone()], &p).unwrap();
    assert_eq!(s2.a.count, 16);
    let fin = both(Node::Final, &[ab, sums.clone()], &p).unwrap();
    assert_eq!(fin[12], anchor(&p, &s0.instances()));
    assert_eq!(fin[13], anchor(&p, &s2.instances()));
    // A cold chain publishes anchor 0; a neutral chain keeps the anchor.
    let cold = both(
        Node::Final,
        &[delta(&p, &ChainState::cold(), &s2), sums.clone()],
        &p,
    )
    .unwrap();
    assert_eq!(cold[12], Fr::zero());
    let same = both(Node::Final, &[n, sums], &p).unwrap();
    assert_eq!(same[12], same[13]);
}

#[test]
fn tampered_combinations_are_rejected_by_both() {
    let p = pool();
    let (s0, s1, s2) = (state(40, 3, 1), state(41, 3, 2), state(48, 3, 3));
    let other = state(48, 3, 9); // another registry: same A, another D
    let sums_of = |st: &ChainState, block: u64| -> Vec<Fr> {
        let a = both(
            Node::Sums,
            &[sum(st, 0, 6, block), sum(st, 16, 5, block)],
            &p,
        )
        .unwrap();
        both(Node::Sums, &[a, sum(st, 32, 5, block)], &p).unwrap()
    };
    let full = sums_of(&s2, 7);
    let cases: Vec<(&str, Node, Vec<Vec<Fr>>)> = vec![
        // A changed validator left out of the delta: the chain stops at s1, the block is at s2.
        (
            "delta left out",
            Node::Final,
            vec![delta(&p, &s0, &s1), full.clone()],
        ),
        // The same delta twice: the second's old state is no longer the current one.
        (
            "delta applied twice",
            Node::Chain,
            vec![delta(&p, &s0, &s1), delta(&p, &s0, &s1)],
        ),
        // A_{n-1} from another state: the second delta starts elsewhere.
        (
            "A from another state",
            Node::Chain,
            vec![delta(&p, &s0, &s1), delta(&p, &other, &s2)],
        ),
        // A range with members skipped: Σ count (11) ≠ A.count (16).
        (
            "range skipped",
            Node::Final,
            vec![
                delta(&p, &s0, &s2),
                both(Node::Sums, &[sum(&s2, 0, 6, 7), sum(&s2, 16, 5, 7)], &p).unwrap(),
            ],
        ),
        // The same range twice, and ranges out of order.
        (
            "range twice",
            Node::Sums,
            vec![sum(&s2, 16, 5, 7), sum(&s2, 16, 5, 7)],
        ),
        (
            "ranges out of order",
            Node::Sums,
            vec![sum(&s2, 16, 5, 7), sum(&s2, 0, 6, 7)],
        ),
        // Ranges of two blocks, or of two registries.
        (
            "two blocks",
            Node::Sums,
            vec![sum(&s2, 0, 6, 7), sum(&s2, 16, 5, 8)],
        ),
        (
            "two registries",
            Node::Sums,
            vec![sum(&s2, 0, 6, 7), sum(&other, 16, 5, 7)],
        ),
        // The chain of another pool.
        (
            "another pool",
            Node::Final,
            vec![delta(&POOL, &s0, &s2), full.clone()],
        ),
        // No proven range at all: nothing binds the block root.
        (
            "no range",
            Node::Final,
            vec![delta(&p, &s0, &s2), neutral(POOL_SUM_LEN)],
        ),
    ];
    for (name, node, children) in cases {
        let e = both(node, &children, &p).expect_err(name);
        assert!(!e.is_empty(), "{name}");
    }
    // A flag that is not a bit.
    let mut two = delta(&p, &s0, &s1);
    two[0] = Fr::from(2);
    assert!(both(Node::Chain, &[two, delta(&p, &s1, &s2)], &p).is_err());
}

/// A wrap with its neutral flag set outputs zeros: a prover cannot keep a range's totals (or
/// its position) behind the flag, so a neutral statement adds nothing and takes no range.
#[test]
fn a_neutral_wrap_hides_nothing() {
    let s2 = state(48, 3, 3);
    let leaf: Vec<Fr> = {
        let full = sum(&s2, 16, 5, 7);
        let mut l = vec![full[sum_at::START]];
        l.extend_from_slice(&full[sum_at::SHARED..]);
        l
    };
    let run = |empty: bool, expected: &[Fr]| -> bool {
        gadget_accepts(
            K,
            std::slice::from_ref(&leaf),
            expected,
            |ctx, range, cells| {
                let e = ctx.load_witness(Fr::from(empty as u64));
                constraints::wrap_sum(ctx, &range.gate, &cells[0], N_B, e)
            },
        )
    };
    let real = sum(&s2, 16, 5, 7);
    assert!(run(false, &real));
    assert!(run(true, &neutral(POOL_SUM_LEN)));
    let mut hidden = real.clone();
    hidden[0] = Fr::one();
    assert!(
        !run(true, &hidden),
        "a neutral wrap kept the range's values"
    );
    assert!(
        !run(false, &neutral(POOL_SUM_LEN)),
        "a real range claimed neutral"
    );
    let _ = AccNode::default();
}

/// The aggregation layer dispatches the chain design's node specs to these relations: the
/// statements and outputs of wraps, joins and the final are those of `chain::native`.
#[test]
fn node_specs_dispatch_to_the_chain_relations() {
    use stakeproof_circuits::aggregation::layout::{NodeSpec, NodeWitness, Statement};
    use stakeproof_circuits::aggregation::native::combine_native_with;
    let p = pool();
    let (s0, s2) = (state(40, 3, 1), state(48, 3, 3));
    let spec = |children: Vec<Statement>, finalize: bool| NodeSpec { children, finalize };
    let leaf = delta(&p, &s0, &s2)[1..].to_vec();
    let wrap = spec(
        vec![Statement::DeltaLeaf {
            n: 1,
            updates: 2,
            fresh: false,
        }],
        false,
    );
    assert_eq!(wrap.output().unwrap(), Statement::Chain);
    let w = NodeWitness::default();
    let real = combine_native_with(&wrap, std::slice::from_ref(&leaf), &w).unwrap();
    assert_eq!(real, delta(&p, &s0, &s2));
    let neutral_w = NodeWitness {
        neutral: true,
        pool: None,
    };
    assert_eq!(
        combine_native_with(&wrap, &[leaf], &neutral_w).unwrap(),
        neutral(CHAIN_LEN)
    );
    let sums = {
        let a = native::join_sums(&sum(&s2, 0, 6, 7), &sum(&s2, 16, 5, 7)).unwrap();
        native::join_sums(&a, &sum(&s2, 32, 5, 7)).unwrap()
    };
    let fin = spec(vec![Statement::Chain, Statement::PoolSum], true);
    assert_eq!(fin.output().unwrap(), Statement::FinalChain);
    assert!(
        combine_native_with(&fin, &[real.clone(), sums.clone()], &w).is_err(),
        "the final needs the pool"
    );
    let with_pool = NodeWitness {
        neutral: false,
        pool: Some(p),
    };
    assert_eq!(
        combine_native_with(&fin, &[real.clone(), sums.clone()], &with_pool).unwrap(),
        native::finalize(&real, &sums, &p).unwrap()
    );
    // Not nodes: a final that does not finalize, a chain joined to a sum without finalizing.
    assert!(spec(vec![Statement::Chain, Statement::PoolSum], false)
        .output()
        .is_err());
    assert!(spec(vec![Statement::PoolSum, Statement::Chain], true)
        .output()
        .is_err());
    assert_eq!(
        Statement::FinalChain.describe(&native::finalize(&real, &sums, &p).unwrap())["slot"],
        serde_json::json!(320)
    );
}
