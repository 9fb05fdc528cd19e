"""Every teacher explained: the answer ``explain`` gives one teacher, for the whole roster in one pass.

:func:`explain_all` asks one :class:`~teacher_match.explanation.Explainer` about every teacher of the plan, so
each answer is the one :func:`~teacher_match.explanation.explain` gives (the same code, the same models), and
what the answers share is done once:

1. the model is built and read once; the plan's complete solution and the proven optimum are computed once
   (one search of the whole model, as ``solve`` searches it);
2. triage: every movable teacher's counterfactual is first re-solved on their neighbourhood with everyone else
   fixed (milliseconds); when that plan's objective equals the proven optimum it is a best counterfactual;
3. the questions left are asked of the whole aggregated model, once per class of interchangeable teachers
   and question, ``workers`` searches at a time (CP-SAT releases the GIL: one thread per core);
4. the answers are stated teacher by teacher, in the plan's order (binding rule instances from the model
   restricted to the teacher's rows).

The result is a table (one row per teacher of the plan, nobody left out) and a workbook: the table, the
publicity list (公示名单) and the reasons in Chinese as published (an exemption by its public category only).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from .explanation import Explainer, Explanation
from .output_files import atomic_write, check_output, text_cells_as_text
from .publicity import reasons_table, write_publicity_sheet
from .reproducible import make_reproducible

__all__ = ["explain_all", "Explanations", "REASONS_SUFFIXES", "TABLE_COLUMNS"]

#: the workbook explain_all writes
REASONS_SUFFIXES = (".xlsx",)

#: columns of :attr:`Explanations.table`
TABLE_COLUMNS = ["teacher_id", "from_school_id", "status", "decision", "to_school_id", "binding",
                 "binding_scope", "counterfactual_to", "objective_delta", "counterfactual_status", "tie",
                 "changes", "reason", "reason_zh"]


@dataclass
class Explanations:
    """Every teacher's explanation, and how they were computed.

    Attributes
    ----------
    explanations : list of Explanation
        One per teacher of the plan, in the plan's order.
    table : DataFrame
        One row per teacher (:data:`TABLE_COLUMNS`): the decision, the binding rule instances
        (``rule[key]``, joined by ``; ``) and where they bind (``this plan`` / ``any plan``), the
        counterfactual's destination, objective change and status, whether it is a tie, the other teachers it
        changes (``+T`` starts, ``-T`` stops, ``T:A>B`` changes school), and the reason in both languages.
    assignments : DataFrame
        The plan's assignments (what the publicity list is made of).
    timings : dict
        Seconds per phase (``build``, ``optimum``, ``triage``, ``searches``, ``answers``, ``total``) and
        counts (``teachers``, ``movable``, ``questions``: whole-model searches made).
    """

    explanations: list
    table: pd.DataFrame
    assignments: pd.DataFrame
    timings: dict = field(default_factory=dict)

    def __len__(self) -> int:
        """Teachers explained."""
        return len(self.explanations)

    def __getitem__(self, teacher_id: str) -> Explanation:
        """The explanation of one teacher."""
        for e in self.explanations:
            if e.teacher_id == str(teacher_id):
                return e
        raise KeyError(teacher_id)

    def to_excel(self, path: str | Path) -> Path:
        """Write ``reasons`` (the table), ``公示名单`` and ``交流说明`` (reasons as published) to a workbook.

        Checked first, replaced whole, text as text.
        """
        target = check_output(path, REASONS_SUFFIXES, what="the reasons")
        with atomic_write(target, "the reasons") as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                self.table.to_excel(xw, sheet_name="reasons", index=False)
                write_publicity_sheet(xw, self.assignments)
                reasons_table(self.assignments, self.table).to_excel(xw, sheet_name="交流说明", index=False)
                text_cells_as_text(xw.book)
            make_reproducible(tmp)
        return Path(path)


def _question(ex: Explainer, i: int) -> tuple[str, int | None]:
    s = int(ex.dest[i])
    return ("forbid", s) if s >= 0 else ("force", None)


def explain_all(problem, policy, plan, *, counterfactual: bool = True, time_limit: float = 60.0,
                workers: int = 2, progress: bool = False) -> Explanations:
    """Why every teacher of the plan rotates, stays or is not movable (each as :func:`explain` says it).

    Parameters
    ----------
    problem, policy, plan
        As for :func:`teacher_match.explain`.
    counterfactual : bool
        Verify by re-solving (see :func:`teacher_match.explain`).
    time_limit : float
        Seconds for each search of the whole model. A search that does not prove its optimum within it is
        reported as such (``counterfactual_status`` FEASIBLE), as ``explain`` reports it.
    workers : int
        Searches run at a time (one CP-SAT worker each).
    progress : bool
        Show progress bars (on stderr).

    Returns
    -------
    Explanations

    Examples
    --------
    >>> import teacher_match as tm
    >>> p, pol = tm.make_county(120, seed=1), tm.load_policy("default")
    >>> plan = tm.solve(p, pol, time_limit=20)
    >>> every = tm.explain_all(p, pol, plan)
    >>> len(every) == len(plan.assignments)
    True
    """
    t0 = time.perf_counter()
    timings: dict = {}
    ex = Explainer(problem, policy, plan, time_limit=time_limit)
    ids = ex.assignments["teacher_id"].astype(str).tolist()
    order = [ex.index(t) for t in ids]
    movable = [i for i in order if ex.movable(i) and len(ex.rows_of[i])]
    timings["build"] = time.perf_counter() - t0
    pending: dict = {}
    if counterfactual and ex.plan_status not in ("INFEASIBLE", "UNKNOWN", "MODEL_INVALID") \
            and ex.base() is not None:
        t = time.perf_counter()
        ex.optimum()
        timings["optimum"] = time.perf_counter() - t
        t = time.perf_counter()
        for i in tqdm(movable, desc="neighbourhoods", unit="teacher", disable=not progress):
            kind, s = _question(ex, i)
            key = ex.needs_search(i, kind, s)
            if key is not None:
                pending.setdefault(key, (i, kind, s))
        timings["triage"] = time.perf_counter() - t
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=max(1, int(workers)), thread_name_prefix="explain") as pool:
            futures = [pool.submit(ex.resolve, *q) for q in pending.values()]
            for fut in tqdm(as_completed(futures), total=len(futures), desc="searches", unit="search",
                            disable=not progress):
                fut.result()
        timings["searches"] = time.perf_counter() - t
    t = time.perf_counter()
    explanations = [ex.answer(tid, counterfactual) for tid in tqdm(ids, desc="answers", unit="teacher",
                                                                   disable=not progress)]
    timings["answers"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    timings.update(teachers=len(ids), movable=len(movable), questions=len(ex.resolved))
    return Explanations(explanations, _table(explanations, ex), ex.assignments, timings)


def _changes_text(ch: dict | None) -> str | None:
    """A counterfactual's changes to the other teachers, compactly: ``+T>S``, ``-T``, ``T:A>B``."""
    if ch is None:
        return None
    return " ".join([f"+{t}>{s}" for t, s in ch["starts"]] + [f"-{t}" for t, _ in ch["stops"]]
                    + [f"{t}:{a}>{b}" for t, a, b in ch["moves"]])


def _table(explanations: list, ex: Explainer) -> pd.DataFrame:
    rows = []
    for e in explanations:
        alt = e.alternative or {}
        delta = alt.get("objective_delta")
        rows.append({
            "teacher_id": e.teacher_id,
            "from_school_id": ex.f.sid[ex.f.pos[ex.f.t_index[e.teacher_id]]],
            "status": e.status, "decision": e.decision, "to_school_id": e.to_school_id,
            "binding": "; ".join(f"{r}[{k}]"
                                 for r, k in zip(e.binding["rule"], e.binding["key"], strict=True)),
            "binding_scope": e.binding["scope"].iat[0] if len(e.binding) else None,
            "counterfactual_to": alt.get("to_school_id"),
            "objective_delta": None if delta is None or math.isinf(delta) else round(float(delta), 3),
            "counterfactual_status": alt.get("status"),
            "tie": bool(alt["tie"]) if "tie" in alt else None,
            "changes": _changes_text(alt.get("changes")),
            "reason": e.reason, "reason_zh": e.reason_zh,
        })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)
