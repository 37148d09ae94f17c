"""The Ray task of one job: what runs on a worker machine.

A task receives the plan's shared context (the binary, the worker directory, the job setup and
the files it names, shipped once through Ray's object store) and its children's results, and
runs ``stakeproof job --spec FILE`` in a subprocess. Proving stays in the Rust binary; this
module only puts its inputs on the worker's disk:

- the state (and a network config, ceremony setup or credential set's pool file, if the plan
  names one) reaches each machine's object store once, as a task argument the task reads zero-copy, and is kept under
  ``{worker_dir}/inputs/`` by its SHA-256;
- proving keys and proofs live in ``{worker_dir}/work``, the binary's work directory, made
  per machine from the pinnings and reused by every later job there;
- the children's results and the job's spec go to ``{worker_dir}/runs/{plan}/{job}/``.

A task never blocks in ``ray.get``: Ray lends a blocked task's CPU to another task, which would
run more jobs at once than a node has CPUs for. Its inputs are all task arguments, and its
attempt number is an actor call whose reference it returns for the driver to read.

The job process is tied to the worker process (``PR_SET_PDEATHSIG``): a worker lost mid-job
takes its prover with it, and the binary writes atomically, so nothing half-written remains.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import ray


class JobFailed(Exception):
    """A job whose ``stakeproof job`` run failed (not retried: the same input fails again)."""

    def __init__(self, job: str, code: int, message: str):
        super().__init__(f"job {job} failed (stakeproof exit code {code}): {message}")
        self.job, self.code, self.message = job, code, message

    def __reduce__(self):
        return (JobFailed, (self.job, self.code, self.message))


@ray.remote(num_cpus=0)
class Attempts:
    """Counts the attempts of every job of one driver run (Ray retries a task whose worker
    died; each attempt tells this actor it started, in order)."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}

    def start(self, job: str) -> int:
        self.count[job] = self.count.get(job, 0) + 1
        return self.count[job]


def _die_with_parent() -> None:
    """In the job process, before exec: SIGKILL when the worker that started it dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def write_atomically(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` through a temporary file beside it and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def materialize(inputs: Path, shipped: dict[str, Any], data) -> Path:
    """This machine's copy of a shipped file: ``{inputs}/{sha256}-{name}``, written from
    ``data`` (a read-only view of the object store) only when absent, atomically, after its
    digest is checked."""
    path = inputs / f"{shipped['sha256']}-{shipped['name']}"
    if path.is_file():
        return path
    data = memoryview(data).cast("B")
    digest = hashlib.sha256(data).hexdigest()
    if digest != shipped["sha256"]:
        raise RuntimeError(f"{shipped['name']} arrived with SHA-256 {digest}, not {shipped['sha256']}")
    write_atomically(path, data)
    return path


@ray.remote
def prove_job(context: dict[str, Any], job: str, *args) -> dict[str, Any]:
    """Runs one job. ``args`` are the shipped files' contents (in ``context["shipped"]``'s
    order), then the children's outputs: Ray resolves both before the task starts."""
    t0 = time.monotonic()
    attempt = context["attempts"].start.remote(job)
    worker_dir = Path(context["worker_dir"])
    inputs = worker_dir / "inputs"
    setup = dict(context["setup"])
    n = len(context["shipped"])
    for (field, shipped), data in zip(context["shipped"].items(), args[:n]):
        setup[field] = str(materialize(inputs, shipped, data))
    children = args[n:]
    run_dir = worker_dir / "runs" / context["plan_id"] / job
    child_paths = []
    for c in children:
        p = run_dir / "children" / f"{c['job']}.json"
        write_atomically(p, c["result"])
        child_paths.append(str(p))
    output = run_dir / "result.json"
    spec = {
        "version": 1,
        "setup": setup,
        "plan_id": context["plan_id"],
        "job": job,
        "work_dir": str(worker_dir / "work"),
        "children": child_paths,
        "output": str(output),
    }
    spec_path = run_dir / "spec.json"
    write_atomically(spec_path, json.dumps(spec, indent=1).encode())
    t_job = time.monotonic()
    proc = subprocess.run(
        [context["binary"], "job", "--spec", str(spec_path), "--json"],
        capture_output=True,
        text=True,
        preexec_fn=_die_with_parent,
        check=False,
    )
    job_seconds = time.monotonic() - t_job
    if proc.returncode != 0:
        lines = [l for l in proc.stderr.splitlines() if l.strip() and "UNSAFE" not in l]
        raise JobFailed(job, proc.returncode, "\n".join(lines[-5:]) or "(no message)")
    summary = json.loads(proc.stdout)
    result = output.read_bytes()
    return {
        "job": job,
        "result": result,
        "key": summary["key"],
        "circuit": summary["circuit"],
        "reused": summary["reused"],
        "host": socket.gethostname(),
        "node_id": ray.get_runtime_context().get_node_id(),
        "pid": os.getpid(),
        "attempt": attempt,  # a reference: the driver reads it
        "job_seconds": job_seconds,
        "task_seconds": time.monotonic() - t0,
    }
