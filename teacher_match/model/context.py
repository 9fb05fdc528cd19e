"""The formulation context: candidate pairs, the decision variables ``x[t, s]``, the ledger and the terms.

``x[t, s] = 1`` ⇔ teacher ``t`` rotates to school ``s``. Only *candidate* pairs get a variable: movable
teachers (mandatory / eligible) × receiving schools that declared a need in the teacher's subject, minus
the pairs a rule rules out (``prune``: flows, commute cap, protected subjects …).

Every constraint is added through :meth:`Context.add` with a deterministic name ``rule[key]`` and recorded in
the ledger (name → rule, key), which is what explanations and diagnoses read. Soft rules register their
penalty terms with :meth:`Context.term`; :mod:`teacher_match.model.objective` sums them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model, cp_model_helper
from ortools.util.python.sorted_interval_list import Domain

from ..rules.contract import Key, parse_key

if TYPE_CHECKING:
    from ..policy import Policy
    from ..problem import Problem
    from ..tie_order import TieOrder

__all__ = ["Context", "LedgerEntry", "Term"]


@dataclass(frozen=True)
class LedgerEntry:
    """One named constraint: ``name = rule[key]`` and the index of the constraint in the model proto."""

    name: str
    rule: str
    key: str
    index: int

    @property
    def parsed(self) -> Key:
        """The key's fields and flags (see :func:`teacher_match.rules.contract.parse_key`)."""
        return parse_key(self.key)


@dataclass
class Term:
    """An objective term: value = const + Σ coefs·vars, counted in ``units`` per real unit."""

    name: str
    units: int
    doc: str
    vars: list = field(default_factory=list)
    coefs: list = field(default_factory=list)
    const: int = 0

    def extend(self, variables, coefs, const: int = 0) -> None:
        """Add ``Σ coefs·variables + const`` to the term."""
        self.vars.extend(variables)
        # one conversion of the whole array (a Python int per element: the model takes plain ints)
        self.coefs.extend(np.asarray(coefs).astype(np.int64, copy=False).tolist())
        self.const += int(const)

    def expr(self) -> cp_model.LinearExpr:
        """The term as one linear expression (constant included)."""
        return cp_model.LinearExpr.weighted_sum(self.vars, self.coefs) + self.const

    def value(self, values: np.ndarray) -> int:
        """The term's value (in its units) for a full solution vector indexed by variable."""
        if not self.vars:
            return int(self.const)
        idx = np.fromiter((v.index for v in self.vars), dtype=np.int64, count=len(self.vars))
        return int(self.const + np.asarray(self.coefs, dtype=np.int64) @ values[idx])


class Context:
    """Everything a rule's ``build`` needs: data arrays, candidates, variables, ledger, terms.

    Attributes
    ----------
    teachers : DataFrame
        The roster (row position = teacher index ``t``) with ``status`` and ``school_pos`` added.
    schools : DataFrame
        Schools (row position = school index ``s``).
    model_pairs : DataFrame
        The pairs that got a variable — one row per (teacher or class of interchangeable teachers, school):
        ``t, s, from_s, subject, km, dkm, backbone, leader, status`` and
        ``c, n, ub``: the teacher's class, its size and the variable's upper bound. Without aggregation every
        teacher is a class of one (``c = t, n = ub = 1``); with it (see
        :mod:`teacher_match.model.aggregation`) a row stands for a whole class and ``t`` is its first member.
    teacher_pairs : DataFrame
        The teacher-level candidate pairs, one row per (teacher, school) (``model_pairs`` itself without
        aggregation): what a plan is read back into.
    x : list of IntVar
        ``x[i]`` is the variable of candidate row ``i``: a Boolean, or the number of class members sent.
    """

    def __init__(self, problem: Problem, policy: Policy, elig: pd.DataFrame, model_pairs: pd.DataFrame,
                 sending: np.ndarray, receiving: np.ndarray, *, teacher_pairs: pd.DataFrame | None = None,
                 classes: Any = None, timings: dict[str, float] | None = None):
        self.problem = problem
        self.policy = policy
        #: eligibility of every teacher (status, reason), roster order
        self.elig = elig
        self.model = cp_model.CpModel()
        self.teachers = problem.teachers.assign(status=elig["status"].to_numpy(),
                                                school_pos=problem.teacher_school_pos)
        self.schools = problem.schools
        self._school_ids = problem.schools["school_id"].to_numpy()
        if "c" not in model_pairs.columns:
            # every teacher a class of one: x[t, s] is a Boolean
            model_pairs = model_pairs.assign(c=model_pairs["t"].to_numpy(), n=1, ub=1)
        self.model_pairs = model_pairs
        #: the teacher-level candidate pairs (``model_pairs`` itself without aggregation)
        self.teacher_pairs = model_pairs if teacher_pairs is None else teacher_pairs
        #: the aggregation classes (see :mod:`teacher_match.model.aggregation`), None without aggregation
        self.classes = classes
        #: seconds each build phase took
        self.timings: dict[str, float] = dict(timings or {})
        self.sending = sending
        self.receiving = receiving
        n = len(model_pairs)
        self.aggregated = bool(len(model_pairs)) and int(model_pairs["n"].max()) > 1
        # names are cheap and make the exported model readable: x[T00042,S012] (or y[T00042+,S012] for a
        # class)
        tid = self.teachers["teacher_id"].to_numpy()
        sid = self.schools["school_id"].to_numpy()
        ub = model_pairs["ub"].to_numpy()
        # plain arrays: rules ask for class sizes and bounds thousands of times
        self._c, self._n, self._ub = model_pairs["c"].to_numpy(), model_pairs["n"].to_numpy(), ub
        # what new_bool_var / new_int_var do, with one Domain object per upper bound instead of one per
        # variable (measured: 474,548 variables in 0.85 s instead of 1.5 s)
        new_var, proto = cp_model_helper.IntVar, self.model.model_proto
        domains = {int(u): Domain(0, int(u)) for u in np.unique(ub)}
        self.x = [new_var(proto).with_name(f"x[{tid[t]},{sid[s]}]" if u == 1 else f"y[{tid[t]}+,{sid[s]}]")
                  .with_domain(domains[u])
                  for t, s, u in zip(model_pairs["t"].to_numpy(), model_pairs["s"].to_numpy(), ub.tolist(),
                                     strict=True)]
        assert len(self.x) == n
        # ``x`` as an object array, for xs() (np.array(list of IntVar) would try to unpack the variables)
        self._xarr = np.empty(n, dtype=object)
        self._xarr[:] = self.x
        #: proto index of each ``x[i]`` (to read a solution vector): the model's first variables, in row order
        self.x_index = np.arange(n, dtype=np.int64)
        assert not n or (self.x[0].index, self.x[-1].index) == (0, n - 1)
        self.ledger: list[LedgerEntry] = []
        self.terms: dict[str, Term] = {}
        self.notes: list[str] = []
        #: soft minima: (shortfall variable index, candidate rows, minimum), see soft_minimum
        self.slacks: list[tuple[int, np.ndarray, int]] = []
        #: sending school → (required rotations, shortfall variable or None when hard), set by min_rotation
        self.rotation_floor: dict[int, tuple] = {}
        #: how many implied inequalities solve added (model/strengthen.py); None until it does
        self.strengthened: int | None = None
        #: the planned modes' candidates (teacher, school, mode) and their Booleans (rules/modes.py); None and
        #: empty for a policy without planned modes
        self.mode_pairs: pd.DataFrame | None = None
        self.mode_x: list = []
        self._tie_order: TieOrder | None = None

    @property
    def tie_order(self) -> TieOrder:
        """The published tie order of this roster under this policy (:mod:`teacher_match.tie_order`)."""
        if self._tie_order is None:
            from ..tie_order import TieOrder as Order  # (it reads the rules' keys: imported when first asked)

            self._tie_order = Order.of_context(self)
        return self._tie_order

    # ---------------------------------------------------------------- constraints
    def add(self, rule: str, key: str, bounded_expr: Any) -> cp_model.Constraint:
        """Add a named hard constraint ``rule[key]`` and record it in the ledger."""
        ct = self.model.add(bounded_expr)
        name = f"{rule}[{key}]"
        ct.with_name(name)
        self.ledger.append(LedgerEntry(name, rule, key, ct.index))
        return ct

    def soft_minimum(self, rule: str, key: str, rows, lo: int, var_name: str) -> cp_model.IntVar:
        """A soft minimum ``Σ x[rows] + short ≥ lo`` (named ``rule[key]``); returns ``short ∈ [0, lo]``.

        A plan's shortfall is its least value ``max(0, lo − Σ x[rows])`` (see :meth:`with_least_shortfalls`):
        when the shortfall is not in the objective (a lexicographic stage without it) or other rows push it up
        (implied inequalities), the solver may leave it higher, and the reported value must not depend on
        that.
        """
        short = self.model.new_int_var(0, int(lo), var_name)
        self.add(rule, key, self.xsum(rows) + short >= int(lo))
        self.slacks.append((short.index, np.asarray(rows, dtype=np.int64), int(lo)))
        return short

    def with_least_shortfalls(self, values: np.ndarray) -> np.ndarray:
        """A copy of a solution with every soft minimum's shortfall at its least value for the plan."""
        values = np.array(values, dtype=np.int64)
        for var, rows, lo in self.slacks:
            values[var] = max(0, lo - int(values[self.x_index[rows]].sum()))
        return values

    def add_cover(self, *args: Any, **kw: Any) -> Any:
        """The generalized-assignment cover of :func:`teacher_match.model.itinerant.add_cover` on this model.

        Itinerant teaching (走教): the rule module asks for it here, the rules being below the solver.
        """
        from .itinerant import add_cover

        return add_cover(self.model, *args, **kw)

    def term(self, name: str, units: int = 1, doc: str = "") -> Term:
        """The objective term ``name`` (created on first use)."""
        if name not in self.terms:
            self.terms[name] = Term(name, units, doc)
        return self.terms[name]

    # ---------------------------------------------------------------- helpers
    def xs(self, rows) -> list:
        """Variables of the given candidate rows."""
        # one fancy index instead of a Python loop over the rows (measured: 0.75 s of the metro's build)
        return self._xarr[np.asarray(rows, dtype=np.int64)].tolist()

    def sum_of(self, variables: list) -> cp_model.LinearExpr:
        """Σ of any variables (a rule holds no solver import)."""
        return cp_model.LinearExpr.sum(variables)

    def xsum(self, rows) -> cp_model.LinearExpr:
        """Σ x over the given candidate rows."""
        return cp_model.LinearExpr.sum(self.xs(rows))

    def max_teachers(self, rows) -> int:
        """How many distinct teachers the given candidate rows can move at most (Σ class sizes)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return 0
        _, first = np.unique(self._c[rows], return_index=True)
        return int(self._n[rows][first].sum())

    def max_flow(self, rows) -> int:
        """Σ of the variables' upper bounds over the given candidate rows."""
        return int(self._ub[np.asarray(rows, dtype=np.int64)].sum()) if len(rows) else 0

    def groups(self, *cols: str) -> dict:
        """Candidate row indices grouped by the given columns (sorted keys: deterministic order)."""
        if not len(self.model_pairs):
            return {}
        g = self.model_pairs.groupby(list(cols), sort=True).indices
        return dict(sorted(g.items()))

    def school_id(self, s: int) -> str:
        """school_id of school position ``s``."""
        return str(self._school_ids[s])
