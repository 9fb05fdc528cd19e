"""Soft rule: ordering principles — who goes first (先教师后干部、先小学后初中、先骨干后普通, youngest first).

    priority_order = Σ rank(t) · x[t, s],   rank(t) = Σ_k w_k · key_k(t)

``key_k(t)`` is 0 when the teacher is on the favoured side of the k-th ordering principle (a teacher, not a
cadre; at a primary school; a backbone teacher …) and 1 otherwise; ``youngest_first`` is the age above 18
(0 … 63). The weights ``w_k`` make the principles lexicographic: each principle outweighs every later one
together. With a small positive weight the term breaks ties among plans of equal cost in favour of the
teachers the policy sends first; it never makes a plan move fewer teachers than the needs call for (the
``unmet_need`` weight is far larger). :func:`priority_order` sorts a candidate pool by the same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..params import param
from .contract import CheckData, Facts, Key, PlanState, StayTest, Usage, Violation

RULE_ID = "priority"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 130
TITLE = "ordering principles"
TITLE_ZH = "交流顺序"
assignment_words = None
shortfalls = None
prune = None
pair_words = None
teacher_words = None
TERMS = {"priority_order": (
    1, "Σ ordering rank of the teachers rotated (0 = sent first under the policy's principles)")}

#: ordering principle -> (description, largest key value)
KEYS = {
    "teachers_before_leaders": ("先教师后干部: teachers before cadres", 1),
    "leaders_before_teachers": ("principals and middle leaders move first (带头流动)", 1),
    "primary_before_junior": ("先小学后初中: primary-school staff before junior-middle staff", 1),
    "backbone_before_ordinary": ("先骨干后普通: backbone before ordinary teachers", 1),
    "no_rural_experience_first": ("teachers without rural/weak-school experience first", 1),
    "honours_first": ("holders of a county-or-higher honour first", 1),
    "volunteers_first": ("volunteers (自愿) first", 1),
    "substandard_credentials_first": ("teachers whose qualification or degree is below standard first", 1),
    "no_prior_support_first": ("teachers who never did support teaching first (轮流下乡一次以上)", 1),
    "youngest_first": ("youngest first (按年龄从小到大)", 63),
}


@dataclass(frozen=True)
class Priority:
    """Ordering principles (policy section ``[rules]``)."""

    priority_keys: list = param([], "strlist", "ordering principles, most important first",
                                choices=tuple(KEYS))


#: the rule's parameters (a policy section's keys)
PARAMS = Priority


def key_values(teachers: pd.DataFrame, schools: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """One column per principle: 0 on the favoured side, larger values later (n_teachers × n_keys)."""
    from ..eligibility import honour_rank, roster_column, roster_flag, roster_number

    n = len(teachers)
    cols = []
    leader = ((teachers["role"] != "teacher").to_numpy() if "role" in teachers.columns
              else np.zeros(n, dtype=bool))
    for k in keys:
        if k == "teachers_before_leaders":
            v = leader
        elif k == "leaders_before_teachers":
            v = ~leader
        elif k == "primary_before_junior":
            stage = teachers["school_id"].map(schools.set_index("school_id")["stage"]).to_numpy()
            v = np.array([st != "primary" for st in stage], dtype=bool)
        elif k == "backbone_before_ordinary":
            v = ~teachers["backbone"].to_numpy(dtype=bool)
        elif k == "no_rural_experience_first":
            v = roster_number(teachers, "rural_years", 0.0) > 0
        elif k == "honours_first":
            v = honour_rank(teachers) < 2
        elif k == "volunteers_first":
            v = (~teachers["volunteer"].to_numpy(dtype=bool) if "volunteer" in teachers.columns
                 else np.ones(n, bool))
        elif k == "substandard_credentials_first":
            v = ~roster_flag(teachers, "substandard_credentials")
        elif k == "no_prior_support_first":
            col = roster_column(teachers, "years_since_support")
            v = (np.zeros(n, dtype=bool) if col is None
                 else pd.to_numeric(col, errors="coerce").notna().to_numpy())
        else:
            v = np.clip(teachers["age"].astype(float).to_numpy() - 18, 0, KEYS[k][1])
        cols.append(np.asarray(v, dtype=np.int64))
    return np.column_stack(cols) if cols else np.zeros((n, 0), dtype=np.int64)


def ranks(teachers: pd.DataFrame, schools: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Lexicographic rank per teacher: Σ w_k · key_k with w_k = Π_{j > k} (max_j + 1)."""
    vals = key_values(teachers, schools, keys)
    w = np.ones(len(keys), dtype=np.int64)
    for i in range(len(keys) - 2, -1, -1):
        w[i] = w[i + 1] * (KEYS[keys[i + 1]][1] + 1)
    return vals @ w if len(keys) else np.zeros(len(teachers), dtype=np.int64)


def priority_order(teachers: pd.DataFrame, schools: pd.DataFrame, keys: list[str]) -> list:
    """Teacher ids of a candidate pool in the order the principles send them (ties: roster order).

    Examples
    --------
    >>> t = pd.DataFrame({"teacher_id": ["A", "B"], "school_id": ["S1", "S1"],
    ...                   "role": ["vice_principal", "teacher"], "backbone": [True, False], "age": [40, 40],
    ...                   "gender": ["F", "F"]})
    >>> s = pd.DataFrame({"school_id": ["S1"], "stage": ["primary"]})
    >>> priority_order(t, s, ["teachers_before_leaders"])
    ['B', 'A']
    """
    r = ranks(teachers, schools, keys)
    order = np.argsort(r, kind="stable")
    return list(teachers["teacher_id"].to_numpy()[order])


def strict_positions(teachers: pd.DataFrame, schools: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Each teacher's place in a strict order (0 = first): the principles, then stated tie-breaks.

    Ties of :func:`ranks` are broken, never by roster order, by

    1. the exact birth date when ``youngest_first`` is a principle and ``birth_date`` is given (the later
       date, i.e. the younger teacher, first; a missing date after every given one);
    2. ``teacher_id`` (as text, ascending).

    A matching with priorities (the diversion, :mod:`teacher_match.diversion`) needs a strict order;
    the rotation's stability (:mod:`teacher_match.rules.stability`) reads only :func:`ranks`.

    Examples
    --------
    >>> t = pd.DataFrame({"teacher_id": ["B", "A", "C"], "school_id": "S1", "role": "teacher",
    ...                   "backbone": False, "age": [30, 30, 25], "gender": "F",
    ...                   "birth_date": pd.to_datetime(["1995-01-01", "1994-06-01", "2000-01-01"])})
    >>> strict_positions(t, pd.DataFrame({"school_id": ["S1"]}), ["youngest_first"]).tolist()
    [1, 2, 0]
    """
    r = ranks(teachers, schools, keys)
    n = len(teachers)
    born = np.zeros(n)
    if "youngest_first" in keys and "birth_date" in teachers.columns:
        d = pd.to_datetime(teachers["birth_date"], errors="coerce")
        # later birth first: sort on minus the date; a missing date last
        born = np.where(d.notna(), -(d.to_numpy(dtype="datetime64[D]").astype(np.int64)), np.inf)
    ids = teachers["teacher_id"].astype(str).to_numpy()
    order = np.lexsort((ids, born, r))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    return pos


def select_by_priority(teachers: pd.DataFrame, schools: pd.DataFrame, places: int, keys: list[str],
                       merit: str | None = None) -> pd.DataFrame:
    """Select ``places`` candidates when they outnumber the places (择优选用 / 按年龄从小到大排序).

    Candidates are ordered by the principles ``keys``, then by the column ``merit`` (higher first) when given,
    then by roster order. Returns the candidates with a boolean column ``selected`` and their ``order``
    (0 = first).
    """
    r = ranks(teachers, schools, keys)
    frame = pd.DataFrame({"_rank": r, "_merit": -teachers[merit].astype(float).to_numpy() if merit else 0.0,
                          "_pos": np.arange(len(teachers))})
    order = frame.sort_values(["_rank", "_merit", "_pos"], kind="stable").index.to_numpy()
    pos = np.empty(len(teachers), dtype=np.int64)
    pos[order] = np.arange(len(teachers))
    return teachers.assign(order=pos, selected=pos < max(0, int(places)))


def class_key(teachers, schools, rule: Priority) -> list:
    """The priority rank is per teacher (e.g. youngest first), so equal ranks only share a class."""
    if not rule.priority_keys:
        return []
    return [ranks(teachers, schools, rule.priority_keys)]


def build(ctx: Any, rule: Priority) -> None:
    """Rank cost of every candidate pair (the rank of its teacher)."""
    term = ctx.term("priority_order", *TERMS["priority_order"])
    if not rule.priority_keys or not len(ctx.model_pairs):
        return
    r = ranks(ctx.teachers, ctx.schools, rule.priority_keys)[ctx.model_pairs["t"].to_numpy()]
    rows = np.flatnonzero(r)
    term.extend(ctx.xs(rows), r[rows])


def term_values(chk: CheckData, rule: Priority) -> dict:
    """Σ rank of the teachers the plan rotates."""
    if not rule.priority_keys or not len(chk.moved):
        return {"priority_order": 0}
    return {"priority_order": int(ranks(chk.moved, chk.problem.schools, rule.priority_keys).sum())}


def check(chk: CheckData, rule: Priority) -> list[Violation]:
    """Nothing hard to check: ordering is a preference."""
    return []


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Priority, k: Key, usage: Usage | None) -> tuple[str, str]:
    """Ordering adds no constraint (it prices who goes first): the principles in words."""
    keys = "; ".join(KEYS[x][0] for x in rule.priority_keys) or "none"
    return f"teachers are sent in this order: {keys}", f"交流顺序：{keys}"


def stays(state: PlanState, rule: Priority) -> list[StayTest]:
    """Never a hard reason to stay (the order only prices who goes first)."""
    return []


def school_columns(state: PlanState, rule: Priority) -> dict[str, Any]:
    """No schools-table column."""
    return {}
