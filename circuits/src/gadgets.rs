//! Byte-typed, range-checked values for SSZ chunks, and their compositions into field elements.

use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};

/// A byte in the circuit: a cell constrained to `[0, 256)`. Only constructible through
/// [`Byte::witness`] (range-checked) or [`Byte::zero`] (a constant), so every `Byte` is sound.
#[derive(Clone, Copy, Debug)]
pub struct Byte(AssignedValue<Fr>);

/// A 32-byte SSZ chunk (a leaf or a node of a tree), byte by byte.
pub type Chunk = [Byte; 32];

impl Byte {
    /// Witnesses `b` and range-checks it to 8 bits.
    pub fn witness(ctx: &mut Context<Fr>, range: &RangeChip<Fr>, b: u8) -> Byte {
        let v = ctx.load_witness(Fr::from(b as u64));
        range.range_check(ctx, v, 8);
        Byte(v)
    }

    /// Witnesses a boolean byte (0 or 1), constrained by a bit check.
    pub fn witness_bool(ctx: &mut Context<Fr>, range: &RangeChip<Fr>, b: bool) -> Byte {
        let v = ctx.load_witness(Fr::from(b as u64));
        range.gate().assert_bit(ctx, v);
        Byte(v)
    }

    /// The constant zero byte.
    pub fn zero(ctx: &mut Context<Fr>) -> Byte {
        Byte(ctx.load_zero())
    }

    /// The cell.
    pub fn cell(&self) -> AssignedValue<Fr> {
        self.0
    }

    /// The byte's value (from the witness).
    pub fn value(&self) -> u8 {
        let v = self.0.value();
        v.to_bytes()[0]
    }
}

/// Witnesses `N` bytes, each range-checked.
pub fn witness_bytes<const N: usize>(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    bytes: &[u8; N],
) -> [Byte; N] {
    bytes.map(|b| Byte::witness(ctx, range, b))
}

/// The zero chunk.
pub fn zero_chunk(ctx: &mut Context<Fr>) -> Chunk {
    let z = Byte::zero(ctx);
    [z; 32]
}

/// `Σ bytes[i] · 256^i`: little-endian composition (SSZ integers).
pub fn compose_le(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    bytes: &[Byte],
) -> AssignedValue<Fr> {
    let gate = range.gate();
    let coeffs: Vec<_> = (0..bytes.len())
        .map(|i| Constant(gate.pow_of_two()[8 * i]))
        .collect();
    gate.inner_product(ctx, bytes.iter().map(|b| b.0), coeffs)
}

/// `Σ bytes[i] · 256^(n-1-i)`: big-endian composition (root limbs, credential limbs).
pub fn compose_be(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    bytes: &[Byte],
) -> AssignedValue<Fr> {
    let gate = range.gate();
    let n = bytes.len();
    let coeffs: Vec<_> = (0..n)
        .map(|i| Constant(gate.pow_of_two()[8 * (n - 1 - i)]))
        .collect();
    gate.inner_product(ctx, bytes.iter().map(|b| b.0), coeffs)
}

/// A chunk as two big-endian 128-bit limbs `(hi, lo)`: how roots appear in public inputs.
pub fn chunk_limbs(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    c: &Chunk,
) -> (AssignedValue<Fr>, AssignedValue<Fr>) {
    (
        compose_be(ctx, range, &c[..16]),
        compose_be(ctx, range, &c[16..]),
    )
}

/// The chunk of a little-endian `uint64` (8 bytes, then 24 zero bytes).
pub fn u64_chunk(ctx: &mut Context<Fr>, le: &[Byte; 8]) -> Chunk {
    let mut c = zero_chunk(ctx);
    c[..8].copy_from_slice(le);
    c
}

/// Byte-wise `sel ? a : b` of two chunks (`sel` must be a bit).
pub fn select_chunk(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    a: &Chunk,
    b: &Chunk,
    sel: AssignedValue<Fr>,
) -> Chunk {
    // Selecting between two bytes yields a byte: no new range check is needed.
    std::array::from_fn(|i| Byte(range.gate().select(ctx, a[i].0, b[i].0, sel)))
}

/// Native: a 32-byte node as `(hi, lo)` big-endian 128-bit limbs.
pub fn node_limbs(n: &[u8; 32]) -> (Fr, Fr) {
    let hi = u128::from_be_bytes(n[..16].try_into().expect("16 bytes"));
    let lo = u128::from_be_bytes(n[16..].try_into().expect("16 bytes"));
    (fr_u128(hi), fr_u128(lo))
}

/// Native: the 32-byte node of `(hi, lo)` limbs (the inverse of [`node_limbs`]); `None` when a
/// limb is not below 2^128.
pub fn node_from_limbs(hi: &Fr, lo: &Fr) -> Option<[u8; 32]> {
    let mut n = [0u8; 32];
    n[..16].copy_from_slice(&u128_from_fr(hi)?.to_be_bytes());
    n[16..].copy_from_slice(&u128_from_fr(lo)?.to_be_bytes());
    Some(n)
}

/// A `u128` as a field element.
pub fn fr_u128(x: u128) -> Fr {
    Fr::from((x >> 64) as u64) * Fr::from(1u64 << 32) * Fr::from(1u64 << 32) + Fr::from(x as u64)
}

/// Native: the one decoder of a field element holding an integer (the inverse of
/// [`fr_u128`]); `None` when it is 2^128 or more. Callers decide what that means (an error, a
/// refused artifact, a value shown as a field element); nothing here panics on input.
pub fn u128_from_fr(f: &Fr) -> Option<u128> {
    let b = f.to_bytes();
    let mut lo = [0u8; 16];
    lo.copy_from_slice(&b[..16]);
    b[16..]
        .iter()
        .all(|&z| z == 0)
        .then(|| u128::from_le_bytes(lo))
}

/// Native: [`u128_from_fr`] narrowed to a `u64` (`None` above `u64::MAX`).
pub fn u64_from_fr(f: &Fr) -> Option<u64> {
    u128_from_fr(f).and_then(|v| u64::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_node_codecs_round_trip_and_refuse_wide_values() {
        for x in [0u128, 1, u64::MAX as u128, u64::MAX as u128 + 1, u128::MAX] {
            assert_eq!(u128_from_fr(&fr_u128(x)), Some(x));
        }
        assert_eq!(u128_from_fr(&(fr_u128(u128::MAX) + Fr::one())), None);
        assert_eq!(u128_from_fr(&-Fr::one()), None);
        assert_eq!(u64_from_fr(&fr_u128(u64::MAX as u128 + 1)), None);
        let mut n = [0u8; 32];
        n[0] = 0xab;
        n[31] = 7;
        let (hi, lo) = node_limbs(&n);
        assert_eq!(node_from_limbs(&hi, &lo), Some(n));
        assert_eq!(node_from_limbs(&-Fr::one(), &lo), None);
    }
}
