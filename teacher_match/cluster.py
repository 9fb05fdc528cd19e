"""The engine for many solves: a dask.distributed cluster, local by default, a scheduler's address for many.

:func:`cluster_client` yields a connected :class:`distributed.Client`:

* ``None`` — a :class:`distributed.LocalCluster` on this machine: one process per CPU core, one thread per
  process (each solve runs CP-SAT with one worker, so a solve is one core and its result does not depend on
  which process runs it); the client and then the cluster are closed afterwards;
* a ``Client`` — used as it is, and left open for its owner;
* a string — a scheduler's address (``tcp://host:8786``): connected with a timeout of a few seconds, so an
  unreachable scheduler is a :class:`~teacher_match.errors.ClusterError` at once, never a hang.

:func:`run_tasks` sends the data every task shares once (``client.scatter``), submits one task per item and
gives the results back in the items' order, whatever order they finish in. A worker lost mid-task (killed,
out of memory, its machine gone) is replaced by its nanny and the scheduler runs the task elsewhere (up to
``distributed.scheduler.allowed-failures`` times, 3 by default); a task that raises outside its own work
(its shared data could not be fetched from a lost worker) is run again :data:`RETRIES` times. A task that
still fails is a result carrying its error: the others finish.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .errors import ClusterError

__all__ = ["cluster_client", "run_tasks", "CONNECT_TIMEOUT_S", "RETRIES", "PROGRESS_AFTER_S"]

#: seconds to reach a scheduler before giving up: long enough for a busy network, short enough not to hang
CONNECT_TIMEOUT_S = 5.0
#: where a LocalCluster's scheduler serves its status pages: this machine only, on a free port (the usual
#: 8787 may be taken by another cluster, and the scheduler always serves them)
LOCAL_HTTP = "127.0.0.1:0"
#: seconds before a progress bar shows
PROGRESS_AFTER_S = 2.0
#: times a task that raised is run again (a task's own error is never retried: it returns it)
RETRIES = 2


@contextlib.contextmanager
def cluster_client(client: Any = None, *, n_workers: int | None = None,
                   connect_timeout: float = CONNECT_TIMEOUT_S) -> Iterator[Any]:
    """A connected dask.distributed client: a new LocalCluster's, the one given, or a scheduler's.

    Parameters
    ----------
    client : None, distributed.Client or str
        ``None``: a LocalCluster on this machine, closed on exit. A Client: used, not closed. A string: the
        address of a running scheduler.
    n_workers : int, optional
        Processes of the LocalCluster (default: the number of CPU cores); ignored otherwise.
    connect_timeout : float
        Seconds to reach a scheduler given by its address.

    Raises
    ------
    ClusterError
        The scheduler cannot be reached within ``connect_timeout``, or the address is not one.
    """
    from distributed import Client, LocalCluster

    if client is None:
        workers = n_workers or os.cpu_count() or 1
        # one thread per process: a CP-SAT solve holds the core it runs on, and two solves in one process
        # would share its memory limit
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=LOCAL_HTTP, silence_logs=40) as cluster, Client(cluster) as local:
            yield local  # leaving the block closes the client first, then the cluster: no warnings at exit
        return
    if isinstance(client, Client):
        yield client
        return
    if not isinstance(client, str) or not client.strip():
        raise ClusterError(f"client must be None, a distributed.Client or a scheduler address such as "
                           f"'tcp://10.0.0.5:8786', got {client!r}")
    address = client.strip()
    try:
        # reach the scheduler first: a Client that fails to connect is left half made, and closing it
        # when it is collected waits and then prints a traceback
        _probe(address, connect_timeout)
        remote = Client(address, timeout=connect_timeout)
    except ValueError as exc:
        raise ClusterError(f"{address!r} is not a scheduler address ({exc}) — give one such as "
                           f"'tcp://10.0.0.5:8786'") from None
    except (OSError, TimeoutError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClusterError(f"cannot reach the scheduler at {address} within {connect_timeout:g} s ({why}) — "
                           f"check that it runs (dask scheduler) and that this machine can reach its "
                           f"address and port") from None
    try:
        yield remote
    finally:
        remote.close()


def _probe(address: str, timeout: float) -> None:
    """Open and close one connection to the scheduler; raise OSError (or ValueError) when it cannot be done.

    The probe runs its own event loop in a thread of its own, as the caller may already run one (a notebook).
    """
    from distributed.comm import connect

    async def once() -> None:
        comm = await connect(address, timeout=timeout)
        await comm.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, once()).result()


def run_tasks(client: Any, func: Callable[..., dict], shared: Any, items: Sequence[tuple],
              *, progress: bool = True, label: str = "tasks") -> list[dict]:
    """Run ``func(shared, *item)`` for every item on the cluster; the results in the items' order.

    Parameters
    ----------
    client : distributed.Client
    func : callable
        Importable by the workers (a module-level function); returns a dict and reports its own errors in
        it (``{"error": "…"}``), so a task's error is not retried.
    shared : object
        Sent to the workers once (``client.scatter``), not once per task.
    items : sequence of tuples
        The other arguments of each task.
    progress : bool
        A progress bar on stderr, when it is a terminal and the tasks take over :data:`PROGRESS_AFTER_S`.
    label : str
        The progress bar's label.

    Returns
    -------
    list of dict
        One per item, in order. A task whose workers were lost more often than the scheduler allows
        (``KilledWorker``), that still raised after :data:`RETRIES` runs, or that the cluster cancelled, is
        ``{"error": "…"}``.
    """
    from distributed import as_completed
    from tqdm import tqdm

    if not items:
        return []
    shared_future = client.scatter(shared, broadcast=True, hash=False)
    run = uuid.uuid4().hex[:8]
    futures = [client.submit(func, shared_future, *item, key=f"teacher-match-{label}-{run}-{i}",
                             retries=RETRIES, pure=False)
               for i, item in enumerate(items)]
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[dict] = [{} for _ in items]
    show = progress and sys.stderr.isatty()
    # long runs only, as solve's progress lines: a sweep done within PROGRESS_AFTER_S seconds stays silent
    with tqdm(total=len(items), desc=label, unit="solve", file=sys.stderr, disable=not show,
              delay=PROGRESS_AFTER_S) as bar:
        for future in as_completed(futures):
            i = index[future.key]
            try:
                results[i] = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker or a cancelled task: a row, not a crash
                results[i] = {"error": f"the cluster could not run this task ({type(exc).__name__}: {exc})"}
            bar.update(1)
    client.cancel([shared_future])
    return results
