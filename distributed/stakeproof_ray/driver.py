"""The driver: plans a report with ``stakeproof plan``, submits every job as a Ray task that
depends on its children's tasks, and collects the results in its work directory.

Everything the driver keeps is under ``{work_dir}``:

- ``ray/{plan_id}/results/{job}.json``: every finished job's result, written atomically as it
  arrives. A driver started again on the same plan reads them and submits only the rest
  (a corrupt or foreign file is ignored and its job run again);
- ``proofs/{key}.json``: every proof, keyed as ``stakeproof prove`` keys it, so that a
  single-machine run in the same work directory reuses them;
- ``proof-slot-{slot}.json``: the final proof file (unless ``--leaves-only``);
- ``summary-ray-slot-{slot}.json``: the summary (also printed with ``--json``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import ray

from .worker import Attempts, JobFailed, prove_job, write_atomically

GIB = 1 << 30

#: Exit codes of ``python -m stakeproof_ray``.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANNOT_FIT = 0, 1, 2, 3


class DriverError(Exception):
    """A failure the driver reports with a message and an exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


@dataclass
class Options:
    """What the driver is told."""

    plan_args: list[str]
    work_dir: Path
    worker_dir: Path
    binary: str
    address: str | None = None
    num_cpus: int | None = None
    memory_gib: float | None = None
    retries: int = 3
    json: bool = False
    log: Any = field(default=sys.stderr)


def log(opts: Options, msg: str) -> None:
    print(f"stakeproof-ray: {msg}", file=opts.log, flush=True)


def make_plan(opts: Options) -> dict[str, Any]:
    """``stakeproof plan --json`` with the pass-through options (the state saved into the work
    directory when it comes from a beacon node)."""
    args = [opts.binary, "plan", "--json", *opts.plan_args]
    if "--state" not in opts.plan_args and not any(a.startswith("--state=") for a in opts.plan_args):
        args += ["--save-state", str(opts.work_dir / "ray" / "state.ssz")]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.strip().splitlines()
        code = EXIT_USAGE if proc.returncode == 2 else EXIT_FAILED
        raise DriverError(f"stakeproof plan failed: {msg[-1] if msg else proc.returncode}", code)
    return json.loads(proc.stdout)


def load_done(results: Path, plan: dict[str, Any]) -> dict[str, bytes]:
    """The results already recorded for this plan, by job (a file that does not parse or
    belongs to another plan or job is ignored)."""
    done = {}
    for job in plan["jobs"]:
        path = results / f"{job['id']}.json"
        try:
            data = path.read_bytes()
            r = json.loads(data)
        except (OSError, ValueError):
            continue
        if r.get("plan_id") == plan["plan_id"] and r.get("job") == job["id"]:
            done[job["id"]] = data
    return done


def check_fits(jobs: list[dict[str, Any]]) -> None:
    """Refuses, before anything is submitted, a job that no live Ray node can ever run (more
    memory or GPUs than the largest node has): Ray would wait for it forever."""
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    max_mem = max((n["Resources"].get("memory", 0) for n in nodes), default=0)
    max_gpus = max((n["Resources"].get("GPU", 0) for n in nodes), default=0)
    for j in jobs:
        if j["memory_bytes"] > max_mem:
            raise DriverError(
                f"job {j['id']} ({j['statement']}, k = {j['k']}) needs {j['memory_bytes'] / GIB:.1f} GiB "
                f"of memory, but the largest of the cluster's {len(nodes)} nodes offers "
                f"{max_mem / GIB:.1f} GiB to Ray: add a bigger worker (ray start --memory) or plan "
                f"smaller circuits",
                EXIT_CANNOT_FIT,
            )
        if j["gpus"] > max_gpus:
            raise DriverError(
                f"job {j['id']} ({j['statement']}) needs {j['gpus']} GPU, but no node of the "
                f"cluster has one: start workers with --num-gpus, or plan with --backend cpu",
                EXIT_CANNOT_FIT,
            )


def ship(setup: dict[str, Any]) -> tuple[dict[str, Any], list[ray.ObjectRef]]:
    """Puts the files the setup names (state, network config, ceremony setup, a credential
    set's pool file) into the object
    store once, as numpy arrays: every task takes them as arguments, which Ray copies to each
    machine once and hands to its tasks zero-copy. Returns their descriptions and references."""
    shipped, refs = {}, []
    for fieldname in ("state", "network_config", "srs", "pool_file"):
        path = setup.get(fieldname)
        if not path:
            continue
        data = Path(path).read_bytes()
        shipped[fieldname] = {"sha256": hashlib.sha256(data).hexdigest(), "name": Path(path).name}
        refs.append(ray.put(np.frombuffer(data, dtype=np.uint8)))
    return shipped, refs


def record(opts: Options, results: Path, out: dict[str, Any]) -> None:
    """Keeps a finished job's result and its proof in the work directory."""
    write_atomically(results / f"{out['job']}.json", out["result"])
    r = json.loads(out["result"])
    proofs = opts.work_dir / "proofs"
    write_atomically(proofs / f"{r['key']}.json", json.dumps(r["artifact"], indent=2).encode())


def run(opts: Options) -> dict[str, Any]:
    """Proves the plan of ``opts.plan_args`` on the Ray cluster; returns the summary."""
    t0 = time.monotonic()
    plan = make_plan(opts)
    pid, slot = plan["plan_id"], plan["slot"]
    results = opts.work_dir / "ray" / pid / "results"
    done = load_done(results, plan)
    todo = [j for j in plan["jobs"] if j["id"] not in done]
    log(opts, f"plan {pid[:12]}: {len(plan['jobs'])} jobs over {plan['depth']} levels "
              f"(widths {plan['width']}); {len(done)} already done in {results}")
    if ray.is_initialized():
        ray.shutdown()
    if opts.address:
        init: dict[str, Any] = {"address": opts.address}
    else:
        init = {"num_cpus": opts.num_cpus}
        if opts.memory_gib:
            init["_memory"] = int(opts.memory_gib * GIB)
    try:
        ray.init(**init, log_to_driver=False, include_dashboard=False)
    except (ConnectionError, RuntimeError) as e:
        where = f"the Ray cluster at {opts.address}" if opts.address else "a local Ray"
        raise DriverError(f"cannot start or join {where}: {str(e).splitlines()[-1]}") from None
    try:
        check_fits(todo)
        outs = submit_and_wait(opts, plan, done, todo, results)
    finally:
        ray.shutdown()
    return summarize(opts, plan, done, outs, time.monotonic() - t0)


def submit_and_wait(opts, plan, done, todo, results) -> dict[str, dict[str, Any]]:
    """Submits every job not done (children's tasks as arguments) and records each as it
    finishes; the first failure cancels the rest and is raised."""
    shipped, files = ship(plan["setup"])
    context = {
        "binary": opts.binary,
        "worker_dir": str(opts.worker_dir),
        "setup": plan["setup"],
        "plan_id": plan["plan_id"],
        "shipped": shipped,
        "attempts": Attempts.remote(),
    }
    refs: dict[str, ray.ObjectRef] = {}
    for job_id, data in done.items():
        refs[job_id] = ray.put({"job": job_id, "result": data})
    pending = {}
    for j in todo:
        task = prove_job.options(
            num_cpus=1,
            memory=j["memory_bytes"],
            num_gpus=j["gpus"],
            max_retries=opts.retries,
            name=f"stakeproof {j['id']}",
        )
        ref = task.remote(context, j["id"], *files, *[refs[c] for c in j["children"]])
        refs[j["id"]] = ref
        pending[ref] = j["id"]
    outs: dict[str, dict[str, Any]] = {}
    total = len(plan["jobs"])
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        job_id = pending.pop(ready[0])
        try:
            out = ray.get(ready[0])
            out["attempt"] = ray.get(out["attempt"])
        except Exception as e:  # noqa: BLE001 — Ray wraps the task's own error
            for r in pending:
                ray.cancel(r, force=True)
            cause = e.cause if isinstance(e, ray.exceptions.RayTaskError) and e.cause else e
            if isinstance(cause, JobFailed):
                raise DriverError(str(cause)) from None
            raise DriverError(f"job {job_id} failed: {cause}") from None
        record(opts, results, out)
        outs[job_id] = out
        how = "reused" if out["reused"] else "proven"
        retried = f", attempt {out['attempt']}" if out["attempt"] > 1 else ""
        log(opts, f"[{len(done) + len(outs)}/{total}] {job_id} {how} on {out['host']} "
                  f"in {out['job_seconds']:.1f} s{retried}")
    return outs


def summarize(opts, plan, done, outs, seconds) -> dict[str, Any]:
    """The summary, in the form of ``stakeproof prove --json`` (leaves by side, nodes), with
    where each job ran, its seconds and whether it was retried or resumed."""
    leaves_only = plan["setup"]["node_k"] is None
    # The queue's leaves (and the run tree's padding leaf) apart: `pending` is the proven
    # totals, as in ``stakeproof prove --json``.
    entries = {"registry": [], "balance": [], "pending_leaf_proofs": [], "nodes": []}
    leaf_side = {"registry_leaf": "registry", "balance_leaf": "balance",
                 "pending_leaf": "pending_leaf_proofs", "pending_padding": "pending_leaf_proofs"}
    for j in plan["jobs"]:
        if j["id"] in outs:
            o = outs[j["id"]]
            e = {
                "circuit": o["circuit"], "key": o["key"], "reused": o["reused"],
                "seconds": o["job_seconds"], "task_seconds": o["task_seconds"],
                "host": o["host"], "node_id": o["node_id"], "attempts": o["attempt"],
                "retried": o["attempt"] > 1, "resumed": False,
            }
        else:
            r = json.loads(done[j["id"]])
            e = {
                "circuit": r["artifact"]["circuit"], "key": r["key"], "reused": True,
                "seconds": 0.0, "task_seconds": 0.0, "host": None, "node_id": None,
                "attempts": 0, "retried": False, "resumed": True,
            }
        e["job"] = j["id"]
        if j["kind"] in leaf_side:
            # The padding leaf of the queue's run tree has no range.
            e["start"] = j.get("start")
            entries[leaf_side[j["kind"]]].append(e)
        else:
            entries["nodes"].append(e)
    leaves = entries["registry"] + entries["balance"]
    summary = {
        "stage": "leaves" if leaves_only else "final",
        "aggregated": not leaves_only,
        "driver": "ray",
        "plan_id": plan["plan_id"],
        "slot": plan["slot"],
        "epoch": plan["epoch"],
        "fork": plan["fork"],
        "block_root": plan["block_root"],
        "pool": plan["pool"],
        "registry_length": plan["registry_length"],
        "totals": plan.get("totals"),
        "pending_totals": plan.get("pending"),
        "jobs_total": len(plan["jobs"]),
        "depth": plan["depth"],
        "width": plan["width"],
        "proofs_generated": sum(1 for e in leaves if not e["reused"]),
        "proofs_reused": sum(1 for e in leaves if e["reused"]),
        "jobs_resumed": len(done),
        "jobs_retried": sum(1 for o in outs.values() if o["attempt"] > 1),
        **entries,
        "elapsed_ms": int(seconds * 1000),
    }
    if not leaves_only:
        final = plan["jobs"][-1]["id"]
        data = outs[final]["result"] if final in outs else done[final]
        art = json.loads(data)["final_artifact"]
        path = opts.work_dir / f"proof-slot-{plan['slot']}.json"
        write_atomically(path, json.dumps(art, indent=2).encode())
        summary["artifact"] = str(path)
        summary["statement"] = art["statement"]
        summary["pending"] = art.get("pending")
        planned = plan.get("pending")
        if planned is not None and (summary["pending"] is None or (
                int(summary["pending"]["pending_deposit_count"]),
                int(summary["pending"]["pending_deposit_gwei"])) != (
                int(planned["pending_deposit_count"]), int(planned["pending_deposit_gwei"]))):
            raise DriverError(f"the final proof states pending deposits {summary['pending']}, "
                              f"the plan's native report {planned}")
        summary["nodes_generated"] = sum(1 for e in entries["nodes"] if not e["reused"])
        summary["nodes_reused"] = sum(1 for e in entries["nodes"] if e["reused"])
    out = opts.work_dir / f"summary-ray-slot-{plan['slot']}.json"
    write_atomically(out, json.dumps(summary, indent=2).encode())
    summary["summary"] = str(out)
    return summary


def find_binary(given: str | None) -> str:
    """``--stakeproof``, else ``STAKEPROOF_BIN``, else ``stakeproof`` on the PATH."""
    b = given or os.environ.get("STAKEPROOF_BIN") or shutil.which("stakeproof")
    if not b:
        raise DriverError("no stakeproof binary: pass --stakeproof PATH (the same path on every "
                          "worker) or put it on the PATH", EXIT_USAGE)
    return str(Path(b).resolve())
