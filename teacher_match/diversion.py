"""Diversion (分流): the teacher-optimal stable matching of a pool of teachers to ranked options.

A diversion (RULEBOOK §2.2 (C), Fenliu FL-QU2/FL-SE1/FL-SE2) places the teachers of an overstaffed school on
options they rank themselves: non-school institutions, schools with posts. When an option has more
applicants than seats, the policy's order decides (Fenliu: 按年龄从小到大, youngest first); a teacher left
without an option goes back where they came from (哪来回哪).

Who is in the pool
    The teachers flagged in the roster's ``diversion`` column (分流人员). The pool is a decision of the
    bureau (Fenliu: the 34 teachers of the merged schools, leaders adjusted by higher organisations left
    out), so it is read, not derived; those teachers are never rotated (:mod:`teacher_match.eligibility`).

Wishes
    The ``preferences`` column (志愿): ranked option ids, ``;``-separated. An option the teacher lists after
    their own ``origin_school_id`` (原单位) is never used: returning is at least as good as any option listed
    below it. A pool teacher needs ``origin_school_id``.

Options and seats
    An option named in the ``options`` table (分流岗位: ``option_id, capacity``) has that many seats, for
    teachers of any subject. Any other listed school offers its declared needs: ``count`` seats for the
    teachers of that subject (its needs row ``school_id, subject``). A school with no need in a teacher's
    subject has no seat for them.

Priority
    A strict order of the pool: the mode's ``priority_keys`` (``[modes.diversion] params``), else the
    policy's ``[rules] priority_keys``; ties by the exact birth date when ``youngest_first`` is a key, then by
    ``teacher_id`` — never by roster order (:func:`teacher_match.rules.priority.strict_positions`).

The result: teacher-proposing deferred acceptance (Gale–Shapley)
    Every unplaced teacher applies to the best option they have not yet applied to; each option holds the
    best applicants (by priority) up to its seats and rejects the rest; a rejected teacher applies on. It
    ends when nobody is rejected. The matching is **stable** — no teacher prefers an option that has a free
    seat for them or that holds someone of lower priority (*no justified envy*) — and **teacher-optimal**:
    every teacher gets the best option they get in any stable matching (Gale & Shapley 1962; Roth 1982).
    It is unique, so the proposing order does not matter. Teachers without an option return to
    ``origin_school_id``. The checker (:func:`teacher_match.check.check_diversion`) verifies seats and no
    justified envy from the tables, without this code's matching.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .eligibility import roster_flag
from .errors import OutputError, PolicyError, SchemaError
from .output_files import atomic_write, check_output, csv_safe, text_cells_as_text
from .reproducible import make_reproducible
from .rules import priority

if TYPE_CHECKING:
    from .policy import Policy
    from .problem import Problem

__all__ = ["Diversion", "divert", "deferred_acceptance", "DiversionInput", "diversion_input",
           "DIVERSION_COLUMNS", "ANY_SUBJECT"]

#: the subject of a seat open to every subject (an option of the ``options`` table)
ANY_SUBJECT = "*"
#: names shown of the teachers holding an option, in a reason
NAMES_SHOWN = 3
DIVERSION_COLUMNS = ["teacher_id", "from_school_id", "to_school_id", "moves", "mode", "subject",
                     "origin_school_id", "wish_rank", "order", "status", "reason", "reason_zh"]


# ====================================================================== the algorithm
def deferred_acceptance(wishes: Sequence[Sequence[Hashable]], position: Sequence[int],
                        capacity: dict) -> list:
    """Teacher-proposing deferred acceptance: the teacher-optimal stable matching.

    Parameters
    ----------
    wishes : sequence of sequences
        ``wishes[i]``: the seat groups teacher ``i`` accepts, best first.
    position : sequence of int
        Priority of each teacher, smaller first (a strict order: no two equal).
    capacity : dict
        Seat group → seats (a group not in it has none).

    Returns
    -------
    list
        The group each teacher is placed in, or None.

    Examples
    --------
    Teacher 1 comes first and keeps A; teacher 2 is turned away at A and takes B; teacher 0, last, finds
    both held:

    >>> deferred_acceptance([["A", "B"], ["A"], ["A", "B"]], [2, 0, 1], {"A": 1, "B": 1})
    [None, 'A', 'B']
    """
    if len(set(position)) != len(position):
        raise ValueError("the priority must be a strict order (no two teachers at one position)")
    n = len(wishes)
    nxt = [0] * n
    held: dict = {}
    match: list = [None] * n
    free = list(range(n - 1, -1, -1))  # a stack: teacher 0 applies first (the result does not depend on it)
    while free:
        i = free.pop()
        while nxt[i] < len(wishes[i]):
            g = wishes[i][nxt[i]]
            nxt[i] += 1
            cap = int(capacity.get(g, 0))
            if cap <= 0:
                continue
            h = held.setdefault(g, [])
            if len(h) < cap:
                h.append(i)
                match[i] = g
                break
            worst = max(h, key=lambda j: position[j])
            if position[i] < position[worst]:
                h.remove(worst)
                h.append(i)
                match[i] = g
                match[worst] = None
                free.append(worst)
                break
    return match


# ====================================================================== the inputs read once
@dataclass(frozen=True)
class DiversionInput:
    """The pool, its wishes, seats and order, read from a problem and a policy (pandas only).

    Attributes
    ----------
    pool : ndarray of int
        Roster positions of the pool's teachers.
    wishes : list of list of (option_id, subject)
        Per pool teacher, the seat groups they accept, best first (cut at their ``origin_school_id``).
    listed : list of list of str
        Per pool teacher, the option ids as listed (before the cut), for the wish rank.
    capacity : dict
        Seat group ``(option_id, subject)`` → seats; ``subject`` is :data:`ANY_SUBJECT` for an option of the
        ``options`` table.
    position : ndarray of int
        Per pool teacher, their place in the strict order (0 = first).
    keys : list of str
        The ordering principles used.
    origin : list of str
        Per pool teacher, ``origin_school_id``.
    """

    pool: np.ndarray
    wishes: list
    listed: list
    capacity: dict
    position: np.ndarray
    keys: list
    origin: list
    notes: tuple = ()


def _mode(policy: Policy, mode: str):
    m = policy.modes.get(mode)
    if m is None:
        raise PolicyError(f"policy '{policy.id}' has no [modes.{mode}] — a diversion (分流) needs the mode "
                          f"recorded in the policy (its text, rules and, optionally, params.priority_keys)")
    return m


def priority_keys(policy: Policy, mode: str = "diversion") -> list[str]:
    """The diversion's ordering principles: ``[modes.<mode>] params.priority_keys``, else the policy's."""
    m = _mode(policy, mode)
    keys = m.params.get("priority_keys", policy.rule("priority").priority_keys)
    if isinstance(keys, str):
        keys = [keys]
    bad = [k for k in keys if k not in priority.KEYS]
    if bad or not isinstance(keys, list):
        raise PolicyError(f"policy '{policy.id}' [modes.{mode}] params.priority_keys: unknown principle "
                          f"{bad[0] if bad else keys!r} (one of {', '.join(priority.KEYS)})")
    return list(keys)


def diversion_input(problem: Problem, policy: Policy, mode: str = "diversion") -> DiversionInput:
    """Read the pool, wishes, seats and order; a pool teacher without ``origin_school_id`` is an error.

    Raises
    ------
    PolicyError
        The policy has no ``[modes.<mode>]`` or names an unknown ordering principle.
    SchemaError
        A pool teacher has no ``origin_school_id`` (原单位): the file, row and column are named.
    """
    keys = priority_keys(policy, mode)
    if policy.reference_date is not None:
        problem = problem.at(policy.reference_date)
    t = problem.teachers
    pool = np.flatnonzero(roster_flag(t, "diversion"))
    src = problem.sources.get("teachers", "teachers")
    rows = problem.rows.get("teachers") or list(range(len(t)))
    origin_col = t["origin_school_id"] if "origin_school_id" in t.columns else pd.Series([None] * len(t))
    missing = [i for i in pool if not isinstance(origin_col.iat[i], str) or not origin_col.iat[i]]
    if missing:
        raise SchemaError(pd.DataFrame(
            [(src, rows[i], "origin_school_id",
              f"teacher {t['teacher_id'].iat[i]} is in the diversion pool (分流人员) but has no origin "
              f"school (原单位) — fill it in: a teacher without an option returns there (哪来回哪)")
             for i in missing],
            columns=["file", "row", "column", "problem"]))
    opts = problem.options
    opt_cap = ({str(o): int(c) for o, c in zip(opts["option_id"], opts["capacity"], strict=True)}
               if opts is not None else {})
    need = {(str(s), str(j)): int(c) for s, j, c in
            problem.needs[["school_id", "subject", "count"]].itertuples(index=False)}
    capacity: dict = {(o, ANY_SUBJECT): c for o, c in opt_cap.items()}
    wishes, listed, origin = [], [], []
    prefs = t["preferences"] if "preferences" in t.columns else pd.Series([None] * len(t))
    for i in pool:
        p = prefs.iat[i]
        ids = [x for x in str(p).split(";") if x] if isinstance(p, str) else []
        home = str(origin_col.iat[i])
        subj = str(t["subject"].iat[i])
        groups = []
        for o in ids:
            if o == home:
                break  # returning is as good as this option and better than every later one
            g = (o, ANY_SUBJECT) if o in opt_cap else (o, subj)
            capacity.setdefault(g, need.get(g, 0))
            groups.append(g)
        wishes.append(groups)
        listed.append(ids)
        origin.append(home)
    position = np.zeros(0, dtype=np.int64)
    if len(pool):
        sub = t.iloc[pool].reset_index(drop=True)
        position = priority.strict_positions(sub, problem.schools, keys)
    notes = []
    persons = _mode(policy, mode).params.get("persons")
    if isinstance(persons, int) and persons != len(pool):
        notes.append(f"the policy's diversion names {persons} persons; the roster flags {len(pool)} "
                     f"(column 'diversion' [分流人员]) — the roster's pool is placed")
    seats = sum(capacity.values())
    if len(pool) and seats < len(pool):
        notes.append(f"{len(pool)} teachers in the pool, {seats} seats on the options they list: at least "
                     f"{len(pool) - seats} return to their origin school (哪来回哪)")
    return DiversionInput(pool=pool, wishes=wishes, listed=listed, capacity=capacity, position=position,
                          keys=keys, origin=origin, notes=tuple(notes))


# ====================================================================== the result
@dataclass
class Diversion:
    """The result of :func:`divert`.

    Attributes
    ----------
    assignments : DataFrame
        One row per roster teacher (:data:`DIVERSION_COLUMNS`): a pool teacher's option or origin school
        (``mode = "diversion"``, ``status`` ``diverted`` or ``returned``), with the reason in English and
        Chinese; every other teacher ``status = "not in pool"``, staying.
    seats : DataFrame
        Per seat group: ``option_id, subject, capacity, admitted, teachers`` (``subject`` ``*`` = any).
    keys : list of str
        The ordering principles used (ties by birth date, then teacher_id).
    notes : list of str
        What the planner should know (pool size against the policy's figure, seats fewer than the pool).
    """

    assignments: pd.DataFrame
    seats: pd.DataFrame
    keys: list
    policy_id: str = ""
    notes: list = field(default_factory=list)
    #: the mode name in the policy
    mode: str = "diversion"

    def totals(self) -> dict:
        """Pool size, diverted to an option, returned to their origin (哪来回哪), seats and seats left."""
        a = self.assignments
        return {"pool": int((a["status"] != "not in pool").sum()),
                "diverted": int((a["status"] == "diverted").sum()),
                "returned": int((a["status"] == "returned").sum()),
                "seats": int(self.seats["capacity"].sum()) if len(self.seats) else 0,
                "seats_left": int((self.seats["capacity"] - self.seats["admitted"]).sum()) if len(self.seats)
                else 0}

    def summary(self) -> str:
        """A short readable summary."""
        t = self.totals()
        order = "; ".join(priority.KEYS[k][0] for k in self.keys) or "none"
        lines = [f"  diversion (分流) under policy {self.policy_id}: the teacher-optimal stable matching",
                 f"  pool (分流人员)              {t['pool']}",
                 f"  placed on an option         {t['diverted']}",
                 f"  returned (哪来回哪)          {t['returned']}",
                 f"  seats on listed options     {t['seats']} ({t['seats_left']} left)",
                 f"  order                       {order}; ties by birth date, then teacher_id"]
        lines += [f"  NOTE: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        """Pool, placed and returned."""
        t = self.totals()
        return f"Diversion(pool={t['pool']}, diverted={t['diverted']}, returned={t['returned']})"

    def to_csv(self, path: str | Path) -> Path:
        """Write the assignments (UTF-8 with BOM), replaced whole or not at all."""
        target = check_output(path, (".csv",), what="the diversion")
        with atomic_write(target, "the diversion") as tmp:
            csv_safe(self.assignments).to_csv(tmp, index=False, encoding="utf-8-sig")
        return Path(path)

    def to_excel(self, path: str | Path) -> Path:
        """Write a workbook (sheets ``assignments`` and ``seats``); reproducible, text cells as text."""
        target = check_output(path, (".xlsx",), what="the diversion")
        with atomic_write(target, "the diversion") as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                self.assignments.to_excel(xw, sheet_name="assignments", index=False)
                self.seats.to_excel(xw, sheet_name="seats", index=False)
                text_cells_as_text(xw.book)
            make_reproducible(tmp)
        return Path(path)

    def write(self, path: str | Path) -> Path:
        """Write to ``.csv`` or ``.xlsx`` by the path's suffix."""
        suffix = Path(path).suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise OutputError(f"{path}: write the diversion to a .csv or .xlsx file")
        return self.to_csv(path) if suffix == ".csv" else self.to_excel(path)


def divert(problem: Problem, policy: Policy, mode: str = "diversion") -> Diversion:
    """Place the diversion pool: the teacher-optimal stable matching, else back to the origin (哪来回哪).

    See the module docstring for the pool, wishes, seats and order. Exact and deterministic.

    Parameters
    ----------
    problem : Problem
    policy : Policy
        Must record ``[modes.<mode>]`` (e.g. ``devzone-fenliu-34``).
    mode : str
        The mode's name in the policy.

    Raises
    ------
    PolicyError
        No such mode, or an unknown ordering principle.
    SchemaError
        A pool teacher without ``origin_school_id`` (原单位).

    Examples
    --------
    >>> import teacher_match as tm
    >>> p = tm.make_county(400, seed=1, diversion=12)
    >>> d = tm.divert(p, tm.load_policy("devzone-fenliu-34"))
    >>> d.totals()["pool"], tm.check(p, tm.load_policy("devzone-fenliu-34"), d).empty
    (12, True)
    """
    inp = diversion_input(problem, policy, mode)
    if policy.reference_date is not None:
        problem = problem.at(policy.reference_date)
    match = deferred_acceptance(inp.wishes, inp.position.tolist(), inp.capacity)
    t = problem.teachers
    n = len(t)
    tid = t["teacher_id"].astype(str).to_numpy()
    holders: dict = {}
    for k, g in enumerate(match):
        if g is not None:
            holders.setdefault(g, []).append(k)
    for g in holders:
        holders[g].sort(key=lambda k: inp.position[k])
    to = np.array([None] * n, dtype=object)
    status = np.array(["not in pool"] * n, dtype=object)
    mode_col = np.array([None] * n, dtype=object)
    wish_rank = pd.array([pd.NA] * n, dtype="Int64")
    order = pd.array([pd.NA] * n, dtype="Int64")
    origin = np.array([None] * n, dtype=object)
    reason = np.array(["not in the diversion pool (分流人员): not diverted"] * n, dtype=object)
    reason_zh = np.array(["非分流人员，不参加分流"] * n, dtype=object)
    words = order_words(inp.keys)
    for k, i in enumerate(inp.pool):
        g = match[k]
        origin[i] = inp.origin[k]
        mode_col[i] = mode
        order[i] = int(inp.position[k]) + 1
        if g is not None:
            to[i] = g[0]
            status[i] = "diverted"
            wish_rank[i] = inp.listed[k].index(g[0]) + 1
        else:
            to[i] = inp.origin[k]
            status[i] = "returned"
        reason[i], reason_zh[i] = _reason(k, g, inp, holders, tid, words)
    a = pd.DataFrame({
        "teacher_id": tid, "from_school_id": t["school_id"].to_numpy(),
        "to_school_id": pd.array(to, dtype="object"),
        "moves": np.array([x is not None for x in to]) & (to != t["school_id"].to_numpy()),
        "mode": mode_col, "subject": t["subject"].to_numpy(), "origin_school_id": origin,
        "wish_rank": wish_rank, "order": order, "status": status, "reason": reason, "reason_zh": reason_zh,
    })
    if "name" in t.columns:
        a.insert(1, "name", t["name"].to_numpy())
    seats = pd.DataFrame(
        [(o, j, c, len(holders.get((o, j), [])),
          ";".join(tid[inp.pool[k]] for k in holders.get((o, j), [])))
         for (o, j), c in sorted(inp.capacity.items())],
        columns=["option_id", "subject", "capacity", "admitted", "teachers"])
    return Diversion(assignments=a, seats=seats, keys=inp.keys, policy_id=policy.id, notes=list(inp.notes),
                     mode=mode)


def order_words(keys: list[str]) -> tuple[str, str]:
    """The ordering principles in words, English and Chinese (``youngest first``, ``按年龄从小到大``)."""
    en, zh = [], []
    for k in keys:
        desc = priority.KEYS[k][0]
        cjk = re.findall(r"[\u4e00-\u9fff][^()（）:：,，]*", desc)
        en.append(re.sub(r"\s*\([^)]*\)", "", re.sub(r"^[^:]*[\u4e00-\u9fff][^:]*:\s*", "", desc)).strip())
        zh.append(cjk[0].strip() if cjk else en[-1])
    return ("; ".join(en) or "teacher_id", "；".join(zh) or "教师编号")


def _names(ks: list, inp: DiversionInput, tid: np.ndarray, sep: str) -> str:
    shown = [tid[inp.pool[k]] for k in ks[:NAMES_SHOWN]]
    return sep.join(shown) + ("…" if len(ks) > NAMES_SHOWN else "")


def _reason(k: int, g, inp: DiversionInput, holders: dict, tid: np.ndarray,
            words: tuple[str, str]) -> tuple[str, str]:
    """Why teacher ``k`` of the pool is where they are: each better wish, and who holds it."""
    me = tid[inp.pool[k]]
    better = inp.wishes[k] if g is None else inp.wishes[k][: inp.wishes[k].index(g)]
    en, zh = [], []
    for h in better:
        rank = inp.listed[k].index(h[0]) + 1
        cap = int(inp.capacity.get(h, 0))
        seat = "" if h[1] == ANY_SUBJECT else f" for {h[1]}"
        if cap == 0:
            en.append(f"wish {rank} {h[0]} has no seat{seat}")
            zh.append(f"第{rank}志愿 {h[0]} 无{'该学科' if seat else ''}岗位")
            continue
        ks = holders.get(h, [])
        en.append(f"wish {rank} {h[0]}: its {cap} seat{'s' if cap != 1 else ''}{seat} went to "
                  f"{_names(ks, inp, tid, ', ')}, before {me} in the order ({words[0]})")
        zh.append(f"第{rank}志愿 {h[0]} 的{cap}个岗位已由{_names(ks, inp, tid, '、')}获得"
                  f"（排序在前：{words[1]}）")
    if g is not None:
        rank = inp.listed[k].index(g[0]) + 1
        head_en = f"diverted to {g[0]} (wish {rank} of {len(inp.listed[k])})"
        head_zh = f"分流至 {g[0]}（第{rank}志愿）"
    else:
        home = inp.origin[k]
        if not inp.listed[k]:
            head_en, head_zh = (f"listed no option: returns to origin school {home} (哪来回哪)",
                                f"未填报志愿，回原单位 {home}（哪来回哪）")
        elif not inp.wishes[k]:
            head_en, head_zh = (f"listed the origin school first: returns to {home} (哪来回哪)",
                                f"第一志愿为原单位，回原单位 {home}（哪来回哪）")
        else:
            head_en, head_zh = (f"no listed option has a seat for them: returns to origin school {home} "
                                f"(哪来回哪)", f"所填志愿均无岗位，回原单位 {home}（哪来回哪）")
    return "; ".join([head_en, *en]), "；".join([head_zh, *zh])
