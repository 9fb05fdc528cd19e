"""The benchmarks' runner of one run in a fresh process returns what the run put on its queue."""

from __future__ import annotations

import os

from benchmarks.isolated import run_isolated


def _child(parent: int, queue) -> None:
    queue.put({"parent": parent, "pid": os.getpid()})


def test_a_run_in_a_fresh_process_returns_its_result():
    res = run_isolated(_child, os.getpid())
    assert res["parent"] == os.getpid()
    assert res["pid"] != os.getpid()
