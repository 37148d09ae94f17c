//! `stakeproof submit`: sends `BeaconBalanceOracle.submitReport` for a final proof file as a
//! signed EIP-1559 transaction over JSON-RPC (`eth_sendRawTransaction`), and waits for its
//! receipt. The key is read from a file (hex, 32 bytes) and never printed.

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use k256::ecdsa::{RecoveryId, SigningKey};
use serde_json::{json, Value};
use sha3::{Digest, Keccak256};
use stakeproof::beacon::hexfmt::{self, HexError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::artifact::{read_artifact, submission};

/// `stakeproof submit` arguments.
#[derive(Args)]
pub(crate) struct SubmitArgs {
    /// The final proof file.
    #[arg(long)]
    proof: PathBuf,
    /// The timestamp under which EIP-4788 holds the proof's block root.
    #[arg(long)]
    timestamp: u64,
    /// JSON-RPC endpoint of an execution client.
    #[arg(long)]
    rpc_url: String,
    /// The oracle contract.
    #[arg(long, value_parser = parse_address)]
    oracle: [u8; 20],
    /// File holding the sender's private key (hex, 32 bytes).
    #[arg(long)]
    key_file: PathBuf,
    /// Gas limit (default: the node's estimate plus 20%).
    #[arg(long)]
    gas_limit: Option<u64>,
    /// Seconds to wait for the receipt (0: do not wait).
    #[arg(long, default_value_t = 120)]
    wait: u64,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// Parses `--oracle`: `0x` and 20 bytes of hex.
fn parse_address(s: &str) -> std::result::Result<[u8; 20], String> {
    if !s.trim_start().starts_with("0x") {
        return Err("an address starts with 0x".into());
    }
    hexfmt::parse_fixed::<20>(s).map_err(|e| e.to_string())
}

/// Parses a JSON-RPC quantity: `0x` and hex digits (any number: a quantity is not bytes),
/// at most 128 bits.
fn parse_quantity(s: &str) -> std::result::Result<u128, String> {
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

/// What is wrong with a hex secret, without the secret.
fn hex_problem(e: &HexError) -> String {
    match e {
        HexError::DoublePrefix { .. } => "the 0x prefix is given twice".into(),
        HexError::OddLength { digits, .. } => format!("odd number of hex digits ({digits})"),
        HexError::NotHex { position, .. } => format!("a non-hex character at position {position}"),
        HexError::Length {
            expected, found, ..
        } => format!("{found} bytes, expected {expected}"),
    }
}

fn keccak(data: &[u8]) -> [u8; 32] {
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
            rlp_uint(self.chain_id as u128),
            rlp_uint(self.nonce as u128),
            rlp_uint(self.max_priority_fee),
            rlp_uint(self.max_fee),
            rlp_uint(self.gas as u128),
            rlp_bytes(&self.to),
            rlp_uint(0),
            rlp_bytes(&self.data),
            rlp_list(&[]),
        ]
    }

    /// The signed raw transaction `0x02 ‖ rlp([...fields, y_parity, r, s])`.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>> {
        let mut pre = vec![2u8];
        pre.extend(rlp_list(&self.fields()));
        let hash = keccak(&pre);
        let (mut sig, mut recid) = key
            .sign_prehash_recoverable(&hash)
            .map_err(|e| anyhow!("signing failed: {e}"))?;
        if let Some(low) = sig.normalize_s() {
            sig = low;
            recid = RecoveryId::new(!recid.is_y_odd(), recid.is_x_reduced());
        }
        let (r, s) = sig.split_bytes();
        let mut fields = self.fields();
        fields.push(rlp_uint(recid.is_y_odd() as u128));
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
    h[12..].try_into().expect("20 bytes")
}

struct Rpc {
    url: String,
    agent: ureq::Agent,
}

impl Rpc {
    fn call(&self, method: &str, params: Value) -> Result<Value> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let resp: Value = self
            .agent
            .post(&self.url)
            .send_json(body)
            .map_err(|e| anyhow!("{method} to {}: {e}", self.url))?
            .into_json()
            .map_err(|e| anyhow!("{method}: the answer is not JSON: {e}"))?;
        if let Some(err) = resp.get("error") {
            bail!("{method}: the node answered an error: {err}");
        }
        resp.get("result")
            .cloned()
            .ok_or_else(|| anyhow!("{method}: the answer has no result"))
    }

    fn quantity(&self, method: &str, params: Value) -> Result<u128> {
        let v = self.call(method, params)?;
        let s = v
            .as_str()
            .ok_or_else(|| anyhow!("{method}: not a hex quantity: {v}"))?;
        parse_quantity(s).map_err(|e| anyhow!("{method}: {e}"))
    }
}

/// Runs `stakeproof submit`.
pub(crate) fn submit(a: SubmitArgs) -> Result<()> {
    let art = read_artifact(&a.proof)?;
    let sub = submission(&art).with_context(|| format!("proof file {}", a.proof.display()))?;
    let data = sub.calldata(a.timestamp);
    let key_hex = std::fs::read_to_string(&a.key_file)
        .with_context(|| format!("key file {}", a.key_file.display()))?;
    let key_bytes = hexfmt::parse(&key_hex).map_err(|e| {
        anyhow!(
            "key file {}: not hex ({})",
            a.key_file.display(),
            hex_problem(&e)
        )
    })?;
    let key = SigningKey::from_slice(&key_bytes).map_err(|_| {
        anyhow!(
            "key file {}: not a secp256k1 private key (32 bytes)",
            a.key_file.display()
        )
    })?;
    let from = address_of(&key);
    let rpc = Rpc {
        url: a.rpc_url.clone(),
        agent: ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .build(),
    };
    let chain_id = rpc.quantity("eth_chainId", json!([]))? as u64;
    let nonce = rpc.quantity(
        "eth_getTransactionCount",
        json!([hexfmt::encode(from), "pending"]),
    )? as u64;
    let prio = rpc
        .quantity("eth_maxPriorityFeePerGas", json!([]))
        .unwrap_or(1_000_000_000);
    let block = rpc.call("eth_getBlockByNumber", json!(["latest", false]))?;
    let base = block
        .get("baseFeePerGas")
        .and_then(Value::as_str)
        .and_then(|s| parse_quantity(s).ok())
        .ok_or_else(|| anyhow!("eth_getBlockByNumber: no baseFeePerGas (a pre-London chain?)"))?;
    let call = json!({"from": hexfmt::encode(from), "to": hexfmt::encode(a.oracle), "data": hexfmt::encode(&data)});
    let gas = match a.gas_limit {
        Some(g) => g,
        None => {
            let est = rpc
                .quantity("eth_estimateGas", json!([call]))
                .context("the oracle would reject the report (eth_estimateGas failed)")?;
            (est as u64).saturating_mul(6) / 5
        }
    };
    let tx = Tx {
        chain_id,
        nonce,
        max_priority_fee: prio,
        max_fee: 2 * base + prio,
        gas,
        to: a.oracle,
        data,
    };
    let raw = tx.sign(&key)?;
    let hash = rpc
        .call("eth_sendRawTransaction", json!([hexfmt::encode(raw)]))?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("eth_sendRawTransaction: no transaction hash"))?;
    let mut receipt = Value::Null;
    let t = Instant::now();
    while a.wait > 0 && t.elapsed() < Duration::from_secs(a.wait) {
        receipt = rpc.call("eth_getTransactionReceipt", json!([hash]))?;
        if !receipt.is_null() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let status = receipt
        .get("status")
        .and_then(Value::as_str)
        .map(str::to_string);
    let out = json!({
        "transaction": hash,
        "from": hexfmt::encode(from),
        "oracle": hexfmt::encode(a.oracle),
        "chain_id": chain_id,
        "nonce": nonce,
        "gas_limit": gas,
        "slot": sub.report.slot,
        "status": status,
        "gas_used": receipt.get("gasUsed"),
        "unsafe_srs": art.setup.unsafe_local,
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "sent {hash} from {} (nonce {nonce}, gas limit {gas})",
            hexfmt::encode(from)
        );
        match status.as_deref() {
            Some("0x1") => println!(
                "included: the oracle accepted the report for slot {}",
                sub.report.slot
            ),
            Some(_) => {}
            None => println!("no receipt yet (--wait {}s)", a.wait),
        }
    }
    if status.as_deref() == Some("0x0") {
        bail!("transaction {hash} reverted: the oracle rejected the report");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_and_addresses() {
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
        assert_eq!(
            parse_address(&format!("0x{}", "ab".repeat(20))),
            Ok([0xab; 20])
        );
        assert!(parse_address(&"ab".repeat(20)).is_err());
        assert!(parse_address("0xabc").is_err());
        assert!(parse_address(&format!("0x{}", "ab".repeat(19))).is_err());
    }
}
