"""Shared fixtures of the benchmark drivers: the registry's scenarios × sizes.

Sizes come from ``TM_BENCH_SIZES`` (default ``smoke``: a 300-teacher county, so ``make test`` stays fast);
``TM_BENCH_SIZES=town,county pytest benchmarks --benchmark-enable`` measures real sizes.
"""

from __future__ import annotations

import pytest

from .scenarios import SCENARIOS, sizes


def pytest_generate_tests(metafunc):
    """Parametrise every driver taking ``size`` / ``scenario`` over the registry."""
    if "size" in metafunc.fixturenames:
        metafunc.parametrize("size", sizes())
    if "scenario" in metafunc.fixturenames:
        metafunc.parametrize("scenario", sorted(SCENARIOS))


@pytest.fixture
def policy(scenario):
    """The scenario's policy."""
    return SCENARIOS[scenario].policy()
