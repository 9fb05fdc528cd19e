"""What-if sweeps: one solve per combination of policy parameters, on a dask.distributed cluster.

``tm.sweep(problem, policy, {"backbone_min_share": [0.1, 0.2], "max_commute_km": [20, 30]})`` solves the
four scenarios of the grid (the product of its lists) and gives a :class:`Sweep`: one row per scenario, in
grid order, with the scenario's parameters and its plan's headline numbers, every plan checked by
:func:`teacher_match.check`. The grid is validated whole before any solve (unknown key, wrong value, a
combination the policy refuses). Each solve runs CP-SAT with one worker and a fixed seed, so the table is
the same whatever the number of cluster workers or the order they finish in (``seconds`` aside).

A scenario that fails (e.g. a roster column its parameters read holds a bad value) is a row with its error;
the others finish. A scenario with no plan (INFEASIBLE, or none found in time) is a row with its status.

(The module is ``sweeps``, not ``sweep``: a submodule of that name would hide the function ``tm.sweep``.)
"""

from __future__ import annotations

import difflib
import io
import itertools
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .check import check, shortfalls
from .cluster import CONNECT_TIMEOUT_S, cluster_client, run_tasks
from .errors import PolicyError, TeacherMatchError
from .objective import Objective
from .output_files import atomic_write, check_output, text_cells_as_text
from .policy import PARAMETERS
from .reproducible import make_reproducible
from .rules import TERM_UNITS
from .solving import _check_arguments, solve

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .policy import Policy
    from .problem import Problem

__all__ = ["sweep", "Sweep", "scenarios", "RESULT_COLUMNS", "SWEEP_SUFFIXES", "PLOT_SUFFIXES"]

#: the columns after the grid's parameters, in order
RESULT_COLUMNS = ["status", "rotated", "needs_filled", "needs_unfilled", "commute_km_total", "objective",
                  "bound", "gap", "shortfalls", "violations", "seconds", "error"]
#: measures of a plan: missing (NA) in a row without a plan
_PLAN_COLUMNS = ["rotated", "needs_filled", "needs_unfilled", "commute_km_total", "shortfalls", "violations"]
#: a sweep table is one workbook
SWEEP_SUFFIXES = (".xlsx",)
#: the sweep's plot is a PNG image
PLOT_SUFFIXES = (".png",)


class Sweep:
    """The result of :func:`sweep`: one row per scenario, in grid order.

    Attributes
    ----------
    table : pandas.DataFrame
        The grid's parameters, then :data:`RESULT_COLUMNS`: ``status``; ``rotated``, ``needs_filled``,
        ``needs_unfilled``, ``commute_km_total`` (the plan's totals); ``objective``, ``bound``, ``gap``;
        ``shortfalls`` (soft minima short, :func:`teacher_match.shortfalls`); ``violations`` (rows of
        :func:`teacher_match.check`, 0 for every plan); ``seconds`` (solve and check, on the worker);
        ``error`` (None, or why the scenario failed). A row without a plan has NA plan measures.
    params : list of str
        The grid's keys, the table's first columns.
    policy_id : str
    """

    def __init__(self, table: pd.DataFrame, params: Sequence[str], policy_id: str = ""):
        self.table = table
        self.params = list(params)
        self.policy_id = policy_id

    def __len__(self) -> int:
        """Number of scenarios."""
        return len(self.table)

    def __repr__(self) -> str:
        """Scenarios, parameters and how many failed."""
        failed = int(self.table["error"].notna().sum())
        return (f"Sweep({len(self)} scenarios of {', '.join(self.params)}, policy '{self.policy_id}'"
                f"{f', {failed} failed' if failed else ''})")

    @property
    def failed(self) -> pd.DataFrame:
        """The rows of the scenarios that failed, with their error."""
        return self.table[self.table["error"].notna()]

    def to_excel(self, path: str | Path) -> Path:
        """Write the table to a workbook (sheet ``sweep``); checked first, replaced whole, text as text.

        Raises
        ------
        OutputError
            The path cannot take the table, or the write failed (the old file is kept).
        """
        target = check_output(path, SWEEP_SUFFIXES, what="the sweep")
        table = self.table.copy()
        for c in self.params:  # a list or table value (a selector, a by-gender cap) is written as its text
            if table[c].map(lambda v: isinstance(v, (list, tuple, dict))).any():
                table[c] = table[c].map(str)
        with atomic_write(target, "the sweep") as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                table.to_excel(xw, sheet_name="sweep", index=False)
                text_cells_as_text(xw.book)
            make_reproducible(tmp)
        return Path(path)

    def plot(self, path: str | Path | None = None) -> Figure:
        """Needs filled against each grid parameter (one panel each), and commute against needs filled.

        Parameters
        ----------
        path : str or Path, optional
            Write the figure as a PNG there (checked first, replaced whole).

        Returns
        -------
        matplotlib.figure.Figure
        """
        target = check_output(path, PLOT_SUFFIXES, what="the sweep's plot") if path is not None else None
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError:
            raise TeacherMatchError(
                "the sweep's plot needs matplotlib: pip install 'teacher_match[report]'") from None
        t = self.table
        filled = pd.to_numeric(t["needs_filled"], errors="coerce").astype(float)
        panels = len(self.params) + 1
        # a Figure of its own, drawn by the Agg canvas: no pyplot state, nothing left open in a notebook
        fig = Figure(figsize=(4.2 * panels, 3.6), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, panels, squeeze=False)[0]
        for ax, key in zip(axes, self.params, strict=False):
            values = t[key].tolist()
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            # a value that is not a number (a choice, a list) is a category, placed in grid order
            levels = sorted(set(values)) if numeric else list(dict.fromkeys(map(str, values)))
            x = np.array(values if numeric else [levels.index(str(v)) for v in values], dtype=float)
            at = np.array(levels if numeric else range(len(levels)), dtype=float)
            ax.scatter(x, filled, alpha=0.6, label="scenario")
            # the mean over the other parameters' values; a level without any plan has no point
            means = [filled[x == a].mean() for a in at]
            ax.plot(at, means, color="black", marker="o", label="mean")
            if not numeric:
                ax.set_xticks(at, levels, rotation=30)
            ax.set_xlabel(key)
            ax.set_ylabel("needs filled")
            ax.legend(fontsize="small")
        ax = axes[-1]
        commute = pd.to_numeric(t["commute_km_total"], errors="coerce").astype(float)
        ax.scatter(filled, commute, alpha=0.7)
        ax.set_xlabel("needs filled")
        ax.set_ylabel("commute, km (total)")
        fig.suptitle(f"sweep of policy '{self.policy_id}': {len(t)} scenarios")
        if target is not None:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=100)
            with atomic_write(target, "the sweep's plot") as tmp:
                tmp.write_bytes(buf.getvalue())
        return fig


def sweep(problem: Problem, policy: Policy, grid: Mapping[str, Sequence[Any]],
          objective: Objective | None = None, *, time_limit: float = 60.0, client: Any = None,
          workers_per_solve: int = 1, seed: int = 0, progress: bool = True,
          connect_timeout: float = CONNECT_TIMEOUT_S) -> Sweep:
    """Solve every combination of the grid's values on a dask.distributed cluster; one row per scenario.

    Parameters
    ----------
    problem : Problem
        Sent to the workers once.
    policy : Policy
        The base policy; each scenario is ``policy.with_(**combination)``.
    grid : mapping of str to list
        Parameter key (as in the policy file, or an objective weight) → the values to try. The scenarios
        are the product of the lists, in order (the last key varies fastest).
    objective : Objective, optional
        Defaults to each scenario policy's ``[objective]`` weights.
    time_limit : float
        Seconds per solve.
    client : None, distributed.Client or str
        ``None``: a LocalCluster on this machine (one process per CPU core), closed afterwards. A Client:
        used. A string: a scheduler's address (``tcp://host:8786``); its workers need teacher_match.
    workers_per_solve : int
        CP-SAT workers of each solve; 1 (the default) keeps every solve deterministic.
    seed : int
        CP-SAT's random seed, the same for every scenario.
    progress : bool
        A progress bar on stderr, when it is a terminal.
    connect_timeout : float
        Seconds to reach a scheduler given by its address.

    Returns
    -------
    Sweep

    Raises
    ------
    PolicyError
        An empty grid, an unknown key (with the closest valid one), a value of the wrong type, or a
        combination the policy refuses — all found before any solve.
    ClusterError
        The scheduler cannot be reached.

    Examples
    --------
    >>> import teacher_match as tm
    >>> tm.sweep(tm.make_county(150, seed=1), tm.load_policy("default"), {"max_comute_km": [20]})
    Traceback (most recent call last):
    ...
    teacher_match.errors.PolicyError: grid: unknown key 'max_comute_km'; did you mean 'max_commute_km'?
    """
    _check_arguments(time_limit, workers_per_solve, seed)
    if objective is not None and not isinstance(objective, Objective):
        raise PolicyError(f"objective must be a teacher_match.Objective, got {type(objective).__name__}")
    keys, combos = scenarios(policy, grid)
    items = [(policy.with_(**dict(zip(keys, combo, strict=True))), objective, time_limit, workers_per_solve,
              seed) for combo in combos]
    with cluster_client(client, connect_timeout=connect_timeout) as c:
        rows = run_tasks(c, _solve_scenario, problem, items, progress=progress, label="sweep")
    return Sweep(_table(keys, combos, rows), keys, policy.id)


def scenarios(policy: Policy, grid: Mapping[str, Sequence[Any]]) -> tuple[list[str], list[tuple]]:
    """The grid's keys and its combinations in order, every one accepted by ``policy.with_``.

    Raises
    ------
    PolicyError
        Every problem of the grid at once: not a mapping, empty, a key unknown or with no values, a value of
        the wrong type, a combination the policy refuses, a value the policy still requires.
    """
    if not isinstance(grid, Mapping):
        raise PolicyError(f"grid must be a dict of parameter → list of values, got {type(grid).__name__}")
    if not grid:
        raise PolicyError("grid: empty — give at least one parameter and its values, e.g. "
                          "{'backbone_min_share': [0.1, 0.2]}")
    known = list(policy.params()) + list(TERM_UNITS)
    problems = []
    for key, values in grid.items():
        if key not in PARAMETERS and key not in TERM_UNITS:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
            problems.append(f"unknown key '{key}'" + (f"; did you mean '{close[0]}'?" if close else ""))
        elif isinstance(values, (str, bytes, Mapping)) or not isinstance(values, (Sequence, np.ndarray)):
            problems.append(f"'{key}': give a list of values, e.g. [{values!r}], got {type(values).__name__}")
        elif len(values) == 0:
            problems.append(f"'{key}': no values — give at least one")
    if problems:
        raise PolicyError("grid: " + "; ".join(problems))
    keys = list(grid)
    combos = list(itertools.product(*(list(grid[k]) for k in keys)))
    # each combination as the policy takes it: a wrong value, or a pair of thresholds that contradict
    # each other, is refused before any solve — once per distinct message
    refused: dict[str, None] = {}
    for combo in combos:
        try:
            policy.with_(**dict(zip(keys, combo, strict=True))).require_complete()
        except PolicyError as exc:
            refused.setdefault(str(exc).removeprefix(f"with_() on policy '{policy.id}': "))
    if refused:
        raise PolicyError("grid: " + "; ".join(refused))
    return keys, combos


def _solve_scenario(problem: Problem, policy: Policy, objective: Objective | None, time_limit: float,
                    workers: int, seed: int) -> dict:
    """One scenario on a worker: solve, check, the row's measures; an error is returned, not raised.

    Returning the error (rather than raising it) keeps the cluster from retrying a scenario whose failure
    is its own: retries are for lost workers.
    """
    t0 = time.perf_counter()
    try:
        plan = solve(problem, policy, objective, time_limit=time_limit, workers=workers, seed=seed)
        row: dict[str, Any] = {"status": plan.status, "objective": plan.objective, "bound": plan.bound,
                               "gap": plan.gap}
        if plan.has_plan:
            totals = plan.totals()
            short = plan.shortfalls if plan.shortfalls is not None else shortfalls(problem, policy, plan)
            row |= {k: totals[k] for k in ("rotated", "needs_filled", "needs_unfilled", "commute_km_total")}
            row |= {"shortfalls": len(short), "violations": len(check(problem, policy, plan))}
    except TeacherMatchError as exc:
        row = {"error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - any other failure is this scenario's, reported in its row
        row = {"error": f"{type(exc).__name__}: {exc}"}
    row["seconds"] = time.perf_counter() - t0
    return row


def _table(keys: list[str], combos: list[tuple], rows: list[dict]) -> pd.DataFrame:
    """The sweep table: the parameters, then :data:`RESULT_COLUMNS`, typed alike whatever failed."""
    params = pd.DataFrame([list(c) for c in combos], columns=keys)
    res = pd.DataFrame([{c: r.get(c) for c in RESULT_COLUMNS} for r in rows], columns=RESULT_COLUMNS)
    for c in ("rotated", "needs_filled", "needs_unfilled", "shortfalls", "violations"):
        res[c] = pd.array([None if pd.isna(v) else int(v) for v in res[c]], dtype="Int64")
    for c in ("commute_km_total", "objective", "bound", "gap", "seconds"):
        res[c] = pd.to_numeric(res[c], errors="coerce").astype(float)
    # a failed scenario has no solver status: the row says ERROR, its error column why
    res["status"] = res["status"].astype(object).where(res["status"].notna(), "ERROR")
    res["error"] = res["error"].astype(object).where(res["error"].notna(), None)
    return pd.concat([params, res], axis=1)
