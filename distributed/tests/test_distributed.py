"""The Ray driver on a local cluster of two worker CPUs: the same proofs as one machine, a
worker lost mid-job, the driver lost and started again, a job no worker can fit, and (slow)
the whole small tree up to a final proof that ``stakeproof verify`` accepts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (CLUSTER_GIB, POOL, driver_cmd, leaf_keys_of, prove_leaves_json,
                      run_driver, seed_worker)

LEAVES = 5  # 4 registry + 1 balance


def job_processes(worker_dir: Path) -> list[tuple[int, int, float]]:
    """``stakeproof job`` processes whose spec is under ``worker_dir``: (pid, parent pid,
    seconds alive)."""
    out = []
    ticks = os.sysconf("SC_CLK_TCK")
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
            stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"job" in cmd and any(str(worker_dir).encode() in a for a in cmd):
            out.append((int(d.name), int(stat[1]), uptime - int(stat[19]) / ticks))
    return out


def artifact_files(*dirs: Path) -> list[Path]:
    return [p for d in dirs if d.exists() for p in d.rglob("*.json")]


def test_leaves_through_ray_are_the_single_machine_proofs(binary, state, leaf_keys, cluster,
                                                          tmp_path):
    work, worker = tmp_path / "work", tmp_path / "worker"
    seed_worker(leaf_keys, worker)
    code, summary, err = run_driver(binary, state, work, worker, cluster, "--leaves-only")
    assert code == 0, err
    assert summary["stage"] == "leaves" and summary["jobs_total"] == LEAVES
    assert summary["proofs_generated"] == LEAVES and summary["jobs_retried"] == 0
    assert all(e["host"] and e["attempts"] == 1 for e in summary["registry"] + summary["balance"])
    assert "[5/5]" in err, "progress lines"
    # The single-machine prover, in the driver's work directory: it re-verifies every proof
    # against its own keys and native statements, and finds every one already proven.
    single = prove_leaves_json(binary, state, work)
    assert (single["proofs_generated"], single["proofs_reused"]) == (0, LEAVES)
    assert leaf_keys_of(single) == leaf_keys_of(summary)
    assert single["totals"] == summary["totals"]
    # A second driver run resumes every job from the results it recorded.
    code, again, err = run_driver(binary, state, work, worker, cluster, "--leaves-only")
    assert code == 0, err
    assert again["jobs_resumed"] == LEAVES and leaf_keys_of(again) == leaf_keys_of(summary)


def test_the_queue_leaves_through_ray_are_the_single_machine_proofs(binary, state, leaf_keys,
                                                                   cluster, tmp_path):
    """With ``--pending-size`` the plan also has the pending-deposit queue's leaves (the test
    state's queue is empty: one leaf proves its length 0), and the single-machine
    ``prove --leaves-only`` finds them already proven."""
    work, worker = tmp_path / "work", tmp_path / "worker"
    seed_worker(leaf_keys, worker)
    code, summary, err = run_driver(binary, state, work, worker, cluster, "--leaves-only",
                                    "--pending-size", "4")
    assert code == 0, err
    assert summary["jobs_total"] == LEAVES + 1 and summary["proofs_generated"] == LEAVES
    [leaf] = summary["pending_leaf_proofs"]
    assert leaf["circuit"].startswith("pending-4-") and leaf["start"] == 0, leaf
    assert summary["pending_totals"] == {"queue_length": 0, "pending_deposit_count": 0,
                                         "pending_deposit_gwei": "0"}
    proc = subprocess.run([binary, "prove", "--leaves-only", "--json", "--unsafe-srs",
                           "--state", str(state), "--withdrawal-address", POOL,
                           "--pending-size", "4", "--work-dir", str(work)],
                          capture_output=True, text=True, check=True)
    single = json.loads(proc.stdout)
    assert (single["proofs_generated"], single["proofs_reused"]) == (0, LEAVES)
    assert single["pending_leaves"]["leaves"][0]["key"] == leaf["key"]
    assert single["pending_leaves"]["leaves"][0]["reused"] is True


def test_a_worker_killed_mid_job_is_retried(binary, state, leaf_keys, cluster, tmp_path):
    work, worker = tmp_path / "work", tmp_path / "worker"
    seed_worker(leaf_keys, worker)
    driver = subprocess.Popen(driver_cmd(binary, state, work, worker, cluster, "--leaves-only"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed, most = None, 0
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and driver.poll() is None:
        procs = job_processes(worker)
        most = max(most, len(procs))
        for pid, ppid, alive in procs if killed is None else []:
            if alive > 1.0:  # past its start: reading keys or proving
                spec = json.loads(Path(next(a for a in Path(f"/proc/{pid}/cmdline").read_bytes()
                                            .decode().split("\0") if a.endswith("spec.json")))
                                  .read_text())
                os.kill(ppid, signal.SIGKILL)  # the Ray worker process running the task
                killed = spec["job"]
                break
        time.sleep(0.2)
    assert killed, "no job process was seen to kill"
    # Never more jobs at once than the cluster has CPUs (a task blocked in ray.get would lend
    # its CPU to another).
    assert most <= 2, f"{most} jobs ran at once on 2 CPUs"
    out, err = driver.communicate(timeout=600)
    assert driver.returncode == 0, err
    summary = json.loads(out)
    entry = next(e for e in summary["registry"] + summary["balance"] if e["job"] == killed)
    assert entry["retried"] and entry["attempts"] >= 2, entry
    assert summary["jobs_retried"] >= 1
    # Its prover died with its worker: nothing of the killed attempt is still running.
    assert not job_processes(worker)
    # No half-written file looks valid: every JSON file under the stores parses, and the
    # single-machine prover re-verifies and reuses every proof.
    for p in artifact_files(work / "proofs", worker / "work" / "proofs", work / "ray"):
        json.loads(p.read_text())
    single = prove_leaves_json(binary, state, work)
    assert (single["proofs_generated"], single["proofs_reused"]) == (0, LEAVES)
    assert leaf_keys_of(single) == leaf_keys_of(summary)


def test_a_driver_killed_and_started_again_resumes(binary, state, leaf_keys, cluster, tmp_path):
    work, worker = tmp_path / "work", tmp_path / "worker"
    seed_worker(leaf_keys, worker)
    driver = subprocess.Popen(driver_cmd(binary, state, work, worker, cluster, "--leaves-only"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and driver.poll() is None:
        found = list((work / "ray").glob("*/results/*.json")) if (work / "ray").exists() else []
        if len(found) >= 2:
            results = found
            break
        time.sleep(0.1)
    assert results, "the driver recorded no result to resume from"
    driver.send_signal(signal.SIGKILL)
    driver.communicate()
    done = {json.loads(p.read_text())["job"] for p in results}
    code, summary, err = run_driver(binary, state, work, worker, cluster, "--leaves-only")
    assert code == 0, err
    entries = {e["job"]: e for e in summary["registry"] + summary["balance"]}
    assert len(entries) == LEAVES
    # Every job recorded before the kill is resumed, not submitted again.
    assert all(entries[j]["resumed"] for j in done), (done, entries)
    assert summary["jobs_resumed"] >= len(done)
    single = prove_leaves_json(binary, state, work)
    assert (single["proofs_generated"], single["proofs_reused"]) == (0, LEAVES)


def test_a_job_that_cannot_fit_is_a_clear_error(binary, state, cluster, tmp_path):
    t = time.monotonic()
    # The whole tree: its aggregation nodes need 15 GiB at k = 20, the cluster offers 8.
    code, _, err = run_driver(binary, state, tmp_path / "w", tmp_path / "k", cluster, timeout=120)
    assert code == 3, err
    assert "job node-0" in err and "needs 15.0 GiB" in err and f"offers {CLUSTER_GIB:.1f} GiB" in err
    assert time.monotonic() - t < 120
    assert not list((tmp_path / "w").glob("ray/*/results/*.json")), "nothing was run"


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("STAKEPROOF_RAY_SLOW"), reason="STAKEPROOF_RAY_SLOW=1")
def test_the_whole_small_tree_through_ray_verifies(binary, state, leaf_keys, tmp_path):
    """2 leaves (ranges of 16), 2 wraps at k = 20 and the final node at k = 22, on a local Ray
    of one CPU that may hand out 23 GiB; then ``stakeproof verify`` on the final proof."""
    import sys
    work, worker = tmp_path / "work", tmp_path / "worker"
    proc = subprocess.run(
        [sys.executable, "-m", "stakeproof_ray", "prove", "--json", "--num-cpus", "1",
         "--memory", "23", "--stakeproof", binary, "--work-dir", str(work),
         "--worker-dir", str(worker), "--state", str(state), "--withdrawal-address",
         "0x57a4e0005a4e0000000000000000000000000001", "--unsafe-srs",
         "--registry-size", "16", "--balance-size", "16"],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["stage"] == "final" and summary["jobs_total"] == 5
    # 16-validator leaves under the test setup: not a published circuit, so --any-key.
    verified = subprocess.run([binary, "verify", summary["artifact"], "--unsafe-srs",
                               "--work-dir", str(worker / "work"), "--json", "--any-key"],
                              capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    out = json.loads(verified.stdout)
    assert out["verified"] is True and out["key"] == "unpublished"
    # The proven statement is the native report the plan carries.
    for field in ("validator_count", "total_balance_gwei", "active_count"):
        assert int(summary["statement"][field]) == int(summary["totals"][field]), field
