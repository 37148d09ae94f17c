//! Merkle trees with stored layers, generalized indices, and Merkle proofs.
//!
//! Generalized index (gindex) conventions follow the consensus specs: the root is 1, the
//! children of `g` are `2g` and `2g+1`, and a gindex's depth is `floor(log2(g))`. A proof for
//! gindex `g` holds exactly `depth(g)` sibling nodes, leaf level first.

use crate::hash::{hash_layer, hash_pair, mix_in_length, zero_hash, Node};

/// Depth of a generalized index (`floor(log2 g)`); `g` must be ≥ 1.
pub fn gindex_depth(g: u64) -> usize {
    assert!(g >= 1, "generalized indices start at 1");
    63 - g.leading_zeros() as usize
}

/// The gindex of leaf `index` in a tree of depth `depth`: `2^depth + index`.
pub fn gindex_of(depth: usize, index: u64) -> u64 {
    assert!(
        depth < 64 && index < (1u64 << depth),
        "index {index} outside a depth-{depth} tree"
    );
    (1u64 << depth) | index
}

/// Concatenates gindices along a path: the node `inner` of the subtree rooted at `outer`.
/// `concat(&[a, b, c])` is `c` inside `b` inside `a`.
pub fn concat_gindices(path: &[u64]) -> u64 {
    path.iter().fold(1u64, |acc, &g| {
        let d = gindex_depth(g);
        assert!(
            gindex_depth(acc) + d < 64,
            "concatenated generalized index exceeds 64 bits"
        );
        (acc << d) | (g ^ (1u64 << d))
    })
}

/// A binary Merkle tree of fixed depth over some leaves (missing leaves are zero chunks), with
/// every layer that holds non-trivial nodes stored so that any node or branch is a lookup.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    /// `layers[h]` holds the nodes of height `h` that have at least one real leaf below.
    layers: Vec<Vec<Node>>,
    /// Root of the subtree at position 0 for every height from `layers.len() - 1` to `depth`.
    spine: Vec<Node>,
    depth: usize,
}

impl MerkleTree {
    /// Builds the tree over `leaves`, padded with zero chunks to `2^depth` leaves. Layers of
    /// more than 8192 nodes are hashed in parallel.
    pub fn new(leaves: Vec<Node>, depth: usize) -> Self {
        assert!(
            depth >= 64 || (leaves.len() as u128) <= (1u128 << depth),
            "{} leaves do not fit a depth-{depth} tree",
            leaves.len()
        );
        let mut layers = vec![leaves];
        while layers.last().expect("non-empty").len() > 1 {
            let h = layers.len() - 1;
            let next = hash_layer(&layers[h], h);
            layers.push(next);
        }
        let top = layers.len() - 1;
        let first = layers[top].first().copied().unwrap_or(zero_hash(top));
        let mut spine = vec![first];
        for h in top..depth {
            let below = *spine.last().expect("non-empty");
            spine.push(hash_pair(&below, &zero_hash(h)));
        }
        MerkleTree {
            layers,
            spine,
            depth,
        }
    }

    /// The tree's depth.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Number of real leaves.
    pub fn leaf_count(&self) -> usize {
        self.layers[0].len()
    }

    /// The root.
    pub fn root(&self) -> Node {
        *self.spine.last().expect("non-empty")
    }

    /// The node at height `height` (0 = leaves) and position `index` in that layer.
    pub fn node(&self, height: usize, index: u64) -> Node {
        assert!(height <= self.depth, "height {height} above the root");
        let top = self.layers.len() - 1;
        if height < top {
            self.layers[height]
                .get(index as usize)
                .copied()
                .unwrap_or(zero_hash(height))
        } else if index == 0 {
            self.spine[height - top]
        } else {
            zero_hash(height)
        }
    }

    /// The sibling nodes from the node (`height`, `index`) up to the root: `depth - height`
    /// nodes, lowest first.
    pub fn branch(&self, height: usize, index: u64) -> Vec<Node> {
        assert!(
            self.depth - height >= 64 || index < (1u64 << (self.depth - height)),
            "index {index} outside layer {height} of a depth-{} tree",
            self.depth
        );
        (height..self.depth)
            .map(|h| self.node(h, (index >> (h - height)) ^ 1))
            .collect()
    }
}

/// An SSZ list's tree: the data tree of depth `depth` and the length mix-in above it.
#[derive(Clone, Debug)]
pub struct ListTree {
    /// The data tree.
    pub data: MerkleTree,
    /// The list length.
    pub length: u64,
}

impl ListTree {
    /// Builds the tree of a list of `length` elements whose data chunks are `chunks`.
    pub fn new(chunks: Vec<Node>, depth: usize, length: u64) -> Self {
        ListTree {
            data: MerkleTree::new(chunks, depth),
            length,
        }
    }

    /// The list's `hash_tree_root` (data root mixed with the length).
    pub fn root(&self) -> Node {
        mix_in_length(&self.data.root(), self.length)
    }

    /// The length chunk (the sibling of the data root).
    pub fn length_chunk(&self) -> Node {
        let mut n = [0u8; 32];
        n[..8].copy_from_slice(&self.length.to_le_bytes());
        n
    }

    /// Branch from the node at (`height`, `index`) of the data tree to the list root: the
    /// data-tree siblings followed by the length chunk.
    pub fn branch(&self, height: usize, index: u64) -> Vec<Node> {
        let mut b = self.data.branch(height, index);
        b.push(self.length_chunk());
        b
    }

    /// Gindex of the data-tree node (`height`, `index`) relative to the list root.
    pub fn gindex(&self, height: usize, index: u64) -> u64 {
        concat_gindices(&[2, gindex_of(self.data.depth() - height, index)])
    }
}

/// Why a Merkle proof was rejected.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ProofError {
    /// The branch does not have one sibling per level of the gindex.
    #[error("branch has {found} nodes but generalized index {gindex} needs {expected}")]
    WrongLength {
        /// The gindex.
        gindex: u64,
        /// `depth(gindex)`.
        expected: usize,
        /// Nodes supplied.
        found: usize,
    },
    /// The branch leads to another root.
    #[error(
        "branch leads to root 0x{}, expected 0x{}",
        hex::encode(computed),
        hex::encode(expected)
    )]
    RootMismatch {
        /// The root expected.
        expected: Node,
        /// The root the branch computes.
        computed: Node,
    },
    /// Gindex 0 does not exist.
    #[error("generalized index 0 is not a tree position")]
    ZeroGindex,
}

/// A Merkle proof of one node (`leaf`) at generalized index `gindex` below some root.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MerkleProof {
    /// The proven node.
    #[serde(with = "crate::hex32")]
    pub leaf: Node,
    /// Its generalized index below the root.
    pub gindex: u64,
    /// Sibling nodes, lowest first.
    #[serde(with = "crate::hex32::vec")]
    pub branch: Vec<Node>,
}

impl MerkleProof {
    /// The root this proof leads to.
    pub fn compute_root(&self) -> Result<Node, ProofError> {
        if self.gindex == 0 {
            return Err(ProofError::ZeroGindex);
        }
        let depth = gindex_depth(self.gindex);
        if self.branch.len() != depth {
            return Err(ProofError::WrongLength {
                gindex: self.gindex,
                expected: depth,
                found: self.branch.len(),
            });
        }
        let mut node = self.leaf;
        let mut g = self.gindex;
        for sib in &self.branch {
            node = if g & 1 == 1 {
                hash_pair(sib, &node)
            } else {
                hash_pair(&node, sib)
            };
            g >>= 1;
        }
        Ok(node)
    }

    /// Checks the proof against `root`.
    pub fn verify(&self, root: &Node) -> Result<(), ProofError> {
        let computed = self.compute_root()?;
        if computed != *root {
            return Err(ProofError::RootMismatch {
                expected: *root,
                computed,
            });
        }
        Ok(())
    }

    /// Extends a proof below some node by that node's own proof up to a higher root.
    pub fn then(mut self, outer: &MerkleProof) -> MerkleProof {
        self.gindex = concat_gindices(&[outer.gindex, self.gindex]);
        self.branch.extend_from_slice(&outer.branch);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::merkleize;

    fn leaves(n: usize) -> Vec<Node> {
        (0..n)
            .map(|i| {
                let mut x = [0u8; 32];
                x[..8].copy_from_slice(&(i as u64 * 31 + 1).to_le_bytes());
                x
            })
            .collect()
    }

    #[test]
    fn tree_root_and_branches() {
        for n in [0usize, 1, 2, 3, 5, 8, 9, 33] {
            for depth in [6usize, 10, 40] {
                let l = leaves(n);
                let t = MerkleTree::new(l.clone(), depth);
                assert_eq!(t.root(), merkleize(&l, depth), "n={n} depth={depth}");
                for i in [0u64, 1, n as u64, n as u64 + 1, 63] {
                    let leaf = t.node(0, i);
                    let p = MerkleProof {
                        leaf,
                        gindex: gindex_of(depth, i),
                        branch: t.branch(0, i),
                    };
                    p.verify(&t.root()).unwrap();
                }
                // Subtree nodes at height 2.
                let p = MerkleProof {
                    leaf: t.node(2, 1),
                    gindex: gindex_of(depth - 2, 1),
                    branch: t.branch(2, 1),
                };
                p.verify(&t.root()).unwrap();
            }
        }
    }

    #[test]
    fn gindex_concat() {
        assert_eq!(
            concat_gindices(&[43, 2, gindex_of(40, 5)]),
            86 * (1 << 40) + 5
        );
        assert_eq!(concat_gindices(&[11, 86 << 40]), 726 << 40);
        assert_eq!(gindex_depth(1), 0);
        assert_eq!(gindex_depth(726 << 40), 49);
    }

    #[test]
    fn rejects_wrong_length_and_tamper() {
        let t = MerkleTree::new(leaves(5), 4);
        let mut p = MerkleProof {
            leaf: t.node(0, 3),
            gindex: gindex_of(4, 3),
            branch: t.branch(0, 3),
        };
        p.verify(&t.root()).unwrap();
        p.branch.pop();
        assert!(matches!(
            p.verify(&t.root()),
            Err(ProofError::WrongLength {
                expected: 4,
                found: 3,
                ..
            })
        ));
        p.branch = t.branch(0, 3);
        p.branch[1][0] ^= 1;
        assert!(matches!(
            p.verify(&t.root()),
            Err(ProofError::RootMismatch { .. })
        ));
    }
}
