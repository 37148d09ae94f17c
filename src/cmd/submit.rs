//! `stakeproof submit`: sends `BeaconBalanceOracle.submitReport` (`submitChainReport` for a chain proof) for a final proof file as a
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
use k256::ecdsa::SigningKey;
use serde_json::{json, Value};
use stakeproof::beacon::hexfmt;
use stakeproof::tx::{self, address_of, fit_u64, gwei, keccak, parse_quantity, Tx, GWEI};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::artifact::{read_artifact, submission};
use crate::exit::CliError;

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

/// Reads the private key from its file ([`tx::key_from_hex`]); no error text shows the key.
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
    tx::key_from_hex(&text).map_err(|e| anyhow!("{}: {e}", name()))
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
            // A revert's data names the oracle's error: `ReportAlreadySubmitted(slot: …)`.
            let reverted = err
                .get("data")
                .and_then(Value::as_str)
                .and_then(|d| hexfmt::parse(d).ok())
                .and_then(|d| stakeproof_contracts::errors::describe_revert(&d))
                .map(|d| format!(": the oracle reverted with {d}"))
                .unwrap_or_default();
            return Err(RpcError {
                node_error: true,
                ..self.fail(
                    method,
                    format!("the node answered an error{reverted}: {err}"),
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
    let (max_fee, prio) = tx::fees(base, prio, a.max_fee_gwei)?;
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
    use super::parse_address;

    #[test]
    fn oracle_addresses() {
        assert_eq!(
            parse_address(&format!("0x{}", "ab".repeat(20))),
            Ok([0xab; 20])
        );
        assert!(parse_address(&"ab".repeat(20)).is_err());
        assert!(parse_address("0xabc").is_err());
        assert!(parse_address(&format!("0x{}", "ab".repeat(19))).is_err());
    }
}
