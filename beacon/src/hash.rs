//! SHA-256 primitives for SSZ merkleization.
//!
//! Every internal node of an SSZ tree is `sha256(left ‖ right)` over exactly 64 bytes, so its
//! message is one data block followed by one *fixed* padding block. [`hash64`] runs those two
//! compressions straight through `sha2::compress256`, which dispatches to the SHA-NI
//! instructions when the CPU has them, and skips the streaming `Digest` machinery
//! (buffering, length counters, finalisation) that a generic hasher pays per node.

use rayon::prelude::*;
use sha2::digest::generic_array::GenericArray;
use std::sync::OnceLock;

/// A 32-byte SSZ chunk or tree node.
pub type Node = [u8; 32];

/// The SHA-256 initial hash value (FIPS 180-4 §5.3.3).
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The padding block of a 64-byte message: `0x80`, zeros, and the bit length 512 big-endian.
const PAD_64: [u8; 64] = {
    let mut b = [0u8; 64];
    b[0] = 0x80;
    b[62] = 0x02;
    b
};

/// Number of layers for which zero-subtree roots are tabulated (SSZ lists go to depth 40 plus
/// containers on top; 64 covers every tree that fits in a `u64` generalized index).
pub const MAX_DEPTH: usize = 64;

/// Below this many pairs a layer is hashed on the calling thread: rayon's split overhead
/// outweighs the work.
const PAR_THRESHOLD: usize = 1 << 12;

/// SHA-256 of a 64-byte message (two compressions; the second block is the fixed padding).
#[inline]
pub fn hash64(block: &[u8; 64]) -> Node {
    let mut state = IV;
    let blocks = [
        *GenericArray::from_slice(block),
        *GenericArray::from_slice(&PAD_64),
    ];
    sha2::compress256(&mut state, &blocks);
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// `sha256(left ‖ right)`: the parent of two SSZ nodes.
#[inline]
pub fn hash_pair(left: &Node, right: &Node) -> Node {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(left);
    block[32..].copy_from_slice(right);
    hash64(&block)
}

/// SHA-256 of an arbitrary message, through the streaming hasher (used off the hot path).
pub fn sha256(data: &[u8]) -> Node {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

/// One SHA-256 compression of a single block from the IV, for throughput baselines.
#[inline]
pub fn compress_once(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(state, &[*GenericArray::from_slice(block)]);
}

/// `zero_hashes()[d]` is the root of a depth-`d` tree of zero chunks.
pub fn zero_hashes() -> &'static [Node; MAX_DEPTH + 1] {
    static ZERO: OnceLock<[Node; MAX_DEPTH + 1]> = OnceLock::new();
    ZERO.get_or_init(|| {
        let mut z = [[0u8; 32]; MAX_DEPTH + 1];
        for d in 1..=MAX_DEPTH {
            z[d] = hash_pair(&z[d - 1], &z[d - 1]);
        }
        z
    })
}

/// Root of a depth-`depth` all-zero subtree.
#[inline]
pub fn zero_hash(depth: usize) -> Node {
    zero_hashes()[depth]
}

/// Hashes one layer of a tree at height `level` into its parent layer. A missing right sibling
/// (odd-length layer) is the zero subtree of that height. Parallel for large layers.
pub fn hash_layer(layer: &[Node], level: usize) -> Vec<Node> {
    let pad = zero_hash(level);
    let parent = |pair: &[Node]| {
        let right = pair.get(1).unwrap_or(&pad);
        hash_pair(&pair[0], right)
    };
    if layer.len() / 2 >= PAR_THRESHOLD {
        layer.par_chunks(2).map(parent).collect()
    } else {
        layer.chunks(2).map(parent).collect()
    }
}

/// `mix_in_length(root, length)`: the root of an SSZ list.
#[inline]
pub fn mix_in_length(root: &Node, length: u64) -> Node {
    let mut len = [0u8; 32];
    len[..8].copy_from_slice(&length.to_le_bytes());
    hash_pair(root, &len)
}

/// Merkle root of `chunks` padded with zero chunks to `2^depth` leaves (SSZ `merkleize` with a
/// limit). Panics if there are more than `2^depth` chunks; callers check limits first.
pub fn merkleize(chunks: &[Node], depth: usize) -> Node {
    assert!(
        depth >= 64 || (chunks.len() as u128) <= (1u128 << depth),
        "{} chunks do not fit a depth-{depth} tree",
        chunks.len()
    );
    if chunks.is_empty() {
        return zero_hash(depth);
    }
    let mut level = 0;
    let mut layer: Vec<Node> = Vec::new();
    while (if level == 0 {
        chunks.len()
    } else {
        layer.len()
    }) > 1
    {
        layer = hash_layer(if level == 0 { chunks } else { &layer }, level);
        level += 1;
    }
    let mut root = if level == 0 { chunks[0] } else { layer[0] };
    for d in level..depth {
        root = hash_pair(&root, &zero_hash(d));
    }
    root
}

/// Smallest `d` with `2^d ≥ n` (0 for n ≤ 1): the depth of the tree that holds `n` leaves.
#[inline]
pub fn ceil_log2(n: u64) -> usize {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros() as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash64_matches_streaming_sha256() {
        let mut block = [0u8; 64];
        for (i, b) in block.iter_mut().enumerate() {
            *b = (i * 7 + 3) as u8;
        }
        assert_eq!(hash64(&block), sha256(&block));
        assert_eq!(hash64(&[0u8; 64]), sha256(&[0u8; 64]));
    }

    #[test]
    fn zero_hash_table() {
        assert_eq!(zero_hash(0), [0u8; 32]);
        assert_eq!(zero_hash(1), sha256(&[0u8; 64]));
        assert_eq!(
            hex::encode(zero_hash(1)),
            "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b"
        );
    }

    #[test]
    fn ceil_log2_edges() {
        assert_eq!(ceil_log2(0), 0);
        assert_eq!(ceil_log2(1), 0);
        assert_eq!(ceil_log2(2), 1);
        assert_eq!(ceil_log2(3), 2);
        assert_eq!(ceil_log2(4), 2);
        assert_eq!(ceil_log2(5), 3);
        assert_eq!(ceil_log2(1 << 40), 40);
    }
}
