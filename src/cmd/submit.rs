//! `stakeproof submit`: sends `BeaconBalanceOracle.submitReport` for a final proof file as a
//! signed EIP-1559 transaction over JSON-RPC (`eth_sendRawTransaction`), and waits for its
//! receipt. The key is read from a file (exactly 32 bytes of hex) and never printed.
//!
//! Every quantity from the node is parsed into the width it is signed as (chain id, nonce and
//! gas 64 bits, fees 128 bits) with checked arithmetic, and a max fee per gas above
//! `--max-fee-gwei` is refused before signing. The transaction hash is computed locally
//! (keccak of the raw transaction), checked against the node's answer and printed as soon as
//! the node took the transaction; a failure after that exits with
//! [`ExitCode::SentUnknown`](crate::exit::ExitCode::SentUnknown) (6), saying that the
//! transaction was sent.

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use k256::ecdsa::{RecoveryId, SigningKey};
use serde_json::{json, Value};
use sha3::{Digest, Keccak256};
use stakeproof::beacon::hexfmt::{self, HexError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::artifact::{read_artifact, submission};
use crate::exit::CliError;

/// One gwei in wei.
const GWEI: u128 = 1_000_000_000;
/// The default of `--max-fee-gwei`.
const DEFAULT_MAX_FEE_GWEI: u64 = 1000;
/// The priority fee when the node has no `eth_maxPriorityFeePerGas`.
const DEFAULT_PRIORITY_FEE: u128 = GWEI;
/// A key file longer than this is not a key file (64 hex digits, `0x`, whitespace).
const MAX_KEY_FILE_BYTES: u64 = 1024;
/// The longest JSON-RPC answer read.
const MAX_ANSWER_BYTES: u64 = 1 << 20;
/// The longest a single JSON-RPC call may take, body included.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// File holding the sender's private key: exactly 32 bytes as 64 hex digits (optional 0x,
    /// surrounding whitespace allowed).
    #[arg(long)]
    key_file: PathBuf,
    /// Gas limit (default: the node's estimate plus 20%).
    #[arg(long)]
    gas_limit: Option<u64>,
    /// Refuse to sign when the max fee per gas (2 × the latest base fee + the priority fee)
    /// exceeds this many gwei.
    #[arg(long, default_value_t = DEFAULT_MAX_FEE_GWEI,
          value_parser = clap::value_parser!(u64).range(1..))]
    max_fee_gwei: u64,
    /// Seconds to wait for the receipt (0: do not wait; at most a day).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    wait: u64,
    /// Machine-readable output: one JSON object per line, the first as soon as the
    /// transaction is sent, the last with the outcome.
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

/// A quantity that must fit the 64 bits `field` is signed as.
fn fit_u64(x: u128, s: &str, field: &str) -> std::result::Result<u64, String> {
    u64::try_from(x).map_err(|_| format!("{s} does not fit the {field}'s 64 bits"))
}

/// Wei as gwei, exactly (`1.5`, `1201`).
fn gwei(wei: u128) -> String {
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

/// Reads the private key: exactly 32 bytes (64 hex digits, one optional `0x`, surrounding
/// whitespace), a scalar in `1..n`. Never padded; no error text shows the key.
fn read_key(path: &Path) -> Result<SigningKey> {
    let name = || format!("key file {}", path.display());
    let mut text = String::new();
    std::fs::File::open(path)
        .with_context(name)?
        .take(MAX_KEY_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(name)?;
    if text.len() as u64 > MAX_KEY_FILE_BYTES {
        bail!(
            "{}: more than {MAX_KEY_FILE_BYTES} bytes: not a key file (64 hex digits)",
            name()
        );
    }
    let bytes = hexfmt::parse_fixed::<32>(&text).map_err(|e| match e {
        HexError::Length { found, .. } => anyhow!(
            "{}: {found} bytes: a private key is exactly 32 bytes (64 hex digits), \
             nothing is padded or cut",
            name()
        ),
        e => anyhow!(
            "{}: not hex ({}): a private key is 64 hex digits",
            name(),
            hex_problem(&e)
        ),
    })?;
    SigningKey::from_bytes(&bytes.into()).map_err(|_| {
        anyhow!(
            "{}: not a secp256k1 private key: zero, or not below the curve order",
            name()
        )
    })
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

/// Whether a failed call reached the node: what a failed `eth_sendRawTransaction` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// The request never left, or was refused (no connection, HTTP 4xx, a JSON-RPC error).
    Refused,
    /// The node may have acted on it (no answer, a broken answer, HTTP 5xx).
    Unknown,
}

/// A failed JSON-RPC call.
#[derive(Debug, thiserror::Error)]
#[error("{method} to {url}: {msg}")]
struct RpcError {
    method: String,
    url: String,
    msg: String,
    delivery: Delivery,
    /// The node answered a JSON-RPC error object.
    node_error: bool,
}

struct Rpc {
    url: String,
    agent: ureq::Agent,
}

impl Rpc {
    fn fail(&self, method: &str, msg: String, delivery: Delivery) -> RpcError {
        RpcError {
            method: method.into(),
            url: self.url.clone(),
            msg,
            delivery,
            node_error: false,
        }
    }

    /// Reads at most [`MAX_ANSWER_BYTES`] of an answer as JSON.
    fn read(&self, method: &str, resp: ureq::Response) -> Result<Value, RpcError> {
        let mut body = Vec::new();
        let unknown = |msg| self.fail(method, msg, Delivery::Unknown);
        resp.into_reader()
            .take(MAX_ANSWER_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| unknown(format!("reading the answer: {e}")))?;
        if body.len() as u64 > MAX_ANSWER_BYTES {
            return Err(unknown(format!(
                "the answer exceeds {MAX_ANSWER_BYTES} bytes"
            )));
        }
        serde_json::from_slice(&body).map_err(|e| unknown(format!("the answer is not JSON: {e}")))
    }

    /// One call, bounded by `timeout` (body included).
    fn call_within(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, RpcError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let answer = match self.agent.post(&self.url).timeout(timeout).send_json(body) {
            Ok(resp) => self.read(method, resp)?,
            Err(ureq::Error::Status(code, resp)) => {
                let delivery = if code < 500 {
                    Delivery::Refused
                } else {
                    Delivery::Unknown
                };
                match self.read(method, resp) {
                    Ok(v) if v.get("error").is_some() => v,
                    _ => return Err(self.fail(method, format!("HTTP status {code}"), delivery)),
                }
            }
            Err(ureq::Error::Transport(t)) => {
                use ureq::ErrorKind::*;
                let delivery = match t.kind() {
                    InvalidUrl
                    | UnknownScheme
                    | Dns
                    | InsecureRequestHttpsOnly
                    | ConnectionFailed
                    | InvalidProxyUrl
                    | ProxyConnect
                    | ProxyUnauthorized => Delivery::Refused,
                    _ => Delivery::Unknown,
                };
                return Err(self.fail(method, t.to_string(), delivery));
            }
        };
        if let Some(err) = answer.get("error") {
            return Err(RpcError {
                node_error: true,
                ..self.fail(
                    method,
                    format!("the node answered an error: {err}"),
                    Delivery::Refused,
                )
            });
        }
        answer
            .get("result")
            .cloned()
            .ok_or_else(|| self.fail(method, "the answer has no result".into(), Delivery::Unknown))
    }

    fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        self.call_within(method, params, CALL_TIMEOUT)
    }

    /// A quantity signed as 64 bits: `field` names it.
    fn quantity_u64(&self, method: &str, params: Value, field: &str) -> Result<u64> {
        let v = self.call(method, params)?;
        u64_of(method, &v, field)
    }
}

/// `v`, answered to `method`, as the 64-bit `field`.
fn u64_of(method: &str, v: &Value, field: &str) -> Result<u64> {
    let x = quantity_of(v).map_err(|e| anyhow!("{method}: {e}"))?;
    fit_u64(x, &v.to_string(), field).map_err(|e| anyhow!("{method}: {e}"))
}

fn quantity_of(v: &Value) -> std::result::Result<u128, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("not a hex quantity: {v}"))?;
    parse_quantity(s)
}

/// The fees of the transaction: `max_fee = 2 × base_fee + priority_fee`, checked, at most
/// `cap_gwei`.
fn fees(base: u128, prio: u128, cap_gwei: u64) -> Result<(u128, u128)> {
    let max_fee = base
        .checked_mul(2)
        .and_then(|f| f.checked_add(prio))
        .ok_or_else(|| {
            anyhow!(
                "the max fee per gas, 2 × baseFeePerGas {base} + priority fee {prio} wei, \
                 overflows 128 bits: refusing to sign"
            )
        })?;
    let cap = u128::from(cap_gwei) * GWEI;
    if max_fee > cap {
        bail!(
            "the max fee per gas would be {} gwei (2 × base fee {} + priority fee {} gwei), \
             above --max-fee-gwei {cap_gwei}: refusing to sign (raise --max-fee-gwei if the \
             network really is this expensive)",
            gwei(max_fee),
            gwei(base),
            gwei(prio)
        );
    }
    Ok((max_fee, prio))
}

/// A failure once the transaction was (or may have been) sent: exit code 6, the hash, and why
/// a blind retry is a risk.
fn sent_unknown(hash: &str, nonce: u64, sent: &str, reason: &str) -> anyhow::Error {
    CliError::SentUnknown(format!(
        "the transaction {hash} {sent} (nonce {nonce}) but {reason}. Check it \
         (eth_getTransactionReceipt {hash}, or a block explorer) and do not resubmit blindly: \
         if it is pending or included, running submit again signs a second transaction with \
         the next nonce, which pays gas again for a report the oracle already has"
    ))
    .into()
}

/// Prints one `--json` line or text line now (before any waiting).
fn emit(line: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

/// Runs `stakeproof submit`.
pub(crate) fn submit(a: SubmitArgs) -> Result<()> {
    let art = read_artifact(&a.proof)?;
    let sub = submission(&art).with_context(|| format!("proof file {}", a.proof.display()))?;
    let data = sub.calldata(a.timestamp);
    let key = read_key(&a.key_file)?;
    let from = address_of(&key);
    let rpc = Rpc {
        url: a.rpc_url.clone(),
        agent: ureq::AgentBuilder::new().timeout(CALL_TIMEOUT).build(),
    };
    let chain_id = rpc.quantity_u64("eth_chainId", json!([]), "chain id")?;
    let nonce = rpc.quantity_u64(
        "eth_getTransactionCount",
        json!([hexfmt::encode(from), "pending"]),
        "nonce",
    )?;
    let prio = match rpc.call("eth_maxPriorityFeePerGas", json!([])) {
        Ok(v) => quantity_of(&v).map_err(|e| anyhow!("eth_maxPriorityFeePerGas: {e}"))?,
        // A node without the method.
        Err(e) if e.node_error => DEFAULT_PRIORITY_FEE,
        Err(e) => return Err(e.into()),
    };
    let block = rpc.call("eth_getBlockByNumber", json!(["latest", false]))?;
    let base = match block.get("baseFeePerGas") {
        None | Some(Value::Null) => {
            bail!("eth_getBlockByNumber: no baseFeePerGas (a pre-London chain?)")
        }
        Some(v) => {
            quantity_of(v).map_err(|e| anyhow!("eth_getBlockByNumber: baseFeePerGas {e}"))?
        }
    };
    let (max_fee, prio) = fees(base, prio, a.max_fee_gwei)?;
    let call = json!({"from": hexfmt::encode(from), "to": hexfmt::encode(a.oracle), "data": hexfmt::encode(&data)});
    let gas = match a.gas_limit {
        Some(g) => g,
        None => {
            let est = rpc.call("eth_estimateGas", json!([call])).map_err(|e| {
                let node_error = e.node_error;
                let e = anyhow::Error::from(e);
                if node_error {
                    e.context("the oracle would reject the report (eth_estimateGas failed)")
                } else {
                    e
                }
            })?;
            let est = u64_of("eth_estimateGas", &est, "gas limit")?;
            u64::try_from(u128::from(est) * 6 / 5).map_err(|_| {
                anyhow!("eth_estimateGas: {est} plus 20% does not fit the gas limit's 64 bits")
            })?
        }
    };
    let max_cost = u128::from(gas).checked_mul(max_fee).ok_or_else(|| {
        anyhow!("gas limit {gas} × max fee {max_fee} wei overflows 128 bits: refusing to sign")
    })?;
    let tx = Tx {
        chain_id,
        nonce,
        max_priority_fee: prio,
        max_fee,
        gas,
        to: a.oracle,
        data,
    };
    let raw = tx.sign(&key)?;
    let hash = hexfmt::encode(keccak(&raw));
    let mut out = json!({
        "outcome": "sent",
        "transaction": hash,
        "from": hexfmt::encode(from),
        "oracle": hexfmt::encode(a.oracle),
        "chain_id": chain_id,
        "nonce": nonce,
        "gas_limit": gas,
        "max_fee_per_gas": max_fee.to_string(),
        "max_priority_fee_per_gas": prio.to_string(),
        "max_cost_wei": max_cost.to_string(),
        "slot": sub.report.slot,
        "unsafe_srs": art.setup.unsafe_local,
    });
    // From here on a failure may leave a transaction behind: it says so, with the hash.
    let unknown = |out: &mut Value, e: anyhow::Error| -> Result<()> {
        if a.json {
            out["outcome"] = json!("unknown");
            out["error"] = json!(format!("{e:#}"));
            emit(&out.to_string())?;
        }
        Err(e)
    };
    match rpc.call("eth_sendRawTransaction", json!([hexfmt::encode(&raw)])) {
        Err(e) if e.delivery == Delivery::Refused => {
            bail!("the transaction {hash} was not sent (the node refused it or could not be reached): {e}")
        }
        Err(e) => {
            let reason = format!("{e}, with no clear answer");
            return unknown(
                &mut out,
                sent_unknown(&hash, nonce, "may have been sent", &reason),
            );
        }
        Ok(v) if v.as_str().map(str::to_ascii_lowercase) != Some(hash.clone()) => {
            let reason = if v.is_string() {
                format!("the node answered the hash {v}, not the transaction's own")
            } else {
                format!("the node answered {v} instead of its hash")
            };
            let sent = if v.is_string() {
                "was probably sent"
            } else {
                "may have been sent"
            };
            return unknown(&mut out, sent_unknown(&hash, nonce, sent, &reason));
        }
        Ok(_) => {}
    }
    if a.json {
        emit(&out.to_string())?;
    } else {
        emit(&format!(
            "sent {hash} from {} (nonce {nonce}, gas limit {gas}, max fee {} gwei)",
            hexfmt::encode(from),
            gwei(max_fee)
        ))?;
    }
    if a.wait == 0 {
        if !a.json {
            emit("not waiting for the receipt (--wait 0)")?;
        }
        return Ok(());
    }
    let receipt = match wait_receipt(&rpc, &hash, Duration::from_secs(a.wait)) {
        Ok(r) => r,
        Err(reason) => {
            return unknown(&mut out, sent_unknown(&hash, nonce, "WAS sent", &reason));
        }
    };
    let status = receipt.get("status").and_then(Value::as_str);
    out["status"] = json!(status);
    out["gas_used"] = receipt.get("gasUsed").cloned().unwrap_or(Value::Null);
    out["block"] = receipt.get("blockNumber").cloned().unwrap_or(Value::Null);
    match status {
        Some("0x1") => {
            out["outcome"] = json!("included");
            if a.json {
                emit(&out.to_string())?;
            } else {
                emit(&format!(
                    "included: the oracle accepted the report for slot {}",
                    sub.report.slot
                ))?;
            }
            Ok(())
        }
        Some("0x0") => {
            out["outcome"] = json!("reverted");
            if a.json {
                emit(&out.to_string())?;
            }
            bail!("transaction {hash} was included but reverted: the oracle rejected the report")
        }
        _ => {
            let reason = format!("its receipt has no valid status: {receipt}");
            unknown(&mut out, sent_unknown(&hash, nonce, "WAS sent", &reason))
        }
    }
}

/// Polls `eth_getTransactionReceipt` for `hash` until `wait` has passed (each call bounded by
/// what is left). Errors say why no receipt came; a node failure is retried until then.
fn wait_receipt(rpc: &Rpc, hash: &str, wait: Duration) -> std::result::Result<Value, String> {
    let deadline = Instant::now() + wait;
    let mut last_error = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(match last_error {
                Some(e) => format!("the receipt query failed ({e})"),
                None => format!("no receipt within {} s (--wait)", wait.as_secs()),
            });
        }
        match rpc.call_within(
            "eth_getTransactionReceipt",
            json!([hash]),
            left.min(CALL_TIMEOUT),
        ) {
            Ok(Value::Null) => last_error = None,
            Ok(r) => {
                let theirs = r.get("transactionHash").and_then(Value::as_str);
                if theirs.is_some_and(|h| !h.eq_ignore_ascii_case(hash)) {
                    return Err(format!(
                        "the node answered the receipt of another transaction: {r}"
                    ));
                }
                return Ok(r);
            }
            Err(e) => last_error = Some(e),
        }
        std::thread::sleep(
            Duration::from_millis(500).min(deadline.saturating_duration_since(Instant::now())),
        );
    }
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

    #[test]
    fn widths_and_fees_are_checked() {
        assert_eq!(fit_u64(u64::MAX.into(), "x", "nonce"), Ok(u64::MAX));
        let e = fit_u64(0x1_0000_0000_0000_0001, "0x10000000000000001", "chain id").unwrap_err();
        assert!(e.contains("chain id") && e.contains("64 bits"), "{e}");
        assert_eq!(fees(7, GWEI, 1000).unwrap(), (GWEI + 14, GWEI));
        assert_eq!(fees(500 * GWEI, 0, 1000).unwrap().0, 1000 * GWEI);
        assert!(fees(500 * GWEI, 1, 1000).is_err());
        assert!(format!("{:#}", fees(1 << 127, 0, u64::MAX).unwrap_err()).contains("overflows"));
        assert!(fees(u128::MAX, 1, u64::MAX).is_err());
        assert_eq!(gwei(1201 * GWEI), "1201");
        assert_eq!(gwei(GWEI + 14), "1.000000014");
        assert_eq!(gwei(GWEI / 2), "0.5");
    }
}
