"""Shared test set-up: make ``tests/helpers.py`` importable from every test directory; shared fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


@pytest.fixture(scope="module")
def policy():
    """The shipped default policy (a module may define its own ``policy``)."""
    import teacher_match as tm

    return tm.load_policy("default")


@pytest.fixture(scope="module")
def county3000():
    """A 3,000-teacher synthetic county: seconds to solve, large enough for the solve's machinery."""
    import teacher_match as tm

    return tm.make_county(3000, seed=7)


@pytest.fixture(scope="module")
def client():
    """A real 2-process LocalCluster for a module (its start, processes importing the solver, is slow)."""
    from helpers import CLUSTER

    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, **CLUSTER) as cluster, distributed.Client(cluster) as c:
        yield c
