//! The pure half of `stakeproof submit`: the private key from its hex, fees with checked
//! arithmetic, and the EIP-1559 transaction built, signed and encoded with alloy
//! (`alloy-consensus`, the local signer). No I/O here: the command (`src/cmd/submit.rs`) talks
//! to the node through alloy's provider, and the fuzz target `submit_tx` drives these functions
//! with arbitrary input.

use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy::eips::eip2718::Encodable2718;
use alloy::primitives::{Address, Bytes, TxKind, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
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
pub fn key_from_hex(text: &str) -> Result<PrivateKeySigner, TxError> {
    let bytes = hexfmt::parse_fixed::<32>(text).map_err(|e| match e {
        HexError::Length { found, .. } => TxError::KeyLength { found },
        e => TxError::KeyNotHex(hex_problem(&e)),
    })?;
    PrivateKeySigner::from_bytes(&B256::from(bytes)).map_err(|_| TxError::KeyOutOfRange)
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

/// An EIP-1559 call (no value, no access list) as `submit` signs it.
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
    pub to: Address,
    /// Calldata.
    pub data: Vec<u8>,
}

/// A signed transaction: its EIP-2718 encoding (`0x02 ‖ rlp(…)`) and its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTx {
    /// What `eth_sendRawTransaction` takes.
    pub raw: Vec<u8>,
    /// The transaction hash (keccak-256 of `raw`).
    pub hash: B256,
}

impl Tx {
    /// The transaction as alloy's EIP-1559 type.
    pub fn eip1559(&self) -> TxEip1559 {
        TxEip1559 {
            chain_id: self.chain_id,
            nonce: self.nonce,
            gas_limit: self.gas,
            max_fee_per_gas: self.max_fee,
            max_priority_fee_per_gas: self.max_priority_fee,
            to: TxKind::Call(self.to),
            value: U256::ZERO,
            access_list: Default::default(),
            input: Bytes::copy_from_slice(&self.data),
        }
    }

    /// Signs the transaction (alloy's local signer: low-s, y-parity) and encodes it.
    pub fn sign(&self, key: &PrivateKeySigner) -> Result<SignedTx, TxError> {
        let tx = self.eip1559();
        let sig = key
            .sign_hash_sync(&tx.signature_hash())
            .map_err(|e| TxError::Signing(e.to_string()))?;
        let envelope = TxEnvelope::from(tx.into_signed(sig));
        Ok(SignedTx {
            raw: envelope.encoded_2718(),
            hash: *envelope.tx_hash(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_are_checked() {
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

    #[test]
    fn a_signed_transaction_decodes_and_recovers_its_signer() {
        use alloy::consensus::Transaction;
        use alloy::eips::eip2718::Decodable2718;
        let key = key_from_hex(&format!("0x{}", "11".repeat(32))).unwrap();
        let tx = Tx {
            chain_id: 11_155_111,
            nonce: 5,
            max_priority_fee: GWEI,
            max_fee: 2 * GWEI + 14,
            gas: 600_000,
            to: Address::repeat_byte(0xab),
            data: vec![1, 2, 3],
        };
        let signed = tx.sign(&key).unwrap();
        assert_eq!(signed.raw[0], 2, "an EIP-1559 envelope");
        assert_eq!(signed.hash, alloy::primitives::keccak256(&signed.raw));
        let back = TxEnvelope::decode_2718(&mut signed.raw.as_slice()).unwrap();
        let TxEnvelope::Eip1559(back) = back else {
            panic!("not EIP-1559")
        };
        let signer = back
            .signature()
            .recover_address_from_prehash(&back.signature_hash())
            .unwrap();
        assert_eq!(signer, key.address());
        assert_eq!(back.tx(), &tx.eip1559());
        assert_eq!(back.tx().max_fee_per_gas(), 2 * GWEI + 14);
        assert!(back.signature().normalize_s().is_none(), "low s");
    }
}
