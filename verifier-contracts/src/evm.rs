//! An in-memory test chain over revm: deploy contracts, move time, call them, decode reverts,
//! measure gas, and the EIP-4788 beacon-roots contract with its system-call writes.

use alloy::json_abi::JsonAbi;
use alloy::sol_types::{Panic, Revert, SolError};
use revm::{
    inspector_handle_register,
    primitives::{
        address, keccak256, AccountInfo, Address, BlockEnv, Bytecode, Bytes, CfgEnv,
        ExecutionResult, Output, SpecId, TxEnv, TxKind, B256, U256,
    },
    Database, DatabaseRef, Evm, InMemoryDB, Inspector,
};
use std::collections::HashMap;

/// Address of the EIP-4788 beacon-roots contract.
pub const BEACON_ROOTS_ADDRESS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// The system address that writes beacon roots at the start of each block.
pub const SYSTEM_ADDRESS: Address = address!("fffffffffffffffffffffffffffffffffffffffe");
/// Runtime bytecode of the EIP-4788 beacon-roots contract, as published in the EIP (its code
/// hash is [`BEACON_ROOTS_CODE_HASH`]).
pub const BEACON_ROOTS_CODE: &str = "3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f35801560495762001fff810690815414603c575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f359062001fff015500";
/// keccak256 of [`BEACON_ROOTS_CODE`] as deployed on mainnet.
pub const BEACON_ROOTS_CODE_HASH: &str =
    "f57acd40259872606d76197ef052f3d35588dadf919ee1f0e3cb9b62d3f4b02c";
/// Gas limit of every transaction on the test chain (a mainnet-sized block).
pub const TX_GAS_LIMIT: u64 = 30_000_000;
/// EIP-170 limit on runtime code size.
pub const MAX_CODE_SIZE: usize = 24_576;

/// A log emitted by a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The emitting contract.
    pub address: Address,
    /// Topics (the first is the event's signature hash for non-anonymous events).
    pub topics: Vec<B256>,
    /// Non-indexed data.
    pub data: Vec<u8>,
}

impl Event {
    /// Whether this is the event with Solidity signature `signature`, e.g. `"PausedSet(bool)"`.
    pub fn is(&self, signature: &str) -> bool {
        self.topics.first() == Some(&keccak256(signature.as_bytes()))
    }
}

/// A successful transaction.
#[derive(Clone, Debug)]
pub struct Receipt {
    /// Total gas of the transaction (intrinsic 21,000 and calldata included).
    pub gas_used: u64,
    /// Return data (for a creation: the runtime code).
    pub output: Vec<u8>,
    /// The created contract, for a creation.
    pub created: Option<Address>,
    /// Emitted logs.
    pub events: Vec<Event>,
}

impl Receipt {
    /// The events with Solidity signature `signature`.
    pub fn events_named<'a>(&'a self, signature: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
        self.events.iter().filter(move |e| e.is(signature))
    }
}

/// A failed transaction or call.
#[derive(Clone, Debug, thiserror::Error)]
pub enum TxError {
    /// The transaction reverted; `name` is the decoded custom error (e.g. `ProofRejected`),
    /// `Error(<message>)`, `Panic(0x..)`, `<empty>` for an empty revert, or the selector in hex.
    #[error("reverted with {name} (gas used {gas_used})")]
    Revert {
        /// Decoded error name.
        name: String,
        /// Raw revert data.
        data: Vec<u8>,
        /// Gas used up to the revert.
        gas_used: u64,
    },
    /// Execution halted (out of gas, invalid opcode, code size limit, ...).
    #[error("halted: {reason} (gas used {gas_used})")]
    Halt {
        /// The halt reason.
        reason: String,
        /// Gas used.
        gas_used: u64,
    },
    /// The transaction was invalid or the EVM failed.
    #[error("evm error: {0}")]
    Evm(String),
}

impl TxError {
    /// The decoded revert name, if this is a revert.
    pub fn revert_name(&self) -> Option<&str> {
        match self {
            TxError::Revert { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// An in-memory chain: one revm database, a current block (number, timestamp), Cancun rules,
/// zero base fee and gas price (so accounts need no ether to send transactions).
#[derive(Debug)]
pub struct TestChain {
    db: InMemoryDB,
    block_number: u64,
    timestamp: u64,
    spec: SpecId,
    errors: HashMap<[u8; 4], String>,
    code_size_limit: Option<usize>,
}

impl Default for TestChain {
    fn default() -> Self {
        Self::new()
    }
}

impl TestChain {
    /// An empty chain at block 1, timestamp 1,700,000,000, Cancun rules.
    pub fn new() -> Self {
        Self {
            db: InMemoryDB::default(),
            block_number: 1,
            timestamp: 1_700_000_000,
            spec: SpecId::CANCUN,
            errors: HashMap::new(),
            code_size_limit: None,
        }
    }

    /// The current block number.
    pub fn block_number(&self) -> u64 {
        self.block_number
    }

    /// The current block timestamp.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// Sets the current block's number and timestamp.
    pub fn set_block(&mut self, number: u64, timestamp: u64) {
        self.block_number = number;
        self.timestamp = timestamp;
    }

    /// Moves `blocks` blocks ahead, 12 s each.
    pub fn advance_blocks(&mut self, blocks: u64) {
        self.block_number += blocks;
        self.timestamp += 12 * blocks;
    }

    /// Lets creations exceed the EIP-170 runtime size limit (`None`: mainnet's 24,576 bytes).
    pub fn set_code_size_limit(&mut self, limit: Option<usize>) {
        self.code_size_limit = limit;
    }

    /// Registers the custom errors of a contract ABI (JSON array, as solc writes it) for
    /// revert decoding; an ABI that does not parse registers nothing.
    pub fn register_errors(&mut self, abi: &serde_json::Value) {
        let Ok(abi) = <JsonAbi as serde::Deserialize>::deserialize(abi) else {
            return;
        };
        for e in abi.errors() {
            self.errors.insert(e.selector().0, e.name.clone());
        }
    }

    /// Decodes revert data into a name (see [`TxError::Revert`]).
    pub fn decode_revert(&self, data: &[u8]) -> String {
        if data.is_empty() {
            return "<empty>".to_string();
        }
        if data.len() < 4 {
            return format!("0x{}", hex::encode(data));
        }
        let sel: [u8; 4] = data[..4].try_into().expect("4 bytes");
        if let Some(name) = self.errors.get(&sel) {
            return name.clone();
        }
        if let Ok(r) = Revert::abi_decode(data, true) {
            return format!("Error({})", r.reason);
        }
        if let Ok(p) = Panic::abi_decode(data, true) {
            return format!("Panic(0x{:x})", p.code);
        }
        format!("0x{}", hex::encode(sel))
    }

    /// Sets an account's balance.
    pub fn fund(&mut self, account: Address, wei: U256) {
        let mut info = self.account(account);
        info.balance = wei;
        self.db.insert_account_info(account, info);
    }

    /// An account's balance.
    pub fn balance(&self, account: Address) -> U256 {
        self.account(account).balance
    }

    /// The runtime code at `account` (empty if none).
    pub fn code(&self, account: Address) -> Vec<u8> {
        let info = self.account(account);
        match info.code {
            Some(code) => code.original_bytes().to_vec(),
            None => self
                .db
                .code_by_hash_ref(info.code_hash)
                .map(|c| c.original_bytes().to_vec())
                .unwrap_or_default(),
        }
    }

    /// Places `runtime` code at `account` directly (no constructor runs, no size limit).
    pub fn set_code(&mut self, account: Address, runtime: &[u8]) {
        let mut info = self.account(account);
        let code = Bytecode::new_raw(Bytes::copy_from_slice(runtime));
        info.code_hash = code.hash_slow();
        info.code = Some(code);
        self.db.insert_account_info(account, info);
    }

    /// A storage slot of `account`.
    pub fn storage(&self, account: Address, slot: U256) -> U256 {
        self.db.storage_ref(account, slot).unwrap_or_default()
    }

    fn account(&self, account: Address) -> AccountInfo {
        self.db
            .basic_ref(account)
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    fn execute(&mut self, tx: TxEnv, commit: bool) -> Result<Receipt, TxError> {
        self.execute_at(tx, commit, self.timestamp)
    }

    fn execute_at(&mut self, tx: TxEnv, commit: bool, timestamp: u64) -> Result<Receipt, TxError> {
        let db = std::mem::take(&mut self.db);
        let (number, spec, limit) = (self.block_number, self.spec, self.code_size_limit);
        let mut evm = Evm::builder()
            .with_db(db)
            .with_spec_id(spec)
            .modify_block_env(|b| block_env(b, number, timestamp))
            .modify_cfg_env(|c| cfg_env(c, limit))
            .with_tx_env(tx)
            .build();
        let result = if commit {
            evm.transact_commit()
        } else {
            evm.transact().map(|r| r.result)
        };
        self.db = std::mem::take(evm.db_mut());
        drop(evm);
        self.receipt(result.map_err(|e| TxError::Evm(format!("{e:?}")))?)
    }

    /// A transaction from `from` to `to` run with `inspector` watching, its state changes
    /// dropped (see [`TestChain::profile`](crate::gas)).
    pub(crate) fn execute_inspected<I: Inspector<InMemoryDB>>(
        &mut self,
        from: Address,
        to: Address,
        data: Vec<u8>,
        value: U256,
        inspector: &mut I,
    ) -> Result<Receipt, TxError> {
        let tx = self.tx(from, TxKind::Call(to), data, value);
        let db = std::mem::take(&mut self.db);
        let (number, timestamp, spec, limit) = (
            self.block_number,
            self.timestamp,
            self.spec,
            self.code_size_limit,
        );
        let mut evm = Evm::builder()
            .with_db(db)
            .with_external_context(inspector)
            .with_spec_id(spec)
            .modify_block_env(|b| block_env(b, number, timestamp))
            .modify_cfg_env(|c| cfg_env(c, limit))
            .with_tx_env(tx)
            .append_handler_register(inspector_handle_register)
            .build();
        let result = evm.transact().map(|r| r.result);
        self.db = std::mem::take(evm.db_mut());
        drop(evm);
        self.receipt(result.map_err(|e| TxError::Evm(format!("{e:?}")))?)
    }

    /// The receipt of an executed transaction, or its revert (decoded) or halt.
    fn receipt(&self, result: ExecutionResult) -> Result<Receipt, TxError> {
        match result {
            ExecutionResult::Success {
                gas_used,
                logs,
                output,
                ..
            } => {
                let (output, created) = match output {
                    Output::Call(b) => (b.to_vec(), None),
                    Output::Create(b, a) => (b.to_vec(), a),
                };
                let events = logs
                    .into_iter()
                    .map(|l| Event {
                        address: l.address,
                        topics: l.data.topics().to_vec(),
                        data: l.data.data.to_vec(),
                    })
                    .collect();
                Ok(Receipt {
                    gas_used,
                    output,
                    created,
                    events,
                })
            }
            ExecutionResult::Revert { gas_used, output } => Err(TxError::Revert {
                name: self.decode_revert(&output),
                data: output.to_vec(),
                gas_used,
            }),
            ExecutionResult::Halt { reason, gas_used } => Err(TxError::Halt {
                reason: format!("{reason:?}"),
                gas_used,
            }),
        }
    }

    fn tx(&mut self, from: Address, to: TxKind, data: Vec<u8>, value: U256) -> TxEnv {
        TxEnv {
            caller: from,
            gas_limit: TX_GAS_LIMIT,
            gas_price: U256::ZERO,
            transact_to: to,
            value,
            data: data.into(),
            nonce: None,
            chain_id: None,
            ..Default::default()
        }
    }

    /// Deploys `creation_code` (constructor arguments appended) from `from`.
    pub fn deploy(
        &mut self,
        from: Address,
        creation_code: Vec<u8>,
    ) -> Result<(Address, Receipt), TxError> {
        let tx = self.tx(from, TxKind::Create, creation_code, U256::ZERO);
        let receipt = self.execute(tx, true)?;
        let address = receipt
            .created
            .ok_or_else(|| TxError::Evm("creation returned no address".into()))?;
        Ok((address, receipt))
    }

    /// Sends a transaction calling `to` with `data` and `value` wei; state changes are kept.
    pub fn call(
        &mut self,
        from: Address,
        to: Address,
        data: Vec<u8>,
        value: U256,
    ) -> Result<Receipt, TxError> {
        let tx = self.tx(from, TxKind::Call(to), data, value);
        self.execute(tx, true)
    }

    /// Calls `to` without keeping state changes (an `eth_call`) and returns its output.
    pub fn view(&mut self, to: Address, data: Vec<u8>) -> Result<Vec<u8>, TxError> {
        let tx = self.tx(Address::ZERO, TxKind::Call(to), data, U256::ZERO);
        Ok(self.execute(tx, false)?.output)
    }

    /// Installs the EIP-4788 beacon-roots contract at [`BEACON_ROOTS_ADDRESS`].
    pub fn install_beacon_roots(&mut self) {
        let code = hex::decode(BEACON_ROOTS_CODE).expect("valid hex");
        self.set_code(BEACON_ROOTS_ADDRESS, &code);
    }

    /// Writes `root` into the beacon-roots contract under `timestamp` the way a client does at
    /// the start of the block with that timestamp: a call from [`SYSTEM_ADDRESS`] with the
    /// 32-byte root as calldata, executed in a block whose timestamp is `timestamp`. The
    /// current block is left unchanged.
    pub fn write_beacon_root(&mut self, timestamp: u64, root: B256) -> Result<(), TxError> {
        let tx = self.tx(
            SYSTEM_ADDRESS,
            TxKind::Call(BEACON_ROOTS_ADDRESS),
            root.to_vec(),
            U256::ZERO,
        );
        self.execute_at(tx, true, timestamp).map(|_| ())
    }

    /// Reads the root stored under `timestamp` the way contracts do (a call with the 32-byte
    /// timestamp); an error when the contract reverts (no root for that timestamp).
    pub fn beacon_root(&mut self, timestamp: u64) -> Result<B256, TxError> {
        let out = self.view(
            BEACON_ROOTS_ADDRESS,
            U256::from(timestamp).to_be_bytes::<32>().to_vec(),
        )?;
        Ok(B256::from_slice(&out))
    }

    /// Mutable access to the underlying revm database.
    pub fn db_mut(&mut self) -> &mut InMemoryDB {
        &mut self.db
    }

    /// The account's nonce.
    pub fn nonce(&mut self, account: Address) -> u64 {
        self.db
            .basic(account)
            .ok()
            .flatten()
            .map(|a| a.nonce)
            .unwrap_or(0)
    }
}

/// The test chain's block: its number and timestamp, no base fee, a mainnet-sized gas limit.
fn block_env(b: &mut BlockEnv, number: u64, timestamp: u64) {
    b.number = U256::from(number);
    b.timestamp = U256::from(timestamp);
    b.basefee = U256::ZERO;
    b.gas_limit = U256::from(TX_GAS_LIMIT);
    b.prevrandao = Some(B256::ZERO);
}

/// The test chain's configuration: mainnet's chain id, the code size limit if one is set.
fn cfg_env(c: &mut CfgEnv, code_size_limit: Option<usize>) {
    c.chain_id = 1;
    c.limit_contract_code_size = code_size_limit;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beacon_roots_code_hash_matches_mainnet() {
        let code = hex::decode(BEACON_ROOTS_CODE).unwrap();
        assert_eq!(hex::encode(keccak256(&code)), BEACON_ROOTS_CODE_HASH);
        assert_eq!(
            BEACON_ROOTS_ADDRESS.to_checksum(None),
            "0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02"
        );
    }

    #[test]
    fn beacon_roots_contract_ring_buffer() {
        let mut chain = TestChain::new();
        chain.install_beacon_roots();
        let t = chain.timestamp();
        let root = B256::repeat_byte(0x42);
        chain.write_beacon_root(t, root).unwrap();
        assert_eq!(chain.beacon_root(t).unwrap(), root);
        // Unknown timestamp, zero timestamp and wrong input length revert (empty revert data).
        for err in [
            chain.beacon_root(t + 1).unwrap_err(),
            chain.beacon_root(0).unwrap_err(),
        ] {
            assert_eq!(err.revert_name(), Some("<empty>"));
        }
        let short = chain.view(BEACON_ROOTS_ADDRESS, vec![1; 31]).unwrap_err();
        assert_eq!(short.revert_name(), Some("<empty>"));
        // 8191 slots later the same ring-buffer entry holds the newer timestamp.
        let later = t + 8191;
        chain
            .write_beacon_root(later, B256::repeat_byte(7))
            .unwrap();
        assert!(chain.beacon_root(t).is_err());
        assert_eq!(chain.beacon_root(later).unwrap(), B256::repeat_byte(7));
        // Only the system address writes: from anyone else the root is a (failing) read.
        let other = chain.call(
            Address::repeat_byte(1),
            BEACON_ROOTS_ADDRESS,
            vec![9; 32],
            U256::ZERO,
        );
        assert!(other.is_err());
    }
}
