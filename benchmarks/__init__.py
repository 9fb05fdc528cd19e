"""Benchmarks: synthetic counties, per-phase pytest-benchmark drivers and the baseline comparison report.

* :mod:`benchmarks.scenarios` — the registry of scenarios (policy variants) and roster sizes;
* ``test_phase_*.py`` — one pytest-benchmark driver per phase (load, build, solve);
* :mod:`benchmarks.baselines` — HiGHS on the identical model, a naive CP-SAT model and a greedy planner;
* :mod:`benchmarks.methods` — one method on one instance, in its own process;
* :mod:`benchmarks.report` — ``make bench``: every preset × method, written to ``benchmarks/results/``.
"""
