"""``python -m stakeproof_ray prove ...``: the command line of the driver."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .driver import EXIT_FAILED, EXIT_USAGE, DriverError, Options, find_binary, run

USAGE_TAIL = """
Every other option is passed to `stakeproof plan` unchanged: the state (--state FILE or
--beacon-url URL with --slot/--epoch/--block), the pool (--withdrawal-address /
--withdrawal-credentials / --pool-file FILE), the setup (--srs FILE or --unsafe-srs), the sizes
(--registry-size, --balance-size, --node-k, --final-k), the pending-deposit queue
(--pending-size, --pending-depth), --leaves-only, --backend, --config.

Exit codes: 0 success; 1 a job failed (its id and stakeproof's message are printed) or the
cluster failed; 2 bad command line; 3 a job needs more memory or GPUs than any node has.
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m stakeproof_ray")
    sub = p.add_subparsers(dest="command", required=True)
    prove = sub.add_parser(
        "prove",
        help="prove a report's DAG on a Ray cluster (or a local one)",
        description="Prove a report on Ray: every leaf and aggregation node of `stakeproof plan` "
        "as a Ray task with the memory and GPUs it needs, resumable from the work directory.",
        epilog=USAGE_TAIL,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    prove.add_argument("--address", help="a Ray cluster (ray://HOST:10001 or HOST:6379); "
                       "default: start a local Ray on this machine")
    prove.add_argument("--num-cpus", type=int, help="CPUs of the local Ray (one job per CPU)")
    prove.add_argument("--memory", type=float, metavar="GIB",
                       help="memory the local Ray may hand out to jobs [default: what Ray "
                       "measures free, about 70%% of it]")
    prove.add_argument("--work-dir", type=Path, default=Path(".stakeproof-work"),
                       help="the driver's work directory: results, proofs, the final proof, "
                       "the summary [default: .stakeproof-work]")
    prove.add_argument("--worker-dir", type=Path,
                       help="each worker machine's cache: the state, keys and proofs "
                       "[default: {work-dir}/ray-worker; the same path on every machine]")
    prove.add_argument("--stakeproof", help="the stakeproof binary (the same path on every "
                       "worker) [default: $STAKEPROOF_BIN, else stakeproof on the PATH]")
    prove.add_argument("--retries", type=int, default=3,
                       help="times Ray re-runs a job whose worker died [default: 3]")
    prove.add_argument("--json", action="store_true", help="print the summary as JSON")
    return p


def run_quietly(opts: Options) -> dict:
    """``run`` with everything written to stdout while it runs (Ray prints the raylet's
    messages there) sent to stderr: stdout carries only the summary."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        return run(opts)
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv: list[str] | None = None) -> int:
    args, rest = parser().parse_known_args(argv)
    if args.retries < 0 or (args.num_cpus is not None and args.num_cpus < 1) or (
        args.memory is not None and not args.memory > 0
    ):
        print("error: --retries must be >= 0, --num-cpus >= 1 and --memory > 0", file=sys.stderr)
        return EXIT_USAGE
    if args.address and (args.num_cpus is not None or args.memory is not None):
        print("error: --num-cpus and --memory size the local Ray; a cluster's workers are sized "
              "by their own `ray start`", file=sys.stderr)
        return EXIT_USAGE
    try:
        work = args.work_dir.resolve()
        opts = Options(
            plan_args=rest,
            work_dir=work,
            worker_dir=(args.worker_dir or work / "ray-worker").resolve(),
            binary=find_binary(args.stakeproof),
            address=args.address,
            num_cpus=args.num_cpus,
            memory_gib=args.memory,
            retries=args.retries,
            json=args.json,
        )
        summary = run_quietly(opts)
    except DriverError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print("interrupted: finished jobs are kept; run the same command again to resume",
              file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{summary['jobs_total']} jobs ({summary['jobs_resumed']} resumed, "
              f"{summary['jobs_retried']} retried) in {summary['elapsed_ms'] / 1000:.1f} s")
        if "artifact" in summary:
            print(f"final proof: {summary['artifact']} (check it with `stakeproof verify FILE`, adding --expect-vk DIGEST or --any-key when its circuit and setup are not published)")
        print(f"summary: {summary['summary']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
