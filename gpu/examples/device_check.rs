//! Device check and benchmark for the CUDA backend (feature `cuda`; needs an sm_90 GPU).
//!
//! 1. GPU MSM (streamed and resident bases) and NTT (forward, inverse, coset) equal the CPU
//!    backend on random inputs of 2^10 ..= 2^max (default max 24), and `GpuParams` commits
//!    equal `ParamsKZG`'s.
//! 2. A timing table, MSM and NTT at 2^16 ..= 2^max, CPU vs GPU, written as JSON to
//!    `gpu/benches/gpu-report.json` (or `--out PATH`).
//!
//! `cargo run --release -p stakeproof-gpu --features cuda --example device_check -- [--max-log 24] [--out PATH]`
//! Exits non-zero on any mismatch.

use halo2_base::halo2_proofs::arithmetic::Field;
use halo2_base::halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine, G1};
use halo2_base::halo2_proofs::halo2curves::group::{Curve, Group};
use halo2_base::halo2_proofs::poly::commitment::{Blind, Params, ParamsProver};
use halo2_base::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_base::halo2_proofs::poly::EvaluationDomain;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use serde_json::json;
use stakeproof_gpu::halo2::GpuParams;
use stakeproof_gpu::{Backend, CpuBackend, CudaBackend, NttDirection};
use std::sync::Arc;
use std::time::Instant;

fn random_points(n: usize, seed: u64) -> Vec<G1Affine> {
    // cheap: a random walk from per-chunk random starts
    let chunks = 1usize.max(n / 4096);
    let proj: Vec<G1> = (0..chunks)
        .into_par_iter()
        .flat_map_iter(|c| {
            let mut rng = ChaCha20Rng::seed_from_u64(seed ^ (c as u64) << 20);
            let step = G1::random(&mut rng);
            let mut p = G1::random(&mut rng);
            let len = if c + 1 == chunks {
                n - c * (n / chunks)
            } else {
                n / chunks
            };
            (0..len).map(move |i| {
                p += step;
                if i % 1000 == 999 {
                    G1::identity()
                } else {
                    p
                }
            })
        })
        .collect();
    let mut out = vec![G1Affine::default(); n];
    out.par_chunks_mut(1 << 14)
        .zip(proj.par_chunks(1 << 14))
        .for_each(|(o, p)| G1::batch_normalize(p, o));
    out
}

fn random_scalars(n: usize, seed: u64) -> Vec<Fr> {
    (0..n)
        .into_par_iter()
        .chunks(1 << 14)
        .flat_map_iter(|idx| {
            let mut rng = ChaCha20Rng::seed_from_u64(seed ^ (idx[0] as u64) << 8);
            idx.into_iter()
                .map(move |i| {
                    if i % 997 == 0 {
                        Fr::ZERO
                    } else {
                        Fr::random(&mut rng)
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn secs<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed().as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let max_log: u32 = arg("--max-log").map_or(24, |v| v.parse().expect("--max-log N"));
    let out_path = arg("--out")
        .unwrap_or_else(|| format!("{}/benches/gpu-report.json", env!("CARGO_MANIFEST_DIR")));

    let gpu = match CudaBackend::new(0) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("device_check: no usable CUDA device: {e}");
            std::process::exit(2);
        }
    };
    let cpu = CpuBackend::new();
    println!("device: {}", gpu.describe());
    println!("cpu:    {}", cpu.describe());
    let mut failures = Vec::new();
    let mut rows = Vec::new();

    // GpuParams on the device vs ParamsKZG
    {
        let k = 12;
        let params = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::seed_from_u64(5));
        let gp = GpuParams::borrowed(&params, Arc::new(CudaBackend::new(0).expect("device")));
        let domain = EvaluationDomain::<Fr>::new(1, k);
        let mut lag = domain.empty_lagrange();
        for (v, s) in lag.iter_mut().zip(random_scalars(1 << k, 9)) {
            *v = s;
        }
        let coeff = domain.lagrange_to_coeff(lag.clone());
        let b = Blind::default();
        let ok = gp.commit_lagrange(&lag, b) == params.commit_lagrange(&lag, b)
            && gp.commit(&coeff, b) == params.commit(&coeff, b)
            && gp.counts().cpu_fallbacks == 0;
        println!(
            "GpuParams commit/commit_lagrange k={k}: {}",
            if ok { "ok" } else { "MISMATCH" }
        );
        if !ok {
            failures.push(format!("GpuParams k={k}: {:?}", gp.last_error()));
        }
    }

    let shift = Fr::from(7u64); // any non-zero shift; halo2 uses ZETA
    for log in (10..=max_log).step_by(2) {
        let n = 1usize << log;
        let bases = random_points(n, log as u64);
        let scalars = random_scalars(n, 100 + log as u64);

        let (want, t_cpu_msm) = secs(|| cpu.msm(&bases, &scalars).unwrap().to_affine());
        let (got, t_gpu_msm_streamed) = secs(|| gpu.msm(&bases, &scalars).map(|p| p.to_affine()));
        let (handle, t_upload) = secs(|| gpu.load_bases(&bases));
        let handle = handle.expect("load_bases");
        let _ = gpu.msm_loaded(&handle, &scalars[..n / 2]); // warm-up
        let (got_res, t_gpu_msm) =
            secs(|| gpu.msm_loaded(&handle, &scalars).map(|p| p.to_affine()));
        gpu.free_bases(handle).unwrap();
        let msm_ok = got.as_ref().ok() == Some(&want) && got_res.as_ref().ok() == Some(&want);
        if !msm_ok {
            failures.push(format!(
                "msm 2^{log}: streamed {got:?} resident {got_res:?} want {want:?}"
            ));
        }

        let mut a_cpu = scalars.clone();
        let (_, t_cpu_ntt) = secs(|| cpu.ntt(&mut a_cpu, NttDirection::Forward).unwrap());
        let mut a_gpu = scalars.clone();
        let (r, t_gpu_ntt) = secs(|| gpu.ntt(&mut a_gpu, NttDirection::Forward));
        let mut ntt_ok = r.is_ok() && a_gpu == a_cpu;
        let r = gpu.ntt(&mut a_gpu, NttDirection::Inverse);
        ntt_ok &= r.is_ok() && a_gpu == scalars;
        let mut c_cpu = scalars.clone();
        cpu.coset_ntt(&mut c_cpu, shift, NttDirection::Forward)
            .unwrap();
        let mut c_gpu = scalars.clone();
        let (r, t_gpu_coset) = secs(|| gpu.coset_ntt(&mut c_gpu, shift, NttDirection::Forward));
        ntt_ok &= r.is_ok() && c_gpu == c_cpu;
        let r = gpu.coset_ntt(&mut c_gpu, shift, NttDirection::Inverse);
        ntt_ok &= r.is_ok() && c_gpu == scalars;
        if !ntt_ok {
            failures.push(format!(
                "ntt 2^{log}: forward/inverse/coset mismatch or error {r:?}"
            ));
        }
        println!(
            "2^{log:>2}: msm {} cpu {t_cpu_msm:.3}s gpu {t_gpu_msm:.3}s (streamed {t_gpu_msm_streamed:.3}s, upload {t_upload:.3}s) | ntt {} cpu {t_cpu_ntt:.3}s gpu {t_gpu_ntt:.3}s coset {t_gpu_coset:.3}s",
            if msm_ok { "ok" } else { "MISMATCH" },
            if ntt_ok { "ok" } else { "MISMATCH" },
        );
        if log >= 16 {
            rows.push(json!({
                "log_n": log,
                "msm_cpu_s": t_cpu_msm,
                "msm_gpu_resident_s": t_gpu_msm,
                "msm_gpu_streamed_s": t_gpu_msm_streamed,
                "msm_bases_upload_s": t_upload,
                "ntt_cpu_s": t_cpu_ntt,
                "ntt_gpu_s": t_gpu_ntt,
                "coset_ntt_gpu_s": t_gpu_coset,
                "msm_ok": msm_ok,
                "ntt_ok": ntt_ok,
            }));
        }
    }

    let report = json!({
        "device": gpu.describe(),
        "cpu": cpu.describe(),
        "max_log": max_log,
        "note": "GPU times include host<->device transfers and format conversion; resident MSM excludes the bases upload",
        "rows": rows,
        "failures": failures,
    });
    if let Some(dir) = std::path::Path::new(&out_path).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&out_path, serde_json::to_string_pretty(&report).unwrap())
        .unwrap_or_else(|e| eprintln!("cannot write {out_path}: {e}"));
    println!("report: {out_path}");
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAIL {f}");
        }
        std::process::exit(1);
    }
    println!("device_check: all results equal the CPU");
}
