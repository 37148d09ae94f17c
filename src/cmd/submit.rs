//! `stakeproof submit`: sends `BeaconBalanceOracle.submitReport` (`submitChainReport` for a chain
//! proof) for a final proof file, or `submitVaultBalance` for a vault proof (`report --vault
//! --json`'s output), as a signed EIP-1559 transaction, and waits for its receipt.
//! The Ethereum plumbing is alloy's: its HTTP provider makes the JSON-RPC calls, its consensus
//! types encode the transaction and its local signer signs it (`stakeproof::tx`). The key is
//! read from a file (exactly 32 bytes of hex) and never printed.
//!
//! Node quantities are decoded by alloy into the widths they are signed as (chain id, nonce,
//! gas and base fee 64 bits, the priority fee 128 bits; anything wider is an error naming the
//! call), fees use checked arithmetic, and a max fee per gas above `--max-fee-gwei` is refused
//! before signing. The transaction hash is computed locally, checked against the node's answer
//! and printed as soon as the node took the transaction; a failure after that exits with
//! [`ExitCode::SentUnknown`](crate::exit::ExitCode::SentUnknown) (6), saying that the
//! transaction was sent.

use alloy::consensus::{Eip658Value, TxReceipt};
use alloy::primitives::{Address, B256};
use alloy::providers::Provider;
use alloy::rpc::types::{
    BlockNumberOrTag, BlockTransactionsKind, TransactionReceipt, TransactionRequest,
};
use alloy::signers::local::PrivateKeySigner;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use serde_json::{json, Value};
use stakeproof::beacon::hexfmt;
use stakeproof::tx::{self, gwei, Tx, GWEI};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::artifact::{read_artifact, submission};
use super::node::{Delivery, Node, CALL_TIMEOUT};
use crate::exit::CliError;

/// The default of `--max-fee-gwei`.
const DEFAULT_MAX_FEE_GWEI: u64 = 1000;
/// The priority fee when the node has no `eth_maxPriorityFeePerGas`.
const DEFAULT_PRIORITY_FEE: u128 = GWEI;
/// A key file longer than this is not a key file (64 hex digits, `0x`, whitespace).
const MAX_KEY_FILE_BYTES: u64 = 1024;
/// A `--vault-proof` file longer than this is not `report --vault --json`'s output (a mainnet
/// account proof is ~5 kB, its report a few more).
const MAX_VAULT_PROOF_FILE_BYTES: u64 = 1 << 20;

/// `stakeproof submit` arguments.
#[derive(Args)]
pub(crate) struct SubmitArgs {
    /// The final proof file.
    #[arg(
        long,
        required_unless_present = "vault_proof",
        conflicts_with = "vault_proof"
    )]
    proof: Option<PathBuf>,
    /// Instead of a report: the withdrawal vault's balance at the block of a report the oracle
    /// holds, sent as `submitVaultBalance`. The file is `stakeproof report --vault … --json`'s
    /// output for that report's state (its `withdrawal_vault.slot` and `.oracle_proof`).
    #[arg(long)]
    vault_proof: Option<PathBuf>,
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

/// Parses an address flag (`--oracle`, `--vault`): `0x` and 20 bytes of hex.
pub(crate) fn parse_address(s: &str) -> std::result::Result<[u8; 20], String> {
    if !s.trim_start().starts_with("0x") {
        return Err("an address starts with 0x".into());
    }
    hexfmt::parse_fixed::<20>(s).map_err(|e| e.to_string())
}

/// Reads the private key from its file ([`tx::key_from_hex`]); no error text shows the key.
fn read_key(path: &Path) -> Result<PrivateKeySigner> {
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

/// What a submission sends: the oracle's calldata, the slot, what it is (for messages) and,
/// for a report, whether its setup was unsafe.
struct Payload {
    data: Vec<u8>,
    slot: u64,
    what: &'static str,
    unsafe_srs: Option<bool>,
}

impl Payload {
    fn read(a: &SubmitArgs) -> Result<Payload> {
        if let Some(path) = &a.proof {
            let art = read_artifact(path)?;
            let sub = submission(&art).with_context(|| format!("proof file {}", path.display()))?;
            return Ok(Payload {
                data: sub.calldata(a.timestamp),
                slot: sub.report.slot,
                what: "report",
                unsafe_srs: Some(art.setup.unsafe_local),
            });
        }
        let path = a
            .vault_proof
            .as_ref()
            .expect("clap requires --proof or --vault-proof");
        let (slot, proof) =
            read_vault_proof(path).with_context(|| format!("--vault-proof {}", path.display()))?;
        Ok(Payload {
            data: stakeproof_contracts::vault::submit_vault_balance(slot, a.timestamp, &proof),
            slot,
            what: "vault balance",
            unsafe_srs: None,
        })
    }
}

/// The slot and the vault verifier's proof of a `report --vault --json` output.
fn read_vault_proof(path: &Path) -> Result<(u64, stakeproof_contracts::vault::VaultProof)> {
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_VAULT_PROOF_FILE_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_VAULT_PROOF_FILE_BYTES {
        bail!("more than {MAX_VAULT_PROOF_FILE_BYTES} bytes: not a report's output");
    }
    let v: Value = serde_json::from_str(&text).context("not JSON")?;
    let w = v
        .get("withdrawal_vault")
        .context("no `withdrawal_vault` (run `stakeproof report --vault … --json`)")?;
    let slot = w
        .get("slot")
        .and_then(Value::as_u64)
        .context("`withdrawal_vault.slot` is not a slot")?;
    let hex = w
        .get("oracle_proof")
        .and_then(Value::as_str)
        .context("no `withdrawal_vault.oracle_proof` string")?;
    let bytes = hexfmt::parse(hex).map_err(|e| anyhow!("`withdrawal_vault.oracle_proof`: {e}"))?;
    let proof = stakeproof_contracts::vault::VaultProof::decode(&bytes).map_err(|e| {
        anyhow!("`withdrawal_vault.oracle_proof` is not a vault proof's ABI encoding: {e}")
    })?;
    Ok((slot, proof))
}

/// Runs `stakeproof submit`.
pub(crate) fn submit(a: SubmitArgs) -> Result<()> {
    let Payload {
        data,
        slot,
        what,
        unsafe_srs,
    } = Payload::read(&a)?;
    let key = read_key(&a.key_file)?;
    let from = key.address();
    let oracle = Address::from(a.oracle);
    let node = Node::connect(&a.rpc_url)?;
    let p = &node.provider;
    let chain_id = node.call("eth_chainId", "a chain id of 64 bits", p.get_chain_id())?;
    if chain_id == 0 {
        // No network has it, and a transaction for it replays nowhere useful.
        bail!("eth_chainId: the node answered chain id 0: refusing to sign");
    }
    let nonce = node.call(
        "eth_getTransactionCount",
        "a nonce of 64 bits",
        p.get_transaction_count(from).pending(),
    )?;
    let prio = match node.call(
        "eth_maxPriorityFeePerGas",
        "a priority fee of 128 bits",
        p.get_max_priority_fee_per_gas(),
    ) {
        Ok(v) => v,
        // A node without the method.
        Err(e) if e.node_error => DEFAULT_PRIORITY_FEE,
        Err(e) => return Err(e.into()),
    };
    let block = node
        .call(
            "eth_getBlockByNumber",
            "a block (its baseFeePerGas of 64 bits)",
            p.get_block_by_number(BlockNumberOrTag::Latest, BlockTransactionsKind::Hashes),
        )?
        .ok_or_else(|| anyhow!("eth_getBlockByNumber: the node has no latest block"))?;
    let Some(base) = block.header.base_fee_per_gas else {
        bail!("eth_getBlockByNumber: no baseFeePerGas (a pre-London chain?)")
    };
    let (max_fee, prio) = tx::fees(base.into(), prio, a.max_fee_gwei)?;
    let gas = match a.gas_limit {
        Some(g) => g,
        None => {
            let call = TransactionRequest::default()
                .from(from)
                .to(oracle)
                .input(data.clone().into());
            let est = node
                .call(
                    "eth_estimateGas",
                    "a gas limit of 64 bits",
                    p.estimate_gas(&call),
                )
                .map_err(|e| {
                    let node_error = e.node_error;
                    let e = anyhow::Error::from(e);
                    if node_error {
                        e.context(format!(
                            "the oracle would reject the {} (eth_estimateGas failed)",
                            what
                        ))
                    } else {
                        e
                    }
                })?;
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
        to: oracle,
        data,
    };
    let signed = tx.sign(&key)?;
    let hash = hexfmt::encode(signed.hash);
    let mut out = json!({
        "outcome": "sent",
        "transaction": hash,
        "from": hexfmt::encode(from),
        "oracle": hexfmt::encode(oracle),
        "chain_id": chain_id,
        "nonce": nonce,
        "gas_limit": gas,
        "max_fee_per_gas": max_fee.to_string(),
        "max_priority_fee_per_gas": prio.to_string(),
        "max_cost_wei": max_cost.to_string(),
        "slot": slot,
        "submits": what,
    });
    if let Some(unsafe_srs) = unsafe_srs {
        out["unsafe_srs"] = unsafe_srs.into();
    }
    // From here on a failure may leave a transaction behind: it says so, with the hash.
    let unknown = |out: &mut Value, e: anyhow::Error| -> Result<()> {
        if a.json {
            out["outcome"] = json!("unknown");
            out["error"] = json!(format!("{e:#}"));
            emit(&out.to_string())?;
        }
        Err(e)
    };
    match node.call(
        "eth_sendRawTransaction",
        "a transaction hash",
        p.send_raw_transaction(&signed.raw),
    ) {
        // These very bytes are in the node's pool already (geth, reth: "already known";
        // older clients: "known transaction"): it was sent; wait for it.
        Err(e) if e.says("already known") || e.says("known transaction") => {}
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
        Ok(pending) if *pending.tx_hash() != signed.hash => {
            let reason = format!(
                "the node answered the hash {}, not the transaction's own",
                hexfmt::encode(pending.tx_hash())
            );
            return unknown(
                &mut out,
                sent_unknown(&hash, nonce, "was probably sent", &reason),
            );
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
    let receipt = match wait_receipt(&node, signed.hash, Duration::from_secs(a.wait)) {
        Ok(r) => r,
        Err(reason) => {
            return unknown(&mut out, sent_unknown(&hash, nonce, "WAS sent", &reason));
        }
    };
    // Since Byzantium a receipt has a status; a post-state root says nothing of the outcome.
    let success = match receipt.inner.status_or_post_state() {
        Eip658Value::Eip658(ok) => ok,
        Eip658Value::PostState(root) => {
            let reason = format!("its receipt has a post-state root ({root}) and no status");
            return unknown(&mut out, sent_unknown(&hash, nonce, "WAS sent", &reason));
        }
    };
    out["status"] = json!(if success { "0x1" } else { "0x0" });
    out["gas_used"] = json!(receipt.gas_used);
    out["block"] = json!(receipt.block_number);
    if success {
        out["outcome"] = json!("included");
        if a.json {
            emit(&out.to_string())?;
        } else {
            emit(&format!(
                "included: the oracle accepted the {} for slot {}",
                what, slot
            ))?;
        }
        Ok(())
    } else {
        out["outcome"] = json!("reverted");
        if a.json {
            emit(&out.to_string())?;
        }
        bail!(
            "transaction {hash} was included but reverted: the oracle rejected the {}",
            what
        )
    }
}

/// Polls `eth_getTransactionReceipt` for `hash` until `wait` has passed (each call bounded by
/// what is left). Errors say why no receipt came; a node failure (a broken receipt included)
/// is retried until then.
fn wait_receipt(
    node: &Node,
    hash: B256,
    wait: Duration,
) -> std::result::Result<TransactionReceipt, String> {
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
        match node.run(
            "eth_getTransactionReceipt",
            "a receipt",
            left.min(CALL_TIMEOUT),
            node.provider.get_transaction_receipt(hash),
        ) {
            Ok(None) => last_error = None,
            Ok(Some(r)) if r.transaction_hash != hash => {
                return Err(format!(
                    "the node answered the receipt of another transaction, {}",
                    hexfmt::encode(r.transaction_hash)
                ));
            }
            Ok(Some(r)) => return Ok(r),
            // A receipt that does not decode will not decode the next time either.
            Err(e) if e.malformed => return Err(e.to_string()),
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
