//! `stakeproof submit` against a real node: anvil 1.7.1 (Foundry's local node, installed by
//! `verifier-contracts/install-anvil.sh` into `.tools/anvil`, run here, idempotent) with Prague
//! rules. The generated verifier, the oracle and the example LSD are deployed by transactions;
//! the EIP-4788 contract is placed with `anvil_setCode` and the proven block root written into
//! its storage for a timestamp, as the system call would; `stakeproof submit` sends a real final
//! proof as a signed transaction; the LSD's rate moves; a second submit for the same slot is
//! refused, the oracle's error decoded in the CLI's message.
//!
//! The final proof is expensive, so this runs inside `end_to_end.rs` (`#[path]`-included there as
//! a module) on its final proof, with the verifier it compiled. As a test target of its own this
//! file holds no test.
#![allow(dead_code)]

use serde_json::{json, Value};
use stakeproof_contracts::calldata::{self, call};
use stakeproof_contracts::deployment::OracleConfig;
use stakeproof_contracts::evm::{BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CODE};
use stakeproof_contracts::{Address, B256, U256};
use stakeproof_prover::final_artifact::FinalArtifact;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Anvil's first two dev accounts (from its default mnemonic) and the first one's key.
const DEPLOYER: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const DEPOSITOR: &str = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const DEPLOYER_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// A running anvil, killed when dropped.
pub struct Anvil {
    child: Child,
    /// Its JSON-RPC endpoint.
    pub url: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Anvil {
    /// Installs (if needed) and starts anvil on a free local port, Prague rules; waits until it
    /// answers.
    pub fn start() -> Anvil {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let install = Command::new(root.join("verifier-contracts/install-anvil.sh"))
            .output()
            .expect("run verifier-contracts/install-anvil.sh (bash, npm)");
        assert!(
            install.status.success(),
            "install-anvil.sh failed: {}",
            String::from_utf8_lossy(&install.stderr)
        );
        let stdout = String::from_utf8(install.stdout).unwrap();
        let bin = stdout
            .lines()
            .last()
            .expect("the anvil binary")
            .trim()
            .to_string();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&bin)
            .args([
                "--port",
                &port.to_string(),
                "--hardfork",
                "prague",
                "--silent",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start anvil");
        let anvil = Anvil {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let t = Instant::now();
        while anvil.rpc("eth_chainId", json!([])).is_err() {
            assert!(t.elapsed() < Duration::from_secs(30), "anvil did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        anvil
    }

    /// One JSON-RPC call: its result, or the node's error object.
    pub fn rpc(&self, method: &str, params: Value) -> Result<Value, Value> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let answer: Value = ureq::post(&self.url)
            .timeout(Duration::from_secs(30))
            .send_json(body)
            .map_err(|e| json!(e.to_string()))?
            .into_json()
            .map_err(|e| json!(e.to_string()))?;
        match answer.get("error") {
            Some(e) => Err(e.clone()),
            None => Ok(answer["result"].clone()),
        }
    }

    /// Sends a transaction from an unlocked dev account and returns its receipt (anvil mines
    /// it at once); a failed one panics with `what`.
    fn send(&self, what: &str, from: &str, to: Option<Address>, data: &[u8], wei: u128) -> Value {
        let mut tx = json!({
            "from": from,
            "data": format!("0x{}", hex::encode(data)),
            "value": format!("{wei:#x}"),
            "gas": "0x1c9c380",
        });
        if let Some(to) = to {
            tx["to"] = json!(to.to_string());
        }
        let hash = self
            .rpc("eth_sendTransaction", json!([tx]))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let t = Instant::now();
        loop {
            let receipt = self
                .rpc("eth_getTransactionReceipt", json!([hash]))
                .unwrap();
            if !receipt.is_null() {
                assert_eq!(receipt["status"], "0x1", "{what} failed: {receipt}");
                return receipt;
            }
            if t.elapsed() > Duration::from_secs(30) {
                let tx = self.rpc("eth_getTransactionByHash", json!([hash]));
                panic!("{what}: no receipt after 30 s for {hash}: {tx:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Deploys `code` from the deployer and returns its address.
    fn deploy(&self, what: &str, code: &[u8]) -> Address {
        let r = self.send(what, DEPLOYER, None, code, 0);
        r["contractAddress"].as_str().unwrap().parse().unwrap()
    }

    /// `eth_call` of `data` on `to`: the 32-byte words returned.
    fn view(&self, to: Address, data: &[u8]) -> Vec<U256> {
        let out = self
            .rpc(
                "eth_call",
                json!([{"to": to.to_string(), "data": format!("0x{}", hex::encode(data))}, "latest"]),
            )
            .unwrap();
        calldata::decode_words(&hex::decode(&out.as_str().unwrap()[2..]).unwrap())
    }

    /// Sets a storage word, as a system call writing the beacon-roots contract would.
    fn set_storage(&self, at: Address, slot: u64, word: [u8; 32]) {
        self.rpc(
            "anvil_setStorageAt",
            json!([
                at.to_string(),
                format!("{slot:#x}"),
                format!("0x{}", hex::encode(word))
            ]),
        )
        .unwrap();
    }

    /// The latest block's timestamp.
    fn latest_timestamp(&self) -> u64 {
        let b = self
            .rpc("eth_getBlockByNumber", json!(["latest", false]))
            .unwrap();
        u64::from_str_radix(
            b["timestamp"].as_str().unwrap().trim_start_matches("0x"),
            16,
        )
        .unwrap()
    }
}

/// The whole flow on anvil for the final proof at `proof_path` (`art`, read from it), with its
/// verifier's creation bytecode.
pub fn submit_on_anvil(
    proof_path: &Path,
    art: &FinalArtifact,
    verifier_creation: &[u8],
    work: &Path,
) {
    let anvil = Anvil::start();
    let s = &art.statement;
    let artifacts = stakeproof_contracts::contracts::artifacts().expect("solc-js");

    // The chain: verifier, the EIP-4788 contract, the oracle, the LSD.
    let verifier = anvil.deploy("verifier", verifier_creation);
    anvil
        .rpc(
            "anvil_setCode",
            json!([
                BEACON_ROOTS_ADDRESS.to_string(),
                format!("0x{BEACON_ROOTS_CODE}")
            ]),
        )
        .unwrap();
    let creds: [u8; 32] = hex::decode(&s.pool_credentials[2..])
        .unwrap()
        .try_into()
        .unwrap();
    let config = OracleConfig {
        owner: DEPLOYER.parse().unwrap(),
        ..OracleConfig::for_address(Address::ZERO)
    }
    .with_pool(s.pool_exact, s.pool_set, B256::from(creds));
    let mut code = artifacts.oracle.bytecode.clone();
    code.extend(calldata::oracle_constructor_args(
        &config,
        verifier,
        BEACON_ROOTS_ADDRESS,
    ));
    let oracle = anvil.deploy("oracle", &code);
    let mut code = artifacts.lsd.bytecode.clone();
    code.extend(calldata::encode(&[calldata::address_word(oracle).into()]));
    let lsd = anvil.deploy("LSD", &code);

    // The proven block's root under a timestamp, where the system call would have put it.
    let ts = anvil.latest_timestamp();
    let root: [u8; 32] = hex::decode(&s.block_root[2..]).unwrap().try_into().unwrap();
    let idx = ts % 8191;
    anvil.set_storage(
        BEACON_ROOTS_ADDRESS,
        idx,
        U256::from(ts).to_be_bytes::<32>(),
    );
    anvil.set_storage(BEACON_ROOTS_ADDRESS, idx + 8191, root);

    anvil.send(
        "deposit",
        DEPOSITOR,
        Some(lsd),
        &call("deposit()", &[]),
        10u128.pow(18),
    );
    let rate_before = anvil.view(lsd, &call("getRate()", &[]))[0];

    let key_file = work.join("anvil.key");
    std::fs::write(&key_file, DEPLOYER_KEY).unwrap();
    let submit = || {
        assert_cmd::Command::cargo_bin("stakeproof")
            .unwrap()
            .args(["submit", "--json", "--wait", "60"])
            .arg("--proof")
            .arg(proof_path)
            .args(["--timestamp", &ts.to_string(), "--rpc-url", &anvil.url])
            .args(["--oracle", &oracle.to_string(), "--key-file"])
            .arg(&key_file)
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap()
    };
    let out = submit();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "submit failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["outcome"], "included", "{stdout}");
    assert_eq!(
        anvil.view(oracle, &call("reportCount()", &[]))[0],
        U256::from(1)
    );

    anvil.send("sync", DEPOSITOR, Some(lsd), &call("sync()", &[]), 0);
    let rate_after = anvil.view(lsd, &call("getRate()", &[]))[0];
    assert_ne!(
        rate_before, rate_after,
        "the LSD's rate follows the proven balance"
    );

    // The same slot again: refused before signing, the oracle's error named.
    let out = submit();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("ReportAlreadySubmitted(slot: {})", s.slot)),
        "{stderr}"
    );
    eprintln!(
        "anvil: report at slot {} submitted ({} gas used), rate {rate_before} -> {rate_after}",
        s.slot, last["gas_used"]
    );
}
