"""stakeproof_ray: spreads a stakeproof report's proof DAG over a Ray cluster.

``stakeproof plan --json`` gives the DAG (every leaf and node, its children, its memory and GPU
needs); every job becomes a Ray task that depends on its children's tasks and runs
``stakeproof job --spec FILE`` on a worker. Proving stays in the Rust binary: Ray only places
the work, re-runs tasks whose worker died, and carries the small results (proof artifacts,
verifying keys) between machines. See ``python -m stakeproof_ray prove --help``.
"""

from .driver import DriverError, Options, run

__all__ = ["DriverError", "Options", "run"]
