//! `report --vault`: the withdrawal vault's balance at the execution block the beacon state
//! commits to, from an `eth_getProof` account proof (a node's, or a saved answer) checked
//! natively against the state's payload header, which is itself opened from the block root.
//! The chain proves it with `BeaconBalanceOracle.submitVaultBalance`, whose `proof` argument
//! (the slot and the state root opened from the block root, and the account proof) the JSON
//! output carries as `oracle_proof` for `stakeproof submit --vault-proof`; the final proof does
//! not carry the vault.

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use stakeproof::beacon::beacon::{BeaconState, StateTree};
use stakeproof::beacon::execution::{Account, AccountProof, ExecutionAnchor, VaultBalance};
use stakeproof::beacon::hexfmt;
use stakeproof_contracts::vault::VaultProof;
use std::path::PathBuf;

use super::node::Node;
use crate::config::Config;

/// The vault flags of `report`.
#[derive(Args)]
pub(crate) struct VaultArgs {
    /// The withdrawal vault's execution address: its balance at the state's execution block is
    /// read from an account proof and checked against the beacon state's payload header
    /// (natively; the final proof does not carry it yet). Needs --execution-rpc or
    /// --account-proof. Config keys: `vault` with `execution_rpc`.
    #[arg(long, value_parser = super::submit::parse_address)]
    vault: Option<[u8; 20]>,
    /// The execution node that answers `eth_getProof` for the vault at the state's execution
    /// block (an archive node for blocks older than its pruning window).
    #[arg(long, conflicts_with = "account_proof")]
    execution_rpc: Option<String>,
    /// A saved `eth_getProof` answer for the vault (the result object or the whole JSON-RPC
    /// response), instead of --execution-rpc.
    #[arg(long)]
    account_proof: Option<PathBuf>,
}

/// Where the vault's account proof comes from.
enum ProofSource {
    /// An execution node's `eth_getProof`.
    Node(String),
    /// A saved answer.
    File(PathBuf),
}

/// The vault and its proof's source, resolved from the flags and the config before any state
/// is loaded.
pub(crate) struct VaultRequest {
    vault: [u8; 20],
    source: ProofSource,
}

impl VaultArgs {
    /// The vault to open (the flag, else the config's) and where its proof comes from (the
    /// command line's source, else the config's node); `None` without a vault. Flags that cannot
    /// work together are usage errors.
    pub(crate) fn request(&self, cfg: &Config) -> Result<Option<VaultRequest>> {
        let Some(vault) = self.vault.or(cfg.vault) else {
            if self.execution_rpc.is_some() || self.account_proof.is_some() {
                return Err(crate::exit::usage(
                    "--execution-rpc and --account-proof need --vault (or `vault` in --config)",
                ));
            }
            return Ok(None);
        };
        let source =
            match (&self.account_proof, &self.execution_rpc, &cfg.execution_rpc) {
                (Some(path), _, _) => ProofSource::File(path.clone()),
                (None, Some(url), _) | (None, None, Some(url)) => ProofSource::Node(url.clone()),
                (None, None, None) => return Err(crate::exit::usage(
                    "--vault needs --execution-rpc URL (a node's eth_getProof) or --account-proof \
                     FILE (a saved answer)",
                )),
            };
        Ok(Some(VaultRequest { vault, source }))
    }
}

impl VaultRequest {
    /// The vault's balance at `state`'s execution block, checked, and the proof the oracle's
    /// vault verifier takes for it.
    pub(crate) fn open(
        &self,
        state: &BeaconState,
        tree: Option<&StateTree>,
    ) -> Result<(VaultBalance, VaultProof)> {
        let Some(tree) = tree else {
            state.tree()?;
            bail!("the state has no block root, so no execution block to open the vault at");
        };
        let anchor = ExecutionAnchor::open(state, tree)?;
        let proof = match &self.source {
            ProofSource::Node(url) => fetch(url, &self.vault, &anchor)?,
            ProofSource::File(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading --account-proof {}", path.display()))?;
                AccountProof::from_json(&text)
                    .with_context(|| format!("--account-proof {}", path.display()))?
            }
        };
        let balance = VaultBalance::check(&anchor, &self.vault, &proof).with_context(|| {
            format!(
                "the vault's account proof against execution block {} (state root {})",
                anchor.block_number,
                hexfmt::encode(anchor.state_root)
            )
        })?;
        let onchain = VaultProof::from_parts(
            &tree.slot_proof().branch,
            anchor.state_root,
            &anchor.state_root_proof.branch,
            proof.nodes,
        )
        .context("the block header's slot proof is not 3 siblings long")?;
        Ok((balance, onchain))
    }
}

/// `eth_getProof(vault, [], block hash)` from the node at `url`: by the hash the beacon block
/// commits to (EIP-1898), so a node on another fork or network answers for that block or not
/// at all, instead of for another block of the same number.
fn fetch(url: &str, vault: &[u8; 20], anchor: &ExecutionAnchor) -> Result<AccountProof> {
    use alloy::eips::BlockId;
    use alloy::primitives::Address;
    use alloy::providers::Provider;
    let node = Node::connect_as(url, "--execution-rpc")?;
    let block = BlockId::hash(anchor.block_hash.into());
    let r = node.call(
        "eth_getProof",
        "an account proof",
        node.provider
            .get_proof(Address::from(*vault), vec![])
            .block_id(block),
    )?;
    let balance_wei = u128::try_from(r.balance).map_err(|_| {
        anyhow!(
            "eth_getProof: a balance of {} wei exceeds 128 bits",
            r.balance
        )
    })?;
    Ok(AccountProof {
        address: r.address.into_array(),
        claimed: Account {
            nonce: r.nonce,
            balance_wei,
            storage_root: r.storage_hash.0,
            code_hash: r.code_hash.0,
        },
        nodes: r.account_proof.iter().map(|b| b.to_vec()).collect(),
    })
}

/// The vault's lines of `report`'s text output.
pub(crate) fn print(v: &VaultBalance) {
    let eth = v.account.balance_wei as f64 / 1e18;
    println!(
        "withdrawal vault    {} holds {} wei ({eth:.9} ETH){}",
        hexfmt::encode(v.address),
        v.account.balance_wei,
        if v.exists { "" } else { " (no such account)" }
    );
    println!(
        "execution block     {} ({}), state root {}; account proof checked natively (the \
         oracle proves it with submitVaultBalance: `submit --vault-proof` on this --json output)",
        v.anchor.block_number,
        hexfmt::encode(v.anchor.block_hash),
        hexfmt::encode(v.anchor.state_root)
    );
}
