"""One benchmark run in a fresh process, so its peak memory (``ru_maxrss``) and imports are its own."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any


def run_isolated(target: Any, *args: Any) -> Any:
    """``target(*args, queue)`` in a spawned process; what it puts on ``queue`` (once) is returned."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, q))
    proc.start()
    res = q.get()
    proc.join()
    return res
