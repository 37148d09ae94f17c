//! A complete on-chain setup on a [`TestChain`]: the EIP-4788 contract, a report verifier, the
//! [`BeaconBalanceOracle`](crate::contracts::ORACLE) and the [`ExampleLSD`](crate::contracts::LSD),
//! with typed calls. Used by this crate's tests and meant for end-to-end tests that plug in a
//! real proof.

use crate::{
    calldata::{
        self, address_word, b256_word, call, decode_words, Report, Token, NUM_ACCUMULATOR_LIMBS,
    },
    contracts,
    evm::{Receipt, TestChain, TxError, BEACON_ROOTS_ADDRESS, MAX_CODE_SIZE},
    solc::SolcError,
};
use revm::primitives::{address, Address, B256, U256};

/// The default owner of the oracle on the test chain.
pub const OWNER: Address = address!("00000000000000000000000000000000000a11ce");
/// The default report submitter (submission is permissionless).
pub const SUBMITTER: Address = address!("0000000000000000000000000000000000000b0b");
/// Where [`VerifierCode::Runtime`] verifiers are placed (the n-th one at this address + n).
pub const RUNTIME_VERIFIER_BASE: Address = address!("00000000000000000000000000000000000ffe00");

/// Errors of setting up a deployment.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The contracts did not compile.
    #[error("compiling the contracts failed: {0}")]
    Solc(String),
    /// A deployment transaction failed.
    #[error("deploying {what} failed: {source}")]
    Tx {
        /// What was deployed.
        what: &'static str,
        /// Why it failed.
        #[source]
        source: TxError,
    },
}

impl From<&SolcError> for DeployError {
    fn from(e: &SolcError) -> Self {
        DeployError::Solc(e.to_string())
    }
}

/// A verifier to deploy.
#[derive(Clone, Debug)]
pub enum VerifierCode {
    /// Creation code (e.g. [`Compiled::bytecode`](crate::solc::Compiled)), deployed by a
    /// transaction, so subject to the EIP-170 size limit of 24,576 runtime bytes.
    Creation(Vec<u8>),
    /// Runtime code placed directly at an address: for measuring verifiers above the size limit
    /// (which could not be deployed on mainnet as they are).
    Runtime(Vec<u8>),
}

/// The oracle's constructor settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleConfig {
    /// Owner (pause, bound, verifier schedule).
    pub owner: Address,
    /// Whether the pool credentials are matched exactly.
    pub pool_exact: bool,
    /// The pool's withdrawal credentials.
    pub pool_credentials: B256,
    /// Bound on the total balance change, bps per day.
    pub max_change_bps_per_day: u64,
    /// The network's seconds per slot (12 on Ethereum, 5 on Gnosis Chain).
    pub seconds_per_slot: u64,
    /// The network's genesis time.
    pub genesis_time: u64,
    /// The verifier timelock in seconds (`VERIFIER_DELAY`): 0 for none (devnets and tests),
    /// days in production.
    pub verifier_delay: u64,
    /// The pool's withdrawal vault (`WITHDRAWAL_VAULT`), zero for none.
    pub withdrawal_vault: Address,
    /// With a vault: the generalized index of the payload header's `state_root` below the
    /// block root that the initial `WithdrawalVaultVerifier` is deployed for (Capella 6018,
    /// Deneb 12034, Electra and Fulu 23298).
    pub vault_state_root_gindex: u64,
}

impl OracleConfig {
    /// An address pool (`0x01‖0…0‖address` credentials, not exact) owned by [`OWNER`] with a
    /// bound of 500 bps (5%) per day, Ethereum's 12-second slots from genesis time 0, and no
    /// verifier timelock (a test or devnet deployment).
    pub fn for_address(pool: Address) -> Self {
        let mut credentials = [0u8; 32];
        credentials[0] = 1;
        credentials[12..].copy_from_slice(pool.as_slice());
        Self {
            owner: OWNER,
            pool_exact: false,
            pool_credentials: B256::from(credentials),
            max_change_bps_per_day: 500,
            seconds_per_slot: 12,
            genesis_time: 0,
            verifier_delay: 0,
            withdrawal_vault: Address::ZERO,
            vault_state_root_gindex: 0,
        }
    }
}

impl OracleConfig {
    /// This config with the pool of a proof: an address (its 0x01 form) or exact credentials
    /// as they are; a credential set's root held as exact credentials, because the oracle has
    /// no set until `schedulePoolSet` names it (from slot 0, before any report: see
    /// [`Deployment::schedule_pool_set`]) and an address pool must be in its 0x01 form.
    pub fn with_pool(self, exact: bool, set: bool, credentials: B256) -> Self {
        Self {
            pool_exact: exact || set,
            pool_credentials: credentials,
            ..self
        }
    }
}

/// Lido's second-opinion answer (`getReport(refSlot)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecondOpinion {
    /// Whether a report at or before the slot exists.
    pub success: bool,
    /// The pool's beacon-chain balance, gwei.
    pub cl_balance_gwei: U256,
    /// The withdrawal vault's proven balance at the report's block (zero without a vault).
    pub withdrawal_vault_balance_wei: U256,
    /// Pool validators in the registry.
    pub total_deposited_validators: U256,
    /// Exited pool validators.
    pub total_exited_validators: U256,
}

/// The deployed contracts on their chain.
#[derive(Debug)]
pub struct Deployment {
    /// The chain (public: move time, fund accounts, inspect state).
    pub chain: TestChain,
    /// The oracle.
    pub oracle: Address,
    /// The example LSD, reading the oracle.
    pub lsd: Address,
    /// The initial verifier.
    pub verifier: Address,
    /// The initial vault verifier (zero without a withdrawal vault).
    pub vault_verifier: Address,
    /// The oracle's settings.
    pub config: OracleConfig,
    /// Gas of the oracle's deployment transaction.
    pub oracle_deploy_gas: u64,
    runtime_verifiers: u64,
}

impl Deployment {
    /// Deploys on a fresh [`TestChain`] (see [`Deployment::deploy`]).
    pub fn new(verifier: VerifierCode, config: OracleConfig) -> Result<Self, DeployError> {
        Self::deploy(TestChain::new(), verifier, config)
    }

    /// Installs the EIP-4788 contract on `chain`, deploys `verifier`, the oracle (pointing at
    /// the real beacon-roots address) and the LSD, and registers their errors for decoding.
    pub fn deploy(
        mut chain: TestChain,
        verifier: VerifierCode,
        config: OracleConfig,
    ) -> Result<Self, DeployError> {
        let artifacts = contracts::artifacts()?;
        chain.register_errors(&artifacts.oracle.abi);
        chain.register_errors(&artifacts.lsd.abi);
        chain.register_errors(&artifacts.vault_verifier.abi);
        chain.install_beacon_roots();
        let mut this = Self {
            chain,
            oracle: Address::ZERO,
            lsd: Address::ZERO,
            verifier: Address::ZERO,
            vault_verifier: Address::ZERO,
            config,
            oracle_deploy_gas: 0,
            runtime_verifiers: 0,
        };
        this.verifier = this.deploy_verifier(verifier)?;
        if config.withdrawal_vault != Address::ZERO {
            this.vault_verifier = this
                .deploy_vault_verifier(config.vault_state_root_gindex, u64::MAX)
                .map_err(|source| DeployError::Tx {
                    what: "vault verifier",
                    source,
                })?;
        }
        let mut code = artifacts.oracle.bytecode.clone();
        code.extend(calldata::oracle_constructor_args(
            &config,
            this.verifier,
            BEACON_ROOTS_ADDRESS,
            this.vault_verifier,
        ));
        let (oracle, receipt) =
            this.chain
                .deploy(config.owner, code)
                .map_err(|source| DeployError::Tx {
                    what: "oracle",
                    source,
                })?;
        this.oracle = oracle;
        this.oracle_deploy_gas = receipt.gas_used;
        let mut code = artifacts.lsd.bytecode.clone();
        code.extend(calldata::encode(&[address_word(oracle).into()]));
        let (lsd, _) = this
            .chain
            .deploy(config.owner, code)
            .map_err(|source| DeployError::Tx {
                what: "LSD",
                source,
            })?;
        this.lsd = lsd;
        Ok(this)
    }

    /// [`Deployment::new`] for the chain proof design: `verifier` is the anchored (26-input)
    /// verifier of every slot, scheduled with `scheduleChainVerifier` at slot 0 before any
    /// report (the constructor's entry is unanchored). [`Deployment::verifier`] is its address.
    pub fn new_chain(verifier: VerifierCode, config: OracleConfig) -> Result<Self, DeployError> {
        let mut this = Self::new(verifier, config)?;
        this.schedule_chain_verifier(this.verifier, 0)
            .map_err(|source| DeployError::Tx {
                what: "chain verifier schedule",
                source,
            })?;
        Ok(this)
    }

    /// [`Deployment::new`] for reports with the pool's pending deposits: `verifier` (26 inputs)
    /// is scheduled with `schedulePendingVerifier` at slot 0 before any report.
    pub fn new_pending(verifier: VerifierCode, config: OracleConfig) -> Result<Self, DeployError> {
        let mut this = Self::new(verifier, config)?;
        this.schedule_pending_verifier(this.verifier, 0)
            .map_err(|source| DeployError::Tx {
                what: "pending verifier schedule",
                source,
            })?;
        Ok(this)
    }

    /// Deploys another verifier (e.g. to schedule it) and returns its address.
    pub fn deploy_verifier(&mut self, verifier: VerifierCode) -> Result<Address, DeployError> {
        match verifier {
            VerifierCode::Creation(code) => {
                let (a, _) = self
                    .chain
                    .deploy(self.config.owner, code)
                    .map_err(|source| DeployError::Tx {
                        what: "verifier",
                        source,
                    })?;
                Ok(a)
            }
            VerifierCode::Runtime(code) => {
                let a = Address::from_word(B256::from(
                    b256_word(RUNTIME_VERIFIER_BASE.into_word())
                        + U256::from(self.runtime_verifiers),
                ));
                self.runtime_verifiers += 1;
                self.chain.set_code(a, &code);
                Ok(a)
            }
        }
    }

    /// Writes `root` into the EIP-4788 contract under `timestamp` (see
    /// [`TestChain::write_beacon_root`]).
    pub fn write_beacon_root(&mut self, timestamp: u64, root: B256) -> Result<(), TxError> {
        self.chain.write_beacon_root(timestamp, root)
    }

    /// Submits a report from [`SUBMITTER`].
    pub fn submit(
        &mut self,
        report: &Report,
        timestamp: u64,
        accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
        proof: &[u8],
    ) -> Result<Receipt, TxError> {
        let data = calldata::submit_report(report, timestamp, accumulator, proof);
        self.chain.call(SUBMITTER, self.oracle, data, U256::ZERO)
    }

    /// Submits a report of the chain proof design (`submitChainReport`) from [`SUBMITTER`];
    /// `anchor_old` is 0 for a cold chain.
    pub fn submit_chain(
        &mut self,
        report: &Report,
        timestamp: u64,
        anchor_old: U256,
        anchor_new: U256,
        accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
        proof: &[u8],
    ) -> Result<Receipt, TxError> {
        let data = calldata::submit_chain_report(
            report,
            timestamp,
            anchor_old,
            anchor_new,
            accumulator,
            proof,
        );
        self.chain.call(SUBMITTER, self.oracle, data, U256::ZERO)
    }

    /// Submits a report with the pool's pending deposits (`submitPendingReport`) from
    /// [`SUBMITTER`].
    pub fn submit_pending(
        &mut self,
        report: &Report,
        timestamp: u64,
        pending: (u64, u128),
        accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
        proof: &[u8],
    ) -> Result<Receipt, TxError> {
        let data = calldata::submit_pending_report(report, timestamp, pending, accumulator, proof);
        self.chain.call(SUBMITTER, self.oracle, data, U256::ZERO)
    }

    /// Calls a verifier directly with public inputs and a proof (to measure it).
    pub fn call_verifier(
        &mut self,
        verifier: Address,
        inputs: &[U256],
        proof: &[u8],
    ) -> Result<Receipt, TxError> {
        self.chain.call(
            SUBMITTER,
            verifier,
            calldata::verifier_calldata(inputs, proof),
            U256::ZERO,
        )
    }

    fn owner_call(&mut self, signature: &str, tokens: &[Token]) -> Result<Receipt, TxError> {
        self.owner_send(call(signature, tokens))
    }

    fn owner_send(&mut self, data: Vec<u8>) -> Result<Receipt, TxError> {
        self.chain
            .call(self.config.owner, self.oracle, data, U256::ZERO)
    }

    fn view_words(
        &mut self,
        to: Address,
        signature: &str,
        tokens: &[Token],
    ) -> Result<Vec<U256>, TxError> {
        Ok(decode_words(&self.chain.view(to, call(signature, tokens))?))
    }

    /// `scheduleVerifier(verifier, activationSlot)` as the owner (an unanchored verifier).
    pub fn schedule_verifier(
        &mut self,
        verifier: Address,
        activation_slot: u64,
    ) -> Result<Receipt, TxError> {
        self.owner_send(calldata::schedule_verifier(verifier, activation_slot))
    }

    /// `scheduleChainVerifier(verifier, activationSlot)` as the owner (an anchored verifier of
    /// the chain design).
    pub fn schedule_chain_verifier(
        &mut self,
        verifier: Address,
        activation_slot: u64,
    ) -> Result<Receipt, TxError> {
        self.owner_send(calldata::schedule_chain_verifier(verifier, activation_slot))
    }

    /// `schedulePendingVerifier(verifier, activationSlot)` as the owner (a verifier of reports
    /// with the pool's pending deposits).
    pub fn schedule_pending_verifier(
        &mut self,
        verifier: Address,
        activation_slot: u64,
    ) -> Result<Receipt, TxError> {
        self.owner_send(calldata::schedule_pending_verifier(
            verifier,
            activation_slot,
        ))
    }

    /// `cancelVerifier(activationSlot)` as the owner: withdraws the pending last entry.
    pub fn cancel_verifier(&mut self, activation_slot: u64) -> Result<Receipt, TxError> {
        self.owner_call(
            "cancelVerifier(uint64)",
            &[U256::from(activation_slot).into()],
        )
    }

    /// `earliestActivationSlot()`: the first slot a verifier scheduled now may start at.
    pub fn earliest_activation_slot(&mut self) -> Result<u64, TxError> {
        let out = self
            .chain
            .view(self.oracle, call("earliestActivationSlot()", &[]))?;
        Ok(calldata::decode_words(&out)[0].saturating_to())
    }

    /// `setPoolAdmin(admin)` as the owner.
    pub fn set_pool_admin(&mut self, admin: Address) -> Result<Receipt, TxError> {
        self.owner_call("setPoolAdmin(address)", &[address_word(admin).into()])
    }

    /// `schedulePoolSet(root, fromSlot)` sent by `from` (the pool admin).
    pub fn schedule_pool_set(
        &mut self,
        from: Address,
        root: B256,
        from_slot: u64,
    ) -> Result<Receipt, TxError> {
        let data = call(
            "schedulePoolSet(bytes32,uint64)",
            &[b256_word(root).into(), U256::from(from_slot).into()],
        );
        self.chain.call(from, self.oracle, data, U256::ZERO)
    }

    /// `poolFor(slot)`: the pool mode and credentials (a set's root) of reports at `slot`.
    pub fn pool_for(&mut self, slot: u64) -> Result<(u8, B256), TxError> {
        let w = self.view_words(self.oracle, "poolFor(uint64)", &[U256::from(slot).into()])?;
        Ok((w[0].to::<u8>(), B256::from(w[1])))
    }

    /// `pause()` as the owner.
    pub fn pause(&mut self) -> Result<Receipt, TxError> {
        self.owner_call("pause()", &[])
    }

    /// `unpause()` as the owner.
    pub fn unpause(&mut self) -> Result<Receipt, TxError> {
        self.owner_call("unpause()", &[])
    }

    /// `setMaxChangeBpsPerDay(bps)` as the owner.
    pub fn set_max_change_bps_per_day(&mut self, bps: u64) -> Result<Receipt, TxError> {
        self.owner_call("setMaxChangeBpsPerDay(uint256)", &[U256::from(bps).into()])
    }

    /// `verifierFor(slot)`.
    pub fn verifier_for(&mut self, slot: u64) -> Result<Address, TxError> {
        let w = self.view_words(
            self.oracle,
            "verifierFor(uint64)",
            &[U256::from(slot).into()],
        )?;
        Ok(Address::from_word(B256::from(w[0])))
    }

    /// `verifierAt(i)`: the `i`-th schedule entry as (activation slot, verifier, anchored).
    pub fn verifier_at(&mut self, i: u64) -> Result<(u64, Address, bool), TxError> {
        let w = self.view_words(self.oracle, "verifierAt(uint256)", &[U256::from(i).into()])?;
        if w.len() < 3 {
            return Err(TxError::Evm("bad verifierAt output".into()));
        }
        Ok((
            w[0].saturating_to(),
            Address::from_word(B256::from(w[1])),
            w[2] != U256::ZERO,
        ))
    }

    /// `verifierAt(i).pending`: whether the `i`-th schedule entry takes pending deposits.
    pub fn verifier_takes_pending(&mut self, i: u64) -> Result<bool, TxError> {
        let w = self.view_words(self.oracle, "verifierAt(uint256)", &[U256::from(i).into()])?;
        match w.get(3) {
            Some(v) => Ok(*v != U256::ZERO),
            None => Err(TxError::Evm("bad verifierAt output".into())),
        }
    }

    /// `pendingDepositsAt(slot)`: the pending count and sum stored with the report of `slot`.
    pub fn pending_deposits_at(&mut self, slot: u64) -> Result<(u64, u128), TxError> {
        let w = self.view_words(
            self.oracle,
            "pendingDepositsAt(uint64)",
            &[U256::from(slot).into()],
        )?;
        match w[..] {
            [count, gwei, ..] => Ok((count.saturating_to(), gwei.saturating_to())),
            _ => Err(TxError::Evm("bad pendingDepositsAt output".into())),
        }
    }

    /// `isKnownAnchor(verifier, anchor)`: whether a chain report accepted under `verifier`
    /// ended at `anchor`.
    pub fn is_known_anchor(&mut self, verifier: Address, anchor: U256) -> Result<bool, TxError> {
        let w = self.view_words(
            self.oracle,
            "isKnownAnchor(address,uint256)",
            &[address_word(verifier).into(), anchor.into()],
        )?;
        Ok(w[0] != U256::ZERO)
    }

    /// `latestAnchor()`: the `anchorNew` of the latest accepted chain report (0 if none).
    pub fn latest_anchor(&mut self) -> Result<U256, TxError> {
        Ok(self.view_words(self.oracle, "latestAnchor()", &[])?[0])
    }

    /// `latestReport()`.
    pub fn latest_report(&mut self) -> Result<Report, TxError> {
        let out = self.chain.view(self.oracle, call("latestReport()", &[]))?;
        Report::from_abi(&out).ok_or_else(|| TxError::Evm("bad latestReport output".into()))
    }

    /// `reportAt(slot)`.
    pub fn report_at(&mut self, slot: u64) -> Result<Report, TxError> {
        let out = self.chain.view(
            self.oracle,
            call("reportAt(uint64)", &[U256::from(slot).into()]),
        )?;
        Report::from_abi(&out).ok_or_else(|| TxError::Evm("bad reportAt output".into()))
    }

    /// `reportCount()`.
    pub fn report_count(&mut self) -> Result<u64, TxError> {
        Ok(self.view_words(self.oracle, "reportCount()", &[])?[0].saturating_to())
    }

    /// `getReport(refSlot)`, Lido's second-opinion interface.
    pub fn get_report(&mut self, ref_slot: u64) -> Result<SecondOpinion, TxError> {
        let w = self.view_words(
            self.oracle,
            "getReport(uint256)",
            &[U256::from(ref_slot).into()],
        )?;
        Ok(SecondOpinion {
            success: w[0] != U256::ZERO,
            cl_balance_gwei: w[1],
            withdrawal_vault_balance_wei: w[2],
            total_deposited_validators: w[3],
            total_exited_validators: w[4],
        })
    }

    /// The oracle's own `publicInputs(report, blockRoot, accumulator)`.
    pub fn oracle_public_inputs(
        &mut self,
        report: &Report,
        block_root: B256,
        accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
    ) -> Result<Vec<U256>, TxError> {
        let mut tokens: Vec<Token> = report.to_words().into_iter().map(Token::Word).collect();
        tokens.push(b256_word(block_root).into());
        tokens.extend(accumulator.iter().copied().map(Token::Word));
        self.view_words(
            self.oracle,
            "publicInputs((uint64,uint64,uint64,uint128,uint64,uint64,uint64),bytes32,uint256[12])",
            &tokens,
        )
    }

    /// The oracle's own `chainPublicInputs(report, blockRoot, anchorOld, anchorNew,
    /// accumulator)`.
    pub fn oracle_chain_public_inputs(
        &mut self,
        report: &Report,
        block_root: B256,
        anchor_old: U256,
        anchor_new: U256,
        accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
    ) -> Result<Vec<U256>, TxError> {
        let mut tokens: Vec<Token> = report.to_words().into_iter().map(Token::Word).collect();
        tokens.push(b256_word(block_root).into());
        tokens.push(anchor_old.into());
        tokens.push(anchor_new.into());
        tokens.extend(accumulator.iter().copied().map(Token::Word));
        self.view_words(
            self.oracle,
            "chainPublicInputs((uint64,uint64,uint64,uint128,uint64,uint64,uint64),bytes32,uint256,uint256,uint256[12])",
            &tokens,
        )
    }

    /// The public inputs the oracle builds for a chain report (Rust mirror of
    /// `chainPublicInputs`).
    pub fn chain_public_inputs(
        &self,
        report: &Report,
        block_root: B256,
        anchor_old: U256,
        anchor_new: U256,
        accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
    ) -> [U256; calldata::NUM_CHAIN_PUBLIC_INPUTS] {
        calldata::chain_public_inputs(
            report,
            block_root,
            self.config.pool_exact,
            self.config.pool_credentials,
            anchor_old,
            anchor_new,
            accumulator,
        )
    }

    /// The oracle's own `pendingPublicInputs(report, blockRoot, count, gwei, accumulator)`.
    pub fn oracle_pending_public_inputs(
        &mut self,
        report: &Report,
        block_root: B256,
        pending: (u64, u128),
        accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
    ) -> Result<Vec<U256>, TxError> {
        let mut tokens: Vec<Token> = report.to_words().into_iter().map(Token::Word).collect();
        tokens.push(b256_word(block_root).into());
        tokens.push(U256::from(pending.0).into());
        tokens.push(U256::from(pending.1).into());
        tokens.extend(accumulator.iter().copied().map(Token::Word));
        self.view_words(
            self.oracle,
            "pendingPublicInputs((uint64,uint64,uint64,uint128,uint64,uint64,uint64),bytes32,uint64,uint128,uint256[12])",
            &tokens,
        )
    }

    /// The public inputs the oracle builds for `report` and `block_root` (Rust mirror).
    pub fn public_inputs(
        &self,
        report: &Report,
        block_root: B256,
        accumulator: &[U256; NUM_ACCUMULATOR_LIMBS],
    ) -> [U256; calldata::NUM_PUBLIC_INPUTS] {
        calldata::public_inputs(
            report,
            block_root,
            self.config.pool_exact,
            self.config.pool_credentials,
            accumulator,
        )
    }

    /// Deposits `wei` into the LSD from `from` (funding `from` first).
    pub fn lsd_deposit(&mut self, from: Address, wei: U256) -> Result<Receipt, TxError> {
        let balance = self.chain.balance(from);
        self.chain.fund(from, balance + wei);
        self.chain.call(from, self.lsd, call("deposit()", &[]), wei)
    }

    /// `sync()` on the LSD (pulls the oracle's latest report).
    pub fn lsd_sync(&mut self) -> Result<Receipt, TxError> {
        self.chain
            .call(SUBMITTER, self.lsd, call("sync()", &[]), U256::ZERO)
    }

    /// The LSD's rate: wei per 1e18 shares.
    pub fn lsd_rate(&mut self) -> Result<U256, TxError> {
        Ok(self.view_words(self.lsd, "getRate()", &[])?[0])
    }

    /// The LSD's total pooled ether (wei).
    pub fn lsd_total_pooled(&mut self) -> Result<U256, TxError> {
        Ok(self.view_words(self.lsd, "totalPooledEther()", &[])?[0])
    }

    /// Runtime code size of a deployed contract and whether it is within EIP-170's limit.
    pub fn code_size(&self, account: Address) -> (usize, bool) {
        let size = self.chain.code(account).len();
        (size, size <= MAX_CODE_SIZE)
    }
}
