//! Compiles `cuda/*.cu` with nvcc (sm_90) when the `cuda` feature is on; nothing otherwise.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_CUDA").is_some() {
        cuda::build();
    }
}

mod cuda {
    use std::env;
    use std::path::PathBuf;

    fn nvcc() -> PathBuf {
        println!("cargo:rerun-if-env-changed=NVCC");
        println!("cargo:rerun-if-env-changed=CUDA_HOME");
        if let Some(n) = env::var_os("NVCC") {
            return n.into();
        }
        if let Some(h) = env::var_os("CUDA_HOME") {
            return PathBuf::from(h).join("bin").join("nvcc");
        }
        panic!(
            "feature `cuda` needs nvcc: set NVCC=/path/to/nvcc or CUDA_HOME \
             (gpu/install-cuda.sh installs one into .tools/cuda/home)"
        );
    }

    /// Mirrors blst 0.3's build.rs (no `portable`/`force-adx` features).
    fn blst_uses_adx() -> bool {
        if env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("x86_64") {
            return false;
        }
        if env::var("CARGO_ENCODED_RUSTFLAGS")
            .unwrap_or_default()
            .contains("target-cpu=")
        {
            let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
            let features: Vec<_> = features.split(',').collect();
            return features.contains(&"ssse3") && features.contains(&"adx");
        }
        #[cfg(target_arch = "x86_64")]
        {
            std::is_x86_feature_detected!("adx")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    pub fn build() {
        let nvcc = nvcc();
        assert!(
            nvcc.exists(),
            "nvcc not found at {} (set NVCC or CUDA_HOME)",
            nvcc.display()
        );
        // sppark exports its header root; blst exports the dir holding blst_t.hpp, which
        // sppark's host-side field types include.
        let sppark = env::var("DEP_SPPARK_ROOT").expect("sppark did not export DEP_SPPARK_ROOT");
        let blst = env::var("DEP_BLST_C_SRC").expect("blst did not export DEP_BLST_C_SRC");
        println!("cargo:rerun-if-changed=cuda/stakeproof_gpu.cu");
        // cc drives nvcc (and wraps host flags in -Xcompiler) when it finds `nvcc` on PATH.
        let bin = nvcc.parent().expect("nvcc path has a parent").to_path_buf();
        let path = env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![bin];
        dirs.extend(env::split_paths(&path));
        env::set_var("PATH", env::join_paths(dirs).expect("PATH"));
        let mut b = cc::Build::new();
        b.cuda(true)
            .cudart("static")
            // Never device-debug (-G) code: it is slow to build and to run.
            .debug(false)
            .opt_level(3)
            .include(&sppark)
            .include(&blst)
            .define("FEATURE_BN254", None)
            .define("TAKE_RESPONSIBILITY_FOR_ERROR_MESSAGE", None)
            .flag("-arch=sm_90")
            .flag("-std=c++17")
            .flag("-Xcompiler")
            .flag("-Wno-unused-function")
            .file("cuda/stakeproof_gpu.cu");
        // blst's headers name its mulx (ADX) or plain Montgomery routines depending on
        // __ADX__; match the choice blst's own build.rs made for the library we link.
        if blst_uses_adx() {
            b.define("__ADX__", None);
        }
        if let Ok(jobs) = env::var("STAKEPROOF_NVCC_THREADS") {
            b.flag(format!("--threads={jobs}"));
        }
        b.compile("stakeproof_gpu_cuda");
        // cudart_static lives next to nvcc: <CUDA_HOME>/lib64 (or lib).
        let home = nvcc
            .parent()
            .and_then(|b| b.parent())
            .expect("nvcc is in <CUDA_HOME>/bin");
        for lib in ["lib64", "lib"] {
            if home.join(lib).join("libcudart_static.a").exists() {
                println!(
                    "cargo:rustc-link-search=native={}",
                    home.join(lib).display()
                );
                break;
            }
        }
        // cudart_static needs these on Linux.
        println!("cargo:rustc-link-lib=dylib=stdc++");
        println!("cargo:rustc-link-lib=dylib=dl");
        println!("cargo:rustc-link-lib=dylib=rt");
        println!("cargo:rustc-link-lib=dylib=pthread");
    }
}
