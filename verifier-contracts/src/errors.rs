//! The oracle's custom errors, read from its Solidity source (so this list cannot drift from
//! the contract), and the decoding of revert data into `Name(param: value, …)` for messages:
//! what `stakeproof submit` prints when a node says the oracle would revert.

use crate::calldata::selector;
use crate::contracts::ORACLE_SOURCE;
use revm::primitives::U256;

/// A custom error the oracle declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractError {
    /// Its name.
    pub name: String,
    /// Its parameters: (Solidity type, name).
    pub params: Vec<(String, String)>,
}

impl ContractError {
    /// The canonical signature, e.g. `ReportAlreadySubmitted(uint64)`.
    pub fn signature(&self) -> String {
        let types: Vec<&str> = self.params.iter().map(|(t, _)| t.as_str()).collect();
        format!("{}({})", self.name, types.join(","))
    }
}

/// Every `error Name(type name, …);` declaration of a Solidity source, in order.
pub fn declared_errors(source: &str) -> Vec<ContractError> {
    source
        .lines()
        .filter_map(|l| l.trim().strip_prefix("error "))
        .filter_map(|decl| {
            let (name, rest) = decl.split_once('(')?;
            let (args, _) = rest.split_once(')')?;
            let params = args
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    let mut it = a.split_whitespace();
                    let ty = it.next().unwrap_or_default().to_string();
                    let pname = it.last().unwrap_or_default().to_string();
                    (ty, pname)
                })
                .collect();
            Some(ContractError {
                name: name.trim().to_string(),
                params,
            })
        })
        .collect()
}

/// The oracle's errors ([`declared_errors`] of `BeaconBalanceOracle.sol`).
pub fn oracle_errors() -> Vec<ContractError> {
    declared_errors(ORACLE_SOURCE)
}

/// One static ABI word as its type reads it.
fn format_word(ty: &str, word: &[u8]) -> String {
    if ty == "address" {
        format!("0x{}", hex::encode(&word[12..]))
    } else if ty == "bool" {
        (word[31] != 0).to_string()
    } else if ty.starts_with("uint") {
        U256::from_be_slice(word).to_string()
    } else {
        format!("0x{}", hex::encode(word))
    }
}

/// Revert data of an oracle error as `Name(param: value, …)`; `None` when its selector is not
/// one of the oracle's errors or its arguments are cut short.
pub fn describe_revert(data: &[u8]) -> Option<String> {
    let sel: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let e = oracle_errors()
        .into_iter()
        .find(|e| selector(&e.signature()) == sel)?;
    let args = &data[4..];
    if args.len() < 32 * e.params.len() {
        return None;
    }
    let shown: Vec<String> = e
        .params
        .iter()
        .zip(args.chunks(32))
        .map(|((ty, name), w)| format!("{name}: {}", format_word(ty, w)))
        .collect();
    Some(format!("{}({})", e.name, shown.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

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
