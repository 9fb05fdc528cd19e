"""A model with most decisions fixed, as a small model of its own: exact, and milliseconds to solve.

An explanation asks many questions of one model in which almost every decision is fixed at the plan's value:
"everyone else as in the plan, this teacher forced to rotate — which rule instances forbid it?", "the best
plan that changes only these teachers". CP-SAT would load and presolve the whole model for each question
(a 10,000-teacher county: 83,535 variables). :class:`Restriction` reads the model once and, per question,
writes only what the free decisions touch:

    F = the free candidate rows ∪ every other variable (not a candidate row: a shortfall, an enforcement
        literal) reachable from them through constraints — the closure stops at candidate rows, which stay
        fixed unless named free;
    C = the constraints that mention a variable of F, each with its fixed variables moved into its bounds.

A constraint outside ``C`` mentions no variable of ``F``: it holds at the given values whatever the free
variables do (the given values must satisfy it — a plan's complete solution does), so the restricted model has
exactly the solutions of the whole model with the fixed variables at their values, and its objective differs
from the whole model's by a constant. Only linear constraints (with or without enforcement literals) are read;
a model with anything else raises ``ValueError`` when the restriction is made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model

__all__ = ["Restriction", "Restricted"]

#: CP-SAT's domains use ±(2^63 − 1) for unbounded; such an end is not shifted
_HUGE = 2**62


def _refs(refs: np.ndarray) -> np.ndarray:
    return np.where(refs < 0, -refs - 1, refs)


@dataclass
class Restricted:
    """One restricted model: the model, the whole model's index of each of its variables, and back."""

    model: cp_model.CpModel
    variables: np.ndarray          # whole-model index of each restricted variable (position = new index)
    new_index: dict                # whole-model index → restricted index
    constraints: np.ndarray        # whole-model constraint index of each restricted constraint

    def expand(self, base: np.ndarray, values) -> np.ndarray:
        """The whole model's solution: ``base`` with the restricted variables' ``values``."""
        out = np.array(base, dtype=np.int64)
        out[self.variables] = np.asarray(values, dtype=np.int64)[: len(self.variables)]
        return out


class Restriction:
    """The model read once (constraints as arrays, variable → constraints), restricted per question.

    Parameters
    ----------
    model : CpModel
        Linear constraints only (enforcement literals allowed); its objective, if any, is carried over.
    n_rows : int
        The candidate rows are the model's first ``n_rows`` variables; a closure never frees one of them.
    """

    def __init__(self, model: cp_model.CpModel, n_rows: int):
        proto = model.proto
        self.n_rows = int(n_rows)
        n = len(proto.variables)
        self.n_vars = n
        self.domains = [list(v.domain) for v in proto.variables]
        self.cons: list[tuple[np.ndarray, np.ndarray, list, np.ndarray]] = []
        rows, cols = [], []
        for i, ct in enumerate(proto.constraints):
            if not ct.has_linear():
                raise ValueError(f"constraint {ct.name or i} is not linear")
            refs = np.asarray(list(ct.linear.vars), dtype=np.int64)
            coefs = np.asarray(list(ct.linear.coeffs), dtype=np.int64)
            enf = np.asarray(list(ct.enforcement_literal), dtype=np.int64)
            self.cons.append((refs, coefs, list(ct.linear.domain), enf))
            touched = np.unique(np.concatenate([_refs(refs), _refs(enf)]))
            rows.append(np.full(len(touched), i, dtype=np.int64))
            cols.append(touched)
        m = len(self.cons)
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        #: variable → constraints that mention it (CSR)
        self.var_cons = sp.csr_matrix((np.ones(len(r), dtype=np.int8), (c, r)), shape=(n, m))
        #: constraint → variables (CSR)
        self.con_vars = self.var_cons.T.tocsr()
        obj = proto.objective
        self.obj_refs = np.asarray(list(obj.vars), dtype=np.int64)
        self.obj_coefs = np.asarray(list(obj.coeffs), dtype=np.int64)
        self.has_objective = proto.has_objective()

    def closure(self, free_rows) -> tuple[np.ndarray, np.ndarray]:
        """The free variables ``F`` and the constraints ``C`` (sorted whole-model indices) of a question."""
        free = np.zeros(self.n_vars, dtype=bool)
        seen = np.zeros(len(self.cons), dtype=bool)
        frontier = np.unique(np.asarray(free_rows, dtype=np.int64))
        free[frontier] = True
        while len(frontier):
            cs = np.unique(self.var_cons[frontier].indices)
            cs = cs[~seen[cs]]
            seen[cs] = True
            vs = np.unique(self.con_vars[cs].indices) if len(cs) else np.zeros(0, dtype=np.int64)
            # other variables (shortfalls, enforcement literals) follow; candidate rows stay fixed
            vs = vs[(vs >= self.n_rows) & ~free[vs]]
            free[vs] = True
            frontier = vs
        return np.flatnonzero(free), np.flatnonzero(seen)

    def restrict(self, free_rows, values: np.ndarray, objective: bool = False) -> Restricted:
        """The model with every variable outside the closure of ``free_rows`` fixed at ``values``.

        ``values`` is a complete solution of the whole model (a plan's, with its shortfalls). With
        ``objective`` the restricted model minimises the whole objective's free part.
        """
        values = np.asarray(values, dtype=np.int64)
        free, cons = self.closure(free_rows)
        new_index = np.full(self.n_vars, -1, dtype=np.int64)
        new_index[free] = np.arange(len(free))
        model = cp_model.CpModel()
        proto = model.proto
        for j in free.tolist():
            proto.variables.add().domain.extend(self.domains[j])
        kept = []
        for i in cons.tolist():
            refs, coefs, dom, enf = self.cons[i]
            # an enforcement literal fixed false switches the constraint off; fixed true, it is dropped
            live_enf = []
            off = False
            for e in enf.tolist():
                v = -e - 1 if e < 0 else e
                if new_index[v] >= 0:
                    live_enf.append(-int(new_index[v]) - 1 if e < 0 else int(new_index[v]))
                elif bool(values[v]) == (e < 0):
                    off = True
            if off:
                continue
            idx = _refs(refs)
            neg = refs < 0
            # a negated literal ¬v reads 1 − v
            const = int(coefs[neg].sum()) if neg.any() else 0
            c = np.where(neg, -coefs, coefs)
            is_free = new_index[idx] >= 0
            const += int(c[~is_free] @ values[idx[~is_free]]) if (~is_free).any() else 0
            ct = proto.constraints.add()
            ct.linear.vars.extend(new_index[idx[is_free]].tolist())
            ct.linear.coeffs.extend(c[is_free].tolist())
            ct.linear.domain.extend([d if abs(d) >= _HUGE else d - const for d in dom])
            if live_enf:
                ct.enforcement_literal.extend(live_enf)
            kept.append(i)
        if objective and self.has_objective:
            idx = _refs(self.obj_refs)
            neg = self.obj_refs < 0
            c = np.where(neg, -self.obj_coefs, self.obj_coefs)
            sel = new_index[idx] >= 0
            proto.objective.vars.extend(new_index[idx[sel]].tolist())
            proto.objective.coeffs.extend(c[sel].tolist())
        elif objective:
            proto.objective.vars.extend([])
        return Restricted(model, free, {int(j): k for k, j in enumerate(free.tolist())},
                          np.asarray(kept, dtype=np.int64))

    def violated(self, values: np.ndarray, skip_free: bool = False) -> bool:
        """Whether ``values`` break a constraint.

        With ``skip_free`` only constraints on candidate rows alone, without enforcement literals, are read
        (the others are left to a restricted solve).
        """
        values = np.asarray(values, dtype=np.int64)
        for refs, coefs, dom, enf in self.cons:
            idx = _refs(refs)
            if skip_free and (len(enf) or (idx >= self.n_rows).any()):
                continue
            if len(enf):
                e = _refs(enf)
                if not all(bool(values[v]) != (r < 0) for v, r in zip(e.tolist(), enf.tolist(), strict=True)):
                    continue
            v = values[idx]
            act = int(coefs @ np.where(refs < 0, 1 - v, v))
            if not any(lo <= act <= hi for lo, hi in zip(dom[::2], dom[1::2], strict=True)):
                return True
        return False

    def objective_units(self, values: np.ndarray) -> int:
        """The whole model's objective (integer units, offset left out) of a complete solution."""
        if not len(self.obj_refs):
            return 0
        idx = _refs(self.obj_refs)
        v = np.asarray(values, dtype=np.int64)[idx]
        v = np.where(self.obj_refs < 0, 1 - v, v)
        return int(self.obj_coefs @ v)
