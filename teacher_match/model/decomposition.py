"""Exact decomposition: split a model into independent parts (no constraint shared) and solve each alone.

Two variables are *linked* when some constraint mentions both (enforcement literals included). The connected
components of that relation partition the variables and the constraints; the objective is a sum of one linear
part per component plus a constant. Hence

    min Σ_k f_k(x_k)  subject to  ⋀_k C_k(x_k)   =   Σ_k min f_k(x_k) subject to C_k(x_k)

and, for any solver bounds β_k ≤ min f_k, the sum Σ_k β_k is a lower bound of the **full** model: the plan
assembled from the parts is certified against the whole model, not against a reduction of it. A city of
several counties (or a county whose townships never exchange teachers) falls apart this way; a county-wide
rule (a county backbone share, a county quota or budget) links everything and leaves one component.

Components are computed with ``scipy.sparse.csgraph.connected_components`` on the bipartite graph of variables
and constraints, and each part becomes its own ``CpModel`` with variables renumbered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model
from scipy.sparse.csgraph import connected_components

__all__ = ["Part", "split"]


@dataclass
class Part:
    """One independent component: its sub-model and where its variables sit in the full model."""

    model: cp_model.CpModel
    variables: np.ndarray  # full-model index of each sub-model variable, in sub-model order

    @property
    def size(self) -> int:
        """Number of variables."""
        return len(self.variables)


def _refs(refs) -> np.ndarray:
    """Variable indices of references (a negated literal ``-v-1`` refers to ``v``)."""
    r = np.asarray(refs, dtype=np.int64)
    return np.where(r < 0, -r - 1, r)


def _remap(refs, new_index: np.ndarray) -> list[int]:
    """Rename variable references (a negated literal ``-v-1`` stays negated)."""
    r = np.asarray(refs, dtype=np.int64)
    pos = new_index[np.where(r < 0, -r - 1, r)]
    return np.where(r < 0, -pos - 1, pos).tolist()


def split(proto, min_parts: int = 2) -> list[Part] | None:
    """The independent parts of ``proto`` (largest first), or None when there are fewer than ``min_parts``.

    Only models whose constraints are all linear (with or without enforcement literals) and whose objective is
    linear are split; anything else returns None and is solved whole. Variables that no constraint mentions
    form one part together (presolve settles them at once). The objective's
    offset and scaling stay with the full model: each part's objective is its share of the linear terms.
    """
    n = len(proto.variables)
    if n == 0 or proto.has_floating_point_objective() or not proto.has_objective():
        return None
    var_parts, con_parts = [], []
    for i, ct in enumerate(proto.constraints):
        if not ct.has_linear():
            return None
        v = np.concatenate([_refs(list(ct.linear.vars)), _refs(list(ct.enforcement_literal))])
        var_parts.append(v)
        con_parts.append(np.full(len(v), i, dtype=np.int64))
    m = len(proto.constraints)
    v = np.concatenate(var_parts) if var_parts else np.zeros(0, dtype=np.int64)
    c = np.concatenate(con_parts) if con_parts else np.zeros(0, dtype=np.int64)
    # nodes 0..n-1: variables; n..n+m-1: constraints
    graph = sp.coo_matrix((np.ones(len(v), dtype=np.int8), (v, n + c)), shape=(n + m, n + m))
    count, label = connected_components(graph, directed=False)
    vlabel, clabel = label[:n], label[n:]
    # all variables that no constraint mentions go into one part: they are cheap, and fewer parts are clearer
    mentioned = np.zeros(n, dtype=bool)
    mentioned[v] = True
    if (~mentioned).any():
        vlabel = vlabel.copy()
        vlabel[~mentioned] = vlabel[np.flatnonzero(~mentioned)[0]]
    # order parts by size (largest first), ties by first variable: deterministic
    sizes = np.bincount(vlabel, minlength=count)
    first = np.full(count, n, dtype=np.int64)
    np.minimum.at(first, vlabel, np.arange(n))
    order = sorted((lab for lab in range(count) if sizes[lab]), key=lambda lab: (-sizes[lab], first[lab]))
    if len(order) < min_parts:
        return None
    obj_refs = np.asarray(list(proto.objective.vars), dtype=np.int64)
    obj_idx = _refs(obj_refs)
    obj_coef = np.asarray(list(proto.objective.coeffs), dtype=np.int64)
    hint_idx = np.asarray(list(proto.solution_hint.vars), dtype=np.int64)
    hint_val = np.asarray(list(proto.solution_hint.values), dtype=np.int64)
    cons_of: dict[int, list[int]] = {}
    for i, lab in enumerate(clabel):
        cons_of.setdefault(int(lab), []).append(i)
    parts = []
    new_index = np.full(n, -1, dtype=np.int64)
    for lab in order:
        vars_k = np.flatnonzero(vlabel == lab)
        new_index[vars_k] = np.arange(len(vars_k))
        model = cp_model.CpModel()
        sub = model.proto
        for j in vars_k:
            sub.variables.add().copy_from(proto.variables[int(j)])
        for i in cons_of.get(int(lab), ()):
            ct = sub.constraints.add()
            ct.copy_from(proto.constraints[i])
            refs = _remap(list(ct.linear.vars), new_index)
            ct.linear.vars.clear()
            ct.linear.vars.extend(refs)
            if len(ct.enforcement_literal):
                refs = _remap(list(ct.enforcement_literal), new_index)
                ct.enforcement_literal.clear()
                ct.enforcement_literal.extend(refs)
        sel = vlabel[obj_idx] == lab
        # an objective (even an empty one) keeps the part an optimisation problem, with a bound of 0
        sub.objective.vars.extend(_remap(obj_refs[sel], new_index))
        sub.objective.coeffs.extend(obj_coef[sel].tolist())
        if len(hint_idx):
            hsel = vlabel[hint_idx] == lab
            sub.solution_hint.vars.extend(new_index[hint_idx[hsel]].tolist())
            sub.solution_hint.values.extend(hint_val[hsel].tolist())
        parts.append(Part(model, vars_k))
        new_index[vars_k] = -1
    return parts
