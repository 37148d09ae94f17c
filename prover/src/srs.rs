//! The universal KZG setup.

use crate::{write_atomically, PipelineError};
use stakeproof_circuits::halo2_proofs::halo2curves::bn256::Bn256;
use stakeproof_circuits::halo2_proofs::poly::commitment::Params;
use stakeproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::util::proving::{params_for, unsafe_setup};
use std::path::Path;

/// Largest setup this code reads: 2^28 points (a 34 GiB file).
pub const MAX_SRS_K: u32 = 28;

/// Largest setup generated locally ([`Srs::unsafe_local`]): 2^26 points (hours of generation
/// and ~8 GiB; the final node uses 2^22). A `k` from an artifact is refused above it before
/// anything is allocated.
pub const MAX_UNSAFE_K: u32 = 26;

fn check_k(what: &str, k: u32, max: u32) -> Result<(), PipelineError> {
    if k == 0 || k > max {
        return Err(PipelineError::BadSize(format!(
            "{what} of 2^{k} points: k must be within 1..={max}"
        )));
    }
    Ok(())
}

/// Reads a setup in halo2's uncompressed layout (`k` as u32 LE, `2^k` G1 points, their Lagrange
/// form, two G2 points), refusing a header or a length that does not fit before allocating,
/// and checking every point is on its curve.
fn read_checked(bytes: &[u8]) -> std::io::Result<ParamsKZG<Bn256>> {
    use std::io::{Error, ErrorKind};
    let k = bytes
        .get(..4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
        .ok_or_else(|| Error::new(ErrorKind::UnexpectedEof, "shorter than its 4-byte header"))?;
    if k == 0 || k > MAX_SRS_K {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("header says 2^{k} points; expected 1..={MAX_SRS_K} (not a halo2 KZG setup?)"),
        ));
    }
    let expected = 4 + (2usize << k) * 64 + 2 * 128;
    if bytes.len() != expected {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "{} bytes, but a 2^{k} setup has {expected} (truncated or another format)",
                bytes.len()
            ),
        ));
    }
    ParamsKZG::<Bn256>::read_custom(&mut &bytes[..], SerdeFormat::RawBytes)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A KZG setup and where it came from.
#[derive(Clone, Debug)]
pub struct Srs {
    params: ParamsKZG<Bn256>,
    /// The seed of an unsafe local setup: smaller sizes are generated directly from it.
    seed: Option<u64>,
    /// Setups cut down to smaller sizes, by `k`.
    smaller: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<u32, ParamsKZG<Bn256>>>>,
    /// Locally generated with a known seed: anyone can forge proofs against it.
    pub unsafe_local: bool,
    /// Identifier used in key file names: `unsafe-seed{seed}` or `file-{sha256 prefix}`.
    pub id: String,
}

impl Srs {
    /// Loads a ceremony setup in halo2's format (e.g. converted perpetual powers of tau).
    pub fn load(path: &Path) -> Result<Self, PipelineError> {
        let bytes = std::fs::read(path).map_err(|source| PipelineError::Io {
            what: "SRS file",
            path: path.display().to_string(),
            source,
        })?;
        let params = read_checked(&bytes).map_err(|source| PipelineError::Io {
            what: "SRS file (halo2 format)",
            path: path.display().to_string(),
            source,
        })?;
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(&bytes));
        Ok(Srs {
            params,
            seed: None,
            smaller: Default::default(),
            unsafe_local: false,
            id: format!("file-{}", &digest[..16]),
        })
    }

    /// A locally generated setup of `2^k` points, cached under `cache_dir` (generation takes
    /// minutes at large `k`). **Unsafe**: for tests and the offline demo only.
    pub fn unsafe_local(
        k: u32,
        seed: u64,
        cache_dir: Option<&Path>,
    ) -> Result<Self, PipelineError> {
        check_k("a local setup", k, MAX_UNSAFE_K)?;
        // The id does not depend on k: every size of this setup has the same points (a smaller
        // one is a prefix), so keys made with one serve all.
        let id = format!("unsafe-seed{seed}");
        if let Some(dir) = cache_dir {
            let path = dir.join(format!("unsafe-k{k}-seed{seed}.srs"));
            // The cache is used only when its digest file agrees with its bytes (a point
            // corrupted to another point on the curve would pass `read_checked`).
            let digest_path = crate::keys::pk_digest_path(&path);
            let cached = std::fs::read(&path).ok().filter(|bytes| {
                std::fs::read_to_string(&digest_path).is_ok_and(|d| d.trim() == sha256_hex(bytes))
            });
            if let Some(bytes) = cached {
                if let Ok(params) = read_checked(&bytes) {
                    if params.k() == k {
                        return Ok(Srs {
                            params,
                            seed: Some(seed),
                            smaller: Default::default(),
                            unsafe_local: true,
                            id,
                        });
                    }
                }
                // Unreadable or foreign: regenerate below and overwrite.
            }
            let params = unsafe_setup(k, seed);
            let mut bytes = Vec::new();
            params
                .write(&mut bytes)
                .map_err(|source| PipelineError::Io {
                    what: "SRS cache",
                    path: path.display().to_string(),
                    source,
                })?;
            write_atomically(&path, &bytes, "SRS cache")?;
            write_atomically(
                &digest_path,
                sha256_hex(&bytes).as_bytes(),
                "SRS cache digest",
            )?;
            return Ok(Srs {
                params,
                seed: Some(seed),
                smaller: Default::default(),
                unsafe_local: true,
                id,
            });
        }
        Ok(Srs {
            params: unsafe_setup(k, seed),
            seed: Some(seed),
            smaller: Default::default(),
            unsafe_local: true,
            id,
        })
    }

    /// log2 of the number of points.
    pub fn k(&self) -> u32 {
        self.params.k()
    }

    /// The setup cut down to `2^k` points for a circuit of that size.
    pub fn for_circuit(&self, circuit: &str, k: u32) -> Result<ParamsKZG<Bn256>, PipelineError> {
        check_k(circuit, k, MAX_SRS_K)?;
        if k > self.k() {
            return Err(PipelineError::SrsTooSmall {
                circuit: circuit.to_string(),
                have: self.k(),
                need: k,
            });
        }
        if k == self.k() {
            return Ok(self.params.clone());
        }
        let mut smaller = self.smaller.lock().expect("setup cache");
        let p = smaller.entry(k).or_insert_with(|| match self.seed {
            // The same points, generated directly (seconds), instead of recomputing the
            // Lagrange basis of the prefix with a point FFT (minutes at k = 20).
            Some(seed) => unsafe_setup(k, seed),
            None => params_for(&self.params, k),
        });
        Ok(p.clone())
    }
}
