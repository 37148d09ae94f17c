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

use alloy::primitives::Bytes;
use alloy::providers::{Provider, RootProvider};
use alloy::rpc::types::{BlockNumberOrTag, BlockTransactionsKind, TransactionRequest};
use alloy::transports::http::{reqwest, Http};
use serde_json::Value;
use stakeproof_contracts::calldata::{self, call};
use stakeproof_contracts::deployment::OracleConfig;
use stakeproof_contracts::evm::{BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CODE};
use stakeproof_contracts::{Address, B256, U256};
use stakeproof_prover::final_artifact::FinalArtifact;
use std::future::IntoFuture;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Anvil's first two dev accounts (from its default mnemonic) and the first one's key.
pub const DEPLOYER: Address =
    alloy::primitives::address!("f39fd6e51aad88f6f4ce6ab8827279cfffb92266");
const DEPOSITOR: Address = alloy::primitives::address!("70997970c51812dc3a010c7d01b50e0d17dc79c8");
pub const DEPLOYER_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// A running anvil, killed when dropped, and an alloy provider for it.
pub struct Anvil {
    child: Child,
    /// Its JSON-RPC endpoint.
    pub url: String,
    provider: RootProvider<Http<reqwest::Client>>,
    rt: tokio::runtime::Runtime,
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
        let url = format!("http://127.0.0.1:{port}");
        let anvil = Anvil {
            child,
            provider: RootProvider::new_http(url.parse().unwrap()),
            url,
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        };
        let t = Instant::now();
        while anvil.rt.block_on(anvil.provider.get_chain_id()).is_err() {
            assert!(t.elapsed() < Duration::from_secs(30), "anvil did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        anvil
    }

    /// An anvil-only method (`anvil_setCode`, `anvil_setStorageAt`).
    pub fn anvil_call<P>(&self, method: &'static str, params: P)
    where
        P: serde::Serialize + Clone + Send + Sync + Unpin + std::fmt::Debug,
    {
        self.rt
            .block_on(self.provider.raw_request::<_, Value>(method.into(), params))
            .unwrap_or_else(|e| panic!("{method}: {e}"));
    }

    /// Sends a transaction from an unlocked dev account (`eth_sendTransaction`) and waits for
    /// its receipt (anvil mines it at once); a failed one panics with `what`.
    pub fn send(
        &self,
        what: &str,
        from: Address,
        to: Option<Address>,
        data: &[u8],
        wei: u128,
    ) -> alloy::rpc::types::TransactionReceipt {
        let mut tx = TransactionRequest::default()
            .from(from)
            .input(Bytes::copy_from_slice(data).into())
            .value(U256::from(wei))
            .gas_limit(30_000_000);
        if let Some(to) = to {
            tx = tx.to(to);
        }
        let receipt = self
            .rt
            .block_on(async {
                self.provider
                    .send_transaction(tx)
                    .await?
                    .with_timeout(Some(Duration::from_secs(30)))
                    .get_receipt()
                    .await
            })
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(receipt.status(), "{what} failed: {receipt:?}");
        receipt
    }

    /// Deploys `code` from the deployer and returns its address.
    pub fn deploy(&self, what: &str, code: &[u8]) -> Address {
        let r = self.send(what, DEPLOYER, None, code, 0);
        r.contract_address.expect("a creation's address")
    }

    /// `eth_call` of `data` on `to`: the 32-byte words returned.
    pub fn view(&self, to: Address, data: &[u8]) -> Vec<U256> {
        let tx = TransactionRequest::default()
            .to(to)
            .input(Bytes::copy_from_slice(data).into());
        let out = self
            .rt
            .block_on(self.provider.call(&tx).into_future())
            .unwrap();
        calldata::decode_words(&out)
    }

    /// Sets a storage word, as a system call writing the beacon-roots contract would.
    pub fn set_storage(&self, at: Address, slot: u64, word: [u8; 32]) {
        self.anvil_call(
            "anvil_setStorageAt",
            (at, U256::from(slot), B256::from(word)),
        );
    }

    /// `stakeproof submit --json --wait 60 <flag> <file>` to `oracle` for `timestamp`, signed
    /// with the key in `key_file`.
    pub fn stakeproof_submit(
        &self,
        flag: &str,
        file: &Path,
        timestamp: u64,
        oracle: Address,
        key_file: &Path,
    ) -> std::process::Output {
        assert_cmd::Command::cargo_bin("stakeproof")
            .unwrap()
            .args(["submit", "--json", "--wait", "60", flag])
            .arg(file)
            .args([
                "--timestamp",
                &timestamp.to_string(),
                "--rpc-url",
                &self.url,
            ])
            .args(["--oracle", &oracle.to_string(), "--key-file"])
            .arg(key_file)
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap()
    }

    /// Writes `root` into the EIP-4788 contract (placed first with [`Anvil::install_beacon_roots`])
    /// under the latest block's timestamp, as the system call would, and returns that timestamp.
    pub fn publish_root(&self, root: [u8; 32]) -> u64 {
        let ts = self.latest_timestamp();
        let idx = ts % 8191;
        self.set_storage(
            BEACON_ROOTS_ADDRESS,
            idx,
            U256::from(ts).to_be_bytes::<32>(),
        );
        self.set_storage(BEACON_ROOTS_ADDRESS, idx + 8191, root);
        ts
    }

    /// Places the EIP-4788 contract's code at its address.
    pub fn install_beacon_roots(&self) {
        self.anvil_call(
            "anvil_setCode",
            (
                BEACON_ROOTS_ADDRESS,
                Bytes::from(hex::decode(BEACON_ROOTS_CODE).unwrap()),
            ),
        );
    }

    /// The latest block's timestamp.
    pub fn latest_timestamp(&self) -> u64 {
        self.rt
            .block_on(
                self.provider
                    .get_block_by_number(BlockNumberOrTag::Latest, BlockTransactionsKind::Hashes),
            )
            .unwrap()
            .expect("a latest block")
            .header
            .timestamp
    }
}

/// The last `--json` line of a `stakeproof submit` that must have succeeded, its transaction
/// included.
pub fn included(out: &std::process::Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "submit failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["outcome"], "included", "{stdout}");
    last
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
    anvil.install_beacon_roots();
    let creds: [u8; 32] = hex::decode(&s.pool_credentials[2..])
        .unwrap()
        .try_into()
        .unwrap();
    let config = OracleConfig {
        owner: DEPLOYER,
        ..OracleConfig::for_address(Address::ZERO)
    }
    .with_pool(s.pool_exact, s.pool_set, B256::from(creds));
    let mut code = artifacts.oracle.bytecode.clone();
    code.extend(calldata::oracle_constructor_args(
        &config,
        verifier,
        BEACON_ROOTS_ADDRESS,
        Address::ZERO,
    ));
    let oracle = anvil.deploy("oracle", &code);
    let mut code = artifacts.lsd.bytecode.clone();
    code.extend(calldata::encode(&[calldata::address_word(oracle).into()]));
    let lsd = anvil.deploy("LSD", &code);

    // The proven block's root under a timestamp, where the system call would have put it.
    let root: [u8; 32] = hex::decode(&s.block_root[2..]).unwrap().try_into().unwrap();
    let ts = anvil.publish_root(root);

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
    let submit = || anvil.stakeproof_submit("--proof", proof_path, ts, oracle, &key_file);
    let last = included(&submit());
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
