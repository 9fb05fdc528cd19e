"""What a rule module is, and the typed records it is given.

A rule module (one business rule, one file) is the :class:`RuleModule` protocol: its parameters, how it is
formulated (``build``), how it is checked with pandas (``check``), and its words — the Chinese title, how a
binding instance reads, why a teacher stays because of it, why a pair was never a candidate, and the
columns it adds to the plan's schools table. The explanation code loops over the registry and never names a
rule; ``tests/test_rule_registry.py`` fails when a rule lacks any part.

Records handed to the rules, all declared here and free of any solver import:

* :class:`PruneData` — what ``prune`` reads (the problem, the sending and receiving schools);
* :class:`CheckData` — what ``check`` and ``term_values`` read (the plan merged with the roster);
* :class:`Facts` and :class:`Usage` — the counts behind a binding instance's sentence;
* :class:`PlanState` — a finished plan's counts, for "why this teacher stays" and the schools table.

What a rule says of one teacher's assignment (``assignment_words``: the commute, the wish rank) is optional
and declared ``None`` by the rules that have nothing to say of it. So is ``shortfalls``: a rule with a
minimum that a policy may make soft (``min_rotation_hard = false``) says, as :class:`Shortfall` records,
where a plan falls short of it — the summary's first lines and :func:`teacher_match.check.shortfalls`.

Ledger keys (``school=S012,subject=music,keep``) are written by :func:`key` and read by :func:`parse_key`
— one helper for build, check and explain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..problem import Problem

__all__ = ["RulePolicy", "Stage", "Key", "key", "parse_key", "PruneData", "CheckData", "Facts", "Usage",
           "PlanState", "StayTest", "Violation", "Shortfall", "RuleModule"]

#: one violation found by a rule's check: (rule id, ledger key, message)
Violation = tuple[str, str, str]


class Shortfall(NamedTuple):
    """A soft minimum a plan falls short of (the policy made it soft, so the plan is valid but short).

    Attributes
    ----------
    rule, key : str
        The rule id and the ledger key of the minimum (``min_rotation``, ``school=S003``).
    where : str
        Where it counts, in a word or two (``S003``, ``township A``, ``the county``).
    short : int
        How many the plan is short (≥ 1).
    message : str
        The minimum and what the plan does, in one sentence.
    what, place : str
        The singular nouns of what is short and of where (``mandatory teacher``, ``sending school``), for
        a total over many places.
    switch : str
        The policy parameter that made the minimum soft (``min_rotation_hard``).
    """

    rule: str
    key: str
    where: str
    short: int
    message: str
    what: str
    place: str
    switch: str


class RulePolicy(Protocol):
    """What a rule reads of a policy (a :class:`~teacher_match.policy.Policy`): each rule's parameters.

    Declared here, not imported, because the policy is built from the rules' parameter classes: the rules sit
    below it.
    """

    @property
    def id(self) -> str:
        """The policy's id (read-only: a policy is frozen)."""

    def rule(self, rule_id: str) -> Any:
        """The parameters of one rule (an instance of its ``PARAMS``)."""


# ====================================================================== ledger keys
@dataclass(frozen=True)
class Key:
    """A parsed ledger key: named fields (``school``, ``subject``, ``quota`` …) and bare flags (``keep``)."""

    fields: Mapping[str, str]
    flags: frozenset[str] = frozenset()

    def get(self, name: str, default: str = "?") -> str:
        """A field's value (``default`` when the key has no such field)."""
        return self.fields.get(name, default)

    def __contains__(self, name: str) -> bool:
        """Whether ``name`` is one of the key's fields or flags."""
        return name in self.fields or name in self.flags


def key(*flags: str, **fields: object) -> str:
    """A ledger key: ``key("keep", school="S1", subject="music")`` → ``"school=S1,subject=music,keep"``.

    Fields come first in the order given, then the flags; :func:`parse_key` reads it back.
    """
    parts = [f"{k}={v}" for k, v in fields.items()] + [str(f) for f in flags]
    return ",".join(parts)


def parse_key(text: str) -> Key:
    """Read a ledger key written by :func:`key`.

    >>> parse_key("school=S012,subject=music,keep")
    Key(fields={'school': 'S012', 'subject': 'music'}, flags=frozenset({'keep'}))
    """
    fields: dict[str, str] = {}
    flags = set()
    for part in str(text).split(","):
        k, sep, v = part.partition("=")
        if sep:
            fields[k.strip()] = v.strip()
        elif k.strip():
            flags.add(k.strip())
    return Key(fields, frozenset(flags))


# ====================================================================== records handed to rules
@dataclass(frozen=True)
class PruneData:
    """What a rule's ``prune`` reads: the problem and which schools send and receive."""

    problem: Problem
    sending: np.ndarray
    receiving: np.ndarray


@dataclass(frozen=True)
class CheckData:
    """What a rule's ``check`` and ``term_values`` read: the roster merged with the plan (pandas only).

    Attributes
    ----------
    teachers : DataFrame
        The roster with ``status`` (the rules' eligibility), ``to_school_id``, ``moves``, ``commute_km``.
    moved : DataFrame
        The teachers who rotate, with ``km_check`` (the distance recomputed from the inputs).
    assignments : DataFrame
        The plan's assignments table as given.
    """

    problem: Problem
    policy: RulePolicy
    assignments: pd.DataFrame
    teachers: pd.DataFrame
    moved: pd.DataFrame
    sending: np.ndarray
    receiving: np.ndarray
    #: the plan's itinerant table (走教, rules/itinerant.py); None when the plan has none
    itinerant: pd.DataFrame | None = None


class Facts:
    """Counts behind a binding instance's sentence, read off a formulation (roster order, school positions).

    Built once per explanation or diagnosis from the formulation context: teacher arrays, candidate pairs
    (``ct``, ``cs``: teacher and school of each candidate row) and the declared needs.
    """

    def __init__(self, ctx: Any):
        self.problem = ctx.problem
        self.policy = ctx.policy
        self.sending = ctx.sending
        self.receiving = ctx.receiving
        t = ctx.teachers
        k = len(ctx.schools)
        self.schools = ctx.schools
        self.tid = t["teacher_id"].astype(str).to_numpy()
        self.t_index = {v: i for i, v in enumerate(self.tid)}
        self.sid = ctx.schools["school_id"].astype(str).to_numpy()
        self.s_index = {v: i for i, v in enumerate(self.sid)}
        self.pos = t["school_pos"].to_numpy()
        self.subj = t["subject"].astype(str).to_numpy()
        self.status = t["status"].to_numpy()
        self.leader = t["role"].to_numpy() != "teacher"
        self.backbone = t["backbone"].to_numpy(dtype=bool)
        self.staff = np.bincount(self.pos, minlength=k)
        self.team = np.bincount(self.pos[self.leader], minlength=k)
        self.mandatory = np.bincount(self.pos[self.status == "mandatory"], minlength=k)
        c = ctx.model_pairs
        self.ct = c["t"].to_numpy() if len(c) else np.zeros(0, dtype=int)
        self.cs = c["s"].to_numpy() if len(c) else np.zeros(0, dtype=int)
        self.cfrom = self.pos[self.ct] if len(c) else np.zeros(0, dtype=int)
        needs = ctx.problem.needs
        self.need = {(self.s_index[str(s)], str(j)): int(n)
                     for s, j, n in needs[["school_id", "subject", "count"]].itertuples(index=False)}

    def school(self, k: Key) -> int:
        """Position of the key's ``school`` field (-1 when absent or unknown)."""
        return self.s_index.get(k.fields.get("school", ""), -1)

    def movers_from(self, a: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Distinct teachers of school ``a`` with at least one candidate destination (optionally filtered)."""
        rows = self.cfrom == a
        ts = np.unique(self.ct[rows])
        return ts[mask[ts]] if mask is not None else ts

    def reaching(self, s: int, subject: str | None = None, mask: np.ndarray | None = None) -> np.ndarray:
        """Distinct teachers with a candidate pair to school ``s`` (optionally of one subject / filtered)."""
        rows = self.cs == s
        if subject is not None:
            rows &= self.subj[self.ct] == subject
        ts = np.unique(self.ct[rows])
        return ts[mask[ts]] if mask is not None else ts


@dataclass(frozen=True)
class Usage:
    """What a plan uses of each school's caps (for the "already sends its cap" sentences)."""

    dest: np.ndarray  # per teacher: destination school position, -1 stays

    def sent(self, f: Facts, a: int, mask: np.ndarray | None = None) -> int:
        """Teachers of school ``a`` the plan sends (optionally only those in ``mask``)."""
        m = (self.dest >= 0) & (f.pos == a)
        return int((m & mask).sum()) if mask is not None else int(m.sum())

    def arrivals(self, f: Facts, s: int, subject: str | None = None) -> list[str]:
        """Teachers the plan sends to school ``s`` (optionally of one subject)."""
        m = self.dest == s
        if subject is not None:
            m &= f.subj == subject
        return list(f.tid[m])


@dataclass(frozen=True)
class PlanState:
    """A plan's counts per teacher and per school, for the stay reasons and the schools table.

    Per teacher (roster order): ``pos`` (home school), ``subj``, ``leader``, ``backbone``, ``status``,
    ``to_pos`` (destination, -1 stays), ``moved``, ``n_cand`` (candidate destinations). Per school: ``staff``,
    ``team``, ``mandatory``, ``sent``, ``leaders_sent``, ``backbone_sent``, ``backbone_received``. Needs:
    ``need_left[(school, subject)]`` (declared minus filled); ``dests[t]`` the candidate schools of teacher
    ``t``; ``staff_subj`` / ``sent_subj`` by ``(school_id, subject)``.
    """

    problem: Problem
    policy: RulePolicy
    sid: np.ndarray
    sending: np.ndarray
    receiving: np.ndarray
    pos: np.ndarray
    subj: np.ndarray
    leader: np.ndarray
    backbone: np.ndarray
    status: np.ndarray
    to_pos: np.ndarray
    moved: np.ndarray
    n_cand: np.ndarray
    staff: np.ndarray
    team: np.ndarray
    mandatory: np.ndarray
    sent: np.ndarray
    leaders_sent: np.ndarray
    backbone_sent: np.ndarray
    backbone_received: np.ndarray
    need_left: dict = field(default_factory=dict)
    dests: dict = field(default_factory=dict)
    staff_subj: pd.Series | None = None
    sent_subj: pd.Series | None = None

    def at_sending_schools(self, values: list[int | None]) -> pd.api.extensions.ExtensionArray:
        """One value per school, kept only where the school sends (a nullable integer column)."""
        kept = [v if sd else None for v, sd in zip(values, self.sending, strict=True)]
        return pd.array(kept, dtype="Int64")

    @classmethod
    def of(cls, problem: Problem, policy: RulePolicy, status: np.ndarray, pairs: pd.DataFrame,
           to_pos: np.ndarray, sending: np.ndarray, receiving: np.ndarray) -> PlanState:
        """Count everything once for a plan (``to_pos``: destination per teacher, -1 stays)."""
        t = problem.teachers
        k = len(problem.schools)
        n = len(t)
        pos = problem.teacher_school_pos
        subj = t["subject"].to_numpy()
        moved = to_pos >= 0
        leader = (t["role"] != "teacher").to_numpy()
        backbone = t["backbone"].to_numpy(dtype=bool)

        def count(mask: np.ndarray, where: np.ndarray = pos) -> np.ndarray:
            return np.bincount(where[mask], minlength=k)

        need_left: dict = {}
        filled = (pd.Series(list(zip(to_pos[moved], subj[moved], strict=True))).value_counts() if moved.any()
                  else {})
        for sch, sub, cnt in problem.needs[["school_id", "subject", "count"]].itertuples(index=False):
            j = problem.school_index[sch]
            need_left[(j, sub)] = int(cnt) - int(filled.get((j, sub), 0)) if len(filled) else int(cnt)
        return cls(
            problem=problem, policy=policy, sid=problem.schools["school_id"].to_numpy(), sending=sending,
            receiving=receiving, pos=pos, subj=subj, leader=leader, backbone=backbone, status=status,
            to_pos=to_pos, moved=moved,
            n_cand=np.bincount(pairs["t"].to_numpy(), minlength=n) if len(pairs) else np.zeros(n, dtype=int),
            staff=count(np.ones(n, dtype=bool)), team=count(leader), mandatory=count(status == "mandatory"),
            sent=count(moved), leaders_sent=count(moved & leader), backbone_sent=count(moved & backbone),
            backbone_received=np.bincount(to_pos[moved & backbone], minlength=k),
            need_left=need_left,
            dests=pairs.groupby("t")["s"].apply(list).to_dict() if len(pairs) else {},
            staff_subj=t.groupby(["school_id", "subject"]).size(),
            sent_subj=t[moved].groupby(["school_id", "subject"]).size(),
        )


class Stage(IntEnum):
    """Where a stay reason stands in the ladder: the first reason that holds, in this order, is given."""

    SCHOOL = 10  #: the home school does not send at all
    PROTECTED = 20  #: the teacher's subject is protected at home
    REACH = 30  #: no receiving school within the rules needs the subject
    CAP = 40  #: a cap of the home school (or of the county) is used up
    KEEP = 50  #: the home school must keep teachers of this subject
    SHARE = 60  #: one more such teacher would break a share among those sent
    DESTINATION = 70  #: the open destinations first need other teachers
    FILLED = 80  #: every need within reach is already filled


class StayTest(NamedTuple):
    """One reason a rule can keep a teacher home.

    ``test(t)`` is the sentence, or None when it does not hold.
    """

    stage: Stage
    test: Callable[[int], str | None]


# ====================================================================== the protocol
class RuleModule(Protocol):
    """A rule module. Optional parts are declared as ``None`` in the module, never left out.

    Attributes
    ----------
    RULE_ID, SECTION : str
        The rule's id (ledger and checker; the module's name) and the policy section of its parameters.
    ORDER : int
        Its place in the registry (build order; equal-stage stay reasons; schools-table columns).
    TITLE, TITLE_ZH : str
        Its name in English and Chinese.
    TERMS : dict
        Objective terms it owns: name → (units per real unit, description).
    """

    RULE_ID: str
    SECTION: str
    ORDER: int
    TITLE: str
    TITLE_ZH: str
    TERMS: dict[str, tuple[int, str]]

    def build(self, ctx: Any, rule: Any) -> None:
        """Add the rule's named constraints and objective terms to the formulation."""

    def check(self, chk: CheckData, rule: Any) -> list[Violation]:
        """Recompute the rule on a plan with pandas only; one violation per broken instance."""

    def class_key(self, teachers: pd.DataFrame, schools: pd.DataFrame, rule: Any) -> list | None:
        """Per-teacher columns that make two teachers different to this rule (aggregation).

        None when the rule reads teachers one by one: then no two teachers are interchangeable and the model
        is not aggregated.
        """

    def binding_words(self, f: Facts, rule: Any, k: Key, usage: Usage | None) -> tuple[str, str]:
        """How one of its ledger instances reads (English, Chinese).

        With ``usage``, what a plan uses of it.
        """

    def stays(self, state: PlanState, rule: Any) -> list[StayTest]:
        """The reasons this rule can keep a movable teacher home in a plan."""

    def school_columns(self, state: PlanState, rule: Any) -> dict[str, Any]:
        """Columns the rule adds to the plan's schools table (name → one value per school)."""

    # optional parts (read-only, so a module's function or its ``None`` both satisfy them)
    @property
    def PARAMS(self) -> type:  # noqa: N802 - a module constant
        """The frozen parameter dataclass (the policy section's keys)."""

    @property
    def prune(self) -> Callable[..., np.ndarray] | None:
        """``prune(pairs, rule, data) -> keep mask``: pairs the rule forbids outright."""

    @property
    def assignment_words(self) -> Callable[..., str | None] | None:
        """``assignment_words(f, rule, t, s, km)``: what the rule says of one teacher's assignment."""

    @property
    def pair_words(self) -> Callable[..., str] | None:
        """``pair_words(f, rule, t, s, km)``: why the rule rules the pair (t, s) out."""

    @property
    def teacher_words(self) -> Callable[..., tuple[str, str]] | None:
        """``teacher_words(f, rule, t, km)``: why no school is open to teacher t (English, Chinese).

        Asked when this rule alone rules them all out.
        """

    @property
    def term_values(self) -> Callable[..., dict] | None:
        """``term_values(chk, rule) -> {term: value}``: its objective terms recounted from a plan."""

    @property
    def shortfalls(self) -> Callable[..., list[Shortfall]] | None:
        """``shortfalls(chk, rule) -> [Shortfall]``: its soft minima the plan falls short of.

        None for a rule without a minimum. A hard minimum is never a shortfall: its check reports it.
        """
