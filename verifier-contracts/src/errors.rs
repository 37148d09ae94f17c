//! The oracle's custom errors, read from its Solidity source (so this list cannot drift from
//! the contract, and no compiler is needed to read it), and the decoding of revert data into
//! `Name(param: value, …)` for messages: what `stakeproof submit` prints when a node says the
//! oracle would revert. Each declaration is parsed, and revert data decoded, by alloy
//! (`alloy-json-abi`, `alloy-dyn-abi`).

use crate::contracts::{ORACLE_SOURCE, VAULT_VERIFIER_SOURCE};
use alloy::dyn_abi::{DynSolValue, JsonAbiExt};
use alloy::json_abi::Error as AbiError;

/// A custom error the oracle declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractError {
    /// Its name.
    pub name: String,
    /// Its parameters: (Solidity type, name).
    pub params: Vec<(String, String)>,
    abi: AbiError,
}

impl ContractError {
    /// The canonical signature, e.g. `ReportAlreadySubmitted(uint64)`.
    pub fn signature(&self) -> String {
        self.abi.signature()
    }

    /// Its 4-byte selector.
    pub fn selector(&self) -> [u8; 4] {
        self.abi.selector().0
    }
}

/// Every `error Name(type name, …);` declaration of a Solidity source, in order (one per line,
/// as the contracts write them).
pub fn declared_errors(source: &str) -> Vec<ContractError> {
    source
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("error "))
        .filter_map(|decl| {
            let abi = AbiError::parse(decl.trim_end_matches(';')).ok()?;
            Some(ContractError {
                name: abi.name.clone(),
                params: abi
                    .inputs
                    .iter()
                    .map(|p| (p.ty.clone(), p.name.clone()))
                    .collect(),
                abi,
            })
        })
        .collect()
}

/// The oracle's errors ([`declared_errors`] of `BeaconBalanceOracle.sol`), then those of the
/// vault verifier, whose reverts `submitVaultBalance` passes on; read once.
pub fn oracle_errors() -> &'static [ContractError] {
    static ERRORS: std::sync::OnceLock<Vec<ContractError>> = std::sync::OnceLock::new();
    ERRORS.get_or_init(|| {
        let mut all = declared_errors(ORACLE_SOURCE);
        all.extend(declared_errors(VAULT_VERIFIER_SOURCE));
        all
    })
}

/// One decoded argument as a message shows it.
fn show(v: &DynSolValue) -> String {
    match v {
        DynSolValue::Address(a) => format!("0x{}", hex::encode(a)),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::FixedBytes(w, size) => format!("0x{}", hex::encode(&w[..*size])),
        DynSolValue::Bytes(b) => format!("0x{}", hex::encode(b)),
        DynSolValue::String(s) => format!("{s:?}"),
        other => format!("{other:?}"),
    }
}

/// Revert data of an oracle error as `Name(param: value, …)`; `None` when its selector is not
/// one of the oracle's errors or its arguments do not decode.
pub fn describe_revert(data: &[u8]) -> Option<String> {
    let sel: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let e = oracle_errors().iter().find(|e| e.selector() == sel)?;
    let values = e.abi.abi_decode_input(&data[4..], true).ok()?;
    let shown: Vec<String> = e
        .params
        .iter()
        .zip(&values)
        .map(|((_, name), v)| format!("{name}: {}", show(v)))
        .collect();
    Some(format!("{}({})", e.name, shown.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calldata::selector;
    use revm::primitives::U256;

    #[test]
    fn the_oracle_errors_are_read_from_its_source() {
        let errors = oracle_errors();
        let sigs: Vec<String> = errors.iter().map(ContractError::signature).collect();
        for s in [
            "NotOwner()",
            "ReportAlreadySubmitted(uint64)",
            "BalanceChangeTooLarge(uint128,uint128,uint256)",
            "AddressPoolNot0x01(bytes32)",
            "NoCode(address)",
        ] {
            assert!(sigs.iter().any(|x| x == s), "{s} in {sigs:?}");
        }
        let mut unique = sigs.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), sigs.len());
        // Every error sol! finds in the sources is read here too (none dropped by the line scan).
        use crate::bindings::BeaconBalanceOracle::BeaconBalanceOracleErrors as All;
        use crate::bindings::WithdrawalVaultVerifier::WithdrawalVaultVerifierErrors as Vault;
        use alloy::sol_types::SolInterface;
        assert_eq!(errors.len(), All::SELECTORS.len() + Vault::SELECTORS.len());
        for e in errors {
            assert!(
                All::valid_selector(e.selector()) || Vault::valid_selector(e.selector()),
                "{}",
                e.signature()
            );
        }
    }

    #[test]
    fn revert_data_is_named_with_its_arguments() {
        let mut data = selector("ReportAlreadySubmitted(uint64)").to_vec();
        data.extend(U256::from(320_000u64).to_be_bytes::<32>());
        assert_eq!(
            describe_revert(&data).as_deref(),
            Some("ReportAlreadySubmitted(slot: 320000)")
        );
        let mut data = selector("NoCode(address)").to_vec();
        let mut w = [0u8; 32];
        w[31] = 0x42;
        data.extend(w);
        assert_eq!(
            describe_revert(&data).as_deref(),
            Some("NoCode(account: 0x0000000000000000000000000000000000000042)")
        );
        assert_eq!(
            describe_revert(&selector("NotOwner()")).as_deref(),
            Some("NotOwner()")
        );
        // Cut short, unknown, empty.
        assert_eq!(describe_revert(&data[..20]), None);
        assert_eq!(describe_revert(&[1, 2, 3, 4]), None);
        assert_eq!(describe_revert(&[]), None);
    }
}
