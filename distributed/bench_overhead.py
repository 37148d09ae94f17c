"""Ray's overhead per job: the same jobs run by ``stakeproof job`` directly and through Ray.

    .tools/ray-venv/bin/python distributed/bench_overhead.py --stakeproof target/release/stakeproof \
        [--validators 16] [--out benches/ray-overhead.json]

The plan is a small report's leaf stage. Every job is first proven once on this machine. The
jobs are then run again, each of them "reused": the binary loads the state, the setup and the
keys, finds its proof in the store and re-verifies it. That is the cheapest real job, so the
fixed cost that Ray adds shows most clearly against it. Three figures come out:

- the same jobs run directly, one after another: wall time per job;
- the same jobs through a local Ray of one CPU (one at a time): driver wall time per job from
  the first submission to the last result;
- Ray's startup and the per-report set-up: shipping the state, the attempt counter.

The difference per job is Ray's overhead. A proving job also pays it once, and it is small next
to minutes of proving. The JSON names the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import ray  # noqa: E402

from stakeproof_ray import driver  # noqa: E402
from stakeproof_ray.worker import write_atomically  # noqa: E402

POOL = "0x57a4e0005a4e0000000000000000000000000001"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stakeproof", required=True)
    ap.add_argument("--validators", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    binary = str(Path(a.stakeproof).resolve())
    tmp = Path(tempfile.mkdtemp(prefix="ray-overhead-"))
    try:
        report = measure(binary, tmp, a.validators, a.rounds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = json.dumps(report, indent=2)
    print(text)
    if a.out:
        write_atomically(a.out, (text + "\n").encode())


def measure(binary: str, tmp: Path, validators: int, rounds: int) -> dict:
    state = tmp / "state.ssz"
    subprocess.run([binary, "demo", "--json", "--no-prove", "--validators", str(validators),
                    "--write-state", str(state)], check=True, capture_output=True)
    worker = tmp / "worker"
    args = ["--state", str(state), "--withdrawal-address", POOL, "--unsafe-srs", "--leaves-only"]
    opts = driver.Options(plan_args=args, work_dir=tmp / "driver", worker_dir=worker,
                          binary=binary, num_cpus=1, retries=0, log=open(os.devnull, "w"))
    plan = driver.make_plan(opts)
    specs = []
    for j in plan["jobs"]:
        spec = {"version": 1, "setup": plan["setup"], "plan_id": plan["plan_id"], "job": j["id"],
                "work_dir": str(worker / "work"), "children": [],
                "output": str(tmp / "direct" / f"{j['id']}.json")}
        path = tmp / "direct" / f"{j['id']}.spec.json"
        write_atomically(path, json.dumps(spec).encode())
        specs.append(path)

    def direct() -> float:
        t = time.monotonic()
        for s in specs:
            subprocess.run([binary, "job", "--spec", str(s)], check=True, capture_output=True)
        return time.monotonic() - t

    first = direct()  # proves every job (and makes the keys)
    direct_s = [direct() for _ in range(rounds)]

    t = time.monotonic()
    ray.init(num_cpus=1, log_to_driver=False, include_dashboard=False)
    init_s = time.monotonic() - t
    ray_s, in_task = [], []
    try:
        for r in range(rounds + 1):  # the first round also starts Ray's worker process
            results = tmp / "driver" / "ray" / plan["plan_id"] / f"results-{r}"
            t = time.monotonic()
            outs = driver.submit_and_wait(opts, plan, {}, plan["jobs"], results)
            wall = time.monotonic() - t
            assert all(o["reused"] for o in outs.values())
            if r > 0:
                ray_s.append(wall)
                in_task.append(sum(o["task_seconds"] - o["job_seconds"] for o in outs.values()))
    finally:
        ray.shutdown()
    n = len(plan["jobs"])
    d, rr = min(direct_s) / n, min(ray_s) / n
    return {
        "bench": "ray-overhead-per-job",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "ray": ray.__version__,
        "jobs": n,
        "job_kind": "leaf, reused (state, setup and keys loaded, proof re-verified)",
        "first_run_proving_s": round(first, 2),
        "direct_s_per_job": round(d, 3),
        "ray_s_per_job": round(rr, 3),
        "overhead_s_per_job": round(rr - d, 3),
        "overhead_in_task_s_per_job": round(min(in_task) / n, 3),
        "ray_init_s": round(init_s, 2),
        "rounds": rounds,
    }


if __name__ == "__main__":
    main()
