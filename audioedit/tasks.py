"""One way to run many independent tasks: serially, on a local process pool, or on Ray.

    for result in run_tasks(fn, [(a1, b1), (a2, b2)], workers=2):   # results as they finish
        ...

``fn`` must be importable at module level (it is pickled to the workers) and should not raise:
the synth, eval and batch runners each wrap one task so that an error becomes a record.
``ray_address``: ``"local"`` starts a local Ray instance with ``workers`` CPUs (shut down at the
end), ``"auto"`` joins the running cluster, anything else goes to ``ray.init(address=...)``.
``start_method``: the process pool's (``fork`` reuses the parent's imports: fast, but only for
work that starts no threads; ``spawn`` is safe everywhere).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def run_tasks(fn: Callable[..., Any], tasks: list[tuple], *, workers: int = 1, ray_address: str | None = None,
              start_method: str = "spawn") -> Iterator[Any]:
    """Yield ``fn(*task)`` for every task, in the order they finish."""
    if ray_address:
        yield from _ray(fn, tasks, ray_address, workers)
    elif workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield fn(*task)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(start_method)) as pool:
            for future in as_completed([pool.submit(fn, *task) for task in tasks]):
                yield future.result()


def _ray(fn: Callable[..., Any], tasks: list[tuple], address: str, workers: int) -> Iterator[Any]:
    try:
        import ray
    except ImportError:
        raise ImportError("the Ray backend needs ray: pip install 'audioedit[scale]'") from None
    started = not ray.is_initialized()
    if started:
        where = {"num_cpus": max(1, workers)} if address == "local" else {"address": address}
        ray.init(ignore_reinit_error=True, include_dashboard=False, log_to_driver=False, **where)
    try:
        remote = ray.remote(num_cpus=1)(fn)
        pending = [remote.remote(*task) for task in tasks]
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            yield ray.get(ready[0])
    finally:
        if started:
            ray.shutdown()
