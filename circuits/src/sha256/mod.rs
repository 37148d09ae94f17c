//! SHA-256 of 64-byte SSZ nodes, glued to halo2-base cells.
//!
//! The compression itself runs in `zkevm-hashes`' vanilla SHA-256 circuit (its own ~130
//! columns, 72 rows per 512-bit block). Logic written with halo2-base records each hash here as
//! an [`ShaCall`]: its 16 input words and its two output limbs are halo2-base cells. When the
//! circuit is synthesized ([`crate::util::circuit`]) the vanilla region is assigned from the
//! recorded inputs and every recorded cell is tied to the vanilla circuit's cell by a copy
//! constraint, together with the framing of each 64-byte message (64 data bytes in the first
//! block, padding only in the second).

use crate::gadgets::{compose_be, compose_le, Byte, Chunk};
use crate::Fr;
use halo2_base::gates::RangeChip;
use halo2_base::{AssignedValue, Context};
use sha2::{Digest, Sha256};

/// Blocks per 64-byte message: the data block and the fixed padding block.
pub const BLOCKS_PER_HASH: usize = 2;
/// Rows of the vanilla circuit per block.
pub const ROWS_PER_BLOCK: usize = zkevm_hashes::sha256::vanilla::param::SHA256_NUM_ROWS;

/// One recorded SHA-256 of a 64-byte message.
#[derive(Clone, Debug)]
pub struct ShaCall {
    /// The message (witness values).
    pub input: [u8; 64],
    /// The 16 message words as halo2-base cells: bytes `4j..4j+4` composed little-endian, the
    /// form the vanilla circuit exposes.
    pub words: [AssignedValue<Fr>; 16],
    /// Digest bytes 0..16 as a big-endian integer.
    pub out_hi: AssignedValue<Fr>,
    /// Digest bytes 16..32 as a big-endian integer.
    pub out_lo: AssignedValue<Fr>,
}

/// The SHA-256 calls made by a circuit's logic, in order.
#[derive(Clone, Debug, Default)]
pub struct ShaCalls {
    /// Calls in the order their blocks are laid out.
    pub calls: Vec<ShaCall>,
}

impl ShaCalls {
    /// `sha256(left ‖ right)`: the parent of two SSZ nodes, as range-checked bytes.
    pub fn hash_pair(
        &mut self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        left: &Chunk,
        right: &Chunk,
    ) -> Chunk {
        let mut msg = [left[0]; 64];
        msg[..32].copy_from_slice(left);
        msg[32..].copy_from_slice(right);
        self.hash64(ctx, range, &msg)
    }

    /// SHA-256 of a 64-byte message given as bytes.
    pub fn hash64(
        &mut self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        msg: &[Byte; 64],
    ) -> Chunk {
        let input: [u8; 64] = std::array::from_fn(|i| msg[i].value());
        let words: [AssignedValue<Fr>; 16] =
            std::array::from_fn(|j| compose_le(ctx, range, &msg[4 * j..4 * j + 4]));
        let digest: [u8; 32] = Sha256::digest(input).into();
        let out: Chunk = digest.map(|b| Byte::witness(ctx, range, b));
        let out_hi = compose_be(ctx, range, &out[..16]);
        let out_lo = compose_be(ctx, range, &out[16..]);
        self.calls.push(ShaCall {
            input,
            words,
            out_hi,
            out_lo,
        });
        out
    }

    /// Merkle root of `leaves` (a power of two of them) by pairwise hashing.
    pub fn merkle_root(
        &mut self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        leaves: Vec<Chunk>,
    ) -> Chunk {
        assert!(
            leaves.len().is_power_of_two(),
            "{} leaves is not a power of two",
            leaves.len()
        );
        let mut layer = leaves;
        while layer.len() > 1 {
            layer = layer
                .chunks(2)
                .map(|p| self.hash_pair(ctx, range, &p[0], &p[1]))
                .collect();
        }
        layer[0]
    }

    /// Vanilla-circuit blocks these calls need.
    pub fn blocks(&self) -> usize {
        self.calls.len() * BLOCKS_PER_HASH
    }
}
