//! Where a transaction's gas goes: the intrinsic cost (base and calldata), each precompile
//! (calls and gas), the KECCAK256 opcodes (the verifier's Fiat–Shamir transcript), and the rest
//! of execution (field arithmetic, memory, control), measured by a revm inspector on the
//! [`TestChain`]. It is what a cut of verification gas is judged by: the split says whether
//! commitments (ecMul/ecAdd), the pairing, the transcript or the public inputs dominate.

use crate::evm::{TestChain, TxError};
use revm::interpreter::{CallInputs, CallOutcome, Interpreter};
use revm::primitives::{Address, U256};
use revm::{Database, EvmContext, Inspector};
use std::collections::BTreeMap;

/// The base cost of every transaction.
pub const TX_BASE_GAS: u64 = 21_000;

/// What one transaction spent, by where it went (gas units; the parts add up to `total`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct GasBreakdown {
    /// The transaction's gas used.
    pub total: u64,
    /// [`TX_BASE_GAS`].
    pub base: u64,
    /// Calldata bytes.
    pub calldata_bytes: usize,
    /// Their intrinsic cost (4 per zero byte, 16 per other byte).
    pub calldata: u64,
    /// Each precompile called (by name: `ecAdd`, `ecMul`, `ecPairing`, `modexp`, …).
    pub precompiles: BTreeMap<String, PrecompileGas>,
    /// KECCAK256 opcodes executed.
    pub keccak_ops: u64,
    /// Their gas (with the memory they expanded).
    pub keccak: u64,
    /// Everything else executed: arithmetic, memory, stack, calls' own costs.
    pub other: u64,
}

/// One precompile's share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PrecompileGas {
    /// Calls.
    pub calls: u64,
    /// Gas charged by the precompile itself.
    pub gas: u64,
}

impl GasBreakdown {
    /// Gas of all precompile calls.
    pub fn precompile_total(&self) -> u64 {
        self.precompiles.values().map(|p| p.gas).sum()
    }

    /// A Markdown table: each part, its gas and its share of the total.
    pub fn table(&self) -> String {
        let share = |g: u64| {
            if self.total == 0 {
                0.0
            } else {
                100.0 * g as f64 / self.total as f64
            }
        };
        let mut rows = vec![
            ("base".to_string(), self.base),
            (
                format!("calldata ({} bytes)", self.calldata_bytes),
                self.calldata,
            ),
        ];
        for (name, p) in &self.precompiles {
            rows.push((format!("{name} ({} calls)", p.calls), p.gas));
        }
        rows.push((format!("keccak256 ({} ops)", self.keccak_ops), self.keccak));
        rows.push(("other execution".into(), self.other));
        let mut out = String::from("| part | gas | share |\n|---|---:|---:|\n");
        for (what, g) in rows {
            out.push_str(&format!("| {what} | {g} | {:.1} % |\n", share(g)));
        }
        out.push_str(&format!("| **total** | **{}** | 100 % |\n", self.total));
        out
    }
}

/// The name of the precompile at `a`, if it is one (Cancun's 0x01–0x0a).
fn precompile_name(a: &Address) -> Option<&'static str> {
    let b = a.as_slice();
    if b[..19].iter().any(|x| *x != 0) {
        return None;
    }
    Some(match b[19] {
        1 => "ecrecover",
        2 => "sha256",
        3 => "ripemd160",
        4 => "identity",
        5 => "modexp",
        6 => "ecAdd",
        7 => "ecMul",
        8 => "ecPairing",
        9 => "blake2f",
        10 => "pointEvaluation",
        _ => return None,
    })
}

/// The intrinsic cost of `data` as calldata (EIP-2028).
pub fn calldata_gas(data: &[u8]) -> u64 {
    data.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum()
}

/// The inspector: precompile calls at their end, KECCAK256 between its step and step end.
#[derive(Default)]
struct Profiler {
    precompiles: BTreeMap<String, PrecompileGas>,
    keccak_ops: u64,
    keccak: u64,
    /// Gas left before the KECCAK256 being executed, if one is.
    keccak_before: Option<u64>,
}

const KECCAK256: u8 = 0x20;

impl<DB: Database> Inspector<DB> for Profiler {
    fn step(&mut self, interp: &mut Interpreter, _: &mut EvmContext<DB>) {
        self.keccak_before =
            (interp.current_opcode() == KECCAK256).then(|| interp.gas().remaining());
    }

    fn step_end(&mut self, interp: &mut Interpreter, _: &mut EvmContext<DB>) {
        if let Some(before) = self.keccak_before.take() {
            self.keccak_ops += 1;
            self.keccak += before.saturating_sub(interp.gas().remaining());
        }
    }

    fn call_end(
        &mut self,
        _: &mut EvmContext<DB>,
        inputs: &CallInputs,
        outcome: CallOutcome,
    ) -> CallOutcome {
        if let Some(name) = precompile_name(&inputs.bytecode_address) {
            let e = self.precompiles.entry(name.to_string()).or_default();
            e.calls += 1;
            e.gas += outcome.result.gas.spent();
        }
        outcome
    }
}

impl TestChain {
    /// Runs `data` from `from` to `to` as a transaction whose state changes are dropped, and
    /// says where its gas went. A revert or halt is the error [`TestChain::call`] gives.
    pub fn profile(
        &mut self,
        from: Address,
        to: Address,
        data: Vec<u8>,
    ) -> Result<GasBreakdown, TxError> {
        let calldata_bytes = data.len();
        let calldata = calldata_gas(&data);
        let mut p = Profiler::default();
        let receipt = self.execute_inspected(from, to, data, U256::ZERO, &mut p)?;
        let total = receipt.gas_used;
        let mut b = GasBreakdown {
            total,
            base: TX_BASE_GAS,
            calldata_bytes,
            calldata,
            precompiles: p.precompiles,
            keccak_ops: p.keccak_ops,
            keccak: p.keccak,
            other: 0,
        };
        let counted = b.base + b.calldata + b.precompile_total() + b.keccak;
        b.other = total.checked_sub(counted).ok_or_else(|| {
            TxError::Evm(format!(
                "the profile counts {counted} gas, more than the {total} used"
            ))
        })?;
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calldata_costs_follow_eip_2028() {
        assert_eq!(calldata_gas(&[0, 0, 1, 0xff]), 4 + 4 + 16 + 16);
        assert_eq!(calldata_gas(&[]), 0);
    }

    #[test]
    fn precompile_names() {
        let mut a = [0u8; 20];
        a[19] = 8;
        assert_eq!(precompile_name(&Address::from(a)), Some("ecPairing"));
        a[19] = 11;
        assert_eq!(precompile_name(&Address::from(a)), None);
        a[0] = 1;
        a[19] = 6;
        assert_eq!(precompile_name(&Address::from(a)), None);
    }

    /// A contract that hashes 64 bytes twice and calls ecAdd once: the profile finds both,
    /// and its parts add up to the gas used.
    #[test]
    fn a_profile_finds_keccak_and_precompiles() {
        // KECCAK256(0, 64) ×2, then STATICCALL(gas, 0x06, 0, 128, 0, 64), then STOP.
        let code = [
            0x60, 0x40, 0x60, 0x00, 0x20, 0x50, // PUSH1 64 PUSH1 0 KECCAK256 POP
            0x60, 0x40, 0x60, 0x00, 0x20, 0x50, // again
            0x60, 0x40, 0x60, 0x00, 0x60, 0x80, 0x60, 0x00, 0x60, 0x06, 0x5a, 0xfa,
            0x50, // PUSH1 64 PUSH1 0 PUSH1 128 PUSH1 0 PUSH1 6 GAS STATICCALL POP
            0x00,
        ];
        let mut chain = TestChain::new();
        let target = Address::repeat_byte(0x77);
        chain.set_code(target, &code);
        let b = chain
            .profile(Address::repeat_byte(0x11), target, vec![1, 0, 2])
            .unwrap();
        assert_eq!(b.keccak_ops, 2);
        assert_eq!(
            b.keccak,
            2 * (30 + 2 * 6) + 3 * 2,
            "two hashes of 2 words, memory to 2 words"
        );
        assert_eq!(b.precompiles["ecAdd"], PrecompileGas { calls: 1, gas: 150 });
        assert_eq!(b.calldata, 16 + 4 + 16);
        assert_eq!(
            b.base + b.calldata + b.precompile_total() + b.keccak + b.other,
            b.total
        );
    }
}
