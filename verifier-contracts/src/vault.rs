//! The withdrawal vault's balance on-chain: the proof `WithdrawalVaultVerifier.vaultBalance`
//! takes ([`VaultProof`], one codec), the calls of the oracle around it, and the
//! [`Deployment`]'s typed vault calls.
//!
//! The proof opens, from the beacon block root the oracle reads from EIP-4788, the header's
//! slot and the payload header's execution state root (SHA-256), then walks the vault's
//! account down the execution state trie (keccak-256, RLP), as
//! `stakeproof_beacon::execution` does natively.

use crate::bindings::{BeaconBalanceOracle as Oracle, WithdrawalVaultVerifier as Vault};
use crate::calldata::decode_words;
use crate::deployment::{Deployment, SUBMITTER};
use crate::evm::{Receipt, TxError};
use alloy::primitives::{Bytes, FixedBytes};
use alloy::sol_types::{SolCall, SolConstructor, SolValue};
use revm::primitives::{Address, B256, U256};

/// What the vault verifier takes as `proof`:
/// `abi.encode(bytes32[3], bytes32, bytes32[], bytes[])`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultProof {
    /// The block header's slot proof: its three siblings (gindex 8), leaf first.
    pub slot_branch: [B256; 3],
    /// The execution state root (`latest_execution_payload_header.state_root`).
    pub state_root: B256,
    /// Its siblings up to the block root, leaf first (the depth of the layout's gindex).
    pub state_root_branch: Vec<B256>,
    /// The account proof's RLP nodes, root first, as `eth_getProof` returns them.
    pub nodes: Vec<Vec<u8>>,
}

impl VaultProof {
    /// The proof from its parts as `stakeproof_beacon` gives them: the block header's slot
    /// proof branch (its 3 siblings), the execution state root with its branch up to the block
    /// root, and the account proof's nodes. `None` when the slot branch is not 3 long.
    pub fn from_parts(
        slot_branch: &[[u8; 32]],
        state_root: [u8; 32],
        state_root_branch: &[[u8; 32]],
        nodes: Vec<Vec<u8>>,
    ) -> Option<Self> {
        let slot: [[u8; 32]; 3] = slot_branch.try_into().ok()?;
        Some(Self {
            slot_branch: slot.map(B256::from),
            state_root: B256::from(state_root),
            state_root_branch: state_root_branch.iter().map(|b| B256::from(*b)).collect(),
            nodes,
        })
    }

    /// The ABI encoding the verifier decodes.
    pub fn encode(&self) -> Vec<u8> {
        let nodes: Vec<Bytes> = self.nodes.iter().cloned().map(Bytes::from).collect();
        (
            self.slot_branch.map(FixedBytes::from),
            self.state_root,
            self.state_root_branch.clone(),
            nodes,
        )
            .abi_encode_params()
    }

    /// Decodes [`VaultProof::encode`]'s bytes (strictly: no trailing or non-canonical data).
    pub fn decode(bytes: &[u8]) -> Result<Self, alloy::sol_types::Error> {
        type Tuple = (
            [FixedBytes<32>; 3],
            FixedBytes<32>,
            Vec<FixedBytes<32>>,
            Vec<Bytes>,
        );
        let (slot_branch, state_root, state_root_branch, nodes) =
            <Tuple as SolValue>::abi_decode_params(bytes, true)?;
        Ok(Self {
            slot_branch,
            state_root,
            state_root_branch,
            nodes: nodes.into_iter().map(|b| b.to_vec()).collect(),
        })
    }
}

/// Creation code of a `WithdrawalVaultVerifier` for the layout whose payload header's
/// `state_root` is at `state_root_gindex` below the block root, refusing slots from
/// `until_slot` on (`u64::MAX`: none): `bytecode` (the compiled contract's) with its
/// constructor arguments.
pub fn vault_verifier_creation(
    bytecode: &[u8],
    state_root_gindex: u64,
    until_slot: u64,
) -> Vec<u8> {
    let mut code = bytecode.to_vec();
    code.extend(
        Vault::constructorCall {
            stateRootGindex: U256::from(state_root_gindex),
            untilSlot: until_slot,
        }
        .abi_encode(),
    );
    code
}

/// Calldata of `WithdrawalVaultVerifier.vaultBalance(blockRoot, slot, account, proof)`.
pub fn vault_balance(block_root: B256, slot: u64, account: Address, proof: &VaultProof) -> Vec<u8> {
    Vault::vaultBalanceCall {
        blockRoot: block_root,
        slot,
        account,
        proof: proof.encode().into(),
    }
    .abi_encode()
}

/// Calldata of `BeaconBalanceOracle.submitVaultBalance(slot, timestamp, proof)`.
pub fn submit_vault_balance(slot: u64, timestamp: u64, proof: &VaultProof) -> Vec<u8> {
    Oracle::submitVaultBalanceCall {
        slot,
        timestamp: U256::from(timestamp),
        proof: proof.encode().into(),
    }
    .abi_encode()
}

/// Calldata of `BeaconBalanceOracle.scheduleVaultVerifier(verifier, activationSlot)`.
pub fn schedule_vault_verifier(verifier: Address, activation_slot: u64) -> Vec<u8> {
    Oracle::scheduleVaultVerifierCall {
        verifier,
        activationSlot: activation_slot,
    }
    .abi_encode()
}

impl Deployment {
    /// `submitVaultBalance(slot, timestamp, proof)` from [`SUBMITTER`].
    pub fn submit_vault_balance(
        &mut self,
        slot: u64,
        timestamp: u64,
        proof: &VaultProof,
    ) -> Result<Receipt, TxError> {
        let data = submit_vault_balance(slot, timestamp, proof);
        self.chain.call(SUBMITTER, self.oracle, data, U256::ZERO)
    }

    /// `vaultBalanceAt(slot)`: whether the vault balance of the report of `slot` is proven, and
    /// its wei.
    pub fn vault_balance_at(&mut self, slot: u64) -> Result<(bool, U256), TxError> {
        let data = Oracle::vaultBalanceAtCall { slot }.abi_encode();
        match decode_words(&self.chain.view(self.oracle, data)?)[..] {
            [proven, wei, ..] => Ok((proven != U256::ZERO, wei)),
            _ => Err(TxError::Evm("bad vaultBalanceAt output".into())),
        }
    }

    /// Deploys a `WithdrawalVaultVerifier` for `state_root_gindex`, refusing slots from
    /// `until_slot` on, and returns its address.
    pub fn deploy_vault_verifier(
        &mut self,
        state_root_gindex: u64,
        until_slot: u64,
    ) -> Result<Address, TxError> {
        let artifacts = crate::contracts::artifacts()
            .map_err(|e| TxError::Evm(format!("compiling the contracts failed: {e}")))?;
        let code = vault_verifier_creation(
            &artifacts.vault_verifier.bytecode,
            state_root_gindex,
            until_slot,
        );
        Ok(self.chain.deploy(self.config.owner, code)?.0)
    }

    /// `scheduleVaultVerifier(verifier, activationSlot)` as the owner.
    pub fn schedule_vault_verifier(
        &mut self,
        verifier: Address,
        activation_slot: u64,
    ) -> Result<Receipt, TxError> {
        let data = schedule_vault_verifier(verifier, activation_slot);
        self.chain
            .call(self.config.owner, self.oracle, data, U256::ZERO)
    }

    /// `vaultVerifierFor(slot)`.
    pub fn vault_verifier_for(&mut self, slot: u64) -> Result<Address, TxError> {
        let data = Oracle::vaultVerifierForCall { slot }.abi_encode();
        let w = decode_words(&self.chain.view(self.oracle, data)?);
        Ok(Address::from_word(B256::from(w[0])))
    }
}
