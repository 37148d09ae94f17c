//! Compiling Solidity with solc-js (the npm `solc` package) through Node.js.
//!
//! Native solc binaries cannot be downloaded on every machine this project runs on, so the
//! compiler is the pinned npm package installed by `verifier-contracts/install-solc.sh` into
//! `<workspace>/.tools/solc` (or `$STAKEPROOF_SOLC_DIR`). A small Node script feeds it a
//! standard-JSON input on stdin and prints the standard-JSON output. Successful outputs are
//! cached under `<target>/solc-cache/`, keyed by the compiler version and the exact input, so
//! repeated test runs do not recompile the (large) generated verifier.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

/// The solc-js version `install-solc.sh` installs (and the one this crate is tested with).
pub const SOLC_VERSION: &str = "0.8.28";

/// The EVM version the contracts are compiled for (EIP-4788 and `PUSH0` need Cancun).
pub const EVM_VERSION: &str = "cancun";

/// Environment variable overriding the solc-js install directory (the `--prefix` of npm).
pub const SOLC_DIR_ENV: &str = "STAKEPROOF_SOLC_DIR";

/// Environment variable that lets [`Solc::locate`] install the pinned solc-js itself, by running
/// `install-solc.sh` (idempotent, serialized across processes), when it is missing. The
/// workspace's `.cargo/config.toml` sets it for the processes cargo runs, so that
/// `cargo test --workspace` (and `cargo run -- demo`) work from a clean clone, as the anvil and
/// Ray tests install their tools themselves.
pub const AUTO_INSTALL_ENV: &str = "STAKEPROOF_SOLC_AUTO_INSTALL";

/// The command that installs the compiler, quoted in error messages.
pub const INSTALL_HINT: &str =
    "verifier-contracts/install-solc.sh (npm install --prefix .tools/solc solc@0.8.28)";

/// The Node script: loads solc-js from the module path in `STAKEPROOF_SOLC_MODULE`, compiles
/// the standard-JSON input read from stdin and writes the standard-JSON output to stdout.
const NODE_SCRIPT: &str = r#"
const solc = require(process.env.STAKEPROOF_SOLC_MODULE);
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8');
  process.stdout.write(solc.compile(input));
});
"#;

/// Errors of locating or running the compiler, or of the compilation itself.
#[derive(Debug, thiserror::Error)]
pub enum SolcError {
    /// `node` could not be started.
    #[error("could not run `node` (Node.js >= 18 is needed for solc-js): {0}; install Node.js, then run {INSTALL_HINT}")]
    NodeMissing(#[source] std::io::Error),
    /// The solc-js package is not installed where it was looked for.
    #[error("solc-js is not installed in {0}: run {INSTALL_HINT} (or set {SOLC_DIR_ENV})")]
    SolcMissing(PathBuf),
    /// Installing it on demand ([`AUTO_INSTALL_ENV`]) failed.
    #[error("installing solc-js with {INSTALL_HINT} failed: {0}")]
    Install(String),
    /// The Node process failed.
    #[error("solc-js failed (exit status {status}): {stderr}")]
    Script {
        /// Exit status of `node`.
        status: String,
        /// Its standard error.
        stderr: String,
    },
    /// solc reported errors in the sources.
    #[error("solc reported errors:\n{0}")]
    Compile(String),
    /// The requested contract is not among the compiled ones.
    #[error("contract {contract} not found in the compiler output (have: {available})")]
    ContractNotFound {
        /// The contract asked for.
        contract: String,
        /// The contracts that were compiled.
        available: String,
    },
    /// The compiler output could not be read.
    #[error("unexpected solc output: {0}")]
    Output(String),
    /// File system error.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// JSON error.
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),
}

/// One Solidity source unit: its name (used by `import` statements) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Unit name, e.g. `BeaconBalanceOracle.sol`.
    pub name: String,
    /// Solidity text.
    pub content: String,
}

impl Source {
    /// A source unit from its name and text.
    pub fn new(name: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            content: content.into(),
        }
    }
}

/// A compiled contract.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// Contract name.
    pub name: String,
    /// Creation (deployment) bytecode, without constructor arguments.
    pub bytecode: Vec<u8>,
    /// Runtime bytecode (what ends up at the contract's address).
    pub deployed_bytecode: Vec<u8>,
    /// Size of the runtime bytecode in bytes (EIP-170 limits it to 24,576 on mainnet).
    pub deployed_size: usize,
    /// The contract's ABI (JSON array).
    pub abi: Value,
}

/// Compiler settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Run the optimizer.
    pub optimizer: bool,
    /// With the optimizer on: also run the Yul optimizer.
    pub yul_optimizer: bool,
    /// Optimizer runs parameter.
    pub runs: u32,
    /// Generate code through the IR pipeline.
    pub via_ir: bool,
}

impl Default for Settings {
    /// Optimizer on (200 runs, Yul optimizer included), legacy code generation.
    fn default() -> Self {
        Self {
            optimizer: true,
            yul_optimizer: true,
            runs: 200,
            via_ir: false,
        }
    }
}

impl Settings {
    /// For snark-verifier's generated verifiers: one large inline-assembly block whose
    /// variables the Yul optimizer's stack allocation cannot fit ("Stack too deep"), and which
    /// the IR pipeline is not trusted with, so the optimizer runs without its Yul step.
    pub fn generated_verifier() -> Self {
        Self {
            yul_optimizer: false,
            ..Self::default()
        }
    }
}

/// Located solc-js install plus an optional output cache.
#[derive(Clone, Debug)]
pub struct Solc {
    dir: PathBuf,
    version: String,
    cache_dir: Option<PathBuf>,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Runs `install-solc.sh` (which installs into `$STAKEPROOF_SOLC_DIR` or `.tools/solc`, and
/// holds a lock so that concurrent callers install once).
fn install() -> Result<(), SolcError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("install-solc.sh");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .map_err(|e| SolcError::Install(format!("could not run bash: {e}")))?;
    if !out.status.success() {
        return Err(SolcError::Install(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    Ok(())
}

/// The workspace's target directory (`$CARGO_TARGET_DIR` or `<workspace>/target`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

impl Solc {
    /// Finds the solc-js install: `$STAKEPROOF_SOLC_DIR`, else `<workspace>/.tools/solc`, else a
    /// `.tools/solc` in the current directory or one of its ancestors. Caches outputs under
    /// [`target_dir`]`/solc-cache`.
    pub fn locate() -> Result<Self, SolcError> {
        let dir = match std::env::var_os(SOLC_DIR_ENV) {
            Some(dir) => PathBuf::from(dir),
            None => {
                let default = workspace_root().join(".tools/solc");
                if default.join("node_modules/solc").is_dir() {
                    default
                } else {
                    std::env::current_dir()?
                        .ancestors()
                        .map(|a| a.join(".tools/solc"))
                        .find(|d| d.join("node_modules/solc").is_dir())
                        .unwrap_or(default)
                }
            }
        };
        if !dir.join("node_modules/solc").is_dir()
            && std::env::var_os(AUTO_INSTALL_ENV).is_some_and(|v| v != "0")
        {
            install()?;
        }
        let mut solc = Self::at(dir)?;
        solc.cache_dir = Some(target_dir().join("solc-cache"));
        Ok(solc)
    }

    /// Uses the solc-js install in `dir` (the npm `--prefix`), without a cache.
    pub fn at(dir: impl Into<PathBuf>) -> Result<Self, SolcError> {
        let dir = dir.into();
        let package = dir.join("node_modules/solc/package.json");
        let text =
            std::fs::read_to_string(&package).map_err(|_| SolcError::SolcMissing(dir.clone()))?;
        let version = serde_json::from_str::<Value>(&text)?
            .get("version")
            .and_then(Value::as_str)
            .ok_or_else(|| SolcError::Output(format!("no version in {}", package.display())))?
            .to_string();
        Ok(Self {
            dir,
            version,
            cache_dir: None,
        })
    }

    /// Sets (or with `None` disables) the directory where outputs are cached.
    pub fn with_cache_dir(mut self, cache_dir: Option<PathBuf>) -> Self {
        self.cache_dir = cache_dir;
        self
    }

    /// The installed solc-js version (e.g. `0.8.28`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The standard-JSON input for `sources` with `settings` (Cancun; ABI and both bytecodes
    /// selected).
    pub fn standard_json(sources: &[Source], settings: &Settings) -> Value {
        let sources: serde_json::Map<String, Value> = sources
            .iter()
            .map(|s| (s.name.clone(), json!({ "content": s.content })))
            .collect();
        let mut optimizer = json!({ "enabled": settings.optimizer, "runs": settings.runs });
        if settings.optimizer && !settings.yul_optimizer {
            optimizer["details"] = json!({ "yul": false });
        }
        json!({
            "language": "Solidity",
            "sources": sources,
            "settings": {
                "optimizer": optimizer,
                "viaIR": settings.via_ir,
                "evmVersion": EVM_VERSION,
                "outputSelection": {
                    "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] }
                }
            }
        })
    }

    /// Runs solc on a standard-JSON input and returns its raw standard-JSON output (errors
    /// included), from the cache when the same input was compiled before.
    pub fn compile_standard_json(&self, input: &Value) -> Result<Value, SolcError> {
        let input = serde_json::to_vec(input)?;
        let key = {
            let mut h = Sha256::new();
            h.update(self.version.as_bytes());
            h.update([0]);
            h.update(&input);
            hex::encode(h.finalize())
        };
        let cached = self
            .cache_dir
            .as_ref()
            .map(|d| d.join(format!("{key}.json")));
        if let Some(path) = &cached {
            if let Ok(text) = std::fs::read(path) {
                if let Ok(value) = serde_json::from_slice(&text) {
                    return Ok(value);
                }
            }
        }
        let module = self.dir.join("node_modules/solc");
        let mut child = Command::new("node")
            .arg("-e")
            .arg(NODE_SCRIPT)
            .env("STAKEPROOF_SOLC_MODULE", &module)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(SolcError::NodeMissing)?;
        // Write stdin from another thread so that a large output cannot deadlock the pipes.
        let mut stdin = child.stdin.take().expect("piped stdin");
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let output = child.wait_with_output()?;
        writer
            .join()
            .map_err(|_| SolcError::Output("stdin writer panicked".into()))??;
        if !output.status.success() {
            return Err(SolcError::Script {
                status: output.status.to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        let value: Value = serde_json::from_slice(&output.stdout)?;
        if let (Some(path), None) = (&cached, first_errors(&value)) {
            // A failed cache write only costs a recompilation next time.
            let _ = std::fs::create_dir_all(path.parent().expect("cache file has a parent"))
                .and_then(|_| std::fs::write(path, &output.stdout));
        }
        Ok(value)
    }

    /// Compiles `sources` and returns every contract, by name (contracts of the same name in
    /// two units: the later unit wins).
    pub fn compile_all(
        &self,
        sources: &[Source],
        settings: &Settings,
    ) -> Result<BTreeMap<String, Compiled>, SolcError> {
        let output = self.compile_standard_json(&Self::standard_json(sources, settings))?;
        if let Some(errors) = first_errors(&output) {
            return Err(SolcError::Compile(errors));
        }
        let mut out = BTreeMap::new();
        let units = output
            .get("contracts")
            .and_then(Value::as_object)
            .ok_or_else(|| SolcError::Output("no `contracts` in output".into()))?;
        for contracts in units.values() {
            let contracts = contracts
                .as_object()
                .ok_or_else(|| SolcError::Output("`contracts` entry is not an object".into()))?;
            for (name, c) in contracts {
                let code = |ptr: &str| -> Result<Vec<u8>, SolcError> {
                    let hex_text = c
                        .pointer(ptr)
                        .and_then(Value::as_str)
                        .ok_or_else(|| SolcError::Output(format!("{name}: no {ptr}")))?;
                    hex::decode(hex_text)
                        .map_err(|e| SolcError::Output(format!("{name}: {ptr}: {e}")))
                };
                let bytecode = code("/evm/bytecode/object")?;
                let deployed_bytecode = code("/evm/deployedBytecode/object")?;
                out.insert(
                    name.clone(),
                    Compiled {
                        name: name.clone(),
                        bytecode,
                        deployed_size: deployed_bytecode.len(),
                        deployed_bytecode,
                        abi: c.get("abi").cloned().unwrap_or(Value::Array(vec![])),
                    },
                );
            }
        }
        Ok(out)
    }

    /// Compiles `sources` and returns the contract named `contract`.
    pub fn compile(
        &self,
        sources: &[Source],
        contract: &str,
        settings: &Settings,
    ) -> Result<Compiled, SolcError> {
        let mut all = self.compile_all(sources, settings)?;
        let available = all.keys().cloned().collect::<Vec<_>>().join(", ");
        all.remove(contract)
            .ok_or_else(|| SolcError::ContractNotFound {
                contract: contract.to_string(),
                available,
            })
    }
}

/// The formatted messages of all errors (not warnings) in a standard-JSON output, if any.
fn first_errors(output: &Value) -> Option<String> {
    let errors: Vec<String> = output
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("severity").and_then(Value::as_str) == Some("error"))
        .map(|e| {
            e.get("formattedMessage")
                .or_else(|| e.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
                .to_string()
        })
        .collect();
    (!errors.is_empty()).then(|| errors.join("\n"))
}

/// Compiles `sources` with the located solc-js ([`Solc::locate`]) and the default
/// [`Settings`], and returns `contract`.
pub fn compile(sources: &[Source], contract: &str) -> Result<Compiled, SolcError> {
    Solc::locate()?.compile(sources, contract, &Settings::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_install_names_the_install_command() {
        let err = Solc::at("/nonexistent/solc-dir").unwrap_err();
        assert!(matches!(err, SolcError::SolcMissing(_)));
        let msg = err.to_string();
        assert!(
            msg.contains("install-solc.sh") && msg.contains("solc@0.8.28"),
            "{msg}"
        );
    }

    #[test]
    fn settings_reach_the_standard_json() {
        let input =
            Solc::standard_json(&[Source::new("A.sol", "")], &Settings::generated_verifier());
        assert_eq!(input["settings"]["optimizer"]["enabled"], true);
        assert_eq!(input["settings"]["optimizer"]["details"]["yul"], false);
        assert_eq!(input["settings"]["viaIR"], false);
        assert_eq!(input["settings"]["evmVersion"], EVM_VERSION);
        let input = Solc::standard_json(&[], &Settings::default());
        assert!(input["settings"]["optimizer"].get("details").is_none());
    }

    #[test]
    fn compile_errors_are_reported() {
        let solc = Solc::locate().expect(INSTALL_HINT);
        let err = solc
            .with_cache_dir(None)
            .compile(
                &[Source::new("Bad.sol", "contract Bad { function f( }")],
                "Bad",
                &Settings::default(),
            )
            .unwrap_err();
        assert!(matches!(err, SolcError::Compile(_)), "{err}");
    }
}
