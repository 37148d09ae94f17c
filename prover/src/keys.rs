//! Proving keys per circuit, generated once per (circuit, setup) and cached with the pinning:
//! the leaves' [`CircuitKeys`] (with their [`KeyStore`]) and the aggregation nodes'
//! [`NodeKeys`] (cached by the tree, see [`crate::tree`]).

use crate::srs::Srs;
use crate::{write_atomically, write_atomically_with, PipelineError};
use sha2::{Digest, Sha256};
use stakeproof_circuits::aggregation::circuit::NodePinning;
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use stakeproof_circuits::halo2_proofs::plonk::{Circuit, ProvingKey, VerifyingKey};
use stakeproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::snark_verifier_sdk::halo2::aggregation::{
    AggregationCircuit, AggregationConfigParams,
};
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, Pinning, ShaCircuit, Shape};
use stakeproof_circuits::util::proving::keygen;
use stakeproof_circuits::Fr;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

/// A circuit ready to prove: its setup, proving key and pinning.
pub struct CircuitKeys {
    /// Circuit name (kind and size).
    pub name: String,
    /// The setup at the circuit's size.
    pub params: ParamsKZG<Bn256>,
    /// The proving key (holds the verifying key).
    pub pk: ProvingKey<G1Affine>,
    /// The pinning the prover must reuse.
    pub pinning: Pinning,
    /// Hex digest of the verifying key (its transcript representation).
    pub vk_digest: String,
    /// Whether the keys were read from the cache.
    pub cached: bool,
}

/// Keys of one aggregation node circuit. The proving key (~3 GB at k = 20) stays on disk
/// until a node of this circuit must be proven; at most one is held in memory at a time.
pub struct NodeKeys {
    /// Name: node tag and a digest of the children's verifying keys.
    pub name: String,
    /// Verifying key.
    pub vk: VerifyingKey<G1Affine>,
    /// Shape fixed at keygen.
    pub pinning: NodePinning,
    /// Verifying-key digest.
    pub vk_digest: String,
    /// Where the proving key is cached.
    pub pk_path: PathBuf,
}

/// Where keys are cached: `{dir}/{circuit}.v{CIRCUITS_VERSION}.{srs id}.pk` and `.pinning.json`.
pub struct KeyStore {
    /// The directory.
    pub dir: PathBuf,
}

/// Hex digest of a proving key's verifying key.
pub fn vk_digest(pk: &ProvingKey<G1Affine>) -> String {
    vk_digest_of(pk.get_vk())
}

/// Hex digest of a verifying key (its transcript representation).
pub fn vk_digest_of(vk: &VerifyingKey<G1Affine>) -> String {
    format!("{:?}", vk.transcript_repr())
}

/// Where the SHA-256 of a cached file (a proving key, a local setup) is kept: beside it, with
/// `.sha256` appended (`….pk.sha256`), written after the file.
pub fn pk_digest_path(pk_path: &Path) -> PathBuf {
    let mut p = pk_path.as_os_str().to_owned();
    p.push(".sha256");
    PathBuf::from(p)
}

/// A writer that hashes what passes through it.
struct Hashing<'a, W> {
    inner: W,
    hash: &'a mut Sha256,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a proving key to `path` atomically, streamed, then its SHA-256 beside it
/// ([`pk_digest_path`]): [`read_pk`] trusts a key only when both agree.
pub fn write_pk(
    path: &Path,
    pk: &ProvingKey<G1Affine>,
    format: SerdeFormat,
) -> Result<(), PipelineError> {
    let mut hash = Sha256::new();
    write_atomically_with(path, "proving key", |w| {
        pk.write(
            &mut Hashing {
                inner: w,
                hash: &mut hash,
            },
            format,
        )
    })?;
    let digest = hex::encode(hash.finalize());
    write_atomically(
        &pk_digest_path(path),
        digest.as_bytes(),
        "proving key digest",
    )
}

/// Reads a cached proving key of a circuit of `2^k` rows, or `None` when it cannot be trusted:
/// no digest file beside it or one that does not match its bytes (truncated, corrupted, or
/// written before digests were kept), a header that is not halo2's version-2 key of this `k`,
/// or a reader that fails or panics (halo2's key reader unwraps inside, and takes lengths from
/// the file: the digest check comes first so that a corrupted length never reaches it). A
/// `None` is made again from the pinning by the caller.
pub fn read_pk<C: Circuit<Fr>>(
    path: &Path,
    k: u32,
    format: SerdeFormat,
    params: C::Params,
) -> Option<ProvingKey<G1Affine>> {
    let want = std::fs::read_to_string(pk_digest_path(path)).ok()?;
    let mut f = std::fs::File::open(path).ok()?;
    let mut hash = Sha256::new();
    std::io::copy(&mut f, &mut hash).ok()?;
    if hex::encode(hash.finalize()) != want.trim() {
        return None;
    }
    f.seek(SeekFrom::Start(0)).ok()?;
    let mut header = [0u8; 5];
    f.read_exact(&mut header).ok()?;
    if header[0] != 2 || header[1..] != k.to_le_bytes() {
        return None;
    }
    f.seek(SeekFrom::Start(0)).ok()?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        ProvingKey::<G1Affine>::read::<_, C>(&mut r, format, params)
    }))
    .ok()?
    .ok()
}

/// Largest `k` of an aggregation circuit read from a file (an artifact or a cached pinning).
pub const MAX_AGGREGATION_K: u32 = 26;

/// Most columns of one kind an aggregation circuit read from a file may declare (the nodes
/// use tens).
pub const MAX_AGGREGATION_COLUMNS: usize = 1024;

/// Checks aggregation circuit parameters read from a file before they configure anything:
/// `degree` in `1..=MAX_AGGREGATION_K`, column counts at most [`MAX_AGGREGATION_COLUMNS`] (at
/// least one advice and one fixed column), lookup bits below the degree.
pub fn check_aggregation_params(p: &AggregationConfigParams) -> Result<(), String> {
    if p.degree == 0 || p.degree > MAX_AGGREGATION_K {
        return Err(format!(
            "circuit degree k = {} is outside 1..={MAX_AGGREGATION_K}",
            p.degree
        ));
    }
    for (what, n, min) in [
        ("advice", p.num_advice, 1),
        ("lookup advice", p.num_lookup_advice, 0),
        ("fixed", p.num_fixed, 1),
    ] {
        if n < min || n > MAX_AGGREGATION_COLUMNS {
            return Err(format!(
                "{n} {what} columns is outside {min}..={MAX_AGGREGATION_COLUMNS}"
            ));
        }
    }
    if p.lookup_bits == 0 || p.lookup_bits >= p.degree as usize {
        return Err(format!(
            "lookup bits {} is not below the degree {}",
            p.lookup_bits, p.degree
        ));
    }
    Ok(())
}

/// Reads an aggregation circuit's verifying key (halo2 raw bytes) of `2^k` rows, or why not:
/// the parameters are checked ([`check_aggregation_params`]) and the header must be halo2's
/// version-2 key of that `k` before the reader configures the circuit; a reader that fails or
/// panics is an error.
pub fn read_aggregation_vk(
    bytes: &[u8],
    params: AggregationConfigParams,
) -> Result<VerifyingKey<G1Affine>, String> {
    check_aggregation_params(&params)?;
    match bytes.get(..5) {
        Some([2, k @ ..]) if *k == params.degree.to_le_bytes() => {}
        _ => {
            return Err(format!(
                "the verifying key's header is not a version-2 key of k = {}",
                params.degree
            ))
        }
    }
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        VerifyingKey::<G1Affine>::read::<_, AggregationCircuit>(
            &mut &bytes[..],
            SerdeFormat::RawBytes,
            params,
        )
    }))
    .map_err(|_| "the verifying key's reader panicked".to_string())?
    .map_err(|e| format!("the verifying key does not decode: {e}"))
}

impl KeyStore {
    /// Keys for the circuit of `sample` (a witness of the right shape) at `k`: read from the
    /// cache when present and readable, else generated (and cached).
    pub fn get(
        &self,
        srs: &Srs,
        sample: &impl CircuitLogic,
        k: u32,
    ) -> Result<CircuitKeys, PipelineError> {
        let name = sample.name();
        let params = srs.for_circuit(&name, k)?;
        let v = stakeproof_circuits::CIRCUITS_VERSION;
        let pk_path = self.dir.join(format!("{name}.v{v}.{}.pk", srs.id));
        let pin_path = self
            .dir
            .join(format!("{name}.v{v}.{}.pinning.json", srs.id));
        if let Ok(pinning) = Pinning::load(&pin_path) {
            let pk =
                read_pk::<ShaCircuit>(&pk_path, k, SerdeFormat::RawBytes, pinning.params.clone());
            if let Some(pk) = pk {
                return Ok(CircuitKeys {
                    vk_digest: vk_digest(&pk),
                    name,
                    params,
                    pk,
                    pinning,
                    cached: true,
                });
            }
            // A corrupt, truncated or unverifiable key file is regenerated, never trusted.
        }
        let circuit = build_circuit(CircuitBuilderStage::Keygen, sample, Shape::K(k as usize))?;
        let pk = keygen(&params, &circuit).map_err(|source| PipelineError::Halo2 {
            what: format!("keygen of {name}"),
            source,
        })?;
        let pinning = circuit.pinning();
        write_pk(&pk_path, &pk, SerdeFormat::RawBytes)?;
        let pin_json = serde_json::to_vec_pretty(&pinning).expect("pinning serializes");
        write_atomically(&pin_path, &pin_json, "pinning")?;
        Ok(CircuitKeys {
            vk_digest: vk_digest(&pk),
            name,
            params,
            pk,
            pinning,
            cached: false,
        })
    }
}
