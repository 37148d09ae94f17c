//! The contracts of this crate, embedded as Solidity sources, and their compilation.

use crate::solc::{Compiled, Settings, Solc, SolcError, Source};
use std::sync::OnceLock;

/// Source of `contracts/BeaconBalanceOracle.sol`.
pub const ORACLE_SOURCE: &str = include_str!("../contracts/BeaconBalanceOracle.sol");
/// Source of `contracts/ExampleLSD.sol`.
pub const LSD_SOURCE: &str = include_str!("../contracts/ExampleLSD.sol");
/// Source of `contracts/WithdrawalVaultVerifier.sol`.
pub const VAULT_VERIFIER_SOURCE: &str = include_str!("../contracts/WithdrawalVaultVerifier.sol");
/// Contract name of the oracle.
pub const ORACLE: &str = "BeaconBalanceOracle";
/// Contract name of the example LSD.
pub const LSD: &str = "ExampleLSD";
/// Contract name of the withdrawal vault's balance verifier.
pub const VAULT_VERIFIER: &str = "WithdrawalVaultVerifier";

/// The source units of this crate's contracts (named as their files, so imports resolve).
pub fn sources() -> Vec<Source> {
    vec![
        Source::new("BeaconBalanceOracle.sol", ORACLE_SOURCE),
        Source::new("ExampleLSD.sol", LSD_SOURCE),
        Source::new("WithdrawalVaultVerifier.sol", VAULT_VERIFIER_SOURCE),
    ]
}

/// The compiled oracle, LSD and vault verifier.
#[derive(Clone, Debug)]
pub struct Artifacts {
    /// `BeaconBalanceOracle`.
    pub oracle: Compiled,
    /// `ExampleLSD`.
    pub lsd: Compiled,
    /// `WithdrawalVaultVerifier`.
    pub vault_verifier: Compiled,
}

/// Compiles the oracle, the LSD and the vault verifier with the located solc-js.
pub fn compile() -> Result<Artifacts, SolcError> {
    let mut all = Solc::locate()?.compile_all(&sources(), &Settings::default())?;
    let mut take = |name: &str| {
        all.remove(name).ok_or_else(|| SolcError::ContractNotFound {
            contract: name.to_string(),
            available: String::new(),
        })
    };
    Ok(Artifacts {
        oracle: take(ORACLE)?,
        lsd: take(LSD)?,
        vault_verifier: take(VAULT_VERIFIER)?,
    })
}

/// [`compile`], once per process (the result, error included, is shared).
pub fn artifacts() -> Result<&'static Artifacts, &'static SolcError> {
    static ARTIFACTS: OnceLock<Result<Artifacts, SolcError>> = OnceLock::new();
    ARTIFACTS.get_or_init(compile).as_ref()
}
