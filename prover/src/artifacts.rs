//! Content-addressed proof artifacts.
//!
//! A proof is stored under the hash of its statement: circuit name, verifying-key digest and
//! public inputs. The same statement in a later report (a registry range whose containers did
//! not change) finds the proof already there. Nothing read back is trusted: the proof is
//! verified against the current key and inputs first, and a corrupt or foreign file is removed
//! and proven again.

use crate::keys::CircuitKeys;
use crate::{write_atomically, PipelineError};
use sha2::{Digest, Sha256};
use stakeproof_beacon::hexfmt;
use stakeproof_circuits::util::proving::verify;
use stakeproof_circuits::Fr;
use std::path::{Path, PathBuf};

/// Format version of artifact files.
pub const ARTIFACT_VERSION: u32 = 1;

/// A proof with what it proves.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ProofArtifact {
    /// Format version.
    pub version: u32,
    /// Circuit name.
    pub circuit: String,
    /// Verifying-key digest.
    pub vk_digest: String,
    /// Public inputs, each its canonical representation (32 bytes, little-endian) in bare hex:
    /// the store's own encoding, kept so that existing stores stay valid (the display form of a
    /// field element is [`stakeproof_circuits::public_inputs::fr_hex`]).
    pub instances: Vec<String>,
    /// The proof, hex.
    pub proof: String,
}

impl ProofArtifact {
    /// The artifact of `proof` of `instances` by the circuit `circuit` (verifying key
    /// `vk_digest`).
    pub fn new(circuit: &str, vk_digest: &str, instances: &[Fr], proof: &[u8]) -> Self {
        ProofArtifact {
            version: ARTIFACT_VERSION,
            circuit: circuit.to_string(),
            vk_digest: vk_digest.to_string(),
            instances: instances.iter().map(repr_hex).collect(),
            proof: hex::encode(proof),
        }
    }

    /// Its public inputs and proof bytes, or `None` when either does not decode (or the
    /// version is another).
    pub fn decode(&self) -> Option<StoredProof> {
        if self.version != ARTIFACT_VERSION {
            return None;
        }
        let instances: Option<Vec<Fr>> = self.instances.iter().map(|s| repr_from_hex(s)).collect();
        Some((instances?, hexfmt::parse(&self.proof).ok()?))
    }
}

/// A stored instance: the canonical little-endian representation, bare hex.
fn repr_hex(x: &Fr) -> String {
    hex::encode(x.to_bytes())
}

/// Parses [`repr_hex`]; `None` for anything else.
fn repr_from_hex(s: &str) -> Option<Fr> {
    let b = hexfmt::parse_fixed::<32>(s).ok()?;
    Option::from(Fr::from_bytes(&b))
}

/// The content address of a statement.
pub fn statement_key(circuit: &str, vk_digest: &str, instances: &[Fr]) -> String {
    let mut h = Sha256::new();
    h.update(circuit.as_bytes());
    h.update([0]);
    h.update(vk_digest.as_bytes());
    h.update([0]);
    for x in instances {
        h.update(x.to_bytes());
    }
    hex::encode(h.finalize())
}

/// The artifact directory.
pub struct ArtifactStore {
    /// Where artifacts live: `{dir}/{key}.json`.
    pub dir: PathBuf,
}

/// Why a stored artifact was not used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejected {
    /// Not valid JSON of the artifact format.
    Unreadable(String),
    /// A different statement than its name says.
    Foreign,
    /// The proof does not verify.
    BadProof,
}

impl ArtifactStore {
    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The verified artifact for this statement, if stored. A stored file that fails any check
    /// is deleted and reported.
    pub fn load(
        &self,
        keys: &CircuitKeys,
        instances: &[Fr],
    ) -> (Option<Vec<u8>>, Option<Rejected>) {
        let key = statement_key(&keys.name, &keys.vk_digest, instances);
        let path = self.path(&key);
        let Ok(bytes) = std::fs::read(&path) else {
            return (None, None);
        };
        let reject = |why: Rejected, path: &Path| {
            let _ = std::fs::remove_file(path);
            (None, Some(why))
        };
        let art: ProofArtifact = match serde_json::from_slice(&bytes) {
            Ok(a) => a,
            Err(e) => return reject(Rejected::Unreadable(e.to_string()), &path),
        };
        let expected: Vec<String> = instances.iter().map(repr_hex).collect();
        if art.version != ARTIFACT_VERSION
            || art.circuit != keys.name
            || art.vk_digest != keys.vk_digest
            || art.instances != expected
        {
            return reject(Rejected::Foreign, &path);
        }
        let Ok(proof) = hexfmt::parse(&art.proof) else {
            return reject(Rejected::Unreadable("proof is not hex".into()), &path);
        };
        if verify(&keys.params, keys.pk.get_vk(), &proof, instances).is_err() {
            return reject(Rejected::BadProof, &path);
        }
        (Some(proof), None)
    }

    /// Stores a proof under its statement's key (atomically). Returns the key.
    pub fn store(
        &self,
        keys: &CircuitKeys,
        instances: &[Fr],
        proof: &[u8],
    ) -> Result<String, PipelineError> {
        let key = statement_key(&keys.name, &keys.vk_digest, instances);
        let art = ProofArtifact::new(&keys.name, &keys.vk_digest, instances, proof);
        let json = serde_json::to_vec_pretty(&art).expect("artifact serializes");
        write_atomically(&self.path(&key), &json, "proof artifact")?;
        Ok(key)
    }
}

/// A stored proof: its public inputs and bytes.
pub type StoredProof = (Vec<Fr>, Vec<u8>);

impl ArtifactStore {
    /// An artifact stored under an explicit `key` (aggregation proofs, whose instances are only
    /// known after proving, are keyed by their children). Returned only if it is of `circuit`
    /// with `vk_digest` and `check(instances, proof)` accepts it; otherwise the file is deleted
    /// and the reason reported.
    pub fn load_keyed(
        &self,
        key: &str,
        circuit: &str,
        vk_digest: &str,
        check: impl Fn(&[Fr], &[u8]) -> bool,
    ) -> (Option<StoredProof>, Option<Rejected>) {
        let path = self.path(key);
        let Ok(bytes) = std::fs::read(&path) else {
            return (None, None);
        };
        let reject = |why: Rejected| {
            let _ = std::fs::remove_file(&path);
            (None, Some(why))
        };
        let art: ProofArtifact = match serde_json::from_slice(&bytes) {
            Ok(a) => a,
            Err(e) => return reject(Rejected::Unreadable(e.to_string())),
        };
        if art.version != ARTIFACT_VERSION || art.circuit != circuit || art.vk_digest != vk_digest {
            return reject(Rejected::Foreign);
        }
        let instances: Option<Vec<Fr>> = art.instances.iter().map(|s| repr_from_hex(s)).collect();
        let (Some(instances), Ok(proof)) = (instances, hexfmt::parse(&art.proof)) else {
            return reject(Rejected::Unreadable("not hex".into()));
        };
        if !check(&instances, &proof) {
            return reject(Rejected::BadProof);
        }
        (Some((instances, proof)), None)
    }

    /// Stores a proof under an explicit `key` (atomically).
    pub fn store_keyed(
        &self,
        key: &str,
        circuit: &str,
        vk_digest: &str,
        instances: &[Fr],
        proof: &[u8],
    ) -> Result<(), PipelineError> {
        let art = ProofArtifact::new(circuit, vk_digest, instances, proof);
        self.put(key, &art)
    }

    /// Writes `art` under `key` (atomically), as it is: the caller has checked it.
    pub fn put(&self, key: &str, art: &ProofArtifact) -> Result<(), PipelineError> {
        let json = serde_json::to_vec_pretty(art).expect("artifact serializes");
        write_atomically(&self.path(key), &json, "proof artifact")
    }

    /// The artifact stored under `key`, read as it is (not verified: for one just stored).
    pub fn read(&self, key: &str) -> Result<ProofArtifact, PipelineError> {
        let path = self.path(key);
        let bytes = std::fs::read(&path).map_err(|source| PipelineError::Io {
            what: "proof artifact",
            path: path.display().to_string(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| PipelineError::Artifact {
            path: path.display().to_string(),
            reason: format!("not a proof artifact: {e}"),
        })
    }
}
