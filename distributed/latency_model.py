"""The latency of a report's plan on N workers: list scheduling of the real DAG.

    stakeproof plan ... --registry-size 256 --balance-size 2048 --json > plan.json
    python distributed/latency_model.py plan.json --workers 1 64 512 1024 9216

Every worker runs one job at a time. A job starts when its children are done and a worker is
free; ready jobs go in plan order. The seconds per job are the measured ones of the 2-vCPU,
24 GiB machine (README, "Status"): a registry-256 leaf 407 s, a balance-2048 leaf 130 s, a
registry wrap 188 s, a run join 214 s, a balance wrap 233 s, a summary or segment node 230 s,
the final node 312 s. `--scale` multiplies them all, for a faster machine. The output is the
makespan per worker count, next to the lower bounds: the critical path, and the total work
divided by N. Ray's overhead per job (0.06-0.08 s, `benches/ray-overhead.json`) and moving the
results (kilobytes) are left out: they are below the rounding.
"""

from __future__ import annotations

import argparse
import heapq
import json
import re


def seconds(statement: str) -> float:
    if statement.startswith("regleaf"):
        return 407.0
    if statement.startswith("balleaf"):
        return 130.0
    m = re.fullmatch(r"reg\d+x(\d+)", statement)
    if m:
        return 188.0 if m.group(1) == "1" else 214.0
    if statement.startswith("bal"):
        return 233.0
    if statement == "final":
        return 312.0
    return 230.0  # sum


def makespan(jobs: list[dict], workers: int, scale: float) -> float:
    done: dict[str, float] = {}
    free = [0.0] * workers
    heapq.heapify(free)
    # Plan order is children-first, and ready times only grow along it level by level; a job
    # waits for its children and for the earliest free worker.
    for j in sorted(jobs, key=lambda j: j["level"]):
        ready = max((done[c] for c in j["children"]), default=0.0)
        start = max(ready, heapq.heappop(free))
        end = start + seconds(j["statement"]) * scale
        heapq.heappush(free, end)
        done[j["id"]] = end
    return max(done.values())


def critical_path(jobs: list[dict], scale: float) -> float:
    done: dict[str, float] = {}
    for j in jobs:
        done[j["id"]] = max((done[c] for c in j["children"]), default=0.0) + seconds(j["statement"]) * scale
    return max(done.values())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("plan")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 64, 512, 1024, 9216])
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    with open(a.plan) as f:
        plan = json.load(f)
    jobs = plan["jobs"]
    work = sum(seconds(j["statement"]) * a.scale for j in jobs)
    cp = critical_path(jobs, a.scale)
    print(json.dumps({
        "jobs": len(jobs), "depth": plan["depth"], "width": plan["width"],
        "work_machine_hours": round(work / 3600, 1),
        "critical_path_min": round(cp / 60, 1),
        "makespan_min": {n: round(makespan(jobs, n, a.scale) / 60, 1) for n in a.workers},
        "lower_bound_min": {n: round(max(cp, work / n) / 60, 1) for n in a.workers},
    }, indent=2))


if __name__ == "__main__":
    main()
