//! A schema-driven SSZ codec over byte slices.
//!
//! The BeaconState's shape depends on the fork (its field list) *and* on the preset (vector
//! lengths and list limits: `SLOTS_PER_HISTORICAL_ROOT` is 8192 on mainnet and 64 on minimal).
//! Rather than one Rust type per (fork, preset) pair, a [`Ty`] describes the layout at run time,
//! built from a [`crate::beacon::Preset`] read from configuration. Values stay in their
//! serialized bytes: [`Ty::validate`] checks them strictly (offsets, lengths, limits, booleans,
//! bitfield delimiters) and [`Ty::hash_tree_root`] merkleizes them without materialising a tree
//! of values. Hot lists (validators, balances) have specialised paths elsewhere that are tested
//! against this generic one and against `ssz_rs`.

use crate::hash::{ceil_log2, merkleize, mix_in_length, Node};
use rayon::prelude::*;
use std::fmt;
use std::ops::Range;

/// Bytes per SSZ offset.
pub const OFFSET_BYTES: usize = 4;

/// An SSZ type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Unsigned little-endian integer of this many bytes (1, 2, 4, 8, 16 or 32).
    Uint(usize),
    /// `boolean`: one byte, 0 or 1.
    Bool,
    /// `ByteVector[N]` (also `Bytes4`, `Bytes32`, `Bytes48`, …).
    ByteVector(usize),
    /// `ByteList[N]`: at most N bytes.
    ByteList(usize),
    /// `Bitvector[N]`.
    Bitvector(usize),
    /// `Bitlist[N]`: at most N bits, serialized with a delimiter bit.
    Bitlist(usize),
    /// `Vector[T, N]`.
    Vector(Box<Ty>, usize),
    /// `List[T, N]`.
    List(Box<Ty>, usize),
    /// A container: named, ordered fields.
    Container(Container),
}

/// A container type: its name and its ordered fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// Type name, used in error messages.
    pub name: &'static str,
    /// Fields in serialization order.
    pub fields: Vec<(&'static str, Ty)>,
}

impl Container {
    /// Position of a field by name.
    pub fn index_of(&self, field: &str) -> Option<usize> {
        self.fields.iter().position(|(n, _)| *n == field)
    }

    /// Depth of the container's field tree (fields padded to a power of two).
    pub fn depth(&self) -> usize {
        ceil_log2(self.fields.len() as u64)
    }
}

/// Where in a value an error was found, rendered only when an error is reported.
#[derive(Clone, Copy)]
pub enum Path<'a> {
    /// The outermost value.
    Root(&'a str),
    /// A field of a container.
    Field(&'a Path<'a>, &'a str),
    /// An element of a list or vector.
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => write!(f, "{name}"),
            Path::Field(p, name) => write!(f, "{p}.{name}"),
            Path::Index(p, i) => write!(f, "{p}[{i}]"),
        }
    }
}

/// A malformed SSZ value, naming where and what.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("malformed SSZ at {path}: {kind}")]
pub struct SszError {
    /// Path of the offending value, e.g. `BeaconState.validators[3].slashed`.
    pub path: String,
    /// What is wrong.
    pub kind: SszErrorKind,
}

/// The ways SSZ bytes can be malformed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SszErrorKind {
    /// A fixed-size value with the wrong number of bytes.
    #[error("expected {expected} bytes, found {found}")]
    WrongLength {
        /// Bytes the type needs.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// Too few bytes to hold the fixed part of a container or an offset table.
    #[error("truncated: need at least {needed} bytes, found {found}")]
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        found: usize,
    },
    /// An offset that points outside the value, backwards, or not at the end of the fixed part.
    #[error("bad offset {offset}: {why}")]
    BadOffset {
        /// The offset read.
        offset: usize,
        /// Why it is invalid.
        why: &'static str,
    },
    /// A list longer than its limit.
    #[error("{len} elements exceed the limit {limit}")]
    OverLimit {
        /// Elements present.
        len: usize,
        /// The type's limit.
        limit: usize,
    },
    /// A list of fixed-size elements whose byte length is not a multiple of the element size.
    #[error("{len} bytes is not a multiple of the element size {size}")]
    NotMultiple {
        /// Bytes present.
        len: usize,
        /// Element size.
        size: usize,
    },
    /// A boolean byte other than 0 or 1.
    #[error("boolean byte is 0x{0:02x}, not 0x00 or 0x01")]
    BadBool(u8),
    /// A bitlist without its delimiter bit.
    #[error("bitlist has no delimiter bit")]
    NoDelimiter,
    /// A bitvector with bits set past its length.
    #[error("bits set beyond the bitvector's length {0}")]
    BitvectorPadding(usize),
}

fn err(path: &Path<'_>, kind: SszErrorKind) -> SszError {
    SszError {
        path: path.to_string(),
        kind,
    }
}

/// Minimum elements per rayon task when hashing lists of composite values.
const PAR_MIN_ELEMENTS: usize = 1 << 10;

impl Ty {
    /// `uint64`.
    pub const U64: Ty = Ty::Uint(8);
    /// `Bytes32` / `Root`.
    pub const B32: Ty = Ty::ByteVector(32);

    /// `List[elem, limit]`.
    pub fn list(elem: Ty, limit: usize) -> Ty {
        Ty::List(Box::new(elem), limit)
    }

    /// `Vector[elem, n]`.
    pub fn vector(elem: Ty, n: usize) -> Ty {
        Ty::Vector(Box::new(elem), n)
    }

    /// A container from its name and fields.
    pub fn container(name: &'static str, fields: Vec<(&'static str, Ty)>) -> Ty {
        Ty::Container(Container { name, fields })
    }

    /// Serialized size if the type is fixed-size, `None` if variable-size. Sizes saturate at
    /// `usize::MAX` (a layout from an unvalidated preset): no value is that long, so such a
    /// layout refuses every input as truncated instead of wrapping.
    pub fn fixed_size(&self) -> Option<usize> {
        match self {
            Ty::Uint(n) => Some(*n),
            Ty::Bool => Some(1),
            Ty::ByteVector(n) => Some(*n),
            Ty::Bitvector(n) => Some(n.div_ceil(8)),
            Ty::ByteList(_) | Ty::Bitlist(_) | Ty::List(..) => None,
            Ty::Vector(e, n) => e.fixed_size().map(|s| s.saturating_mul(*n)),
            Ty::Container(c) => c.fields.iter().try_fold(0usize, |acc, (_, t)| {
                Some(acc.saturating_add(t.fixed_size()?))
            }),
        }
    }

    /// Bytes this type takes in the fixed part of an enclosing container.
    fn fixed_part_size(&self) -> usize {
        self.fixed_size().unwrap_or(OFFSET_BYTES)
    }

    /// True for `uintN` and `boolean`, which are packed into chunks.
    pub fn is_basic(&self) -> bool {
        matches!(self, Ty::Uint(_) | Ty::Bool)
    }

    /// Checks that `bytes` is a well-formed serialization of this type.
    pub fn validate(&self, bytes: &[u8], path: &Path<'_>) -> Result<(), SszError> {
        match self {
            Ty::Uint(_) | Ty::ByteVector(_) => expect_len(bytes, self.fixed_part_size(), path),
            Ty::Bool => {
                expect_len(bytes, 1, path)?;
                if bytes[0] > 1 {
                    return Err(err(path, SszErrorKind::BadBool(bytes[0])));
                }
                Ok(())
            }
            Ty::Bitvector(n) => {
                expect_len(bytes, n.div_ceil(8), path)?;
                if n % 8 != 0 && bytes[bytes.len() - 1] >> (n % 8) != 0 {
                    return Err(err(path, SszErrorKind::BitvectorPadding(*n)));
                }
                Ok(())
            }
            Ty::ByteList(limit) => {
                if bytes.len() > *limit {
                    return Err(err(
                        path,
                        SszErrorKind::OverLimit {
                            len: bytes.len(),
                            limit: *limit,
                        },
                    ));
                }
                Ok(())
            }
            Ty::Bitlist(limit) => {
                let bits =
                    bitlist_len(bytes).ok_or_else(|| err(path, SszErrorKind::NoDelimiter))?;
                if bits > *limit {
                    return Err(err(
                        path,
                        SszErrorKind::OverLimit {
                            len: bits,
                            limit: *limit,
                        },
                    ));
                }
                Ok(())
            }
            Ty::Vector(elem, n) => {
                let ranges = self.elements(bytes, path)?;
                if ranges.len() != *n {
                    return Err(err(
                        path,
                        SszErrorKind::WrongLength {
                            expected: *n,
                            found: ranges.len(),
                        },
                    ));
                }
                validate_elements(elem, bytes, &ranges, path)
            }
            Ty::List(elem, _) => {
                let ranges = self.elements(bytes, path)?;
                validate_elements(elem, bytes, &ranges, path)
            }
            Ty::Container(c) => {
                let ranges = self.fields(bytes, path)?;
                for ((name, ty), r) in c.fields.iter().zip(ranges) {
                    ty.validate(&bytes[r], &Path::Field(path, name))?;
                }
                Ok(())
            }
        }
    }

    /// Splits a container's bytes into the byte range of each field (checking the offsets, not
    /// the fields' contents).
    pub fn fields(&self, bytes: &[u8], path: &Path<'_>) -> Result<Vec<Range<usize>>, SszError> {
        let Ty::Container(c) = self else {
            panic!("fields() called on non-container {self:?}");
        };
        let fixed = c.fields.iter().fold(0usize, |acc, (_, t)| {
            acc.saturating_add(t.fixed_part_size())
        });
        if bytes.len() < fixed {
            return Err(err(
                path,
                SszErrorKind::Truncated {
                    needed: fixed,
                    found: bytes.len(),
                },
            ));
        }
        let mut ranges = Vec::with_capacity(c.fields.len());
        // (field index, offset) of variable-size fields, in order.
        let mut variable: Vec<(usize, usize)> = Vec::new();
        let mut pos = 0;
        for (i, (_, ty)) in c.fields.iter().enumerate() {
            match ty.fixed_size() {
                Some(s) => {
                    ranges.push(pos..pos + s);
                    pos += s;
                }
                None => {
                    let off = read_offset(&bytes[pos..]);
                    variable.push((i, off));
                    ranges.push(0..0);
                    pos += OFFSET_BYTES;
                }
            }
        }
        if variable.is_empty() {
            if bytes.len() != fixed {
                return Err(err(
                    path,
                    SszErrorKind::WrongLength {
                        expected: fixed,
                        found: bytes.len(),
                    },
                ));
            }
            return Ok(ranges);
        }
        check_offsets(variable.iter().map(|&(_, o)| o), fixed, bytes.len(), path)?;
        for (k, &(i, off)) in variable.iter().enumerate() {
            let end = variable.get(k + 1).map_or(bytes.len(), |&(_, o)| o);
            ranges[i] = off..end;
        }
        Ok(ranges)
    }

    /// Splits a vector's or list's bytes into the byte range of each element, checking the
    /// list limit and, for variable-size elements, the offset table.
    pub fn elements(&self, bytes: &[u8], path: &Path<'_>) -> Result<Vec<Range<usize>>, SszError> {
        let (elem, limit) = match self {
            Ty::Vector(e, n) => (e, *n),
            Ty::List(e, n) => (e, *n),
            _ => panic!("elements() called on {self:?}"),
        };
        let ranges: Vec<Range<usize>> = match elem.fixed_size() {
            // Zero-sized elements (only from an unvalidated preset): no byte count is a count.
            Some(0) if bytes.is_empty() => Vec::new(),
            Some(0) => {
                return Err(err(
                    path,
                    SszErrorKind::NotMultiple {
                        len: bytes.len(),
                        size: 0,
                    },
                ))
            }
            Some(size) => {
                if bytes.len() % size != 0 {
                    return Err(err(
                        path,
                        SszErrorKind::NotMultiple {
                            len: bytes.len(),
                            size,
                        },
                    ));
                }
                let n = bytes.len() / size;
                if n > limit {
                    return Err(err(path, SszErrorKind::OverLimit { len: n, limit }));
                }
                (0..n).map(|i| i * size..(i + 1) * size).collect()
            }
            None => {
                if bytes.is_empty() {
                    return Ok(Vec::new());
                }
                if bytes.len() < OFFSET_BYTES {
                    return Err(err(
                        path,
                        SszErrorKind::Truncated {
                            needed: OFFSET_BYTES,
                            found: bytes.len(),
                        },
                    ));
                }
                let first = read_offset(bytes);
                if first % OFFSET_BYTES != 0 || first == 0 {
                    return Err(err(
                        path,
                        SszErrorKind::BadOffset {
                            offset: first,
                            why: "first offset is not a non-zero multiple of 4",
                        },
                    ));
                }
                let n = first / OFFSET_BYTES;
                if n > limit {
                    return Err(err(path, SszErrorKind::OverLimit { len: n, limit }));
                }
                if bytes.len() < first {
                    return Err(err(
                        path,
                        SszErrorKind::Truncated {
                            needed: first,
                            found: bytes.len(),
                        },
                    ));
                }
                let offs: Vec<usize> = (0..n).map(|i| read_offset(&bytes[i * 4..])).collect();
                check_offsets(offs.iter().copied(), first, bytes.len(), path)?;
                (0..n)
                    .map(|i| offs[i]..offs.get(i + 1).copied().unwrap_or(bytes.len()))
                    .collect()
            }
        };
        Ok(ranges)
    }

    /// Number of elements of a list/vector value (fixed-size elements only need arithmetic).
    pub fn element_count(&self, bytes: &[u8]) -> usize {
        match self {
            Ty::Vector(_, n) => *n,
            Ty::List(e, _) => match e.fixed_size() {
                Some(s) => bytes.len().checked_div(s).unwrap_or(0),
                None if bytes.is_empty() => 0,
                None => read_offset(bytes) / OFFSET_BYTES,
            },
            _ => panic!("element_count() called on {self:?}"),
        }
    }

    /// Number of 32-byte chunks the type's data tree is padded to (before any length mix-in).
    pub fn chunk_limit(&self) -> usize {
        match self {
            Ty::Uint(_) | Ty::Bool => 1,
            Ty::ByteVector(n) | Ty::ByteList(n) => n.div_ceil(32),
            Ty::Bitvector(n) | Ty::Bitlist(n) => n.div_ceil(256),
            Ty::Vector(e, n) | Ty::List(e, n) => {
                if e.is_basic() {
                    n.saturating_mul(e.fixed_part_size()).div_ceil(32)
                } else {
                    *n
                }
            }
            Ty::Container(c) => c.fields.len(),
        }
    }

    /// Depth of the data tree: `ceil(log2(chunk_limit))`.
    pub fn data_depth(&self) -> usize {
        ceil_log2(self.chunk_limit() as u64)
    }

    /// True for lists, byte lists and bitlists, whose root mixes in a length.
    pub fn has_length(&self) -> bool {
        matches!(self, Ty::List(..) | Ty::ByteList(_) | Ty::Bitlist(_))
    }

    /// `hash_tree_root` of a value. The bytes must have passed [`Ty::validate`].
    pub fn hash_tree_root(&self, bytes: &[u8]) -> Node {
        let depth = self.data_depth();
        match self {
            Ty::Uint(_) | Ty::Bool | Ty::ByteVector(_) | Ty::Bitvector(_) => {
                merkleize(&pack(bytes), depth)
            }
            Ty::ByteList(_) => mix_in_length(&merkleize(&pack(bytes), depth), bytes.len() as u64),
            Ty::Bitlist(_) => {
                let bits = bitlist_len(bytes).expect("validated bitlist");
                let mut data = bytes.to_vec();
                *data.last_mut().expect("validated bitlist") &= !(1u8 << (bits % 8));
                data.truncate(bits.div_ceil(8));
                mix_in_length(&merkleize(&pack(&data), depth), bits as u64)
            }
            Ty::Vector(e, _) | Ty::List(e, _) => {
                let root = if e.is_basic() {
                    merkleize(&pack(bytes), depth)
                } else {
                    let ranges = self
                        .elements(bytes, &Path::Root("value"))
                        .expect("validated list");
                    let roots: Vec<Node> = ranges
                        .par_iter()
                        .with_min_len(PAR_MIN_ELEMENTS)
                        .map(|r| e.hash_tree_root(&bytes[r.clone()]))
                        .collect();
                    merkleize(&roots, depth)
                };
                if self.has_length() {
                    mix_in_length(&root, self.element_count(bytes) as u64)
                } else {
                    root
                }
            }
            Ty::Container(c) => {
                let ranges = self
                    .fields(bytes, &Path::Root(c.name))
                    .expect("validated container");
                let roots: Vec<Node> = c
                    .fields
                    .iter()
                    .zip(ranges)
                    .map(|((_, t), r)| t.hash_tree_root(&bytes[r]))
                    .collect();
                merkleize(&roots, depth)
            }
        }
    }

    /// Serialization of the type's default value (zeros, empty lists).
    pub fn default_bytes(&self) -> Vec<u8> {
        match self {
            Ty::Uint(n) | Ty::ByteVector(n) => vec![0; *n],
            Ty::Bool => vec![0],
            Ty::Bitvector(n) => vec![0; n.div_ceil(8)],
            Ty::ByteList(_) | Ty::List(..) => Vec::new(),
            Ty::Bitlist(_) => vec![1],
            Ty::Vector(e, n) => {
                let parts: Vec<Vec<u8>> = (0..*n).map(|_| e.default_bytes()).collect();
                encode_sequence(e, &parts)
            }
            Ty::Container(c) => {
                let parts: Vec<Vec<u8>> = c.fields.iter().map(|(_, t)| t.default_bytes()).collect();
                encode_container(c, &parts)
            }
        }
    }
}

/// Serializes a container from its fields' serializations (in field order).
pub fn encode_container(c: &Container, parts: &[Vec<u8>]) -> Vec<u8> {
    assert_eq!(c.fields.len(), parts.len(), "one part per field");
    let fixed: usize = c.fields.iter().map(|(_, t)| t.fixed_part_size()).sum();
    let total = fixed
        + c.fields
            .iter()
            .zip(parts)
            .filter(|((_, t), _)| t.fixed_size().is_none())
            .map(|(_, p)| p.len())
            .sum::<usize>();
    let mut out = Vec::with_capacity(total);
    let mut heap = fixed;
    for ((_, t), p) in c.fields.iter().zip(parts) {
        if t.fixed_size().is_some() {
            out.extend_from_slice(p);
        } else {
            out.extend_from_slice(&offset(heap).to_le_bytes());
            heap += p.len();
        }
    }
    for ((_, t), p) in c.fields.iter().zip(parts) {
        if t.fixed_size().is_none() {
            out.extend_from_slice(p);
        }
    }
    out
}

/// Serializes a vector/list body from its elements' serializations.
pub fn encode_sequence(elem: &Ty, parts: &[Vec<u8>]) -> Vec<u8> {
    if elem.fixed_size().is_some() {
        return parts.concat();
    }
    let mut out = Vec::new();
    let mut heap = parts.len() * OFFSET_BYTES;
    for p in parts {
        out.extend_from_slice(&offset(heap).to_le_bytes());
        heap += p.len();
    }
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// An SSZ offset: 32 bits. A value of 4 GiB or more cannot be serialized; stopping here beats
/// writing a wrapped offset that decodes as something else.
fn offset(at: usize) -> u32 {
    u32::try_from(at).expect("SSZ offsets are 32-bit: a value over 4 GiB cannot be serialized")
}

/// Packs bytes into 32-byte chunks, zero-padding the last one.
pub fn pack(bytes: &[u8]) -> Vec<Node> {
    bytes
        .chunks(32)
        .map(|c| {
            let mut n = [0u8; 32];
            n[..c.len()].copy_from_slice(c);
            n
        })
        .collect()
}

fn read_offset(bytes: &[u8]) -> usize {
    u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes")) as usize
}

fn expect_len(bytes: &[u8], expected: usize, path: &Path<'_>) -> Result<(), SszError> {
    if bytes.len() != expected {
        return Err(err(
            path,
            SszErrorKind::WrongLength {
                expected,
                found: bytes.len(),
            },
        ));
    }
    Ok(())
}

/// Offsets must start exactly at `first` (the end of the fixed part), never decrease and stay
/// within `len`.
fn check_offsets(
    offsets: impl Iterator<Item = usize>,
    first: usize,
    len: usize,
    path: &Path<'_>,
) -> Result<(), SszError> {
    let mut prev = None;
    for off in offsets {
        if prev.is_none() && off != first {
            return Err(err(
                path,
                SszErrorKind::BadOffset {
                    offset: off,
                    why: "first offset does not point at the end of the fixed part",
                },
            ));
        }
        if let Some(p) = prev {
            if off < p {
                return Err(err(
                    path,
                    SszErrorKind::BadOffset {
                        offset: off,
                        why: "offsets decrease",
                    },
                ));
            }
        }
        if off > len {
            return Err(err(
                path,
                SszErrorKind::BadOffset {
                    offset: off,
                    why: "points past the end of the value (truncated?)",
                },
            ));
        }
        prev = Some(off);
    }
    Ok(())
}

fn validate_elements(
    elem: &Ty,
    bytes: &[u8],
    ranges: &[Range<usize>],
    path: &Path<'_>,
) -> Result<(), SszError> {
    match elem {
        // Fixed-width integers and byte vectors: the split already checked every length.
        Ty::Uint(_) | Ty::ByteVector(_) => Ok(()),
        _ => ranges
            .iter()
            .enumerate()
            .try_for_each(|(i, r)| elem.validate(&bytes[r.clone()], &Path::Index(path, i))),
    }
}

/// Bit length of a serialized bitlist (position of the delimiter bit), `None` without one.
fn bitlist_len(bytes: &[u8]) -> Option<usize> {
    let last = *bytes.last()?;
    if last == 0 {
        return None;
    }
    Some((bytes.len() - 1) * 8 + (7 - last.leading_zeros() as usize))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssz_rs::prelude::*;

    fn root_of<T: ssz_rs::SimpleSerialize>(mut v: T) -> [u8; 32] {
        let r = v.hash_tree_root().expect("ssz_rs merkleizes");
        r.as_ref().try_into().unwrap()
    }

    #[test]
    fn basic_lists_match_ssz_rs() {
        for n in [0usize, 1, 3, 4, 5, 31, 32, 33, 100] {
            let vals: Vec<u64> = (0..n as u64).map(|i| i * 0x0101_0101 + 7).collect();
            let list = ssz_rs::List::<u64, 1024>::try_from(vals.clone()).unwrap();
            let bytes = ssz_rs::serialize(&list).unwrap();
            let ty = Ty::list(Ty::U64, 1024);
            ty.validate(&bytes, &Path::Root("l")).unwrap();
            assert_eq!(ty.hash_tree_root(&bytes), root_of(list), "n={n}");
        }
    }

    #[test]
    fn bitlists_match_ssz_rs() {
        for n in [0usize, 1, 7, 8, 9, 255, 256, 257, 600] {
            let bits: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
            let bl = ssz_rs::Bitlist::<2048>::try_from(bits.as_slice()).unwrap();
            let bytes = ssz_rs::serialize(&bl).unwrap();
            let ty = Ty::Bitlist(2048);
            ty.validate(&bytes, &Path::Root("b")).unwrap();
            assert_eq!(ty.hash_tree_root(&bytes), root_of(bl), "n={n}");
        }
    }

    #[test]
    fn rejects_malformed() {
        let ty = Ty::container(
            "C",
            vec![("a", Ty::U64), ("b", Ty::list(Ty::U64, 2)), ("c", Ty::Bool)],
        );
        let good = encode_container(
            match &ty {
                Ty::Container(c) => c,
                _ => unreachable!(),
            },
            &[vec![1; 8], vec![2; 16], vec![1]],
        );
        ty.validate(&good, &Path::Root("C")).unwrap();
        let e = ty
            .validate(&good[..good.len() - 3], &Path::Root("C"))
            .unwrap_err();
        assert_eq!(e.path, "C.b");
        let mut bad_bool = good.clone();
        bad_bool[12] = 2;
        let e = ty.validate(&bad_bool, &Path::Root("C")).unwrap_err();
        assert_eq!(e.kind, SszErrorKind::BadBool(2));
        assert_eq!(e.path, "C.c");
        let mut over = good.clone();
        over.extend_from_slice(&[0; 8]);
        let e = ty.validate(&over, &Path::Root("C")).unwrap_err();
        assert!(matches!(
            e.kind,
            SszErrorKind::OverLimit { len: 3, limit: 2 }
        ));
        let mut bad_off = good.clone();
        bad_off[8] = 14;
        let e = ty.validate(&bad_off, &Path::Root("C")).unwrap_err();
        assert!(matches!(e.kind, SszErrorKind::BadOffset { .. }), "{e}");
        let e = ty.validate(&good[..5], &Path::Root("C")).unwrap_err();
        assert!(matches!(e.kind, SszErrorKind::Truncated { .. }));
    }
}
