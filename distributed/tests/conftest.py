"""Fixtures: the stakeproof binary, a small devnet state, leaf keys made once, and a local Ray
cluster of two worker CPUs (``ray start --head``) that the driver joins with ``--address``."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

POOL = "0x57a4e0005a4e0000000000000000000000000001"
#: 16 validators at ranges of 4 and 16: 4 registry leaves and 1 balance leaf.
VALIDATORS = 16
# The test cluster is local and short-lived: no token (and nothing written to ~/.ray).
os.environ["RAY_AUTH_MODE"] = "disabled"
os.environ["RAY_USAGE_STATS_ENABLED"] = "0"

#: Memory the test cluster offers: enough for every leaf (under 1 GiB), not for a node.
CLUSTER_GIB = 8


@pytest.fixture(scope="session")
def binary() -> str:
    b = os.environ.get("STAKEPROOF_BIN")
    if not b or not Path(b).is_file():
        pytest.fail("STAKEPROOF_BIN must name the stakeproof binary (cargo test sets it: "
                    "tests/distributed_ray.rs)")
    return b


@pytest.fixture(scope="session")
def state(binary, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("state") / "devnet.ssz"
    subprocess.run([binary, "demo", "--json", "--no-prove", "--validators", str(VALIDATORS),
                    "--write-state", str(path)], check=True, capture_output=True)
    return path


@pytest.fixture(scope="session")
def leaf_keys(binary, tmp_path_factory) -> Path:
    """A work directory with the leaf keys and the unsafe setup, made once: each test's
    workers start from a copy (every machine of a real cluster makes its own once)."""
    work = tmp_path_factory.mktemp("keys")
    subprocess.run([binary, "setup", "--unsafe-srs", "--work-dir", str(work)],
                   check=True, capture_output=True)
    return work


def seed_worker(leaf_keys: Path, worker_dir: Path) -> None:
    for sub in ("keys", "srs"):
        shutil.copytree(leaf_keys / sub, worker_dir / "work" / sub)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def cluster():
    """A local Ray head with 2 CPUs (two jobs at a time) and CLUSTER_GIB of memory."""
    ray_bin = Path(sys.executable).parent / "ray"
    port = free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    subprocess.run([str(ray_bin), "start", "--head", f"--port={port}", "--num-cpus=2",
                    f"--memory={CLUSTER_GIB << 30}", "--include-dashboard=false",
                    "--disable-usage-stats"], check=True, capture_output=True, env=env)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([str(ray_bin), "stop", "--force"], capture_output=True, env=env)


def driver_cmd(binary, state, work, worker, address, *extra) -> list[str]:
    return [sys.executable, "-m", "stakeproof_ray", "prove", "--json",
            "--address", address, "--stakeproof", binary,
            "--work-dir", str(work), "--worker-dir", str(worker),
            "--state", str(state), "--withdrawal-address", POOL, "--unsafe-srs", *extra]


def run_driver(*args, **kw) -> tuple[int, dict | None, str]:
    proc = subprocess.run(driver_cmd(*args), capture_output=True, text=True, **kw)
    summary = json.loads(proc.stdout) if proc.returncode == 0 else None
    return proc.returncode, summary, proc.stderr


def prove_leaves_json(binary, state, work) -> dict:
    """``stakeproof prove --leaves-only --json`` in ``work``: the single-machine run."""
    proc = subprocess.run([binary, "prove", "--leaves-only", "--json", "--unsafe-srs",
                           "--state", str(state), "--withdrawal-address", POOL,
                           "--work-dir", str(work)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def leaf_keys_of(summary: dict) -> list[tuple[str, int, str]]:
    return [(e["circuit"], e["start"], e["key"]) for e in summary["registry"] + summary["balance"]]
