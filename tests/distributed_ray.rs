//! The Ray driver's tests (`distributed/tests`, pytest) against this build's binary, on a local
//! Ray cluster of two worker CPUs: the same leaf proofs as `stakeproof prove --leaves-only`
//! (with the pending-deposit queue's leaves too), a worker SIGKILLed mid-job and retried, the
//! driver killed and resumed, a job that no worker can fit refused with its name and memory.
//! About 3 minutes on 2 cores.
//!
//! The Python environment is `distributed/install.sh`'s virtual environment inside the checkout
//! (`.tools/ray-venv`, pinned ray and pytest from PyPI), made here when it is missing.
//! `STAKEPROOF_RAY_SLOW=1` adds the whole small tree through Ray up to a verified final proof
//! (about 40 minutes, 23 GiB).

use std::path::Path;
use std::process::Command;

#[test]
fn the_ray_driver_passes_its_tests_on_a_local_cluster() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let install = Command::new(root.join("distributed/install.sh"))
        .output()
        .expect("run distributed/install.sh (bash, python3 with venv and pip)");
    assert!(
        install.status.success(),
        "distributed/install.sh failed: {}",
        String::from_utf8_lossy(&install.stderr)
    );
    let stdout = String::from_utf8(install.stdout).expect("utf-8");
    let python = stdout.lines().last().expect("the venv's python").trim();
    let out = Command::new(python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
        .current_dir(root.join("distributed"))
        .env("STAKEPROOF_BIN", env!("CARGO_BIN_EXE_stakeproof"))
        .output()
        .expect("run pytest");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "pytest failed:\n{text}");
    let expected = if std::env::var_os("STAKEPROOF_RAY_SLOW").is_some() {
        "6 passed"
    } else {
        "5 passed"
    };
    assert!(
        text.contains(expected),
        "expected {expected} (the cluster tests ran):\n{text}"
    );
}
