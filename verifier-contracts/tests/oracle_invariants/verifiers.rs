//! The stand-in verifiers: tiny EVM programs that accept exactly the proofs the model says.

#[allow(unused_imports)]
use super::*;

/// A verifier's behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Accepts exactly `inputs ‖ bind(tag, inputs)` with `n` inputs (24, or 26 for a report
    /// with its pending deposits).
    Binding(u8, usize),
    /// Reverts on every call.
    RejectAll,
    /// Returns successfully on every call.
    AcceptAll,
}

pub(crate) const TAG_A: u8 = 0xa1;
pub(crate) const TAG_B: u8 = 0xb2;
/// The binding verifier of 26 inputs (a report with its pending deposits).
pub(crate) const TAG_P: u8 = 0xc3;

/// Runtime code of the binding verifier with `tag` over `n` inputs (`d = 32·n`):
/// `calldatasize == d + 32 && calldataload(d) == keccak256(calldata[0..d] ‖ uint256(tag))`.
pub(crate) fn binding_code(tag: u8, n: usize) -> Vec<u8> {
    let [d1, d0] = u16::try_from(32 * n).expect("small").to_be_bytes();
    let [e1, e0] = u16::try_from(32 * n + 32).expect("small").to_be_bytes();
    let code = [
        0x36, // CALLDATASIZE
        0x61, e1, e0,   // PUSH2 d + 32
        0x14, // EQ
        0x15, // ISZERO
        0x60, 0x25, // PUSH1 bad
        0x57, // JUMPI
        0x61, d1, d0, // PUSH2 d (size)
        0x60, 0x00, // PUSH1 0 (offset)
        0x60, 0x00, // PUSH1 0 (dest)
        0x37, // CALLDATACOPY
        0x60, tag, // PUSH1 tag
        0x61, d1, d0,   // PUSH2 d
        0x52, // MSTORE
        0x61, e1, e0, // PUSH2 d + 32 (size)
        0x60, 0x00, // PUSH1 0 (offset)
        0x20, // KECCAK256
        0x61, d1, d0,   // PUSH2 d
        0x35, // CALLDATALOAD
        0x14, // EQ
        0x60, 0x2b, // PUSH1 ok
        0x57, // JUMPI
        0x5b, // bad: JUMPDEST
        0x60, 0x00, 0x60, 0x00, 0xfd, // REVERT(0, 0)
        0x5b, // ok: JUMPDEST
        0x00, // STOP
    ];
    debug_assert_eq!(code[0x25], 0x5b);
    debug_assert_eq!(code[0x2b], 0x5b);
    code.to_vec()
}

/// REVERT(0, 0).
pub(crate) const REJECT_ALL_CODE: [u8; 5] = [0x60, 0x00, 0x60, 0x00, 0xfd];
/// STOP.
pub(crate) const ACCEPT_ALL_CODE: [u8; 1] = [0x00];

/// The proof a binding verifier with `tag` accepts for `inputs`.
pub(crate) fn bind(tag: u8, inputs: &[U256]) -> Vec<u8> {
    let mut buf = calldata::verifier_calldata(inputs, &[]);
    buf.extend_from_slice(&U256::from(tag).to_be_bytes::<32>());
    keccak256(&buf).to_vec()
}

pub(crate) fn accepts(kind: Kind, inputs: &[U256], proof: &[u8]) -> bool {
    match kind {
        Kind::Binding(tag, n) => n == inputs.len() && proof == bind(tag, inputs).as_slice(),
        Kind::RejectAll => false,
        Kind::AcceptAll => true,
    }
}

/// The deployed verifiers: A (the initial one), B, P (26 inputs), reject-all, accept-all.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Verifiers {
    pub(crate) a: Address,
    pub(crate) b: Address,
    pub(crate) p: Address,
    pub(crate) reject: Address,
    pub(crate) accept: Address,
}

impl Verifiers {
    pub(crate) fn kind(&self, v: Address) -> Option<Kind> {
        if v == self.a {
            Some(Kind::Binding(TAG_A, NUM_PUBLIC_INPUTS))
        } else if v == self.b {
            Some(Kind::Binding(TAG_B, NUM_PUBLIC_INPUTS))
        } else if v == self.p {
            Some(Kind::Binding(TAG_P, NUM_PENDING_PUBLIC_INPUTS))
        } else if v == self.reject {
            Some(Kind::RejectAll)
        } else if v == self.accept {
            Some(Kind::AcceptAll)
        } else {
            None
        }
    }

    /// Scheduling choice `i`: A, B, reject-all, accept-all, an account without code, or P.
    pub(crate) fn pick(&self, i: u8) -> Address {
        match i % 6 {
            0 => self.a,
            1 => self.b,
            2 => self.reject,
            3 => self.accept,
            4 => STRANGER,
            _ => self.p,
        }
    }
}

pub(crate) fn oracle_config() -> OracleConfig {
    OracleConfig::for_address(address!("00000000000000000000000000000000000b0011"))
}

/// The deployment with verifier A as the initial verifier and B, reject-all and accept-all
/// placed beside it; with `oracle_runtime`, the oracle's code is replaced by it (a mutant, see
/// [`mutant_runtime`]), its storage kept.
pub(crate) fn setup(oracle_runtime: Option<&[u8]>) -> (Deployment, Verifiers) {
    let mut d = Deployment::new(
        VerifierCode::Runtime(binding_code(TAG_A, NUM_PUBLIC_INPUTS)),
        oracle_config(),
    )
    .expect("deploy (run verifier-contracts/install-solc.sh)");
    if let Some(code) = oracle_runtime {
        let oracle = d.oracle;
        d.chain.set_code(oracle, code);
    }
    let mut deploy = |code: Vec<u8>| {
        d.deploy_verifier(VerifierCode::Runtime(code))
            .expect("place verifier")
    };
    let b = deploy(binding_code(TAG_B, NUM_PUBLIC_INPUTS));
    let p = deploy(binding_code(TAG_P, NUM_PENDING_PUBLIC_INPUTS));
    let reject = deploy(REJECT_ALL_CODE.to_vec());
    let accept = deploy(ACCEPT_ALL_CODE.to_vec());
    let v = Verifiers {
        a: d.verifier,
        b,
        p,
        reject,
        accept,
    };
    (d, v)
}
