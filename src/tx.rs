//! The pure half of `stakeproof submit`: node quantities parsed into the widths they are signed
//! as, the private key from its hex, fees with checked arithmetic, and the EIP-1559 transaction
//! encoded (RLP) and signed. No I/O here: the command (`src/cmd/submit.rs`) talks to the node,
//! and the fuzz target `submit_tx` drives these functions with arbitrary input.

use k256::ecdsa::{RecoveryId, SigningKey};
use sha3::{Digest, Keccak256};
use stakeproof_beacon::hexfmt::{self, HexError};
use thiserror::Error;

/// One gwei in wei.
pub const GWEI: u128 = 1_000_000_000;

/// What is wrong with a key, a fee or a transaction. Key errors never show the key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TxError {
    /// The key is not 32 bytes.
    #[error(
        "{found} bytes: a private key is exactly 32 bytes (64 hex digits), nothing is padded or cut"
    )]
    KeyLength {
        /// Bytes found.
        found: usize,
    },
    /// The key is not hex (what is wrong, without the key).
    #[error("not hex ({0}): a private key is 64 hex digits")]
    KeyNotHex(String),
    /// Zero, or not below the secp256k1 order.
    #[error("not a secp256k1 private key: zero, or not below the curve order")]
    KeyOutOfRange,
    /// `2 × base fee + priority fee` does not fit 128 bits.
    #[error(
        "the max fee per gas, 2 × baseFeePerGas {base} + priority fee {prio} wei, overflows 128 bits: refusing to sign"
    )]
    FeeOverflow {
        /// Base fee per gas (wei).
        base: u128,
        /// Priority fee per gas (wei).
        prio: u128,
    },
    /// The max fee per gas is above the cap.
    #[error(
        "the max fee per gas would be {} gwei (2 × base fee {} + priority fee {} gwei), above --max-fee-gwei {cap_gwei}: refusing to sign (raise --max-fee-gwei if the network really is this expensive)",
        gwei(*max_fee), gwei(*base), gwei(*prio)
    )]
    FeeAboveCap {
        /// The max fee per gas it would be (wei).
        max_fee: u128,
        /// Base fee per gas (wei).
        base: u128,
        /// Priority fee per gas (wei).
        prio: u128,
        /// The cap (gwei).
        cap_gwei: u64,
    },
    /// The signer failed.
    #[error("signing failed: {0}")]
    Signing(String),
}

/// Parses a JSON-RPC quantity: `0x` and hex digits (any number: a quantity is not bytes),
/// at most 128 bits.
pub fn parse_quantity(s: &str) -> Result<u128, String> {
    let digits = s
        .strip_prefix("0x")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| format!("{s:?} is not 0x and hex digits"))?;
    // Whole bytes for the one hex parser: one leading zero where the digits are odd.
    let padded = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits.to_string()
    };
    let bytes = hexfmt::parse(&padded).map_err(|_| format!("{s:?} is not a hex quantity"))?;
    let significant = &bytes[bytes.iter().take_while(|&&b| b == 0).count()..];
    if significant.len() > 16 {
        return Err(format!("{s:?} exceeds 128 bits"));
    }
    Ok(significant
        .iter()
        .fold(0u128, |n, &b| (n << 8) | u128::from(b)))
}

/// A quantity that must fit the 64 bits `field` is signed as (`s`: the value as given).
pub fn fit_u64(x: u128, s: &str, field: &str) -> Result<u64, String> {
    u64::try_from(x).map_err(|_| format!("{s} does not fit the {field}'s 64 bits"))
}

/// Wei as gwei, exactly (`1.5`, `1201`).
pub fn gwei(wei: u128) -> String {
    let frac = wei % GWEI;
    if frac == 0 {
        return (wei / GWEI).to_string();
    }
    let f = format!("{frac:09}");
    format!("{}.{}", wei / GWEI, f.trim_end_matches('0'))
}

/// What is wrong with a hex secret, without the secret.
fn hex_problem(e: &HexError) -> String {
    match e {
        HexError::DoublePrefix { .. } => "the 0x prefix is given twice".into(),
        HexError::OddLength { digits, .. } => format!("{digits} hex digits, an odd number"),
        HexError::NotHex { position, .. } => format!("a non-hex character at position {position}"),
        HexError::Length {
            expected, found, ..
        } => format!("{found} bytes, expected {expected}"),
    }
}

/// The private key of a key file's text: exactly 32 bytes (64 hex digits, one optional `0x`,
/// surrounding whitespace), a scalar in `1..n`. Never padded.
pub fn key_from_hex(text: &str) -> Result<SigningKey, TxError> {
    let bytes = hexfmt::parse_fixed::<32>(text).map_err(|e| match e {
        HexError::Length { found, .. } => TxError::KeyLength { found },
        e => TxError::KeyNotHex(hex_problem(&e)),
    })?;
    SigningKey::from_bytes(&bytes.into()).map_err(|_| TxError::KeyOutOfRange)
}

/// The fees of the transaction: `max_fee = 2 × base_fee + priority_fee`, checked, at most
/// `cap_gwei`; returns (max fee, priority fee) per gas in wei.
pub fn fees(base: u128, prio: u128, cap_gwei: u64) -> Result<(u128, u128), TxError> {
    let max_fee = base
        .checked_mul(2)
        .and_then(|f| f.checked_add(prio))
        .ok_or(TxError::FeeOverflow { base, prio })?;
    if max_fee > u128::from(cap_gwei) * GWEI {
        return Err(TxError::FeeAboveCap {
            max_fee,
            base,
            prio,
            cap_gwei,
        });
    }
    Ok((max_fee, prio))
}

/// Keccak-256.
pub fn keccak(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// RLP of a byte string.
fn rlp_bytes(b: &[u8]) -> Vec<u8> {
    if b.len() == 1 && b[0] < 0x80 {
        return b.to_vec();
    }
    let mut out = rlp_len(b.len(), 0x80);
    out.extend_from_slice(b);
    out
}

fn rlp_len(len: usize, offset: u8) -> Vec<u8> {
    if len < 56 {
        vec![offset + len as u8]
    } else {
        let be = len.to_be_bytes();
        let be: Vec<u8> = be.iter().copied().skip_while(|&x| x == 0).collect();
        let mut out = vec![offset + 55 + be.len() as u8];
        out.extend(be);
        out
    }
}

/// RLP of an unsigned integer (big-endian, no leading zeros).
fn rlp_uint(x: u128) -> Vec<u8> {
    let be = x.to_be_bytes();
    let trimmed: Vec<u8> = be.iter().copied().skip_while(|&b| b == 0).collect();
    rlp_bytes(&trimmed)
}

fn rlp_list(items: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = items.concat();
    let mut out = rlp_len(body.len(), 0xc0);
    out.extend(body);
    out
}

/// An EIP-1559 transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tx {
    /// Chain id.
    pub chain_id: u64,
    /// Sender nonce.
    pub nonce: u64,
    /// Priority fee per gas (wei).
    pub max_priority_fee: u128,
    /// Max fee per gas (wei).
    pub max_fee: u128,
    /// Gas limit.
    pub gas: u64,
    /// Recipient.
    pub to: [u8; 20],
    /// Calldata.
    pub data: Vec<u8>,
}

impl Tx {
    fn fields(&self) -> Vec<Vec<u8>> {
        vec![
            rlp_uint(self.chain_id.into()),
            rlp_uint(self.nonce.into()),
            rlp_uint(self.max_priority_fee),
            rlp_uint(self.max_fee),
            rlp_uint(self.gas.into()),
            rlp_bytes(&self.to),
            rlp_uint(0),
            rlp_bytes(&self.data),
            rlp_list(&[]),
        ]
    }

    /// The signed raw transaction `0x02 ‖ rlp([...fields, y_parity, r, s])`.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, TxError> {
        let mut pre = vec![2u8];
        pre.extend(rlp_list(&self.fields()));
        let hash = keccak(&pre);
        let (mut sig, mut recid) = key
            .sign_prehash_recoverable(&hash)
            .map_err(|e| TxError::Signing(e.to_string()))?;
        if let Some(low) = sig.normalize_s() {
            sig = low;
            recid = RecoveryId::new(!recid.is_y_odd(), recid.is_x_reduced());
        }
        let (r, s) = sig.split_bytes();
        let mut fields = self.fields();
        fields.push(rlp_uint(recid.is_y_odd().into()));
        fields.push(rlp_bytes(strip(&r)));
        fields.push(rlp_bytes(strip(&s)));
        let mut raw = vec![2u8];
        raw.extend(rlp_list(&fields));
        Ok(raw)
    }
}

fn strip(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

/// The address of a key.
pub fn address_of(key: &SigningKey) -> [u8; 20] {
    let p = key.verifying_key().to_encoded_point(false);
    let h = keccak(&p.as_bytes()[1..]);
    let mut a = [0u8; 20];
    a.copy_from_slice(&h[12..]);
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("0x1"), Ok(1));
        assert_eq!(parse_quantity("0x3b9aca00"), Ok(1_000_000_000));
        assert_eq!(parse_quantity("0x0"), Ok(0));
        assert_eq!(
            parse_quantity("0xffffffffffffffffffffffffffffffff"),
            Ok(u128::MAX)
        );
        assert!(parse_quantity("0x100000000000000000000000000000000").is_err());
        assert!(parse_quantity("0x").is_err());
        assert!(parse_quantity("12").is_err());
        assert!(parse_quantity("0xzz").is_err());
    }

    #[test]
    fn widths_and_fees_are_checked() {
        assert_eq!(fit_u64(u64::MAX.into(), "x", "nonce"), Ok(u64::MAX));
        let e = fit_u64(0x1_0000_0000_0000_0001, "0x10000000000000001", "chain id").unwrap_err();
        assert!(e.contains("chain id") && e.contains("64 bits"), "{e}");
        assert_eq!(fees(7, GWEI, 1000).unwrap(), (GWEI + 14, GWEI));
        assert_eq!(fees(500 * GWEI, 0, 1000).unwrap().0, 1000 * GWEI);
        assert!(fees(500 * GWEI, 1, 1000).is_err());
        assert!(fees(1 << 127, 0, u64::MAX)
            .unwrap_err()
            .to_string()
            .contains("overflows"));
        assert!(fees(u128::MAX, 1, u64::MAX).is_err());
        assert_eq!(gwei(1201 * GWEI), "1201");
        assert_eq!(gwei(GWEI + 14), "1.000000014");
        assert_eq!(gwei(GWEI / 2), "0.5");
    }

    #[test]
    fn keys_are_exactly_32_bytes_and_never_shown() {
        let k = format!("0x{}01", "00".repeat(31));
        assert!(key_from_hex(&k).is_ok());
        let short = format!("{}01", "00".repeat(30));
        assert_eq!(
            key_from_hex(&short).unwrap_err(),
            TxError::KeyLength { found: 31 }
        );
        assert_eq!(
            key_from_hex(&"00".repeat(32)).unwrap_err(),
            TxError::KeyOutOfRange
        );
        let e = key_from_hex(&format!("{}zz", "ab".repeat(31))).unwrap_err();
        assert!(!e.to_string().contains("abab"), "{e}");
    }
}
